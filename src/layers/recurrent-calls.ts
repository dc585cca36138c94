/**
 * The call plans of a recurrent stack: forward and backward written once, as generators that yield one
 * kernel call (one layer, one direction, whole sequence) at a time. The layer runs them synchronously or
 * awaits each call on the engine's worker thread (recurrent.ts), so the two paths cannot drift apart.
 *
 * No layout copies (backend.ts, contract v2): the kernels read and write the stack's arrays in place.
 *   - Layer k's output [B, T, D·P] (or [T, B, D·P]) is written by both directions (yStride = D·P,
 *     yOffset = d·P) and is layer k+1's input x (I = D·P) — or, with dropout in training, a masked copy.
 *   - Backward passes the caller's dOutput straight to the last layer's kernels as dy; both directions of
 *     layer k accumulate into one dX (zeroed first), which (times the dropout mask) is layer k−1's dy.
 *   - The last layer's output, hN, cN, dInput, dh0 and dc0 are allocated per call (the caller owns them),
 *     or are the caller's `out` arrays (recurrent-options.ts); intermediate outputs, training caches and
 *     the dX of layers k > 0 live in the layer's Workspace.
 *
 * Shapes: x [B, T, I] (batchFirst) or [T, B, I]; output [·, ·, D·P]; h0/hN/dh0 [L·D, B, P];
 * c0/cN/dc0 [L·D, B, H]. P = H, or an LSTM's projSize (every call passes P, weightHr and dWeightHr: the
 * layer's weight_hr_l{k}[_reverse], or null without a projection).
 */
import type { RecurrentBackwardArgs, RecurrentForwardArgs } from '../backend/backend.js';
import { cacheSize } from '../backend/backend.js';
import type { Parameter } from '../parameter.js';
import type { DType, FloatArray, Tensor } from '../tensor.js';
import { allocate, zeros } from '../tensor.js';
import type { CheckedInput, CheckedUpstream, LayerSizes, SequenceTensor } from './recurrent-input.js';
import { hSize } from './recurrent-input.js';
import { NO_BACKWARD_OUT, NO_FORWARD_OUT, type BackwardOut, type ForwardOut } from './recurrent-options.js';

export type KernelCall =
  | { op: 'forward'; args: RecurrentForwardArgs }
  | { op: 'backward'; args: RecurrentBackwardArgs };

/** One layer and direction's parameters, in PyTorch's order. */
export interface DirectionParams {
  weightIh: Parameter;
  weightHh: Parameter;
  biasIh: Parameter | null;
  biasHh: Parameter | null;
  /** weight_hr [P, H] (LSTM with projSize), else null */
  weightHr: Parameter | null;
}

export interface RecurrentOutput {
  /** [B, T, D·P] or [T, B, D·P]; carries the input's lengths (a copy), so a stacked model can pass it on */
  output: SequenceTensor;
  hN: Tensor;
  cN?: Tensor;
}

/** What forward returns with `{ returnOutput: false }`: the final states only. */
export interface RecurrentStates {
  hN: Tensor;
  cN?: Tensor;
}

export interface RecurrentInputGradients {
  dInput: Tensor;
  dh0: Tensor;
  dc0?: Tensor;
}

/** What backward returns with `{ inputGradient: false }`: the initial states' gradients only. */
export interface RecurrentStateGradients {
  dh0: Tensor;
  dc0?: Tensor;
}

/**
 * What a call returns, and so what it must allocate. returnOutput: false keeps the last layer's output in
 * the layer's workspace (a many-to-one model reads hN only); inputGradient: false skips dInput (an input
 * that needs no gradient, as PyTorch skips it when x does not require grad) — both spare a fresh array of
 * T·B·features floats per call, and the second the product that computes it.
 */
export interface CallOptions {
  returnOutput: boolean;
  inputGradient: boolean;
}

/** Grow-only arrays a layer keeps between calls; never handed to the caller. */
export class Workspace {
  private readonly buffers = new Map<string, FloatArray>();

  constructor(private readonly dtype: DType) {}

  /** Floats held (the grown sizes). */
  get size(): number {
    let n = 0;
    for (const b of this.buffers.values()) n += b.length;
    return n;
  }

  /** Drops every buffer (the next call allocates afresh). */
  clear(): void {
    this.buffers.clear();
  }

