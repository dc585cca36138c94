/**
 * Turning a sequence of hidden states into one vector per example (the "many → one" step), honouring each
 * example's true length so padding never leaks into the result.
 *
 *   'last': h at the last real step (t = length − 1) of the forward direction; for a bidirectional layer
 *           the reverse direction's final state (t = 0) — exact only when the batch has no right padding
 *           in the reverse direction's path, i.e. all lengths equal T. Use 'mean' or 'max' otherwise.
 *   'mean': average over t < length.   'max': element-wise maximum over t < length.
 *
 * output [B, T, F] (F = D·H), lengths [B] → pooled [B, F].
 */
import type { FloatArray, Tensor } from '../tensor.js';
import { allocate, dtypeOf } from '../tensor.js';

export type Pooling = 'last' | 'mean' | 'max';

export interface PoolState {
  kind: Pooling;
  B: number;
  T: number;
  F: number;
  D: number;
  lengths: Int32Array;
  /** for 'max': the time index each pooled value came from */
  argmax: Int32Array | null;
}

export function poolForward(kind: Pooling, output: Tensor, lengths: Int32Array, D: number): { pooled: Tensor; state: PoolState } {
  const [B, T, F] = output.shape;
  const H = F / D;
  const out = allocate(dtypeOf(output.data), B * F);
  const y = output.data;
  const argmax = kind === 'max' ? new Int32Array(B * F) : null;
  for (let b = 0; b < B; b++) {
    const len = lengths[b];
    const row = (t: number): number => (b * T + t) * F;
    if (kind === 'last') {
      out.set(y.subarray(row(len - 1), row(len - 1) + H), b * F);
      if (D === 2) out.set(y.subarray(row(0) + H, row(0) + 2 * H), b * F + H);
    } else if (kind === 'mean') {
      for (let t = 0; t < len; t++) for (let f = 0; f < F; f++) out[b * F + f] += y[row(t) + f];
      for (let f = 0; f < F; f++) out[b * F + f] /= len;
    } else {
      for (let f = 0; f < F; f++) {
        let best = -Infinity;
        let at = 0;
        for (let t = 0; t < len; t++) {
          const v = y[row(t) + f];
          if (v > best) { best = v; at = t; }
        }
        out[b * F + f] = best;
        argmax![b * F + f] = at;
      }
    }
  }
  return { pooled: { data: out, shape: [B, F] }, state: { kind, B, T, F, D, lengths, argmax } };
}

/** dPooled [B, F] → dOutput [B, T, F]. */
export function poolBackward(state: PoolState, dPooled: FloatArray): Tensor {
  const { kind, B, T, F, D, lengths, argmax } = state;
  const H = F / D;
  const d = allocate(dtypeOf(dPooled), B * T * F);
  for (let b = 0; b < B; b++) {
    const len = lengths[b];
    const row = (t: number): number => (b * T + t) * F;
    if (kind === 'last') {
      for (let f = 0; f < H; f++) d[row(len - 1) + f] += dPooled[b * F + f];
      if (D === 2) for (let f = 0; f < H; f++) d[row(0) + H + f] += dPooled[b * F + H + f];
    } else if (kind === 'mean') {
      for (let t = 0; t < len; t++) for (let f = 0; f < F; f++) d[row(t) + f] += dPooled[b * F + f] / len;
    } else {
      for (let f = 0; f < F; f++) d[row(argmax![b * F + f]) + f] += dPooled[b * F + f];
    }
  }
  return { data: d, shape: [B, T, F] };
}
