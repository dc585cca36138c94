/**
 * 16-bit float decoding. IEEE half (F16): 1 sign, 5 exponent (bias 15), 10 mantissa bits.
 * bfloat16 (BF16): the top 16 bits of a float32, so it widens exactly by a shift.
 */

/** The value of one IEEE half-precision bit pattern (subnormals, ±Infinity and NaN included). */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero or subnormal
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
}

/** Writes the float32 values of bfloat16 bit patterns into `out` (exact: bf16 is a truncated float32). */
export function bfloat16ToFloat32(bits: Uint16Array, out: Float32Array): void {
  const outBits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < bits.length; i++) outBits[i] = bits[i] << 16;
}
