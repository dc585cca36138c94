/**
 * What the four demos share: the options, loading a dataset package (with the install command when it is
 * missing), a seeded split, and one `train` that runs fit silently while timing it and counting the
 * training sequences, so every demo reports training time and sequences/second the same way.
 *
 * Timing: `trainSeconds` is the wall time of the whole fit call (validation included, as a user waits for
 * it); `sequencesPerSecond` divides the training sequences by that time less the time spent evaluating.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { fit, Rng, type FitOptions, type History, type TrainableModel, type Vocab } from '../../index.js';

export interface DemoOptions {
  /** a configuration that runs in seconds (small subset, tiny model): checks the wiring, not the quality */
  tiny: boolean;
  /** seeds the split, the initial weights, the batch order and the samples */
  seed: number;
  /** native engine threads (default: the machine's cores) */
  threads?: number;
  /** stop training when this many seconds are spent (a demo's own budget applies when it is smaller, or when this is unset) */
  timeBudgetSeconds?: number;
  /** where progress and results go, one line at a time */
  log: (line: string) => void;
  /** write fit's training report (src/report/) to this directory */
  report?: string;
}

/** The report directory of the demo that is running (runDemo sets it, `train` passes it on to fit). */
const reportDir = new AsyncLocalStorage<string | undefined>();

/** Runs a demo with options.report passed through to every `train` it calls. */
export function withReport<R>(dir: string | undefined, run: () => R): R {
  return reportDir.run(dir, run);
}

export type DemoResult = Record<string, number | string>;

/** The engine every demo trains on. */
export const ENGINE = 'native' as const;

/**
 * Loads a CommonJS dataset package, looked up from fastrnn's own folder and then from the current
 * directory (a project that depends on fastrnn installs the datasets itself). When it is not installed,
 * the error names the exact command that installs it.
 */
export function requireDataset<T>(pkg: string, demo: string): T {
  const bases = [import.meta.url, pathToFileURL(path.join(process.cwd(), 'package.json')).href];
  for (const base of bases) {
    try {
      return createRequire(base)(pkg) as T;
    } catch (err) {
      if (!isMissing(err, pkg)) throw err;
    }
  }
  throw new Error(`fastrnn demo ${demo}: expected the dataset package ${pkg}, which is not installed; install it with: npm install --save-dev ${pkg}`);
}

function isMissing(err: unknown, pkg: string): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.includes(`'${pkg}'`);
}

/** A seeded shuffle of 0..n−1 cut into the first `fraction` and the rest. */
export function seededSplit(n: number, fraction: number, seed: number): { first: number[]; rest: number[] } {
  const order = new Rng(seed).shuffle(Array.from({ length: n }, (_, i) => i));
  const cut = Math.round(n * fraction);
  return { first: order.slice(0, cut), rest: order.slice(cut) };
}

/** The smaller of the demo's budget and the caller's (seconds; undefined: none). */
export function budgetSeconds(options: DemoOptions, own?: number): number | undefined {
  const given = options.timeBudgetSeconds;
  if (given !== undefined && (!Number.isFinite(given) || given <= 0)) {
    throw new RangeError(`timeBudgetSeconds: expected a positive number of seconds, received ${given}`);
  }
  if (given === undefined) return own;
  return own === undefined ? given : Math.min(given, own);
}

export interface TrainReport {
  history: History;
  /** wall time of fit, validation included */
  trainSeconds: number;
  /** seconds fit spent evaluating validation data */
  evalSeconds: number;
  /** training sequences (examples) processed */
  sequences: number;
  sequencesPerSecond: number;
}

export interface TrainOptions<B> {
  /** the number of sequences in one of the model's batches */
  rows: (batch: B) => number;
  /** a time budget: fit stops between batches once it is spent */
  budgetSeconds?: number;
  /** log a progress line at most this often during an epoch (seconds; default 30) */
  progressEvery?: number;
  /** the history keys an epoch line shows (default: all) */
  logKeys?: string[];
  /** show "epoch 3/10" (default) or, for a run a time budget ends, "epoch 3" */
  epochTotal?: boolean;
  log: (line: string) => void;
  /** the input vocabulary, for the report's token labels and nearest words (with `demo --report`) */
  vocab?: Vocab;
  /** the report lists nearest words (default: true when vocab is given; false for characters) */
  nearestWords?: boolean;
}

