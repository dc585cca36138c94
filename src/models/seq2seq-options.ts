/**
 * Seq2Seq's options and examples, checked: every message names the field, what was expected and what
 * arrived. Options are PyTorch's names in camelCase where PyTorch has them.
 */
import type { Backend } from '../backend/backend.js';
import type { BackendChoice } from '../backend/select.js';
import { gateCount } from '../backend/backend.js';
import { checkBoolean, checkInt, checkOneOf, describe } from '../errors.js';
import { checkParameterCount, checkSize, recurrentParameterCount } from '../limits.js';
import type { DType } from '../tensor.js';
import type { Seq2SeqAttention } from './seq2seq-attention.js';
import type { Bridge, Seq2SeqCell } from './seq2seq-decoder.js';

export interface Seq2SeqOptions {
  /** ids of the source side are in [0, sourceVocabSize) */
  sourceVocabSize: number;
  /** ids of the target side are in [0, targetVocabSize); bosId and eosId are among them */
  targetVocabSize: number;
  /** one size for the source and the target embeddings */
  embeddingDim: number;
  hiddenSize: number;
  /** default 'lstm' ('rnn' is the tanh Elman cell) */
  cell?: Seq2SeqCell;
  /** encoder and decoder alike; default 1 */
  numLayers?: number;
  /** bidirectional encoder; default false */
  bidirectional?: boolean;
  /** bidirectional encoder only: how its two final states become the decoder's one; default 'linear' */
  bridge?: Bridge;
  /** Luong attention score; default 'general'. 'dot' needs a unidirectional encoder (keys as wide as h). */
  attention?: Seq2SeqAttention;
  /** target id the decoder starts from (teacher forcing prepends it) */
  bosId: number;
  /** target id that ends a target (training appends it; decoding stops at it) */
  eosId: number;
  /** optional: an id in both vocabularies whose embedding rows stay zero and get no gradient; batches pad with it */
  paddingIdx?: number;
  backend?: BackendChoice | Backend;
  threads?: number;
  seed?: number;
  dtype?: DType;
}

export interface ResolvedSeq2SeqOptions {
  sourceVocabSize: number;
  targetVocabSize: number;
  embeddingDim: number;
  hiddenSize: number;
  cell: Seq2SeqCell;
  numLayers: number;
  bidirectional: boolean;
  bridge: Bridge;
  attention: Seq2SeqAttention;
  bosId: number;
  eosId: number;
  paddingIdx: number | undefined;
  backend: BackendChoice | Backend | undefined;
  threads: number | undefined;
  seed: number;
  dtype: DType;
}

/** An example as a caller writes it: ids as number[] or Int32Array; target without BOS and EOS. */
export interface Seq2SeqPair {
  source: ArrayLike<number>;
  target: ArrayLike<number>;
}

/** A checked example: ids as Int32Arrays; target without BOS and EOS (the model adds them). */
export interface Seq2SeqExample extends Seq2SeqPair {
  source: Int32Array;
  target: Int32Array;
}

const KEYS = [
  'sourceVocabSize', 'targetVocabSize', 'embeddingDim', 'hiddenSize', 'cell', 'numLayers', 'bidirectional', 'bridge',
  'attention', 'bosId', 'eosId', 'paddingIdx', 'backend', 'threads', 'seed', 'dtype',
];

/**
 * An upper estimate of the whole model's parameters (embeddings, encoder, decoder cells reading embedding ⊕
 * context, attention, bridge, head), checked against maxParameters before anything is allocated.
 */
function checkSeq2SeqParameters(sizes: Record<'sourceVocabSize' | 'targetVocabSize' | 'embeddingDim' | 'hiddenSize' | 'numLayers', number>, cell: 'rnn' | 'lstm' | 'gru', bidirectional: boolean): void {
  const { sourceVocabSize: Vs, targetVocabSize: Vt, embeddingDim: E, hiddenSize: H, numLayers: L } = sizes;
  const gates = gateCount(cell === 'rnn' ? 'rnn_tanh' : cell);
  const D = bidirectional ? 2 : 1;
  const encoder = recurrentParameterCount({ gates, inputSize: E, hiddenSize: H, numLayers: L, directions: D, projSize: 0, bias: true });
  const decoder = recurrentParameterCount({ gates, inputSize: E + D * H, hiddenSize: H, numLayers: L, directions: 1, projSize: 0, bias: true });
  const total = (Vs + Vt) * E + encoder + decoder + D * H * H + 2 * L * (D * H + 1) * H + Vt * (2 * H + 1);
  checkParameterCount('Seq2Seq', total, sizes);
}

