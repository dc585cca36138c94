/**
 * `npm run bench:kernels` — kernel-level training throughput of the RNN engines, side by side in one run.
 *
 *   one training step = recurrentForward (with cache) + recurrentBackward, one layer, one direction
 *   GFLOP/s counts 2·H·(I+H)·B·T per forward, ×3 for training
 *
 * Rows: RNN tanh B=32 T=64 I=H ∈ {128, 256} and B=64 T=100 I=H=512, native with 1 and 2 threads, the
 * reference engine at the two smaller sizes. Also the machine's peak (a plain large matrix multiply through
 * the same GEMM), and the worst event-loop gap during async training steps. Medians over several runs.
 * Then LSTM and GRU B=32 T=64 I=H ∈ {128, 256}, native with 1 and 2 threads (bench/gated.ts, issue 4).
 * Then issue 7's rows: the user path (public layer API + head + loss + optimizer) next to the kernel-only
 * step, ragged batches vs padded (bench/user-path.ts), and one-step cells vs the sequence path
 * (bench/steps.ts).
 * Prints tables and writes bench/results/rnn-<timestamp>.json. Options: --quick (fewer runs),
 * --all-paths (repeat the native rows on every SIMD path this CPU has).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { referenceBackend } from '../src/backend/reference/index.js';
import { loadNativeAddon, loadNativeBackend } from '../src/backend/native.js';
import type { Backend } from '../src/backend/backend.js';
import { eventLoopGap } from './event-loop.js';
import { benchGated } from './gated.js';
import { benchSteps } from './steps.js';
import { benchUserPath } from './user-path.js';
import { peakGflops } from './peak.js';
import { fmt, table } from './table.js';
import { median, timeRuns } from './timing.js';
import { makeStep, trainFlops, trainStep, type StepConfig } from './workload.js';

const quick = process.argv.includes('--quick');
const allPaths = process.argv.includes('--all-paths');
const addon = loadNativeAddon();
const defaultPath = addon.simdPath();

const sizes: (StepConfig & { label: string; nativeRuns: number; referenceRuns: number })[] = [
  { label: 'B32 T64 H128', cell: 'rnn_tanh', B: 32, T: 64, I: 128, H: 128, nativeRuns: quick ? 9 : 41, referenceRuns: quick ? 1 : 3 },
  { label: 'B32 T64 H256', cell: 'rnn_tanh', B: 32, T: 64, I: 256, H: 256, nativeRuns: quick ? 7 : 25, referenceRuns: quick ? 1 : 2 },
  { label: 'B64 T100 H512', cell: 'rnn_tanh', B: 64, T: 100, I: 512, H: 512, nativeRuns: quick ? 3 : 7, referenceRuns: 0 },
];

interface Row { size: string; engine: string; path: string; threads: number; ms: number; seqPerS: number; gflops: number; runs: number }

function measure(backend: Backend, c: StepConfig, runs: number, warmup: number): number {
  const s = makeStep(c);
  return median(timeRuns(() => trainStep(backend, c, s), runs, warmup));
}

/** Run times for several engines whose runs alternate, so slow spells of a shared machine hit all alike. */
function measureInterleaved(backends: Backend[], c: StepConfig, runs: number, warmup: number): number[][] {
  const steps = backends.map(() => makeStep(c));
  backends.forEach((b, i) => timeRuns(() => trainStep(b, c, steps[i]), warmup, 0));
  const times: number[][] = backends.map(() => []);
  for (let r = 0; r < runs; r++) {
    backends.forEach((b, i) => times[i].push(...timeRuns(() => trainStep(b, c, steps[i]), 1, 0)));
  }
  return times;
}