  /** A view of exactly n floats of buffer `key` (stale contents), growing it when too small. */
  take(key: string, n: number): FloatArray {
    let buf = this.buffers.get(key);
    if (!buf || buf.length < n) {
      buf = allocate(this.dtype, n);
      this.buffers.set(key, buf);
    }
    return buf.length === n ? buf : buf.subarray(0, n);
  }
}

/** Everything the plans need from the layer. */
export interface Stack extends LayerSizes {
  readonly dropout: number;
  readonly training: boolean;
  readonly params: readonly DirectionParams[];
  readonly workspace: Workspace;
  /** A fresh dropout mask of n floats (0 or 1/(1−p)), drawn from the layer's seeded generator. */
  dropoutMask(n: number): FloatArray;
}

/** What a training forward keeps for backward (all read in place; none of it is modified by backward). */
export interface SavedForward {
  T: number;
  B: number;
  lengths: Int32Array | null;
  /** per layer: its input x (the caller's x for k = 0; after dropout for k > 0), dropout mask, output y */
  inputs: FloatArray[];
  masks: (FloatArray | null)[];
  ys: FloatArray[];
  /** per layer·direction (index k·D + d): the engine's training cache (null when cacheSize is 0) */
  caches: (FloatArray | null)[];
  /** copies of h0 [L·D, B, P] / c0 [L·D, B, H] as forward received them, or null (zeros) */
  h0: FloatArray | null;
  c0: FloatArray | null;
}

/**
 * A new zeroed array for the caller, its pages touched here. Fresh memory faults on first touch; when the
 * engine's threads are the first to touch it they fault concurrently, which costs several times more than
 * one thread faulting the pages in ahead (measured: a 2-thread RNN backward 3.7× slower into an untouched
 * 1 MB dInput). fill(0) on a new array changes no value.
 */
function fresh(dtype: DType, n: number): FloatArray {
  return allocate(dtype, n).fill(0);
}

/** Rows [s·B·n, (s+1)·B·n) of a [L·D, B, n] state: layer·direction s. */
function stateOf(data: FloatArray, s: number, B: number, n: number): FloatArray {
  return data.subarray(s * B * n, (s + 1) * B * n);
}

/** A caller's out array as a tensor of `shape`, or a new zeroed one. */
function outOrZeros(data: FloatArray | null, shape: number[], dtype: DType): Tensor {
  return data ? { data, shape } : zeros(shape, dtype);
}

export function* forwardCalls(st: Stack, input: CheckedInput, returnOutput = true, out: ForwardOut = NO_FORWARD_OUT): Generator<KernelCall, { result: RecurrentOutput | RecurrentStates; saved: SavedForward | null }, void> {
  const { T, B, lengths } = input;
  const H = st.hiddenSize;
  const P = hSize(st);
  const D = st.numDirections;
  const L = st.numLayers;
  const train = st.training;
  // Every kernel overwrites its hN/cN rows (and its block of every y row): out arrays need no clearing.
  const hN = outOrZeros(out.hN, [L * D, B, P], st.dtype);
  const cN = st.cell === 'lstm' ? outOrZeros(out.cN, [L * D, B, H], st.dtype) : null;
  // Copies in training, so a caller reusing its h0/c0 buffers cannot change what backward sees.
  const h0 = input.h0 && train ? input.h0.slice() : input.h0;
  const c0 = input.c0 && train ? input.c0.slice() : input.c0;
  const saved: SavedForward = { T, B, lengths, inputs: [], masks: [], ys: [], caches: [], h0, c0 };
  const size = cacheSize(st.cell, T, B, H, P);
  let x = input.x;
  for (let k = 0; k < L; k++) {
    let mask: FloatArray | null = null;
    if (k > 0 && train && st.dropout > 0) {
      mask = st.dropoutMask(x.length);
      // A new array: the previous layer's output is still needed, unmasked, by its own backward.
      const masked = allocate(st.dtype, x.length);
      for (let i = 0; i < x.length; i++) masked[i] = x[i] * mask[i];
      x = masked;
    }
    const last = k === L - 1 && returnOutput;
    const y = last ? out.output ?? fresh(st.dtype, T * B * D * P) : st.workspace.take(`y${k}`, T * B * D * P);
    for (let d = 0; d < D; d++) {
      const s = k * D + d;
      const p = st.params[s];
      const cache = train && size > 0 ? st.workspace.take(`cache${s}`, size) : null;
      yield {
        op: 'forward',
        args: {
          T, B, I: k === 0 ? st.inputSize : D * P, H, P, reverse: d === 1, batchFirst: st.batchFirst, lengths,
          yStride: D * P, yOffset: d * P,
          y, hN: stateOf(hN.data, s, B, P), cN: cN ? stateOf(cN.data, s, B, H) : null, cache,
          x, h0: h0 ? stateOf(h0, s, B, P) : null, c0: c0 ? stateOf(c0, s, B, H) : null,
          weightIh: p.weightIh.value.data, weightHh: p.weightHh.value.data,
          biasIh: p.biasIh?.value.data ?? null, biasHh: p.biasHh?.value.data ?? null,
          weightHr: p.weightHr?.value.data ?? null,
        },
      };
      saved.caches.push(cache);
    }
    saved.inputs.push(x);
    saved.masks.push(mask);
    saved.ys.push(y);
    x = y;
  }
  const states: RecurrentStates = cN ? { hN, cN } : { hN };
  if (!returnOutput) return { result: states, saved: train ? saved : null };
  const output: SequenceTensor = { data: x, shape: st.batchFirst ? [B, T, D * P] : [T, B, D * P] };
  if (lengths) output.lengths = lengths.slice();
  return { result: { output, ...states }, saved: train ? saved : null };
}

