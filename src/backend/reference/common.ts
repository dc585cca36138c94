/**
 * Small helpers every reference kernel (rnn.ts, lstm.ts, gru.ts) shares.
 *
 * Shapes: T steps, B batch, H hidden, G gates; buffers are time-major [T, B, ·] and row-major.
 */
import type { FloatArray } from '../../tensor.js';
import { matmulAddAtB } from './matmul.js';

/** Step order for a direction: forward 0…T−1, reverse T−1…0. */
export function stepAt(i: number, T: number, reverse: boolean): number {
  return reverse ? T - 1 - i : i;
}

/** Adds a bias row to each of `rows` rows of width `n` starting at `off`. */
export function addBiasRows(out: FloatArray, off: number, bias: FloatArray | null, rows: number, n: number): void {
  if (!bias) return;
  for (let r = 0; r < rows; r++) {
    const o = off + r * n;
    for (let j = 0; j < n; j++) out[o + j] += bias[j];
  }
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
 * dW_hh[G, H] += Σ_t dpre_tᵀ · h_{t−1}, with h_{t−1} the previous step's output in processing order, h0
 * for the first step (skipped when h0 is null: zeros contribute nothing). dpre is [T, B, G], y [T, B, H].
 */
export function addRecurrentWeightGrad(
  dWeightHh: FloatArray, dpre: FloatArray, y: FloatArray, h0: FloatArray | null,
  T: number, B: number, G: number, H: number, reverse: boolean,
): void {
  for (let i = 0; i < T; i++) {
    const t = stepAt(i, T, reverse);
    if (i === 0) {
      if (h0) matmulAddAtB(dWeightHh, dpre, t * B * G, h0, 0, B, G, H);
    } else {
      matmulAddAtB(dWeightHh, dpre, t * B * G, y, stepAt(i - 1, T, reverse) * B * H, B, G, H);
    }
  }
}

/** The training cache a backward needs: throws when the forward kept none (or too little). */
export function keptCache(cell: string, cache: FloatArray | null, needed: number): FloatArray {
  if (needed === 0) return cache ?? new Float64Array(0);
  if (!cache || cache.length < needed) {
    throw new RangeError(`${cell} backward: expected the forward's training cache of ${needed} floats, received ${cache ? `${cache.length} floats` : 'null'}`);
  }
  return cache;
}
