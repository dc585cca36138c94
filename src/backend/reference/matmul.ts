/**
 * The three matrix products every kernel needs, as plain loops. Row-major throughout.
 * Sums run in JS numbers (float64) and are stored once, so float32 results are as exact as they can be.
 *
 *   matmulAddABt:  out[M, N] (+)= a[M, K] · b[N, K]ᵀ     (x · Wᵀ: forward projections)
 *   matmulAddAB:   out[M, N] (+)= a[M, K] · b[K, N]      (dpre · W: gradients flowing to inputs)
 *   matmulAddAtB:  out[N, K] (+)= a[M, N]ᵀ · b[M, K]     (dpreᵀ · x: weight gradients)
 *
 * Offsets let callers address one time step inside a [T, B, ·] buffer without copying.
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
