/**
 * What every reference kernel (rnn.ts, lstm.ts, gru.ts) shares: the step plan, which turns the contract's
 * layouts (batch-first or time-major rows, a direction's column block of y, ragged lengths) into row
 * offsets, and the gradient tail common to all cells.
 *
 * The step plan lists every (step, sequence) pair that is computed, in processing order. Entry m is
 * sequence b = batch[m] at processing step s: steps s = 0 … T−1 in order and, within a step, every b with
 * lengths[b] > s in increasing b. Entries of step s are m ∈ [start[s], start[s+1]). Step 0 holds every
 * sequence (lengths are ≥ 1), so entries 0 … B−1 are sequences 0 … B−1 at their first step. Sequence b at
 * step s is at time t = reverse ? lengths[b]−1−s : s — so a reverse direction starts at each sequence's own
 * last step, as PyTorch's packed sequences do. N = Σ lengths entries; padded steps have none, so they are
 * never computed. For entry m:
 *   xRow[m]      first float of x_t (and of dx_t): rowOf(batchFirst, T, B, t, b)·I
 *   yRow[m]      first float of this direction's block of y_t (and of dy_t): row·yStride + yOffset
 *   hRow[m]      first float of sequence b's row in a [B, P] array (h0, hN, the running h): b·P
 *   prev[m]      the same sequence's entry one step earlier, −1 at step 0
 *   prevYRow[m]  yRow[prev[m]], where h_{t−1} sits in y (−1 at step 0, where h_{t−1} is h0 or zeros)
 * P is the size of h: H, or an LSTM's projection size (1 ≤ P < H); an LSTM's cell-state rows ([B, H]: c0,
 * cN, the running c) are at batch[m]·H. Kernels index their training cache and their per-call scratch by
 * entry: row m of an [N, ·] array.
 */
import type { CellKind, RecurrentBackwardArgs, RecurrentForwardArgs, RecurrentSizes } from '../backend.js';
import { lengthOf, rowOf } from '../backend.js';
import type { FloatArray } from '../../tensor.js';
import { describe } from '../../errors.js';
import { gatherMatmulAtB, scatterMatmulAB } from './matmul.js';

export interface StepPlan {
  /** number of entries, Σ lengths */
  N: number;
  /** [T + 1]: entries of step s are [start[s], start[s+1]) */
  start: Int32Array;
  batch: Int32Array;
  xRow: Int32Array;
  yRow: Int32Array;
  hRow: Int32Array;
  prev: Int32Array;
  prevYRow: Int32Array;
}

const MAX_OFFSET = 2 ** 31 - 1;

/** Checks what the plan relies on (lengths, the y block), then lists the entries. */
export function stepPlan(cell: string, a: RecurrentSizes): StepPlan {
  const { T, B, I, P, reverse, batchFirst, lengths, yStride, yOffset } = a;
  checkLayout(cell, a);
  let N = 0;
  for (let b = 0; b < B; b++) N += lengthOf(lengths, T, b);
  const plan: StepPlan = {
    N,
    start: new Int32Array(T + 1),
    batch: new Int32Array(N),
    xRow: new Int32Array(N),
    yRow: new Int32Array(N),
    hRow: new Int32Array(N),
    prev: new Int32Array(N),
    prevYRow: new Int32Array(N),
  };
  const latest = new Int32Array(B).fill(-1); // each sequence's most recent entry
  let m = 0;
  for (let s = 0; s < T; s++) {
    plan.start[s] = m;
    for (let b = 0; b < B; b++) {
      const len = lengthOf(lengths, T, b);
      if (s >= len) continue;
      const row = rowOf(batchFirst, T, B, reverse ? len - 1 - s : s, b);
      plan.batch[m] = b;
      plan.xRow[m] = row * I;
      plan.yRow[m] = row * yStride + yOffset;
      plan.hRow[m] = b * P;
      plan.prev[m] = latest[b];
      plan.prevYRow[m] = latest[b] >= 0 ? plan.yRow[latest[b]] : -1;
      latest[b] = m;
      m++;
    }
  }
  plan.start[T] = m;
  return plan;
}

