/**
 * The plain tensor: a typed array plus a row-major shape. No autograd, no strides.
 * float32 is the storage type; float64 exists so the reference engine can run tight gradient checks.
 */
export type FloatArray = Float32Array | Float64Array;
export type DType = 'float32' | 'float64';

export interface Tensor {
  data: FloatArray;
  shape: number[];
}

/** Number of elements a shape describes. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function allocate(dtype: DType, length: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
}

export function dtypeOf(data: FloatArray): DType {
  return data instanceof Float64Array ? 'float64' : 'float32';
}

/** A zero tensor of the given shape. */
export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return { data: allocate(dtype, numel(shape)), shape: [...shape] };
}

/** Builds a tensor from nested arrays or a flat array plus a shape. */
export function tensor(values: ArrayLike<number> | number[][] | number[][][], shape?: readonly number[], dtype: DType = 'float32'): Tensor {
  const flat: number[] = [];
  const inferred: number[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (Array.isArray(v)) {
      if (inferred.length <= depth) inferred.push(v.length);
      else if (inferred[depth] !== v.length) throw new RangeError(`tensor: ragged nested array: expected length ${inferred[depth]} at depth ${depth}, received ${v.length}`);
      for (const e of v) walk(e, depth + 1);
    } else if (typeof v === 'number') {
      flat.push(v);
    } else {
      throw new TypeError(`tensor: expected numbers or nested arrays of numbers, received ${typeof v}`);
    }
  };
  if (Array.isArray(values)) walk(values, 0);
  else for (let i = 0; i < values.length; i++) flat.push(values[i]);
  const finalShape = shape ? [...shape] : inferred.length ? inferred : [flat.length];
  if (numel(finalShape) !== flat.length) {
    throw new RangeError(`tensor: shape [${finalShape.join(', ')}] needs ${numel(finalShape)} values, received ${flat.length}`);
  }
  const data = allocate(dtype, flat.length);
  data.set(flat);
  return { data, shape: finalShape };
}

/** Copies a tensor (data and shape). */
export function clone(t: Tensor): Tensor {
  return { data: t.data.slice(), shape: [...t.shape] };
}

/** Nested arrays, for printing and tests. */
export function toArray(t: Tensor): unknown {
  const build = (offset: number, dim: number): unknown => {
    if (dim === t.shape.length) return t.data[offset];
    const stride = numel(t.shape.slice(dim + 1));
    const out: unknown[] = [];
    for (let i = 0; i < t.shape[dim]; i++) out.push(build(offset + i * stride, dim + 1));
    return out;
  };
  return build(0, 0);
}

export function shapeToString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Whether two arrays overlap in memory (views of one buffer whose byte ranges meet). */
export function sharesMemory(a: FloatArray, b: FloatArray): boolean {
  if (a.buffer !== b.buffer) return false;
  const a0 = a.byteOffset, a1 = a0 + a.byteLength, b0 = b.byteOffset, b1 = b0 + b.byteLength;
  return a0 < b1 && b0 < a1;
}
