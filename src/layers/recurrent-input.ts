/**
 * What a recurrent layer accepts, checked before any kernel runs: the input sequence (with optional
 * per-sequence lengths), initial states, and upstream gradients. Every message names the argument, what
 * was expected and what arrived.
 */
import type { CellKind } from '../backend/backend.js';
import type { DType, FloatArray, Tensor } from '../tensor.js';
import { dtypeOf } from '../tensor.js';
import { checkInt, checkTensor, describe } from '../errors.js';

/**
 * A sequence batch [B, T, F] (batch-first) or [T, B, F] (time-major), optionally ragged: `lengths` holds one
 * length in 1..T per sequence, in any order (PyTorch's pack_padded_sequence(enforce_sorted=False)). Steps
 * past a sequence's length are padding: they are never computed, and the layer's output there is zero.
 */
export type SequenceTensor = Tensor & { lengths?: Int32Array | number[] | null };

/** The sizes a check needs to know about the layer. */
export interface LayerSizes {
  readonly cell: CellKind;
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** 0 = none; else the size of h (LSTM projection, PyTorch's proj_size) */
  readonly projSize: number;
  readonly numLayers: number;
  readonly numDirections: number;
  readonly batchFirst: boolean;
  readonly dtype: DType;
}

export interface CheckedInput {
  T: number;
  B: number;
  x: FloatArray;
  /** a private copy of x.lengths, or null (every sequence has T steps) */
  lengths: Int32Array | null;
  h0: FloatArray | null;
  c0: FloatArray | null;
}

export interface CheckedUpstream {
  dOutput: FloatArray | null;
  dhN: FloatArray | null;
  dcN: FloatArray | null;
}

/**
 * B lengths in [1, T] as a new Int32Array (so a caller changing theirs later cannot change what backward
 * sees), or null when none were given. Accepts an Int32Array or an array of integers. Messages name
 * `${call}(${arg})` and `${call}(${arg}[i])`.
 */
export function checkLengths(call: string, arg: string, value: unknown, B: number, T: number): Int32Array | null {
  const label = `${call}(${arg})`;
  if (value === undefined || value === null) return null;
  if (!(value instanceof Int32Array) && !Array.isArray(value)) {
    throw new TypeError(`${label}: expected an Int32Array or an array of ${B} integers in [1, ${T}] (one per sequence), received ${describe(value)}`);
  }
  if (value.length !== B) {
    throw new RangeError(`${label}: expected ${B} lengths (one per sequence, B = ${B}), received ${describe(value)}`);
  }
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) out[b] = checkInt(`${call}(${arg}[${b}])`, value[b], 1, T);
  return out;
}

/** The size of h: projSize when the layer has a projection, else hiddenSize (c is always hiddenSize). */
export function hSize(layer: LayerSizes): number {
  return layer.projSize > 0 ? layer.projSize : layer.hiddenSize;
}

function checkDtype(label: string, data: FloatArray, dtype: DType): void {
  if (dtypeOf(data) !== dtype) {
    throw new TypeError(`${label}: expected ${dtype === 'float32' ? 'a Float32Array' : 'a Float64Array'} (the layer's dtype), received ${describe(data)}`);
  }
}

/** Checks x (and x.lengths), h0 and c0 against the layer; returns the sizes and what the kernels read. */
export function checkForwardInputs(name: string, layer: LayerSizes, x: SequenceTensor, h0: Tensor | null, c0: Tensor | null): CheckedInput {
  const shape = checkTensor(`${name}.forward(x)`, x, 3);
  const [T, B] = layer.batchFirst ? [shape[1], shape[0]] : [shape[0], shape[1]];
  const layout = layer.batchFirst ? '[B, T, inputSize]' : '[T, B, inputSize]';
  if (shape[2] !== layer.inputSize) {
    throw new RangeError(`${name}.forward(x): expected shape ${layout} with inputSize ${layer.inputSize}, received [${shape.join(', ')}]`);
  }
  if (T === 0) throw new RangeError(`${name}.forward(x): expected at least one time step, received an empty sequence (shape [${shape.join(', ')}])`);
  if (B === 0) throw new RangeError(`${name}.forward(x): expected a batch of at least 1, received shape [${shape.join(', ')}]`);
  checkDtype(`${name}.forward(x)`, x.data, layer.dtype);
  const lengths = checkLengths(`${name}.forward`, 'x.lengths', x.lengths, B, T);
  const LD = layer.numLayers * layer.numDirections;
  for (const [label, s, shape] of [['h0', h0, [LD, B, hSize(layer)]], ['c0', c0, [LD, B, layer.hiddenSize]]] as const) {
    if (!s) continue;
    checkTensor(`${name}.forward(${label})`, s, shape);
    checkDtype(`${name}.forward(${label})`, s.data, layer.dtype);
  }
  if (c0 && layer.cell !== 'lstm') throw new TypeError(`${name}.forward(c0): only LSTM has a cell state, received a c0 tensor`);
  return { T, B, x: x.data, lengths, h0: h0?.data ?? null, c0: c0?.data ?? null };
}

/** Checks dOutput, dhN and dcN against the shapes of the forward being undone (missing ones are zeros). */
export function checkUpstream(name: string, layer: LayerSizes, grads: unknown, T: number, B: number): CheckedUpstream {
  if (typeof grads !== 'object' || grads === null) {
    throw new TypeError(`${name}.backward(grads): expected { dOutput?, dhN?, dcN? }, received ${describe(grads)}`);
  }
  const { dOutput, dhN, dcN } = grads as { dOutput?: Tensor | null; dhN?: Tensor | null; dcN?: Tensor | null };
  const F = layer.numDirections * hSize(layer);
  const outShape = layer.batchFirst ? [B, T, F] : [T, B, F];
  const LD = layer.numLayers * layer.numDirections;
  const hShape = [LD, B, hSize(layer)];
  const cShape = [LD, B, layer.hiddenSize];
  for (const [label, g, shape] of [['dOutput', dOutput, outShape], ['dhN', dhN, hShape], ['dcN', dcN, cShape]] as const) {
    if (!g) continue;
    checkTensor(`${name}.backward(${label})`, g, shape);
    checkDtype(`${name}.backward(${label})`, g.data, layer.dtype);
  }
  if (dcN && layer.cell !== 'lstm') throw new TypeError(`${name}.backward(dcN): only LSTM has a cell state, received a dcN tensor`);
  return { dOutput: dOutput?.data ?? null, dhN: dhN?.data ?? null, dcN: dcN?.data ?? null };
}
