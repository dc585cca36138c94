/**
 * The call options of a recurrent layer's forward and backward, checked before any kernel runs:
 *   forward(…, { returnOutput?, out?: { output?, hN?, cN? } })
 *   backward(…, { inputGradient?, out?: { dInput?, dh0?, dc0? } })
 *
 * `out` (opt-in) names caller-owned tensors the call writes its results into instead of new arrays, so a
 * training loop that passes the same tensors every step allocates nothing per step. Each one must have
 * exactly the shape and dtype the result would have, and share no memory with another out tensor or with
 * anything the call reads (x, h0, c0, dOutput, dhN, dcN, or what the training forward kept: x and the
 * output). The result fields then hold the out arrays (their contents are overwritten; dInput is zeroed
 * first), and the caller must not read or write them until the call has returned (or its promise settled).
 */
import type { FloatArray, Tensor } from '../tensor.js';
import { dtypeOf, sharesMemory } from '../tensor.js';
import { checkBoolean, checkTensor, describe } from '../errors.js';
import { hSize, type LayerSizes } from './recurrent-input.js';

export interface ForwardOutTensors {
  output?: Tensor | null;
  hN?: Tensor | null;
  cN?: Tensor | null;
}

export interface BackwardOutTensors {
  dInput?: Tensor | null;
  dh0?: Tensor | null;
  dc0?: Tensor | null;
}

export interface ForwardOptions {
  /** default true; false: return { hN, cN } only, keeping the output sequence in the layer */
  returnOutput?: boolean;
  /** opt-in: write the results into these tensors (each optional) instead of new arrays */
  out?: ForwardOutTensors;
}

export interface BackwardOptions {
  /** default true; false: skip dInput (neither computed nor allocated) */
  inputGradient?: boolean;
  /** opt-in: write the gradients into these tensors (each optional) instead of new arrays */
  out?: BackwardOutTensors;
}

/** Checked out arrays (null: allocate a new one as usual). */
export interface ForwardOut {
  output: FloatArray | null;
  hN: FloatArray | null;
  cN: FloatArray | null;
}

export interface BackwardOut {
  dInput: FloatArray | null;
  dh0: FloatArray | null;
  dc0: FloatArray | null;
}

export const NO_FORWARD_OUT: ForwardOut = Object.freeze({ output: null, hN: null, cN: null });
export const NO_BACKWARD_OUT: BackwardOut = Object.freeze({ dInput: null, dh0: null, dc0: null });

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

function firstOverlap(data: FloatArray, lists: readonly (readonly ReadArray[])[]): string | null {
  for (let l = 0; l < lists.length; l++) {
    const list = lists[l];
    for (let i = 0; i < list.length; i++) {
      const other = list[i][1];
      if (other && sharesMemory(data, other)) return list[i][0];
    }
  }
  return null;
}


/** The options object's keys: only `flag` and `out` (undefined options → defaults). */
const NO_OPTIONS: Record<string, unknown> = Object.freeze({});

function optionsObject(where: string, options: unknown, flag: string): Record<string, unknown> {
  if (options === undefined) return NO_OPTIONS;
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: expected an options object, received ${describe(options)}`);
  for (const k of Object.keys(options)) {
    if (k !== flag && k !== 'out') {
      throw new TypeError(`${where}: expected only { ${flag}?: boolean, out?: { … } }, received unknown key ${JSON.stringify(k)}`);
    }
  }
  return options as Record<string, unknown>;
}

/**
 * Checks `out` against the shapes the call's results have: expected[name] is the shape, or a string saying
 * why that result does not exist in this call (then giving it is a TypeError).
 */
function checkOut(where: string, value: unknown, layer: LayerSizes, expected: Record<string, readonly number[] | string>, reads: Reads): Record<string, FloatArray | null> | null {
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
    checkTensor(label, t, shape);
    const data = (t as Tensor).data;
    if (dtypeOf(data) !== layer.dtype) {
      throw new TypeError(`${label}: expected ${layer.dtype === 'float32' ? 'a Float32Array' : 'a Float64Array'} (the layer's dtype), received ${describe(data)}`);
    }
    given.push([`out.${name}`, data]);
    result[name] = data;
  }
  const lists = [reads.call(), reads.fixed];
  for (let i = 0; i < given.length; i++) {
    const [name, data] = given[i];
    const clash = firstOverlap(data!, [given.slice(0, i)]) ?? firstOverlap(data!, lists);
    if (clash) throw new RangeError(`${where}.${name}: expected memory of its own, received an array that shares memory with ${clash}`);
  }
  return result;
}

/** forward's options: returnOutput and the checked out arrays. */
export function checkForwardOptions(name: string, options: unknown, layer: LayerSizes, T: number, B: number, reads: Reads): { returnOutput: boolean; out: ForwardOut } {
  const where = `${name}.forward(options)`;
  const o = optionsObject(where, options, 'returnOutput');
  const returnOutput = o.returnOutput === undefined ? true : checkBoolean(`${where}.returnOutput`, o.returnOutput);
  const LD = layer.numLayers * layer.numDirections;
  const F = layer.numDirections * hSize(layer);
  const out = checkOut(where, o.out, layer, {
    output: returnOutput ? (layer.batchFirst ? [B, T, F] : [T, B, F]) : 'returnOutput is false',
    hN: [LD, B, hSize(layer)],
    cN: layer.cell === 'lstm' ? [LD, B, layer.hiddenSize] : 'only an LSTM has a cell state',
  }, reads);
  return { returnOutput, out: out ? { output: out.output, hN: out.hN, cN: out.cN } : NO_FORWARD_OUT };
}

/** backward's options: inputGradient and the checked out arrays. */
export function checkBackwardOptions(name: string, options: unknown, layer: LayerSizes, T: number, B: number, reads: Reads): { inputGradient: boolean; out: BackwardOut } {
  const where = `${name}.backward(options)`;
  const o = optionsObject(where, options, 'inputGradient');
  const inputGradient = o.inputGradient === undefined ? true : checkBoolean(`${where}.inputGradient`, o.inputGradient);
  const LD = layer.numLayers * layer.numDirections;
  const out = checkOut(where, o.out, layer, {
    dInput: inputGradient ? (layer.batchFirst ? [B, T, layer.inputSize] : [T, B, layer.inputSize]) : 'inputGradient is false',
    dh0: [LD, B, hSize(layer)],
    dc0: layer.cell === 'lstm' ? [LD, B, layer.hiddenSize] : 'only an LSTM has a cell state',
  }, reads);
  return { inputGradient, out: out ? { dInput: out.dInput, dh0: out.dh0, dc0: out.dc0 } : NO_BACKWARD_OUT };
}
