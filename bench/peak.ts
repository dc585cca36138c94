/** The machine's own peak: a plain large matrix multiply, repeated, through the engine's GEMM. */
import type { NativeAddon } from '../src/backend/native.js';
import { median, timeRuns } from './timing.js';

/** GFLOP/s of C = A·B (n x n) per thread count; runs for the thread counts alternate, medians reported. */
export function peakGflops(addon: NativeAddon, threadCounts: number[], n = 1024, runs = 15): Record<number, number> {
  const a = new Float32Array(n * n).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const b = new Float32Array(n * n).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
  const c = new Float32Array(n * n);
  const times: number[][] = threadCounts.map(() => []);
  threadCounts.forEach((t) => timeRuns(() => addon.matmul(c, a, b, n, n, n, t), 2, 0));
  for (let r = 0; r < runs; r++) {
    threadCounts.forEach((t, i) => times[i].push(...timeRuns(() => addon.matmul(c, a, b, n, n, n, t), 1, 0)));
  }
  const out: Record<number, number> = {};
  threadCounts.forEach((t, i) => (out[t] = (2 * n * n * n) / (median(times[i]) * 1e6)));
  return out;
}