function checkLayout(cell: string, a: RecurrentSizes): void {
  const { T, B, I, P, lengths, yStride, yOffset } = a;
  if (!Number.isInteger(yStride) || yStride < P) {
    throw new RangeError(`${cell}: expected yStride an integer >= P = ${P}, received ${yStride}`);
  }
  if (!Number.isInteger(yOffset) || yOffset < 0 || yOffset > yStride - P) {
    throw new RangeError(`${cell}: expected yOffset an integer in [0, yStride − P] = [0, ${yStride - P}], received ${yOffset}`);
  }
  if (T * B * Math.max(I, yStride) > MAX_OFFSET) {
    throw new RangeError(`${cell}: the reference engine addresses at most 2^31 − 1 floats per array, received T·B·max(I, yStride) = ${T * B * Math.max(I, yStride)}`);
  }
  if (lengths === null) return;
  if (!(lengths instanceof Int32Array)) throw new TypeError(`${cell}: expected lengths an Int32Array or null, received ${describe(lengths)}`);
  if (lengths.length !== B) throw new RangeError(`${cell}: expected B = ${B} lengths, received ${describe(lengths)}`);
  for (let b = 0; b < B; b++) {
    if (lengths[b] < 1 || lengths[b] > T) throw new RangeError(`${cell}: expected lengths[${b}] in [1, T] = [1, ${T}], received ${lengths[b]}`);
  }
}

/**
 * The projection fields every cell receives (contract v2): P = H and no W_hr for RNN, GRU and a plain LSTM;
 * an LSTM with a projection has 1 ≤ P < H and weightHr [P, H] (and, in backward, dWeightHr [P, H]).
 */
export function checkProjection(cell: CellKind, a: RecurrentForwardArgs | RecurrentBackwardArgs, call: 'forward' | 'backward'): void {
  const { H, P } = a;
  const label = `${cell} ${call}`;
  if (typeof P !== 'number') throw new TypeError(`${label}: expected P (the size of h) an integer, received ${describe(P)}`);
  if (cell !== 'lstm' && P !== H) {
    throw new RangeError(`${label}: expected P = H = ${H} (only an LSTM has a projection, P < H), received P = ${describe(P)}`);
  }
  if (!Number.isInteger(P) || P < 1 || P > H) throw new RangeError(`${label}: expected P an integer in [1, H] = [1, ${H}], received ${describe(P)}`);
  const fields: [string, unknown][] = [['weightHr', a.weightHr]];
  if (call === 'backward') fields.push(['dWeightHr', (a as RecurrentBackwardArgs).dWeightHr]);
  for (const [name, value] of fields) {
    if (P === H) {
      if (value !== null && value !== undefined) {
        throw new TypeError(`${label}: expected ${name} null (no projection: P = H = ${H}), received ${describe(value)}`);
      }
    } else if (!(value instanceof Float32Array || value instanceof Float64Array)) {
      throw new TypeError(`${label}: expected ${name} a Float32Array or Float64Array of P·H = ${P * H} floats (projection P = ${P} < H = ${H}), received ${describe(value)}`);
    } else if (value.length !== P * H) {
      throw new RangeError(`${label}: expected ${name} [P, H] = [${P}, ${H}] (${P * H} floats), received ${describe(value)}`);
    }
  }
}

/** Zeros this direction's block of y at every padded step (t ≥ lengths[b]). */
export function zeroPaddedSteps(y: FloatArray, a: RecurrentSizes): void {
  const { T, B, P, batchFirst, lengths, yStride, yOffset } = a;
  if (!lengths) return;
  for (let b = 0; b < B; b++) {
    for (let t = lengths[b]; t < T; t++) {
      const o = rowOf(batchFirst, T, B, t, b) * yStride + yOffset;
      y.fill(0, o, o + P);
    }
  }
}

/** The running state of every sequence [B, n] (n = P for h, H for c) in y's type, from h0/c0 or zeros. */
export function initialState(like: FloatArray, B: number, n: number, init: FloatArray | null): FloatArray {
  const state = new (like.constructor as { new (n: number): FloatArray })(B * n);
  if (init) state.set(init.subarray(0, B * n));
  return state;
}

/** A [B, n] float64 gradient state, starting from the upstream gradient or zeros. */
export function gradientState(B: number, n: number, upstream: FloatArray | null): Float64Array {
  const state = new Float64Array(B * n);
  if (upstream) state.set(upstream.subarray(0, B * n));
  return state;
}