export function* backwardCalls(st: Stack, saved: SavedForward, up: CheckedUpstream, inputGradient = true, out: BackwardOut = NO_BACKWARD_OUT): Generator<KernelCall, RecurrentInputGradients | RecurrentStateGradients, void> {
  const { T, B, lengths } = saved;
  const H = st.hiddenSize;
  const P = hSize(st);
  const D = st.numDirections;
  const L = st.numLayers;
  // dh0/dc0 rows are overwritten by their kernel; dInput is accumulated into (+=), so an out one is zeroed.
  const dh0 = outOrZeros(out.dh0, [L * D, B, P], st.dtype);
  const dc0 = st.cell === 'lstm' ? outOrZeros(out.dc0, [L * D, B, H], st.dtype) : null;
  const dInput = !inputGradient ? null : out.dInput ? out.dInput.fill(0) : fresh(st.dtype, T * B * st.inputSize);
  let dy = up.dOutput; // the caller's dOutput, read in place by the last layer's kernels
  for (let k = L - 1; k >= 0; k--) {
    const I = k === 0 ? st.inputSize : D * P;
    // Layer k−1 reads layer k's dX as its dy while writing its own: two buffers, used in turn.
    const dX = k === 0 ? dInput : st.workspace.take(`dx${k % 2}`, T * B * I).fill(0);
    for (let d = 0; d < D; d++) {
      const s = k * D + d;
      const p = st.params[s];
      yield {
        op: 'backward',
        args: {
          T, B, I, H, P, reverse: d === 1, batchFirst: st.batchFirst, lengths, yStride: D * P, yOffset: d * P,
          dx: dX, dh0: stateOf(dh0.data, s, B, P), dc0: dc0 ? stateOf(dc0.data, s, B, H) : null,
          dWeightIh: p.weightIh.grad.data, dWeightHh: p.weightHh.grad.data,
          dBiasIh: p.biasIh?.grad.data ?? null, dBiasHh: p.biasHh?.grad.data ?? null,
          dWeightHr: p.weightHr?.grad.data ?? null,
          dy,
          dhN: up.dhN ? stateOf(up.dhN, s, B, P) : null,
          dcN: up.dcN ? stateOf(up.dcN, s, B, H) : null,
          x: saved.inputs[k], h0: saved.h0 ? stateOf(saved.h0, s, B, P) : null, c0: saved.c0 ? stateOf(saved.c0, s, B, H) : null,
          weightIh: p.weightIh.value.data, weightHh: p.weightHh.value.data, weightHr: p.weightHr?.value.data ?? null,
          y: saved.ys[k], cache: saved.caches[s],
        },
      };
    }
    const mask = saved.masks[k];
    if (mask && dX) for (let i = 0; i < dX.length; i++) dX[i] *= mask[i];
    dy = dX;
  }
  const states: RecurrentStateGradients = dc0 ? { dh0, dc0 } : { dh0 };
  if (!dInput) return states;
  return { dInput: { data: dInput, shape: st.batchFirst ? [B, T, st.inputSize] : [T, B, st.inputSize] }, ...states };
}