/**
 * fit, silent, with the demo's own progress lines (one per epoch, and one every `progressEvery` seconds
 * within a long epoch); times the run and counts the training sequences.
 */
export async function train<E, B>(model: TrainableModel<E, B>, examples: unknown[], fitOptions: FitOptions, t: TrainOptions<B>): Promise<TrainReport> {
  let sequences = 0;
  let evalSeconds = 0;
  const trainBatch = model.trainBatch.bind(model);
  const evaluateBatch = model.evaluateBatch.bind(model);
  model.trainBatch = (batch: B) => {
    sequences += t.rows(batch);
    return trainBatch(batch);
  };
  model.evaluateBatch = async (batch: B) => {
    const start = performance.now();
    try {
      return await evaluateBatch(batch);
    } finally {
      evalSeconds += (performance.now() - start) / 1000;
    }
  };
  const signal = t.budgetSeconds === undefined ? undefined : AbortSignal.timeout(Math.round(t.budgetSeconds * 1000));
  const started = performance.now();
  const every = (t.progressEvery ?? 30) * 1000;
  let lastLine = started;
  const report = reportDir.getStore();
  const elapsed = (): string => `${((performance.now() - started) / 1000).toFixed(0)}s`;
  try {
    const history = await fit(model, examples, {
      ...fitOptions,
      verbose: false,
      ...(signal ? { signal } : {}),
      ...(report !== undefined ? { report: { dir: report, title: `fastrnn demo: ${model.kind}`, ...(t.vocab ? { vocab: t.vocab } : {}), ...(t.nearestWords !== undefined ? { nearest: t.nearestWords } : {}) } } : {}),
      onBatchEnd: (info) => {
        const now = performance.now();
        if (now - lastLine < every) return;
        lastLine = now;
        const of = info.batches === undefined ? '' : `/${info.batches}`;
        t.log(`  epoch ${info.epoch + 1} batch ${info.batch + 1}${of}: loss ${info.loss.toFixed(4)} (${elapsed()})`);
      },
      onEpochEnd: (info) => {
        lastLine = performance.now();
        const logs = Object.entries(info.logs).filter(([k]) => !t.logKeys || t.logKeys.includes(k));
        const total = t.epochTotal === false ? '' : `/${info.epochs}`;
        t.log(`  epoch ${info.epoch + 1}${total}: ${logs.map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')} (${elapsed()})`);
      },
    });
    const trainSeconds = (performance.now() - started) / 1000;
    if (history.aborted) t.log(`  time budget of ${t.budgetSeconds} s spent: stopped after ${sequences} sequences`);
    const trainingOnly = Math.max(1e-9, trainSeconds - evalSeconds);
    return { history, trainSeconds, evalSeconds, sequences, sequencesPerSecond: sequences / trainingOnly };
  } finally {
    // Back to the class's own methods.
    delete (model as Partial<TrainableModel<E, B>>).trainBatch;
    delete (model as Partial<TrainableModel<E, B>>).evaluateBatch;
  }
}

/** The lines every demo ends with: time, throughput, its figures next to their targets. */
export function logSummary(log: (line: string) => void, report: TrainReport, figures: [label: string, value: string, target: string][]): void {
  log(`training time:      ${report.trainSeconds.toFixed(1)} s${report.evalSeconds > 0.05 ? ` (${report.evalSeconds.toFixed(1)} s of it validation)` : ''}`);
  log(`throughput:         ${Math.round(report.sequencesPerSecond)} training sequences/second`);
  const width = Math.max(...figures.map(([label]) => label.length)) + 1;
  for (const [label, value, target] of figures) log(`${(label + ':').padEnd(Math.max(width, 19))} ${value}   (target ${target})`);
}

export const percent = (x: number, digits = 2): string => `${(100 * x).toFixed(digits)} %`;

/** Levenshtein distance between two sequences. */
export function editDistance<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
