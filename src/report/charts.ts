/**
 * The report's charts as Vega-Lite specs (rendered by render.ts): one function per chart, each taking the
 * report data and returning a chart, or null when the run recorded nothing for it.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ReportData } from './data.js';

export interface Chart {
  /** file name (without .svg) and element id */
  name: string;
  title: string;
  /** one or two sentences under the chart: what it shows and how to read it */
  caption: string;
  spec: TopLevelSpec;
}

const WIDTH = 640;
const BASE = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: WIDTH, config: { font: 'sans-serif', view: { stroke: null } } } as const;
/** More batches than this are drawn as this many bins (mean norm; a bin is "clipped" if any batch in it was). */
const MAX_BATCH_POINTS = 1500;
/** Hidden states wider than this show their first MAX_UNITS units. */
const MAX_UNITS = 128;

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

function perEpoch(data: ReportData, keys: string[]): { epoch: number; series: string; value: number }[] {
  const rows: { epoch: number; series: string; value: number }[] = [];
  for (const key of keys) {
    (data.history?.metrics[key] ?? []).forEach((value, i) => {
      if (finite(value)) rows.push({ epoch: i + 1, series: key, value });
    });
  }
  return rows;
}

function epochLines(name: string, title: string, caption: string, rows: ReturnType<typeof perEpoch>, yTitle: string): Chart {
  return {
    name, title, caption,
    spec: {
      ...BASE, height: 240,
      data: { values: rows },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false } },
        color: { field: 'series', type: 'nominal', title: null },
      },
    },
  };
}

export function lossChart(data: ReportData): Chart | null {
  const rows = perEpoch(data, ['loss', 'val_loss']);
  if (rows.length === 0) return null;
  return epochLines('loss', 'Loss per epoch', 'Mean training loss of each epoch and, with validation data, the loss on it after the epoch.', rows, 'loss');
}

export function metricsChart(data: ReportData): Chart | null {
  const keys = Object.keys(data.history?.metrics ?? {}).filter((k) => k !== 'loss' && k !== 'val_loss');
  const rows = perEpoch(data, keys);
  if (rows.length === 0) return null;
  return epochLines('metrics', 'Validation metrics per epoch', 'The metrics the model reports on validation data after each epoch.', rows, 'value');
}

export function learningRateChart(data: ReportData): Chart | null {
  const b = data.batches;
  const perBatch = b !== null && b.lr.length > 0;
  const values = perBatch ? binned(b.lr.length).map(([i]) => ({ x: i + 1, lr: b.lr[i] })) : (data.history?.lr ?? []).map((lr, i) => ({ x: i + 1, lr }));
  if (values.length === 0) return null;
  return {
    name: 'learning-rate', title: 'Learning rate', caption: `The learning rate each ${perBatch ? 'batch' : 'epoch'} used.`,
    spec: {
      ...BASE, height: 160,
      data: { values },
      mark: { type: 'line', interpolate: 'step-after' },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: perBatch ? 'batch' : 'epoch' },
        y: { field: 'lr', type: 'quantitative', title: 'learning rate', axis: { format: '.1e' } },
      },
    },
  };
}

export function throughputChart(data: ReportData): Chart | null {
  const values = (data.history?.sequencesPerSecond ?? []).map((v, i) => ({ epoch: i + 1, value: v }));
  if (values.length === 0) return null;
  return {
    name: 'throughput', title: 'Throughput', caption: 'Training sequences per second of training time in each epoch (validation excluded; the report\'s own measurements included).',
    spec: {
      ...BASE, height: 160,
      data: { values },
      mark: 'bar',
      encoding: {
        x: { field: 'epoch', type: 'ordinal', title: 'epoch', axis: { labelAngle: 0 } },
        y: { field: 'value', type: 'quantitative', title: 'sequences / s' },
      },
    },
  };
}

/** [first index, last index (exclusive)] of at most MAX_BATCH_POINTS equal bins over n batches. */
function binned(n: number): [number, number][] {
  const size = Math.max(1, Math.ceil(n / MAX_BATCH_POINTS));
  const bins: [number, number][] = [];
  for (let i = 0; i < n; i += size) bins.push([i, Math.min(n, i + size)]);
  return bins;
}

