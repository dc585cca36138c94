/**
 * Argument checks shared by every public entry point. Each message says which argument, what was expected
 * and what arrived, so a caller can fix the call without reading our source.
 */
import type { FloatArray, Tensor } from './tensor.js';
import { numel, shapeToString } from './tensor.js';

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (Array.isArray(value)) return `an Array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<unknown>).length}`;
  if (typeof value === 'object') {
    const ctor = (value as object).constructor?.name;
    return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
  }
  return `a ${typeof value}`;
}

/** A whole number in [min, max]. */
export function checkInt(name: string, value: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') throw new TypeError(`${name}: expected an integer, received ${describe(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new RangeError(`${name}: expected an integer ${range}, received ${describe(value)}`);
  }
  return value;
}

/** A finite number in [min, max]; exclusive bounds when asked. */
export function checkNumber(
  name: string,
  value: unknown,
  { min = -Infinity, max = Infinity, minExclusive = false }: { min?: number; max?: number; minExclusive?: boolean } = {},
): number {
  if (typeof value !== 'number') throw new TypeError(`${name}: expected a number, received ${describe(value)}`);
  const low = minExclusive ? value <= min : value < min;
  if (!Number.isFinite(value) || low || value > max) {
    const lo = min === -Infinity ? '' : `${minExclusive ? '>' : '>='} ${min}`;
    const hi = max === Infinity ? '' : `<= ${max}`;
    const range = [lo, hi].filter(Boolean).join(' and ');
    throw new RangeError(`${name}: expected a finite number${range ? ' ' + range : ''}, received ${describe(value)}`);
  }
  return value;
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${name}: expected a boolean, received ${describe(value)}`);
  return value;
}

export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new (typeof value === 'string' ? RangeError : TypeError)(
      `${name}: expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, received ${describe(value)}`,
    );
  }
  return value as T;
}

export function isFloatArray(value: unknown): value is FloatArray {
  return value instanceof Float32Array || value instanceof Float64Array;
}

/**
 * A Tensor whose data is a Float32Array/Float64Array and whose shape matches `expected`
 * (a -1 entry matches any size; a number is a rank; omitted accepts any shape). Returns the shape.
 */
export function checkTensor(name: string, value: unknown, expected?: readonly number[] | number): number[] {
  if (typeof value !== 'object' || value === null || !('data' in value) || !('shape' in value)) {
    throw new TypeError(`${name}: expected a Tensor { data, shape }, received ${describe(value)}`);
  }
  const t = value as Tensor;
  if (!isFloatArray(t.data)) throw new TypeError(`${name}.data: expected a Float32Array or Float64Array, received ${describe(t.data)}`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new TypeError(`${name}.shape: expected an array of non-negative integers, received ${describe(t.shape)}`);
  }
  if (numel(t.shape) !== t.data.length) {
    throw new RangeError(`${name}: shape ${shapeToString(t.shape)} needs ${numel(t.shape)} values, but data has ${t.data.length}`);
  }
  if (expected === undefined) return t.shape;
  if (typeof expected === 'number') {
    if (t.shape.length !== expected) {
      throw new RangeError(`${name}: expected a ${expected}-D tensor, received shape ${shapeToString(t.shape)}`);
    }
  } else if (t.shape.length !== expected.length || expected.some((d, i) => d !== -1 && d !== t.shape[i])) {
    const want = `[${expected.map((d) => (d === -1 ? '*' : d)).join(', ')}]`;
    throw new RangeError(`${name}: expected shape ${want}, received ${shapeToString(t.shape)}`);
  }
  return t.shape;
}
