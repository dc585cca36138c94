/**
 * Hidden-state traces: the state after every token of one sequence — the seed's table of how h evolves as
 * a sentence is read.
 *
 *   const rows = trace(model, vocab.encode(tokens));        // a SequenceClassifier (embedding + rnn): [T][D·H]
 *   const rows = trace(layer, x);                          // a bare RNN/LSTM/GRU, x [T, inputSize]: [T][D·H]
 *   console.log(formatTrace(rows, tokens));                 // t, token, h[0] h[1] …
 *
 * Row t is the layer's output at step t: the last layer's h_t, laid out as an output row [forward | reverse]
 * (the reverse direction's h_t has read tokens t … T − 1). So the last row's forward block is hN's forward
 * state, and for a one-layer, one-direction layer the trace is exactly the output sequence.
 *
 * The forward runs in eval mode (no dropout, nothing kept), and the previous mode is restored. Like any
 * forward, it replaces what the layer's next backward would undo: trace between training steps, not
 * between a forward and its backward.
 */
import type { Tensor } from '../tensor.js';
import { checkTensor, describe } from '../errors.js';
import { Embedding, type IdTensor } from '../layers/embedding.js';
import { RecurrentLayer } from '../layers/recurrent.js';

/** Anything with an embedding feeding a recurrent stack (SequenceClassifier and its kin). */
export interface EmbeddedRecurrentModel {
  readonly embedding: Embedding;
  readonly rnn: RecurrentLayer;
}

export interface TraceOptions {
  /** initial states [L·D, 1, H] (missing: zeros) */
  h0?: Tensor | null;
  c0?: Tensor | null;
}

/**
 * The last layer's output after every step of one sequence, as plain rows: [T][D·H] (D·projSize for a
 * projected LSTM). `source` is a bare recurrent layer, with `input` a tensor [T, inputSize] (or a batch of
 * one in the layer's layout), or a model with `embedding` and `rnn`, with `input` T token ids (an array,
 * a typed array, or an id tensor of shape [T] or [1, T]).
 */
export function trace(source: RecurrentLayer | EmbeddedRecurrentModel, input: Tensor | IdTensor | ArrayLike<number>, options: TraceOptions = {}): number[][] {
  if (typeof options !== 'object' || options === null) throw new TypeError(`trace(options): expected { h0?, c0? }, received ${describe(options)}`);
  if (source instanceof RecurrentLayer) return withEval([source], () => traceLayer(source, sequenceOf(source, input as Tensor), options));
  if (isModel(source)) {
    const { embedding, rnn } = source;
    return withEval([embedding, rnn], () => {
      const ids = idsOf(input);
      const x = embedding.forward({ data: ids, shape: [1, ids.length] });
      return traceLayer(rnn, x, options);
    });
  }
  throw new TypeError(`trace(source): expected an RNN/LSTM/GRU layer or a model with { embedding, rnn } (e.g. a SequenceClassifier), received ${describe(source)}`);
}

/**
 * The seed's table as text: one line per step — t, the token (when `labels` are given) and the state's
 * values with `digits` decimals. Long states show their first `maxColumns` values and an ellipsis.
 */