function row(size: StepConfig & { label: string }, engine: string, path: string, threads: number, ms: number, runs: number): Row {
  return { size: size.label, engine, path, threads, ms, seqPerS: size.B / (ms / 1000), gflops: trainFlops(size) / (ms * 1e6), runs };
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`fastrnn bench — ${cpus()[0]?.model ?? 'cpu'} (${cpus().length} threads), Node ${process.version}, SIMD paths ${addon.simdPaths().join('/')} (default ${defaultPath})\n`);
  const paths = allPaths ? addon.simdPaths() : [defaultPath];
  const peak: Record<string, Record<number, number>> = {};
  const rows: Row[] = [];
  const speedup: Record<string, number> = {};
  for (const path of paths) {
    addon.setSimdPath(path);
    peak[path] = peakGflops(addon, [1, 2]);
    for (const size of sizes) {
      const [one, two] = measureInterleaved([loadNativeBackend({ threads: 1 }), loadNativeBackend({ threads: 2 })], size, size.nativeRuns, 2);
      rows.push(row(size, 'native', path, 1, median(one), size.nativeRuns), row(size, 'native', path, 2, median(two), size.nativeRuns));
      // 2-thread speed-up: median over adjacent (1-thread, 2-thread) pairs, robust to slow spells.
      speedup[`${path} ${size.label}`] = median(one.map((t, i) => t / two[i]));
    }
  }
  addon.setSimdPath(defaultPath);
  for (const size of sizes) {
    if (size.referenceRuns === 0) continue;
    const ms = measure(referenceBackend, size, size.referenceRuns, 0);
    rows.push(row(size, 'reference', '-', 1, ms, size.referenceRuns));
  }

  const find = (size: string, engine: string, path: string, threads: number) =>
    rows.find((r) => r.size === size && r.engine === engine && r.path === path && r.threads === threads);
  const printed = rows.map((r) => {
    const ref = find(r.size, 'reference', '-', 1);
    const one = find(r.size, 'native', r.path, 1);
    return [
      r.size, r.engine, r.path, r.threads, fmt(r.ms, 2), fmt(r.seqPerS, 0), fmt(r.gflops, 1),
      r.engine === 'native' && ref ? fmt(ref.ms / r.ms, 0) + '×' : '—',
      r.engine === 'native' && r.threads === 2 && one ? fmt(speedup[`${r.path} ${r.size}`], 2) + '×' : '—',
      r.engine === 'native' ? fmt((100 * r.gflops) / peak[r.path][r.threads], 0) + '%' : '—',
    ];
  });
  console.log('Training step (forward with cache + backward), RNN tanh, I = H, medians (2t/1t: median of adjacent-run ratios):');
  console.log(table(['size', 'engine', 'simd', 'thr', 'ms/step', 'seq/s', 'GFLOP/s', 'vs ref', '2t/1t', '% peak'], printed));
  console.log(`\nPeak (plain 1024³ matrix multiply through the same GEMM): ${Object.entries(peak).map(([p, v]) => `${p}: ${fmt(v[1])} GFLOP/s (1 thread), ${fmt(v[2])} GFLOP/s (2 threads)`).join('; ')}`);

  const big = sizes[2];
  const gap = await eventLoopGap(loadNativeBackend({ threads: 2 }), big, quick ? 3 : 5);
  console.log(`\nEvent loop during async training steps (${big.label}, 2 threads): worst setInterval(1 ms) gap ${fmt(gap.worstGapMs, 2)} ms while each step took ${fmt(gap.stepMs, 1)} ms (${gap.ticks} ticks over ${gap.steps} steps)`);

  const r128 = find('B32 T64 H128', 'native', defaultPath, 2), ref128 = find('B32 T64 H128', 'reference', '-', 1);
  const r512 = find('B64 T100 H512', 'native', defaultPath, 2);
  const targets = [
    [`native ≥ 50× reference at H=128 (2 threads)`, ref128 && r128 ? ref128.ms / r128.ms : NaN, 50, '×'],
    [`H=512 B=64 ≥ 60% of peak (2 threads)`, r512 ? (100 * r512.gflops) / peak[defaultPath][2] : NaN, 60, '%'],
    ...sizes.filter((s) => s.H >= 256).map((s) => {
      return [`2 threads ≥ 1.7× 1 thread at ${s.label}`, speedup[`${defaultPath} ${s.label}`] ?? NaN, 1.7, '×'];
    }),
  ] as [string, number, number, string][];
  console.log('\nTargets (issue 3):');
  console.log(table(['target', 'measured', 'pass'], targets.map(([name, v, min, unit]) => [name, fmt(v, unit === '%' ? 0 : 2) + unit, v >= min ? 'yes' : 'NO'])));

  const gated = benchGated(addon, paths, peak, quick);
  const engines = [2, 1].map((threads) => ({ threads, backend: loadNativeBackend({ threads }) }));
  const issue7 = benchUserPath(engines, quick);
  const steps = benchSteps(engines, quick);

  const out = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(out, { recursive: true });
  const file = join(out, `rnn-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({
    date: new Date().toISOString(), cpu: cpus()[0]?.model, threads: cpus().length, node: process.version,
    simdPaths: addon.simdPaths(), defaultPath, quick, peakGflops: peak, rows, twoThreadSpeedup: speedup, eventLoop: gap,
    targets: targets.map(([name, value, min]) => ({ name, value, min, pass: value >= min })),
    gated, userPath: issue7.userPath, ragged: issue7.ragged, steps,
  }, null, 2));
  console.log(`\nwrote ${file} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