/** b_ih + b_hh as one row (either may be null: it then adds nothing). */
export function biasRow(n: number, biasIh: FloatArray | null, biasHh: FloatArray | null): Float64Array {
  const row = new Float64Array(n);
  for (let j = 0; j < n; j++) row[j] = (biasIh ? biasIh[j] : 0) + (biasHh ? biasHh[j] : 0);
  return row;
}

/** Sets the first `rows` rows of `out` (width row.length) to `row`. */
export function fillRows(out: Float64Array, rows: number, row: Float64Array): void {
  for (let r = 0; r < rows; r++) out.set(row, r * row.length);
}

/** The logistic function 1 / (1 + e^−v), written so that neither branch overflows. */
export function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** db[j] += Σ_r d[r, j] over `rows` rows of width n (a bias gradient). No-op when db is null. */
export function addColumnSums(db: FloatArray | null, d: FloatArray, rows: number, n: number): void {
  if (!db) return;
  const sum = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    for (let j = 0; j < n; j++) sum[j] += d[o + j];
  }
  for (let j = 0; j < n; j++) db[j] += sum[j];
}

/**
 * The tail every cell's backward ends with, over all N entries at once. dgi and dgh [N, G] (G gate columns)
 * are the gradients of the input-side pre-activations (x_t · W_ihᵀ + b_ih) and of the recurrent-side ones
 * (h_{t−1} · W_hhᵀ + b_hh); RNN and LSTM pass the same array twice, GRU two (they differ in the n gate).
 *   dx_t  += dgi_t · W_ih               dW_ih += Σ dgi_tᵀ · x_t          db_ih += Σ dgi_t
 *   dW_hh += Σ dgh_tᵀ · h_{t−1}         db_hh += Σ dgh_t                  (W_hh [G, P], h_{t−1} of size P)
 * h_{t−1} is the previous step's y (entries of steps ≥ 1) or h0 (step 0, entries 0 … B−1; a null h0 is zeros
 * and adds nothing).
 */
export function addWeightAndInputGradients(a: RecurrentBackwardArgs, plan: StepPlan, dgi: Float64Array, dgh: Float64Array, G: number): void {
  const { T, I, P, x, y, h0, weightIh, dx, dWeightIh, dWeightHh, dBiasIh, dBiasHh } = a;
  const { N } = plan;
  const firstStep = plan.start[Math.min(1, T)]; // entries of step 0: B (0 when T = 0)
  if (dx) scatterMatmulAB(dx, plan.xRow, dgi, weightIh, 0, N, I, G); // null: the input gradient is not wanted
  gatherMatmulAtB(dWeightIh, dgi, x, plan.xRow, 0, N, G, I);
  gatherMatmulAtB(dWeightHh, dgh.subarray(firstStep * G), y, plan.prevYRow, firstStep, N, G, P);
  if (h0) gatherMatmulAtB(dWeightHh, dgh, h0, plan.hRow, 0, firstStep, G, P);
  addColumnSums(dBiasIh, dgi, N, G);
  addColumnSums(dBiasHh, dgh, N, G);
}

/**
 * The training cache, checked: a forward may run without one (null: nothing kept), a backward may not.
 * `needed` is cacheSize(cell, T, B, H, P); entries use its first N rows.
 */
export function checkedCache(cell: string, call: 'forward', cache: FloatArray | null, needed: number): FloatArray | null;
export function checkedCache(cell: string, call: 'backward', cache: FloatArray | null, needed: number): FloatArray;
export function checkedCache(cell: string, call: 'forward' | 'backward', cache: FloatArray | null, needed: number): FloatArray | null {
  if (!cache && (call === 'forward' || needed === 0)) return call === 'forward' ? null : new Float64Array(0);
  if (!cache || cache.length < needed) {
    const hint = call === 'backward' && !cache ? ' (run the forward with a cache, in training mode)' : '';
    throw new RangeError(`${cell} ${call}: expected a training cache of cacheSize = ${needed} floats${hint}, received ${cache ? `${cache.length} floats` : 'null'}`);
  }
  return cache;
}
