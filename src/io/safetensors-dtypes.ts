/**
 * The safetensors dtypes this reader understands and how each widens to float32/float64.
 * Floats decode exactly (F64 → float32 rounds, as any float32 store must); integers become their nearest
 * float, which is exact below 2^24 (float32) or 2^53 (float64).
 */
import type { DType, FloatArray } from '../tensor.js';
import { allocate } from '../tensor.js';
import { fromLittleEndian } from './endian.js';
import { bfloat16ToFloat32, halfToNumber } from './half.js';

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Bytes per element of every dtype we read. */
export const DTYPE_SIZE: Readonly<Record<SafetensorsDType, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

/** Dtypes the format defines that we recognise but cannot turn into floats (yet). */
export const UNSUPPORTED_DTYPES: readonly string[] = ['F8_E4M3', 'F8_E5M2', 'U16', 'U32', 'U64', 'C64'];

export function isSupportedDType(value: string): value is SafetensorsDType {
  return Object.prototype.hasOwnProperty.call(DTYPE_SIZE, value);
}

/**
 * Decodes `bytes` (exactly numel · size of `dtype`, little-endian) into a new float array.
 * Copies first, so the source may sit at any byte offset and the result never aliases the file buffer.
 */
export function decodeTensorData(bytes: Uint8Array, dtype: SafetensorsDType, out: DType): FloatArray {
  const size = DTYPE_SIZE[dtype];
  // a fresh, aligned ArrayBuffer; not bytes.slice(), which on a Node Buffer is a view into the file
  const copy = new Uint8Array(bytes);
  fromLittleEndian(copy, size);
  const n = copy.length / size;
  const buf = copy.buffer;
  switch (dtype) {
    case 'F32':
      return out === 'float32' ? new Float32Array(buf, 0, n) : Float64Array.from(new Float32Array(buf, 0, n));
    case 'F64':
      return out === 'float64' ? new Float64Array(buf, 0, n) : Float32Array.from(new Float64Array(buf, 0, n));
    case 'BF16': {
      const f32 = new Float32Array(n);
      bfloat16ToFloat32(new Uint16Array(buf, 0, n), f32);
      return out === 'float32' ? f32 : Float64Array.from(f32);
    }
    case 'F16':
      return widen(new Uint16Array(buf, 0, n), out, halfToNumber);
    case 'I64':
      return widen(new BigInt64Array(buf, 0, n), out, Number);
    case 'I32':
      return widen(new Int32Array(buf, 0, n), out);
    case 'I16':
      return widen(new Int16Array(buf, 0, n), out);
    case 'I8':
      return widen(new Int8Array(buf, 0, n), out);
    case 'U8':
    case 'BOOL':
      return widen(copy, out);
  }
}

function widen<V>(src: ArrayLike<V>, out: DType, convert: (v: V) => number = (v) => v as number): FloatArray {
  const result = allocate(out, src.length);
  for (let i = 0; i < src.length; i++) result[i] = convert(src[i]);
  return result;
}
