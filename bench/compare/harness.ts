/**
 * The side-by-side benchmark as a function: measure every workload on every system (bench/compare/measure.ts),
 * the memory loop (memory.ts), then the ratios and targets; returns the record that is printed and
 * written as JSON (and markdown) to the output folder. bench/run.ts is its command line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { measureMemory, minimumMB, type MemoryRow } from './memory.js';
import { Learned, measureWorkload, Pool, type Policy, type Row } from './measure.js';
import { ceilings, markdown, notRun, RATIO_HEADERS, ratioCells, ratios, SUMMARY_HEADERS, summaryCells, TABLE_HEADERS, tableCells, num, type Ratio } from './report.js';
import type { System } from './systems.js';
import { issue10Targets, missedBy, type Target } from './targets.js';
import type { Workload } from './workloads.js';
import { table } from '../table.js';

export const FLOP_FORMULA =
  'GFLOP/s counts 2·G·H·(I+H) FLOPs per sequence step of one forward (G = 1 RNN, 4 LSTM, 3 GRU; head and elementwise work left out), ' +
  '×3 for a training step, Σ lengths steps for a ragged batch, B per decode step; sgemm counts 2·n³.';

export interface HarnessOptions {
  workloads: Workload[];
  systems: System[];
  policy: Policy;
  memorySystems: System[];
  memorySteps: number;
  /** where the JSON and markdown go; none: nothing written */
  outDir?: string;
  command?: string;
  log?: (line: string) => void;
}

