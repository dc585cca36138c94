/**
 * Everything the training report shows, as one JSON-serialisable object (report.json beside the page, and
 * saved in a CLI model directory so `fastrnn inspect --report` draws the same views again):
 *
 *   history          fit's History (per-epoch loss and metrics, learning rate, throughput)
 *   batches          per training batch, columns: epoch, loss, gradNorm (before clipping), lr, clipped, skipped
 *   stepGradients    sampled ‖∂L/∂h_t‖ per time step (step-gradients.ts)
 *   trace            the hidden states of one input (diagnostics/trace.ts)
 *   nearest          nearest words of chosen words (diagnostics/nearest.ts)
 *
 * JSON has no NaN: non-finite numbers are written as null and charts leave them out.
 */
import { nearest } from '../diagnostics/nearest.js';
import { trace } from '../diagnostics/trace.js';
import type { Embedding } from '../layers/embedding.js';
import { RecurrentLayer } from '../layers/recurrent.js';
import type { Vocab } from '../text/vocab.js';
import type { History } from '../train/fit-history.js';
import { FASTRNN_VERSION } from '../version.js';
import type { StepGradientSample } from './step-gradients.js';

export const REPORT_FORMAT = 'fastrnn-report';

export interface BatchColumns {
  /** 0-based epoch of each batch (batch i is the i-th training batch of the run) */
  epoch: number[];
  loss: (number | null)[];
  /** global gradient norm before clipping */
  gradNorm: (number | null)[];
  lr: number[];
  /** 1: clipGradNorm scaled this batch's gradients down */
  clipped: number[];
  /** 1: nonFinite 'skip' skipped this batch */
  skipped: number[];
}

export interface ReportData {
  format: typeof REPORT_FORMAT;
  formatVersion: 1;
  fastrnn: string;
  created: string;
  title: string;
  model: { kind: string; config: Record<string, unknown>; parameters: number };
  history: History | null;
  clipGradNorm: number | null;
  batches: BatchColumns | null;
  /** every: the sampling interval N; share: the cap on measuring time (a fraction of training time), null when N was given */
  stepGradients: { every: number; share: number | null; sequences: number; layer: string; samples: StepGradientSample[] } | null;
  trace: { ids: number[]; tokens: string[] | null; rows: number[][]; layer: string } | null;
  nearest: { word: string; neighbours: { word: string; similarity: number }[] }[] | null;
  /** why a view is missing, shown on the page */
  notes: Record<string, string>;
}

/** The embedding and recurrent layer that read a model's input (a seq2seq model's encoder side). */
export function readerOf(model: object): { embedding: Embedding; rnn: RecurrentLayer } | null {
  const m = model as { embedding?: Embedding; rnn?: unknown; encoder_embedding?: Embedding; encoder?: unknown };
  if (m.rnn instanceof RecurrentLayer && m.embedding) return { embedding: m.embedding, rnn: m.rnn };
  if (m.encoder instanceof RecurrentLayer && m.encoder_embedding) return { embedding: m.encoder_embedding, rnn: m.encoder };
  return null;
}

/** Token ids of an example ({ ids } or a seq2seq { source }), or null. */
export function idsOfExample(example: unknown): number[] | null {
  if (typeof example !== 'object' || example === null) return null;
  const e = example as { ids?: ArrayLike<number>; source?: ArrayLike<number> };
  const ids = e.ids ?? e.source;
  return ids && ids.length > 0 ? Array.from(ids) : null;
}

/** Inputs longer than this are traced over their first MAX_TRACE_STEPS tokens (the heat map stays readable). */
export const MAX_TRACE_STEPS = 60;

/** The hidden-state trace of `ids` (cut to MAX_TRACE_STEPS), labelled with tokens when a vocab is given. */
export function traceView(model: object, ids: number[], vocab: Vocab | null): ReportData['trace'] {
  const reader = readerOf(model);
  if (!reader) return null;
  const shown = ids.slice(0, MAX_TRACE_STEPS);
  const rows = trace(reader, shown);
  const tokens = vocab && vocab.size === reader.embedding.numEmbeddings ? shown.map((id) => vocab.tokenOf(id)) : null;
  const { rnn } = reader;
  const layer = `${rnn.numLayers > 1 ? 'top layer' : 'the layer'}${rnn.bidirectional ? ', forward | reverse units' : ''}`;
  return { ids: shown, tokens, rows, layer };
}

/** The default words: the 8 most frequent (vocab order) alphabetic words of at least 4 letters. */
export function defaultWords(vocab: Vocab, count = 8): string[] {
  const words: string[] = [];
  for (let id = vocab.specials.length; id < vocab.size && words.length < count; id++) {
    const w = vocab.tokenOf(id);
    if (/^\p{L}{4,}$/u.test(w)) words.push(w);
  }
  return words;
}

/** Nearest neighbours (cosine of the embeddings) of each word in the vocabulary; unknown words are skipped. */
export function nearestView(model: object, vocab: Vocab, words: string[], k = 6): ReportData['nearest'] {
  const reader = readerOf(model);
  if (!reader || vocab.size !== reader.embedding.numEmbeddings) return null;
  const out: NonNullable<ReportData['nearest']> = [];
  for (const word of words) {
    if (!vocab.has(word)) continue;
    try {
      out.push({ word, neighbours: nearest(reader.embedding, vocab, word, k).map((n) => ({ word: n.word, similarity: n.similarity })) });
    } catch {
      // a word whose embedding row is all zeros has no direction (nearest explains): nothing to list
    }
  }
  return out;
}

export function emptyReport(model: { kind: string; config(): Record<string, unknown>; parameters(): { value: { data: ArrayLike<number> } }[] }, title: string | null): ReportData {
  return {
    format: REPORT_FORMAT,
    formatVersion: 1,
    fastrnn: FASTRNN_VERSION,
    created: new Date().toISOString(),
    title: title ?? `fastrnn ${model.kind}`,
    model: { kind: model.kind, config: model.config(), parameters: model.parameters().reduce((s, p) => s + p.value.data.length, 0) },
    history: null,
    clipGradNorm: null,
    batches: null,
    stepGradients: null,
    trace: null,
    nearest: null,
    notes: {},
  };
}

/** Checks the parts of a report.json the page reads (a file from another program or version is refused). */
export function parseReportData(value: unknown, where: string): ReportData {
  const r = value as Partial<ReportData>;
  if (typeof r !== 'object' || r === null || r.format !== REPORT_FORMAT || r.formatVersion !== 1) {
    throw new TypeError(`${where}: expected a fastrnn report (format ${JSON.stringify(REPORT_FORMAT)}, formatVersion 1), received ${typeof r === 'object' && r !== null ? `format ${JSON.stringify(r.format)}` : typeof r}`);
  }
  if (typeof r.model !== 'object' || r.model === null || typeof r.title !== 'string') throw new TypeError(`${where}: expected a report with model and title`);
  return { ...r, notes: r.notes ?? {} } as ReportData;
}
