/**
 * Turning a sequence of hidden states into one vector per example (the "many → one" step). The recurrent
 * layer ran on packed sequences (x.lengths), so padding never reaches any of these:
 *
 *   'last': the last layer's final states hN — the forward direction's state after step length − 1 and, for
 *           a bidirectional layer, the reverse direction's state after its last step (t = 0), so both
 *           have read the whole example. Exact for every length; backpropagated through dhN.
 *   'mean': the output averaged over t < length.   'max': its element-wise maximum over t < length.
 *
 * output [B, T, F] (F = D·H, batch-first), hN [L·D, B, H], lengths [B] → pooled [B, F], laid out like an
 * output row: [forward direction | reverse direction].
 */
import type { FloatArray, Tensor } from '../tensor.js';
import { allocate, dtypeOf, zeros } from '../tensor.js';
import type { RecurrentGradients, RecurrentOutput, RecurrentStates } from '../layers/recurrent.js';

export type Pooling = 'last' | 'mean' | 'max';

export interface PoolState {
  kind: Pooling;
  B: number;
  T: number;
  F: number;
  /** directions and layers of the recurrent stack (hN has L·D rows of [B, H]) */
  D: number;
  L: number;
  lengths: Int32Array;
  /** for 'max': the time index each pooled value came from */
  argmax: Int32Array | null;
}

/** rnn: the layer's result — with its output sequence for 'mean' and 'max'; 'last' reads hN only. */
export function poolForward(kind: Pooling, rnn: RecurrentOutput | RecurrentStates, lengths: Int32Array, D: number): { pooled: Tensor; state: PoolState } {
  const [LD, B, H] = rnn.hN.shape;
  const F = D * H;
  const L = LD / D;
  const output = 'output' in rnn ? rnn.output : null;
  if (kind !== 'last' && !output) throw new Error(`poolForward: pooling '${kind}' needs the layer's output sequence`);
  const T = output ? output.shape[1] : 0;
  const out = allocate(dtypeOf(rnn.hN.data), B * F);
  const y = output ? output.data : rnn.hN.data;
  const argmax = kind === 'max' ? new Int32Array(B * F) : null;
  for (let b = 0; b < B; b++) {
    const len = lengths[b];
    const o = b * F;
    if (kind === 'last') {
      for (let d = 0; d < D; d++) {
        const from = (((L - 1) * D + d) * B + b) * H;
        out.set(rnn.hN.data.subarray(from, from + H), o + d * H);
      }
    } else if (kind === 'mean') {
      for (let t = 0; t < len; t++) for (let f = 0; f < F; f++) out[o + f] += y[(b * T + t) * F + f];
      for (let f = 0; f < F; f++) out[o + f] /= len;
    } else {
      // Row by row (memory order); the first maximum wins ties, and a NaN is never taken (as before: v > best).
      out.fill(-Infinity, o, o + F);
      for (let t = 0; t < len; t++) {
        const row = (b * T + t) * F;
        for (let f = 0; f < F; f++) {
          const v = y[row + f];
          if (v > out[o + f]) {
            out[o + f] = v;
            argmax![o + f] = t;
          }
        }
      }
    }
  }
  return { pooled: { data: out, shape: [B, F] }, state: { kind, B, T, F, D, L, lengths, argmax } };
}

/**
 * The reusable dOutput array of poolBackward (grow-only): the recurrent layer only reads dOutput during its
 * backward, so the next batch can take the same memory. Only what the last call wrote is cleared again —
 * for 'max' pooling B·F values instead of B·T·F.
 */
export class PoolGradBuffer {
  private data: FloatArray | null = null;
  /** flat positions the last 'max' call wrote, or null when it wrote a whole prefix of `length` */
  private written: Int32Array | null = null;
  private length = 0;

  /** A zeroed array of `length` values of the given dtype; `positions` (optional) are the ones the caller will write. */
  take(dtype: 'float32' | 'float64', length: number, positions: Int32Array | null): FloatArray {
    if (!this.data || this.data.length < length || dtypeOf(this.data) !== dtype) {
      this.data = allocate(dtype, Math.max(length, this.data?.length ?? 0));
    } else if (this.written) {
      for (const i of this.written) this.data[i] = 0;
    } else {
      this.data.fill(0, 0, this.length);
    }
    this.written = positions;
    this.length = length;
    return this.data.subarray(0, length);
  }
}

/**
 * dPooled [B, F] → the recurrent layer's upstream gradients: dhN for 'last', dOutput [B, T, F] otherwise
 * (in `buffer`'s memory when one is given, else a new array).
 */
export function poolBackward(state: PoolState, dPooled: FloatArray, buffer?: PoolGradBuffer): RecurrentGradients {
  const { kind, B, T, F, D, L, lengths, argmax } = state;
  const H = F / D;
  const dtype = dtypeOf(dPooled);
  if (kind === 'last') {
    const dhN = zeros([L * D, B, H], dtype);
    for (let b = 0; b < B; b++) {
      for (let d = 0; d < D; d++) dhN.data.set(dPooled.subarray(b * F + d * H, b * F + (d + 1) * H), (((L - 1) * D + d) * B + b) * H);
    }
    return { dhN };
  }
  let positions: Int32Array | null = null;
  if (kind === 'max') {
    positions = new Int32Array(B * F);
    for (let b = 0; b < B; b++) for (let f = 0; f < F; f++) positions[b * F + f] = b * T * F + argmax![b * F + f] * F + f;
  }
  const d = buffer ? buffer.take(dtype, B * T * F, positions) : allocate(dtype, B * T * F);
  if (positions) {
    for (let i = 0; i < B * F; i++) d[positions[i]] += dPooled[i];
    return { dOutput: { data: d, shape: [B, T, F] } };
  }
  for (let b = 0; b < B; b++) {
    const len = lengths[b];
    const row = b * T * F;
    for (let t = 0; t < len; t++) for (let f = 0; f < F; f++) d[row + t * F + f] += dPooled[b * F + f] / len;
  }
  return { dOutput: { data: d, shape: [B, T, F] } };
}