export function checkSeq2SeqOptions(options: unknown): ResolvedSeq2SeqOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`Seq2Seq(options): expected an object, received ${describe(options)}`);
  const o = options as Record<string, unknown>;
  for (const [key, value] of Object.entries(o)) {
    if (value !== undefined && !KEYS.includes(key)) throw new TypeError(`Seq2Seq(options): expected only ${KEYS.join(', ')}, received unknown option ${JSON.stringify(key)}`);
  }
  const sourceVocabSize = checkSize('sourceVocabSize', o.sourceVocabSize);
  const targetVocabSize = checkSize('targetVocabSize', o.targetVocabSize, 2);
  const embeddingDim = checkSize('embeddingDim', o.embeddingDim);
  const hiddenSize = checkSize('hiddenSize', o.hiddenSize);
  const cell = checkOneOf('cell', o.cell ?? 'lstm', ['rnn', 'lstm', 'gru'] as const);
  const numLayers = checkSize('numLayers', o.numLayers ?? 1);
  const bidirectional = checkBoolean('bidirectional', o.bidirectional ?? false);
  checkSeq2SeqParameters({ sourceVocabSize, targetVocabSize, embeddingDim, hiddenSize, numLayers }, cell, bidirectional);
  const bridge = checkOneOf('bridge', o.bridge ?? 'linear', ['sum', 'linear'] as const);
  if (o.bridge !== undefined && !bidirectional) {
    throw new RangeError(`bridge: only a bidirectional encoder needs a bridge (its final states pass to the decoder as they are otherwise); expected undefined with bidirectional false, received ${describe(o.bridge)}`);
  }
  const attention = checkOneOf('attention', o.attention ?? 'general', ['dot', 'general', 'none'] as const);
  if (attention === 'dot' && bidirectional) {
    throw new RangeError(`attention: 'dot' needs encoder outputs as wide as the decoder's h (hiddenSize ${hiddenSize}); a bidirectional encoder's are ${2 * hiddenSize} wide — expected 'general' or 'none' with bidirectional true, received 'dot'`);
  }
  const bosId = checkInt('bosId', o.bosId, 0, targetVocabSize - 1);
  const eosId = checkInt('eosId', o.eosId, 0, targetVocabSize - 1);
  if (bosId === eosId) throw new RangeError(`eosId: expected an id different from bosId ${bosId}, received ${eosId}`);
  let paddingIdx: number | undefined;
  if (o.paddingIdx !== undefined) {
    paddingIdx = checkInt('paddingIdx', o.paddingIdx, 0, Math.min(sourceVocabSize, targetVocabSize) - 1);
    if (paddingIdx === bosId) throw new RangeError(`paddingIdx: expected an id other than bosId ${bosId} (the BOS embedding would stay zero), received ${paddingIdx}`);
  }
  const seed = o.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : checkInt('seed', o.seed, 0, 2 ** 52);
  const dtype = checkOneOf('dtype', o.dtype ?? 'float32', ['float32', 'float64'] as const);
  const threads = o.threads === undefined ? undefined : checkInt('threads', o.threads, 1, 1024);
  return {
    sourceVocabSize, targetVocabSize, embeddingDim, hiddenSize, cell, numLayers, bidirectional, bridge, attention,
    bosId, eosId, paddingIdx, backend: o.backend as BackendChoice | Backend | undefined, threads, seed, dtype,
  };
}

/**
 * An id sequence (number[] or Int32Array) as a new Int32Array, every id an integer in [0, vocabSize);
 * `forbidden` ids (BOS, EOS in a target) are rejected with their role.
 */
export function checkIds(label: string, value: unknown, vocabSize: number, { allowEmpty = false, forbidden = [] as [number, string][] } = {}): Int32Array {
  if (!(value instanceof Int32Array) && !Array.isArray(value)) {
    throw new TypeError(`${label}: expected an array or Int32Array of integer ids in [0, ${vocabSize - 1}], received ${describe(value)}`);
  }
  if (!allowEmpty && value.length === 0) throw new RangeError(`${label}: expected at least one id, received an empty sequence`);
  const out = new Int32Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const id = value[i];
    if (typeof id !== 'number') throw new TypeError(`${label}[${i}]: expected an integer id, received ${describe(id)}`);
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new RangeError(`${label}[${i}]: expected an id in [0, ${vocabSize - 1}], received ${describe(id)}`);
    for (const [f, role] of forbidden) {
      if (id === f) throw new RangeError(`${label}[${i}]: expected no ${role} ${f} (the model adds it), received ${f}`);
    }
    out[i] = id;
  }
  return out;
}

/** One training example { source, target }: source non-empty, target possibly empty, neither with BOS/EOS in the target. */
export function checkSeq2SeqExample(example: unknown, index: number, o: ResolvedSeq2SeqOptions): Seq2SeqExample {
  const where = `examples[${index}]`;
  if (typeof example !== 'object' || example === null) throw new TypeError(`${where}: expected { source, target }, received ${describe(example)}`);
  const e = example as Record<string, unknown>;
  if (!('source' in e)) throw new TypeError(`${where}.source: expected an array of source ids, received undefined`);
  if (!('target' in e)) throw new TypeError(`${where}.target: expected an array of target ids (without BOS/EOS), received undefined`);
  return {
    source: checkIds(`${where}.source`, e.source, o.sourceVocabSize),
    target: checkIds(`${where}.target`, e.target, o.targetVocabSize, { allowEmpty: true, forbidden: [[o.bosId, 'bosId'], [o.eosId, 'eosId']] }),
  };
}
