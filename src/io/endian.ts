/**
 * Safetensors stores little-endian bytes. Typed-array views use the host's byte order, so on the rare
 * big-endian host we swap each element in place after copying; on little-endian hosts this is a no-op.
 */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the bytes of every `elementSize`-byte element of `bytes`, in place. */
export function swapBytes(bytes: Uint8Array, elementSize: number): void {
  if (elementSize === 1) return;
  for (let i = 0; i + elementSize <= bytes.length; i += elementSize) {
    for (let a = i, b = i + elementSize - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** Makes freshly copied little-endian bytes readable through a host-order typed-array view. */
export function fromLittleEndian(bytes: Uint8Array, elementSize: number): void {
  if (!HOST_IS_LITTLE_ENDIAN) swapBytes(bytes, elementSize);
}