export function formatTrace(rows: number[][], labels?: readonly string[], { digits = 3, maxColumns = 8 }: { digits?: number; maxColumns?: number } = {}): string {
  if (!Array.isArray(rows) || !rows.every(Array.isArray)) throw new TypeError(`formatTrace(rows): expected an array of number arrays (a trace), received ${describe(rows)}`);
  if (labels !== undefined && (!Array.isArray(labels) || labels.length !== rows.length)) {
    throw new RangeError(`formatTrace(labels): expected ${rows.length} labels (one per row), received ${describe(labels)}`);
  }
  const width = rows[0]?.length ?? 0;
  const shown = Math.min(width, maxColumns);
  const cell = (v: number): string => (v >= 0 ? ' ' : '') + v.toFixed(digits);
  const tWidth = String(Math.max(0, rows.length - 1)).length;
  const labelWidth = labels ? Math.max(5, ...labels.map((l) => l.length)) : 0;
  const head = ['t'.padStart(tWidth), ...(labels ? ['token'.padEnd(labelWidth)] : [])];
  const colWidth = digits + 3;
  for (let j = 0; j < shown; j++) head.push(`h[${j}]`.padStart(colWidth));
  if (shown < width) head.push('…');
  const lines = [head.join('  ')];
  rows.forEach((row, t) => {
    const parts = [String(t).padStart(tWidth), ...(labels ? [labels[t].padEnd(labelWidth)] : [])];
    for (let j = 0; j < shown; j++) parts.push(cell(row[j]).padStart(colWidth));
    if (shown < width) parts.push('…');
    lines.push(parts.join('  '));
  });
  return lines.join('\n');
}

function isModel(value: unknown): value is EmbeddedRecurrentModel {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Partial<EmbeddedRecurrentModel>;
  return m.embedding instanceof Embedding && m.rnn instanceof RecurrentLayer;
}

/** Runs fn with every module in eval mode, then restores each one's own mode. */
function withEval<R>(modules: (Embedding | RecurrentLayer)[], fn: () => R): R {
  const modes = modules.map((m) => m.training);
  for (const m of modules) m.eval();
  try {
    return fn();
  } finally {
    modules.forEach((m, i) => m.train(modes[i]));
  }
}

/** One sequence as a batch of one: [T, I] → [1, T, I] / [T, 1, I] (the same floats either way). */
function sequenceOf(layer: RecurrentLayer, x: Tensor): Tensor {
  const label = 'trace(input)';
  const layout = layer.batchFirst ? '[1, T, inputSize]' : '[T, 1, inputSize]';
  const shape = checkTensor(label, x);
  if ((shape.length === 2 || shape.length === 3) && shape[shape.length - 1] !== layer.inputSize) {
    throw new RangeError(`${label}: expected one sequence [T, inputSize] or ${layout} with inputSize ${layer.inputSize}, received [${shape.join(', ')}]`);
  }
  if (shape.length === 2) return { data: x.data, shape: layer.batchFirst ? [1, shape[0], shape[1]] : [shape[0], 1, shape[1]] };
  if (shape.length === 3 && shape[layer.batchFirst ? 0 : 1] === 1) return x;
  throw new RangeError(`${label}: expected one sequence, [T, inputSize] or ${layout}, received [${shape.join(', ')}]`);
}

function idsOf(input: unknown): ArrayLike<number> {
  const label = 'trace(ids)';
  if (typeof input === 'object' && input !== null && 'shape' in input && 'data' in input) {
    const { data, shape } = input as IdTensor;
    if (!Array.isArray(shape) || !(shape.length === 1 || (shape.length === 2 && shape[0] === 1))) {
      throw new RangeError(`${label}: expected the ids of one sequence, shape [T] or [1, T], received shape ${describe(shape)}${Array.isArray(shape) ? ` [${shape.join(', ')}]` : ''}`);
    }
    return data;
  }
  if (Array.isArray(input) || ArrayBuffer.isView(input)) {
    if ((input as ArrayLike<number>).length === 0) throw new RangeError(`${label}: expected at least one token id, received an empty sequence`);
    return input as ArrayLike<number>;
  }
  throw new TypeError(`${label}: expected token ids (an array, a typed array or an id tensor [T]), received ${describe(input)}`);
}

function traceLayer(layer: RecurrentLayer, x: Tensor, { h0, c0 }: TraceOptions): number[][] {
  const { output } = layer.forward(x, h0 ?? null, c0 ?? null);
  const T = layer.batchFirst ? output.shape[1] : output.shape[0];
  const F = output.shape[2];
  const rows: number[][] = [];
  for (let t = 0; t < T; t++) rows.push(Array.from(output.data.subarray(t * F, (t + 1) * F)));
  return rows;
}