export function gradientNormChart(data: ReportData): Chart | null {
  const b = data.batches;
  if (!b || b.gradNorm.length === 0) return null;
  const values: { batch: number; norm: number; clipped: string }[] = [];
  for (const [from, to] of binned(b.gradNorm.length)) {
    let sum = 0;
    let n = 0;
    let clipped = 0;
    for (let i = from; i < to; i++) {
      const g = b.gradNorm[i];
      if (finite(g) && g > 0) {
        sum += g;
        n++;
      }
      clipped += b.clipped[i];
    }
    if (n > 0) values.push({ batch: from + 1, norm: sum / n, clipped: clipped > 0 ? 'clipped' : 'not clipped' });
  }
  const clips = b.clipped.reduce((s, c) => s + c, 0);
  const spec = {
    ...BASE, height: 240,
    data: { values },
    layer: [
      { mark: { type: 'line', strokeWidth: 1, color: '#4c78a8' }, encoding: { x: { field: 'batch', type: 'quantitative', title: 'batch' }, y: { field: 'norm', type: 'quantitative', title: '‖g‖ before clipping', scale: { type: 'log' } } } },
      {
        transform: [{ filter: "datum.clipped === 'clipped'" }],
        mark: { type: 'point', filled: true, size: 24, color: '#e45756' },
        encoding: { x: { field: 'batch', type: 'quantitative' }, y: { field: 'norm', type: 'quantitative' }, shape: { field: 'clipped', type: 'nominal', title: null } },
      },
      ...(data.clipGradNorm !== null ? [{ data: { values: [{ clip: data.clipGradNorm }] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#e45756' }, encoding: { y: { field: 'clip', type: 'quantitative' } } }] : []),
    ],
  };
  const binNote = b.gradNorm.length > MAX_BATCH_POINTS ? ` Drawn as ${values.length} bins of consecutive batches (mean norm; a bin is marked if any of its batches was clipped).` : '';
  const clipNote = data.clipGradNorm !== null ? ` The dashed line is clipGradNorm = ${data.clipGradNorm}; red points mark the ${clips} clipped batch${clips === 1 ? '' : 'es'} of ${b.gradNorm.length}.` : ' No clipping was set.';
  return { name: 'gradient-norm', title: 'Global gradient norm per batch', caption: `The norm of all parameter gradients together, before clipping (log scale).${clipNote}${binNote}`, spec: spec as unknown as TopLevelSpec };
}

export function stepGradientChart(data: ReportData): Chart | null {
  const s = data.stepGradients;
  if (!s || s.samples.length === 0) return null;
  const values: { row: string; k0: number; k1: number; norm: number; rel: number }[] = [];
  for (const sample of s.samples) {
    const row = `batch ${sample.batch + 1} (epoch ${sample.epoch + 1})`;
    const last = sample.norms[0];
    sample.norms.forEach((norm, k) => {
      if (finite(norm) && norm > 0) values.push({ row, k0: k - 0.5, k1: k + 0.5, norm, rel: finite(last) && last > 0 ? norm / last : NaN });
    });
  }
  if (values.length === 0) return null;
  const rows = s.samples.length;
  return {
    name: 'step-gradients', title: 'Gradient through time: ‖∂L/∂h_t‖ per time step',
    caption: `Every ${s.every} batches${s.share ? ` (less often while measuring would cost more than ${Math.round(s.share * 100)} % of the training time)` : ''}, the exact ‖∂L/∂h_t‖ of the ${s.layer} for up to ${s.sequences} sequences of the batch, averaged ` +
      'and aligned on each sequence\'s last step (right edge, 0 steps back). Colour is on a log scale: a fade to the left is a vanishing gradient, a glow an exploding one.',
    spec: {
      ...BASE, height: Math.min(600, Math.max(120, rows * 12)),
      data: { values },
      // thousands of cells: no ARIA label on each (they would make up most of the file)
      mark: { type: 'rect', aria: false },
      encoding: {
        x: { field: 'k0', type: 'quantitative', title: 'steps back from the sequence\'s end', scale: { reverse: true, nice: false, zero: false } },
        x2: { field: 'k1' },
        y: { field: 'row', type: 'ordinal', title: null, sort: null, axis: { labelOverlap: 'parity' } },
        color: { field: 'norm', type: 'quantitative', title: '‖∂L/∂h_t‖', scale: { type: 'log', scheme: 'viridis' }, legend: { format: '.0e' } },
      },
    },
  };
}

/** The first, middle and last sample as decay curves: ‖∂L/∂h‖ k steps back ÷ at the last step (log scale). */
export function stepGradientProfileChart(data: ReportData): Chart | null {
  const samples = data.stepGradients?.samples ?? [];
  if (samples.length === 0) return null;
  const picked = [...new Set([0, Math.floor((samples.length - 1) / 2), samples.length - 1])].map((i) => samples[i]);
  const values: { k: number; ratio: number; sample: string }[] = [];
  for (const s of picked) {
    const last = s.norms[0];
    if (!finite(last) || last <= 0) continue;
    const sample = `batch ${s.batch + 1} (epoch ${s.epoch + 1})`;
    s.norms.forEach((norm, k) => {
      if (finite(norm) && norm > 0) values.push({ k, ratio: norm / last, sample });
    });
  }
  if (values.length === 0) return null;
  return {
    name: 'step-gradient-profile', title: 'Gradient through time: decay profile',
    caption: 'The same measurements for the first, middle and last sampled batch, divided by the value at the last step: ' +
      'a straight falling line on this log scale is geometric decay (like 0.5^k); a flat line means the gradient reaches far back.',
    spec: {
      ...BASE, height: 220,
      data: { values },
      mark: { type: 'line' },
      encoding: {
        x: { field: 'k', type: 'quantitative', title: 'steps back from the sequence\'s end', scale: { reverse: true } },
        y: { field: 'ratio', type: 'quantitative', title: '‖∂L/∂h_t‖ ÷ at the last step', scale: { type: 'log' }, axis: { format: '.0e' } },
        color: { field: 'sample', type: 'nominal', title: null, sort: null },
      },
    },
  };
}

export function hiddenStateChart(data: ReportData): Chart | null {
  const t = data.trace;
  if (!t || t.rows.length === 0) return null;
  const units = Math.min(MAX_UNITS, t.rows[0].length);
  const values: { step: string; unit: number; value: number }[] = [];
  t.rows.forEach((row, i) => {
    const step = `${i} ${t.tokens ? t.tokens[i] : `#${t.ids[i]}`}`;
    for (let u = 0; u < units; u++) values.push({ step, unit: u, value: row[u] });
  });
  const cut = t.rows[0].length > units ? ` Showing the first ${units} of ${t.rows[0].length} units.` : '';
  return {
    name: 'hidden-state', title: 'Hidden state, token by token',
    caption: `h_t of ${t.layer} after each token of the traced input (${t.rows.length} tokens): one column per token, one row per hidden unit; blue is negative, red positive.${cut}`,
    spec: {
      ...BASE, width: Math.min(900, Math.max(320, t.rows.length * 16)), height: Math.min(640, Math.max(160, units * 8)),
      data: { values },
      // thousands of cells: no ARIA label on each (they would make up most of the file)
      mark: { type: 'rect', aria: false },
      encoding: {
        x: { field: 'step', type: 'ordinal', title: 'token', sort: null, axis: { labelAngle: -60, labelLimit: 90 } },
        y: { field: 'unit', type: 'ordinal', title: 'hidden unit', axis: units > 32 ? { values: Array.from({ length: Math.ceil(units / 16) }, (_, i) => i * 16) } : {} },
        color: { field: 'value', type: 'quantitative', title: 'h', scale: { scheme: 'redblue', reverse: true, domainMid: 0 } },
      },
    },
  };
}

/** Every chart the data has, in page order. */
export function charts(data: ReportData): Chart[] {
  return [lossChart, metricsChart, learningRateChart, throughputChart, gradientNormChart, stepGradientChart, stepGradientProfileChart, hiddenStateChart]
    .map((f) => f(data))
    .filter((c): c is Chart => c !== null);
}
