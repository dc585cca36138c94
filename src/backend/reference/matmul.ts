/**
 * The three matrix products every kernel needs, as plain loops. Row-major throughout.
 * Sums run in JS numbers (float64) and are stored once, so float32 results are as exact as they can be.
 *
 *   matmulAddABt:  out[M, N] (+)= a[M, K] · b[N, K]ᵀ     (x · Wᵀ: forward projections)
 *   matmulAddAB:   out[M, N] (+)= a[M, K] · b[K, N]      (dpre · W: gradients flowing to inputs)
 *   matmulAddAtB:  out[N, K] (+)= a[M, N]ᵀ · b[M, K]     (dpreᵀ · x: weight gradients)
 *
 * Offsets let callers address a block inside a larger buffer without copying. (Linear uses these three.)
 */
import type { FloatArray } from '../../tensor.js';

export function matmulAddABt(
  out: FloatArray, outOff: number,
  a: FloatArray, aOff: number,
  b: FloatArray,
  M: number, N: number, K: number,
): void {
  for (let m = 0; m < M; m++) {
    const ar = aOff + m * K;
    const or = outOff + m * N;
    for (let n = 0; n < N; n++) {
      const br = n * K;
      let sum = 0;
      for (let k = 0; k < K; k++) sum += a[ar + k] * b[br + k];
      out[or + n] += sum;
    }
  }
}

export function matmulAddAB(
  out: FloatArray, outOff: number,
  a: FloatArray, aOff: number,
  b: FloatArray,
  M: number, N: number, K: number,
): void {
  const row = new Float64Array(N);
  for (let m = 0; m < M; m++) {
    row.fill(0);
    const ar = aOff + m * K;
    for (let k = 0; k < K; k++) {
      const av = a[ar + k];
      if (av === 0) continue;
      const br = k * N;
      for (let n = 0; n < N; n++) row[n] += av * b[br + n];
    }
    const or = outOff + m * N;
    for (let n = 0; n < N; n++) out[or + n] += row[n];
  }
}

export function matmulAddAtB(
  out: FloatArray,
  a: FloatArray, aOff: number,
  b: FloatArray, bOff: number,
  M: number, N: number, K: number,
): void {
  // out[n, k] += Σ_m a[m, n] · b[m, k]; accumulate one output row at a time in float64.
  const row = new Float64Array(K);
  for (let n = 0; n < N; n++) {
    row.fill(0);
    for (let m = 0; m < M; m++) {
      const av = a[aOff + m * N + n];
      if (av === 0) continue;
      const br = bOff + m * K;
      for (let k = 0; k < K; k++) row[k] += av * b[br + k];
    }
    const or = n * K;
    for (let k = 0; k < K; k++) out[or + k] += row[k];
  }
}

/*
 * Gathered and scattered rows (the recurrent kernels). The kernels work on "entries" m ∈ [m0, m1) — one
 * per sequence and step (common.ts, the step plan). One side of each product is a row of a caller's array
 * at a listed offset (row[m], any layout); the other side is contiguous and indexed from m0 (a per-step
 * scratch, or a subarray of an [N, ·] array starting at entry m0). Sums run in float64, stored once.
 *
 *   gatherMatmulABt:  out row m−m0 (N)  += (a's row at aRow[m], K) · w[N, K]ᵀ   (x_t · W_ihᵀ, h_{t−1} · W_hhᵀ)
 *   scatterMatmulAB:  out's row at outRow[m] (N) += a row m−m0 (K) · w[K, N]      (dgates · W into dx, dh rows)
 *   gatherMatmulAtB:  out[N, K] += Σ_m (a row m−m0, N)ᵀ · (b's row at bRow[m], K)  (weight gradients)
 */

