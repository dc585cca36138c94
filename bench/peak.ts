/** The machine's own peak: a plain large matrix multiply, repeated, through the engine's GEMM. */
import type { NativeAddon } from '../src/backend/native.js';
import { median, timeRuns } from './timing.js';

export function peakGflops(addon: NativeAddon, threads: number, n = 1024, runs = 9): number {
  const a = new Float32Array(n * n).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const b = new Float32Array(n * n).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
  const c = new Float32Array(n * n);
  const ms = median(timeRuns(() => addon.matmul(c, a, b, n, n, n, threads), runs, 2));
  return (2 * n * n * n) / (ms * 1e6);
}
