/**
 * LanguageModel options: what each means, their checks, and the JSON config that rebuilds the model.
 *
 *   condition  none (undefined / null) | { kind: 'class', numClasses } | { kind: 'vector', size }.
 *              The condition sets the initial state (see language-model-condition.ts); it is not an input.
 *   stateful   truncated BPTT over long streams: each batch's final state is the next batch's initial
 *              state (detached), batches keep their order. Examples are chunks of at most chunkLength + 1
 *              ids (chunkLength predicted tokens), as streamExamples cuts them. A stateful model takes no
 *              condition: its initial state is the carried one.
 *   startId    the id every training sequence starts with (a BOS token): generate() without a prompt
 *              starts from it. Without it, generate() needs a prompt.
 */
import type { Backend } from '../backend/backend.js';
import type { BackendChoice } from '../backend/select.js';
import type { DType } from '../tensor.js';
import { gateCount } from '../backend/backend.js';
import { checkBoolean, checkInt, checkNumber, checkOneOf, describe } from '../errors.js';
import { checkParameterCount, checkSize, recurrentParameterCount } from '../limits.js';

export type LanguageModelCondition = { kind: 'class'; numClasses: number } | { kind: 'vector'; size: number };

export interface LanguageModelOptions {
  vocabSize: number;
  embeddingDim: number;
  hiddenSize: number;
  /** 'rnn' (with `nonlinearity`), 'lstm' or 'gru'; default 'rnn', as SequenceClassifier */
  cell?: 'rnn' | 'lstm' | 'gru';
  nonlinearity?: 'tanh' | 'relu';
  numLayers?: number;
  /** dropout between stacked recurrent layers (PyTorch's nn.LSTM dropout); needs numLayers ≥ 2 to act */
  dropout?: number;
  paddingIdx?: number;
  condition?: LanguageModelCondition | null;
  startId?: number;
  stateful?: boolean;
  /** stateful only: predicted tokens per chunk (default 35, PyTorch's word_language_model bptt) */
  chunkLength?: number;
  backend?: BackendChoice | Backend;
  threads?: number;
  seed?: number;
  dtype?: DType;
}

export interface CheckedLanguageModelOptions {
  vocabSize: number;
  embeddingDim: number;
  hiddenSize: number;
  cell: 'rnn' | 'lstm' | 'gru';
  nonlinearity: 'tanh' | 'relu';
  numLayers: number;
  dropout: number;
  paddingIdx: number | null;
  condition: LanguageModelCondition | null;
  startId: number | null;
  stateful: boolean;
  chunkLength: number;
  seed: number;
  dtype: DType;
}

const KEYS = [
  'vocabSize', 'embeddingDim', 'hiddenSize', 'cell', 'nonlinearity', 'numLayers', 'dropout', 'paddingIdx', 'condition', 'startId',
  'stateful', 'chunkLength', 'backend', 'threads', 'seed', 'dtype',
];

export const DEFAULT_CHUNK_LENGTH = 35;