export interface BenchResult {
  /** when the run started */
  date: string;
  command: string;
  machine: { cpu: string; cores: number; memoryGB: number; node: string; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  policy: Policy;
  flopFormula: string;
  seconds: number;
  rows: Row[];
  ceilingsGflops: Record<number, number>;
  ratios: Ratio[];
  memory: MemoryRow[];
  minimumTrainingMB: number;
  targets: Target[];
  files?: { json: string; markdown: string };
}

export async function runBenchmark(o: HarnessOptions): Promise<BenchResult> {
  const started = Date.now();
  const date = new Date(started).toISOString();
  const log = o.log ?? (() => {});
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGB: totalmem() / 2 ** 30, node: process.version, loadAverageAtStart: loadavg(), loadAverageAtEnd: [] as number[] };
  const pool = new Pool();
  const learned = new Learned();
  const rows: Row[] = [];
  try {
    for (const [i, w] of o.workloads.entries()) {
      log(`[${i + 1}/${o.workloads.length}] ${w.id} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      rows.push(...(await measureWorkload(w, o.systems, pool, o.policy, learned, log)));
    }
  } finally {
    await pool.closeAll();
  }
  log(`memory: ${o.memorySteps} training steps per system`);
  const memory = o.memorySystems.length ? await measureMemory(o.memorySystems, o.memorySteps, o.policy.timeoutMs) : [];
  machine.loadAverageAtEnd = loadavg();
  const min = minimumMB();
  const result: BenchResult = {
    date, command: o.command ?? 'npm run bench', machine, policy: o.policy, flopFormula: FLOP_FORMULA,
    seconds: (Date.now() - started) / 1000, rows, ceilingsGflops: ceilings(rows), ratios: ratios(rows), memory, minimumTrainingMB: min,
    targets: issue10Targets(rows, memory, min),
  };
  if (o.outDir) {
    mkdirSync(o.outDir, { recursive: true });
    const stamp = result.date.replace(/[:.]/g, '-');
    const files = { json: join(o.outDir, `compare-${stamp}.json`), markdown: join(o.outDir, `compare-${stamp}.md`) };
    result.files = files;
    writeFileSync(files.json, JSON.stringify(result, null, 2));
    writeFileSync(files.markdown, formatMarkdown(result));
  }
  return result;
}

const MEMORY_HEADERS = ['system', 'steps', 'baseline MB', 'peak MB', 'added MB', 'growth MB', 'flat', 'RSS after 1 step, ¼, ½, ¾, all'];
function memoryCells(m: MemoryRow[]): string[][] {
  return m.map((r) => r.status !== 'ok'
    ? [r.system, r.status, r.note ?? '', '', '', '', '', '']
    : [r.system, String(r.steps), num(r.baselineMB), num(r.peakMB), num(r.addedMB), num(r.growthMB, 1), r.flat ? 'yes' : 'NO', r.samplesMB!.map((x) => num(x)).join(' / ')]);
}

const TARGET_HEADERS = ['target', 'measured', 'need', 'status'];
function targetCells(ts: Target[]): string[][] {
  const show = (t: Target, v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : t.unit === '×' ? `${num(v, 2)}×` : t.unit === '%' ? `${num(v, 0)} %` : `${num(v, 0)} MB`);
  return ts.map((t) => [t.name, show(t, t.value), `${t.sense === 'min' ? '≥' : '≤'} ${show(t, t.need)}`, t.status === 'missed' ? `MISSED (${missedBy(t)})` : t.status]);
}

function header(r: BenchResult): string {
  const m = r.machine;
  return `${r.command} — ${r.date} — ${m.cpu}, ${m.cores} cores, ${num(m.memoryGB, 0)} GB, Node ${m.node}; load average at start ${m.loadAverageAtStart.map((x) => x.toFixed(1)).join(' ')}, at end ${m.loadAverageAtEnd.map((x) => x.toFixed(1)).join(' ')}; ${num(r.seconds, 0)} s`;
}

/** The whole report as plain text (what `npm run bench` prints). */
export function formatText(r: BenchResult): string {
  const ceil = r.ceilingsGflops;
  return [
    header(r), '',
    table(TABLE_HEADERS, tableCells(r.rows)), '',
    `sgemm ceiling (best of OpenBLAS via PyTorch and fastrnn's GEMM, start and end of the run): ${Object.entries(ceil).map(([t, g]) => `${num(g, 0)} GFLOP/s on ${t} core${t === '1' ? '' : 's'}`).join(', ') || '—'}. ${r.flopFormula}`,
    'rate: medians of interleaved repetitions after warm-up, each system in its own process; "fastrnn best ÷": fastrnn public API (best thread count) over the row; "same threads ÷": fastrnn at the row\'s thread count over the row; peak RSS: the process during that workload.',
    '', 'Not run:', ...notRun(r.rows).map((l) => '  ' + l), '',
    'fastrnn (public API) ÷ peer:', table(RATIO_HEADERS, ratioCells(r.ratios)), '',
    'Summary — each system at its best setting, "→ n×" = fastrnn best ÷ that:', table(SUMMARY_HEADERS, summaryCells(r.rows)), '',
    `Memory: LSTM B32 T64 H256 training loop (what training must keep: ${num(r.minimumTrainingMB, 1)} MB):`, table(MEMORY_HEADERS, memoryCells(r.memory)), '',
    'Issue 10 targets:', table(TARGET_HEADERS, targetCells(r.targets)),
    r.files ? `\nwrote ${r.files.json} and ${r.files.markdown}` : '',
  ].join('\n');
}

/** The same report in markdown (the README's Benchmarks section is made from it). */
export function formatMarkdown(r: BenchResult): string {
  return [
    header(r), '',
    markdown(SUMMARY_HEADERS, summaryCells(r.rows)), '',
    markdown(TABLE_HEADERS, tableCells(r.rows)), '',
    `sgemm ceiling: ${Object.entries(r.ceilingsGflops).map(([t, g]) => `${num(g, 0)} GFLOP/s on ${t} core${t === '1' ? '' : 's'}`).join(', ')}. ${r.flopFormula}`, '',
    'Not run:', '', ...notRun(r.rows).map((l) => '- ' + l), '',
    markdown(RATIO_HEADERS, ratioCells(r.ratios)), '',
    markdown(MEMORY_HEADERS, memoryCells(r.memory)), '',
    markdown(TARGET_HEADERS, targetCells(r.targets)), '',
  ].join('\n');
}
