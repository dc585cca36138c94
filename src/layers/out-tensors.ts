/**
 * Opt-in `out` tensors, shared by every layer that takes them (recurrent layers, one-step cells, Linear):
 * caller-owned tensors a call writes its results into instead of new arrays. Each must have exactly the
 * result's shape and the layer's dtype, and share no memory with another out tensor or with anything the
 * call reads; all of it is checked before anything is written.
 */
import type { DType, FloatArray, Tensor } from '../tensor.js';
import { dtypeOf, shapeToString, sharesMemory } from '../tensor.js';
import { checkTensor, describe } from '../errors.js';

/** An array the call reads, which an out tensor may not overlap. */
export type ReadArray = readonly [name: string, data: FloatArray | null];

/**
 * The arrays a call reads: `fixed` (the layer's parameters and gradients, listed once per layer) and the
 * call's own, listed only when an out tensor is given (so a call without `out` allocates no list).
 */
export interface Reads {
  fixed: readonly ReadArray[];
  call(): readonly ReadArray[];
}

/** Whose dtype an out tensor must have, as error messages say it. */
export interface OutOwner {
  dtype: DType;
  /** 'layer' or 'cell' */
  noun: string;
}

/** The name of the first array in `lists` that shares memory with `data`, or null. */
export function firstOverlap(data: FloatArray, lists: readonly (readonly ReadArray[])[]): string | null {
  for (let l = 0; l < lists.length; l++) {
    const list = lists[l];
    for (let i = 0; i < list.length; i++) {
      const other = list[i][1];
      if (other && sharesMemory(data, other)) return list[i][0];
    }
  }
  return null;
}

/** Throws the RangeError for an out tensor sharing memory with `clash` (a name of firstOverlap). */
export function sharedMemoryError(label: string, clash: string): RangeError {
  return new RangeError(`${label}: expected memory of its own, received an array that shares memory with ${clash}`);
}

/**
 * One out tensor's shape and dtype: a Tensor of exactly `shape` (`shapeName`, when given, says what the
 * shape is made of, e.g. '[B, hiddenSize]') and the owner's dtype. Returns its data.
 */
export function checkOutShape(label: string, t: unknown, shape: readonly number[], owner: OutOwner, shapeName?: string): FloatArray {
  if (shapeName === undefined) {
    checkTensor(label, t, shape);
  } else {
    const got = checkTensor(label, t);
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      throw new RangeError(`${label}: expected shape ${shapeName} = ${shapeToString(shape)}, received ${shapeToString(got)}`);
    }
  }
  const data = (t as Tensor).data;
  if (dtypeOf(data) !== owner.dtype) {
    throw new TypeError(`${label}: expected ${owner.dtype === 'float32' ? 'a Float32Array' : 'a Float64Array'} (the ${owner.noun}'s dtype), received ${describe(data)}`);
  }
  return data;
}

/**
 * The options object of a call taking `out` (and the boolean `flag`, if any); undefined options → {}.
 * outForm is how messages spell `out`'s value.
 */
export function optionsObject(where: string, options: unknown, flag: string | null, outForm = '{ … }'): Record<string, unknown> {
  if (options === undefined) return NO_OPTIONS;
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: expected an options object, received ${describe(options)}`);
  for (const k of Object.keys(options)) {
    if (k !== flag && k !== 'out') {
      const keys = flag === null ? `out?: ${outForm}` : `${flag}?: boolean, out?: ${outForm}`;
      throw new TypeError(`${where}: expected only { ${keys} }, received unknown key ${JSON.stringify(k)}`);
    }
  }
  return options as Record<string, unknown>;
}

const NO_OPTIONS: Record<string, unknown> = Object.freeze({});

/**
 * Checks `out` { name: Tensor } against the shapes the call's results have: expected[name] is the shape,
 * or a string saying why that result does not exist in this call (then giving it is a TypeError);
 * shapeNames[name] describes a shape for the message. Shapes and dtypes first, then memory. Returns the
 * data by name (null where not given), or null without `out`.
 */
export function checkOutTensors(
  where: string, value: unknown, owner: OutOwner, expected: Record<string, readonly number[] | string>, reads: Reads,
  shapeNames: Record<string, string> = {},
): Record<string, FloatArray | null> | null {
  if (value === undefined || value === null) return null;
  const names = Object.keys(expected);
  if (typeof value !== 'object') throw new TypeError(`${where}.out: expected an object { ${names.map((n) => `${n}?`).join(', ')} }, received ${describe(value)}`);
  const result: Record<string, FloatArray | null> = {};
  for (const name of names) result[name] = null;
  const given: ReadArray[] = [];
  const keys = Object.keys(value);
  for (let k = 0; k < keys.length; k++) {
    const name = keys[k];
    const t = (value as Record<string, unknown>)[name];
    const label = `${where}.out.${name}`;
    if (!names.includes(name)) throw new TypeError(`${where}.out: expected only the keys ${names.join(', ')}, received unknown key ${JSON.stringify(name)}`);
    if (t === undefined || t === null) continue;
    const shape = expected[name];
    if (typeof shape === 'string') throw new TypeError(`${label}: expected no tensor (${shape}), received ${describe(t)}`);
    const data = checkOutShape(label, t, shape, owner, shapeNames[name]);
    given.push([`out.${name}`, data]);
    result[name] = data;
  }
  const lists = [reads.call(), reads.fixed];
  for (let i = 0; i < given.length; i++) {
    const [name, data] = given[i];
    const clash = firstOverlap(data!, [given.slice(0, i)]) ?? firstOverlap(data!, lists);
    if (clash) throw sharedMemoryError(`${where}.${name}`, clash);
  }
  return result;
}