/** out[(m−m0)·N + n] += Σ_k a[aRow[m] + k] · w[n·K + k]  for m ∈ [m0, m1). */
export function gatherMatmulABt(
  out: FloatArray, a: FloatArray, aRow: Int32Array, w: FloatArray,
  m0: number, m1: number, N: number, K: number,
): void {
  let m = m0;
  for (; m + 2 <= m1; m += 2) {
    const ar = aRow[m], br = aRow[m + 1];
    const or = (m - m0) * N;
    for (let n = 0; n < N; n++) dot2(a, ar, br, w, n * K, K, out, or + n, or + N + n);
  }
  for (; m < m1; m++) {
    const ar = aRow[m];
    const or = (m - m0) * N;
    for (let n = 0; n < N; n++) out[or + n] += dot(a, ar, w, n * K, K);
  }
}

/** dot() for two rows of a against one row of w (each w value read once for both), added to out[o1], out[o2]. */
function dot2(a: FloatArray, ao: number, bo: number, w: FloatArray, wo: number, K: number, out: FloatArray, o1: number, o2: number): void {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const w0 = w[wo + k], w1 = w[wo + k + 1], w2 = w[wo + k + 2], w3 = w[wo + k + 3];
    s0 += a[ao + k] * w0;
    s1 += a[ao + k + 1] * w1;
    s2 += a[ao + k + 2] * w2;
    s3 += a[ao + k + 3] * w3;
    t0 += a[bo + k] * w0;
    t1 += a[bo + k + 1] * w1;
    t2 += a[bo + k + 2] * w2;
    t3 += a[bo + k + 3] * w3;
  }
  for (; k < K; k++) {
    s0 += a[ao + k] * w[wo + k];
    t0 += a[bo + k] * w[wo + k];
  }
  out[o1] += (s0 + s1) + (s2 + s3);
  out[o2] += (t0 + t1) + (t2 + t3);
}

/**
 * Σ_k a[ao + k] · w[wo + k] in float64, as four interleaved partial sums: four independent add chains
 * run about three times faster than one in V8, and in float64 the split stays far below float32 rounding.
 */
function dot(a: FloatArray, ao: number, w: FloatArray, wo: number, K: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    s0 += a[ao + k] * w[wo + k];
    s1 += a[ao + k + 1] * w[wo + k + 1];
    s2 += a[ao + k + 2] * w[wo + k + 2];
    s3 += a[ao + k + 3] * w[wo + k + 3];
  }
  for (; k < K; k++) s0 += a[ao + k] * w[wo + k];
  return (s0 + s1) + (s2 + s3);
}

/** out[outRow[m] + n] += Σ_k a[(m−m0)·K + k] · w[k·N + n]  for m ∈ [m0, m1). */
export function scatterMatmulAB(
  out: FloatArray, outRow: Int32Array, a: FloatArray, w: FloatArray,
  m0: number, m1: number, N: number, K: number,
): void {
  const row = new Float64Array(N);
  for (let m = m0; m < m1; m++) {
    row.fill(0);
    const ar = (m - m0) * K;
    for (let k = 0; k < K; k++) {
      const av = a[ar + k];
      if (av === 0) continue;
      const wr = k * N;
      for (let n = 0; n < N; n++) row[n] += av * w[wr + n];
    }
    const or = outRow[m];
    for (let n = 0; n < N; n++) out[or + n] += row[n];
  }
}

/** out[n·K + k] += Σ_{m ∈ [m0, m1)} a[(m−m0)·N + n] · b[bRow[m] + k]. */
export function gatherMatmulAtB(
  out: FloatArray, a: FloatArray, b: FloatArray, bRow: Int32Array,
  m0: number, m1: number, N: number, K: number,
): void {
  if (m1 <= m0) return;
  const row = new Float64Array(K);
  for (let n = 0; n < N; n++) {
    row.fill(0);
    for (let m = m0; m < m1; m++) {
      const av = a[(m - m0) * N + n];
      if (av === 0) continue;
      const br = bRow[m];
      for (let k = 0; k < K; k++) row[k] += av * b[br + k];
    }
    const or = n * K;
    for (let k = 0; k < K; k++) out[or + k] += row[k];
  }
}