export function checkLanguageModelOptions(options: unknown): CheckedLanguageModelOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`LanguageModel(options): expected an object { vocabSize, embeddingDim, hiddenSize, … }, received ${describe(options)}`);
  }
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !KEYS.includes(key)) {
      throw new TypeError(`LanguageModel(options): expected only ${KEYS.join(', ')}, received unknown option ${JSON.stringify(key)}`);
    }
  }
  const o = options as LanguageModelOptions;
  const vocabSize = checkSize('vocabSize', o.vocabSize);
  const cell = checkOneOf('cell', o.cell ?? 'rnn', ['rnn', 'lstm', 'gru'] as const);
  const nonlinearity = checkOneOf('nonlinearity', o.nonlinearity ?? 'tanh', ['tanh', 'relu'] as const);
  if (cell !== 'rnn' && o.nonlinearity !== undefined) {
    throw new RangeError(`nonlinearity: only cell 'rnn' takes one, received ${describe(o.nonlinearity)} with cell ${describe(cell)}`);
  }
  const stateful = checkBoolean('stateful', o.stateful ?? false);
  if (!stateful && o.chunkLength !== undefined) {
    throw new RangeError(`chunkLength: only a stateful model (stateful: true) cuts streams into chunks, received chunkLength ${describe(o.chunkLength)} with stateful false`);
  }
  const condition = checkCondition(o.condition);
  if (stateful && condition) {
    throw new RangeError(`condition: a stateful model starts each batch from the carried state, so it takes no condition; received condition ${describe(condition.kind)} with stateful true`);
  }
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31);
  checkInt('seed', seed, 0, 2 ** 52);
  const dropout = checkNumber('dropout', o.dropout ?? 0, { min: 0, max: 1 });
  if (dropout === 1) throw new RangeError('dropout: expected a probability in [0, 1), received 1');
  const embeddingDim = checkSize('embeddingDim', o.embeddingDim);
  const hiddenSize = checkSize('hiddenSize', o.hiddenSize);
  const numLayers = checkSize('numLayers', o.numLayers ?? 1);
  // Embedding, recurrent stack, head; a condition maps to every layer's initial h and c.
  const conditionSize = condition ? (condition.kind === 'class' ? condition.numClasses : condition.size) : 0;
  const total = vocabSize * embeddingDim + vocabSize * (hiddenSize + 1) + 2 * numLayers * hiddenSize * (conditionSize + 1) +
    recurrentParameterCount({ gates: gateCount(cell === 'rnn' ? 'rnn_tanh' : cell), inputSize: embeddingDim, hiddenSize, numLayers, directions: 1, projSize: 0, bias: true });
  checkParameterCount('LanguageModel', total, { vocabSize, embeddingDim, hiddenSize, numLayers, ...(condition ? { [condition.kind === 'class' ? 'condition.numClasses' : 'condition.size']: conditionSize } : {}) });
  return {
    vocabSize,
    embeddingDim,
    hiddenSize,
    cell,
    nonlinearity,
    numLayers,
    dropout,
    paddingIdx: o.paddingIdx === undefined ? null : checkInt('paddingIdx', o.paddingIdx, 0, vocabSize - 1),
    condition,
    startId: o.startId === undefined ? null : checkInt('startId', o.startId, 0, vocabSize - 1),
    stateful,
    chunkLength: stateful ? checkInt('chunkLength', o.chunkLength ?? DEFAULT_CHUNK_LENGTH, 1) : DEFAULT_CHUNK_LENGTH,
    seed,
    dtype: checkOneOf('dtype', o.dtype ?? 'float32', ['float32', 'float64'] as const),
  };
}

function checkCondition(value: unknown): LanguageModelCondition | null {
  if (value === undefined || value === null) return null;
  const expected = "none (undefined), { kind: 'class', numClasses } or { kind: 'vector', size }";
  if (typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`condition: expected ${expected}, received ${describe(value)}`);
  const c = value as Record<string, unknown>;
  const kind = checkOneOf('condition.kind', c.kind, ['class', 'vector'] as const);
  const allowed = kind === 'class' ? ['kind', 'numClasses'] : ['kind', 'size'];
  for (const key of Object.keys(c)) {
    if (!allowed.includes(key)) throw new TypeError(`condition: expected only { ${allowed.join(', ')} } for kind '${kind}', received key ${JSON.stringify(key)}`);
  }
  if (kind === 'class') return { kind, numClasses: checkSize('condition.numClasses', c.numClasses) };
  return { kind, size: checkSize('condition.size', c.size) };
}

/** JSON-serialisable options that rebuild the model (the engine choice and threads are the caller's, per machine). */
export function languageModelConfig(o: CheckedLanguageModelOptions): Record<string, unknown> {
  const config: Record<string, unknown> = {
    vocabSize: o.vocabSize, embeddingDim: o.embeddingDim, hiddenSize: o.hiddenSize, cell: o.cell, numLayers: o.numLayers, dropout: o.dropout,
    condition: o.condition ? { ...o.condition } : null, stateful: o.stateful, seed: o.seed, dtype: o.dtype,
  };
  if (o.cell === 'rnn') config.nonlinearity = o.nonlinearity;
  if (o.paddingIdx !== null) config.paddingIdx = o.paddingIdx;
  if (o.startId !== null) config.startId = o.startId;
  if (o.stateful) config.chunkLength = o.chunkLength;
  return config;
}
