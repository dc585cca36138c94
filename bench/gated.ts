/**
 * LSTM and GRU rows of `npm run bench:kernels` (issue 4): kernel-level training throughput of the native engine,
 * B=32 T=64 I=H ∈ {128, 256}, 1 and 2 threads (runs interleaved, like the RNN rows).
 *
 *   one training step = recurrentForward (with cache) + recurrentBackward, one layer, one direction
 *   GFLOP/s counts 2·G·H·(I+H)·B·T per forward (G = 4 LSTM, 3 GRU), ×3 for training
 *
 * Targets: 1.5× the single-thread training throughput PyTorch 1.13 reaches on this machine kind
 * (LSTM H128 ≈ 1,350 seq/s, LSTM H256 ≈ 460 seq/s, GRU H256 ≈ 610 seq/s), checked with 1 thread.
 */
import type { NativeAddon } from '../src/backend/native.js';
import { loadNativeBackend } from '../src/backend/native.js';
import type { Backend } from '../src/backend/backend.js';
import { fmt, table } from './table.js';
import { median, timeRuns } from './timing.js';
import { makeStep, trainFlops, trainStep, type StepConfig } from './workload.js';

export interface GatedRow { cell: string; size: string; path: string; threads: number; ms: number; seqPerS: number; gflops: number; runs: number }
export interface GatedTarget { name: string; value: number; min: number; pass: boolean }

const PYTORCH_1T: Record<string, number> = { 'LSTM B32 T64 H128': 1350, 'LSTM B32 T64 H256': 460, 'GRU B32 T64 H256': 610 };

function configs(quick: boolean): (StepConfig & { label: string; runs: number })[] {
  const out: (StepConfig & { label: string; runs: number })[] = [];
  for (const cell of ['lstm', 'gru'] as const) {
    for (const H of [128, 256]) {
      out.push({ label: `${cell.toUpperCase()} B32 T64 H${H}`, cell, B: 32, T: 64, I: H, H, runs: quick ? (H === 128 ? 7 : 5) : H === 128 ? 31 : 15 });
    }
  }
  return out;
}

/** Run times for several engines whose runs alternate, so slow spells of a shared machine hit all alike. */
function interleaved(backends: Backend[], c: StepConfig, runs: number, warmup: number): number[][] {
  const steps = backends.map(() => makeStep(c));
  backends.forEach((b, i) => timeRuns(() => trainStep(b, c, steps[i]), warmup, 0));
  const times: number[][] = backends.map(() => []);
  for (let r = 0; r < runs; r++) backends.forEach((b, i) => times[i].push(...timeRuns(() => trainStep(b, c, steps[i]), 1, 0)));
  return times;
}

/** Measures, prints the table and the issue-4 targets, and returns both for the JSON record. */
export function benchGated(addon: NativeAddon, paths: string[], peak: Record<string, Record<number, number>>, quick: boolean) {
  const defaultPath = addon.simdPath();
  const rows: GatedRow[] = [];
  const speedup: Record<string, number> = {};
  for (const path of paths) {
    addon.setSimdPath(path as Parameters<NativeAddon['setSimdPath']>[0]);
    for (const c of configs(quick)) {
      const [one, two] = interleaved([loadNativeBackend({ threads: 1 }), loadNativeBackend({ threads: 2 })], c, c.runs, 2);
      for (const [threads, times] of [[1, one], [2, two]] as const) {
        const ms = median(times);
        rows.push({ cell: c.cell, size: c.label, path, threads, ms, seqPerS: c.B / (ms / 1000), gflops: trainFlops(c) / (ms * 1e6), runs: c.runs });
      }
      speedup[`${path} ${c.label}`] = median(one.map((t, i) => t / two[i]));
    }
  }
  addon.setSimdPath(defaultPath);

  console.log('\nTraining step (forward with cache + backward), LSTM and GRU, native, I = H, medians (2t/1t: median of adjacent-run ratios):');
  console.log(table(['size', 'simd', 'thr', 'ms/step', 'seq/s', 'GFLOP/s', '2t/1t', '% peak', 'vs PyTorch 1t'], rows.map((r) => [
    r.size, r.path, r.threads, fmt(r.ms, 2), fmt(r.seqPerS, 0), fmt(r.gflops, 1),
    r.threads === 2 ? fmt(speedup[`${r.path} ${r.size}`], 2) + '×' : '—',
    fmt((100 * r.gflops) / peak[r.path][r.threads], 0) + '%',
    PYTORCH_1T[r.size] ? fmt(r.seqPerS / PYTORCH_1T[r.size], 2) + '×' : '—',
  ])));

  const find = (size: string, threads: number) => rows.find((r) => r.size === size && r.path === defaultPath && r.threads === threads);
  const label = (size: string) => configs(quick).find((c) => c.label === size)!;
  const targets: GatedTarget[] = [];
  const needs: string[] = [];
  for (const threads of [1, 2]) {
    for (const [size, torch] of Object.entries(PYTORCH_1T)) {
      const value = find(size, threads)?.seqPerS ?? NaN;
      const min = 1.5 * torch;
      const name = `${size} ≥ 1.5 × PyTorch 1.13 1-thread (${fmt(min, 0)} seq/s), ours ${threads} thread${threads > 1 ? 's' : ''}`;
      targets.push({ name, value, min, pass: value >= min });
      // What the target asks of the hardware: the GFLOP/s it implies vs the machine's matrix-multiply peak.
      const c = label(size);
      needs.push(`${fmt((trainFlops(c) * min) / c.B / 1e9, 0)} vs ${fmt(peak[defaultPath][threads], 0)}`);
    }
  }
  console.log("\nTargets (issue 4; PyTorch 1.13 figures are the issue's 1-thread ones, not measured here; PyTorch is slower with 2 threads):");
  console.log(table(['target', 'measured', 'GFLOP/s needed vs peak', 'pass'], targets.map((t, i) => [t.name, fmt(t.value, 0) + ' seq/s', needs[i], t.pass ? 'yes' : 'NO'])));
  return { rows, twoThreadSpeedup: speedup, targets };
}
