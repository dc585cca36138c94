/**
 * Language-model data: checked examples, padded batches for next-token prediction, and the stream layout
 * for stateful training (truncated BPTT).
 *
 * Next-token prediction on an example of n ids: inputs ids[0..n−2], targets ids[1..n−1]. A batch pads the
 * inputs on the right to the longest (T = max n − 1) with lengths n_b − 1, so the recurrent layer runs packed
 * sequences; targets past a length — and targets equal to paddingIdx, as PyTorch's ignore_index — are
 * IGNORE (−100, crossEntropy's default ignoreIndex) and count for nothing.
 */
import type { IdTensor } from '../layers/embedding.js';
import type { DType, Tensor } from '../tensor.js';
import { allocate } from '../tensor.js';
import { checkInt, describe } from '../errors.js';
import type { LanguageModelCondition } from './language-model-options.js';

export const IGNORE = -100;

/** A checked example: ids (n ≥ 2) and, for a conditioned model, its class id or vector. */
export interface LanguageModelExample {
  ids: Int32Array;
  condition?: number | Float64Array;
}

export interface LanguageModelBatch {
  /** [B, T] inputs ids[0..n−2], right-padded */
  inputs: IdTensor & { data: Int32Array };
  /** [B] n_b − 1 */
  lengths: Int32Array;
  /** [B·T] ids[1..n−1] row by row, IGNORE at padding */
  targets: Int32Array;
  /** real (non-ignored) targets */
  count: number;
  /** [B, C] one-hot class rows or condition vectors (the model's dtype); null without a condition */
  condition: Tensor | null;
}

/** What example checks need to know about the model. */
export interface ExampleSpec {
  vocabSize: number;
  condition: LanguageModelCondition | null;
  /** stateful: chunkLength + 1 (one chunk); else Infinity */
  maxIds: number;
}

/** Token ids: an array or Int32Array of integers in [0, vocabSize), at least `min` of them. */
export function checkIds(where: string, value: unknown, vocabSize: number, min: number): Int32Array {
  if (!Array.isArray(value) && !(value instanceof Int32Array)) {
    throw new TypeError(`${where}: expected token ids as number[] or Int32Array, received ${describe(value)}`);
  }
  if (value.length < min) {
    throw new RangeError(`${where}: expected at least ${min} id${min === 1 ? '' : 's'}${min === 2 ? ' (an input and the next token it predicts)' : ''}, received ${value.length}`);
  }
  const out = new Int32Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const id = value[i];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new RangeError(`${where}[${i}]: expected a token id in [0, ${vocabSize - 1}], received ${describe(id)}`);
    }
    out[i] = id;
  }
  return out;
}

/** A condition value: a class id in [0, numClasses), or a vector of `size` finite numbers. */
export function checkConditionValue(where: string, value: unknown, condition: LanguageModelCondition | null): number | Float64Array | undefined {
  if (!condition) {
    if (value !== undefined) throw new TypeError(`${where}: this model has no condition; expected undefined, received ${describe(value)}`);
    return undefined;
  }
  if (condition.kind === 'class') {
    if (value === undefined) throw new TypeError(`${where}: expected a class id in [0, ${condition.numClasses - 1}] (the model is conditioned on a class), received undefined`);
    return checkInt(where, value, 0, condition.numClasses - 1);
  }
  const isArray = Array.isArray(value) || value instanceof Float32Array || value instanceof Float64Array;
  if (!isArray) throw new TypeError(`${where}: expected a vector of ${condition.size} numbers (number[] or Float32Array/Float64Array), received ${describe(value)}`);
  const v = value as ArrayLike<unknown>;
  if (v.length !== condition.size) throw new RangeError(`${where}: expected a vector of ${condition.size} numbers (condition.size), received ${v.length}`);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new RangeError(`${where}[${i}]: expected a finite number, received ${describe(x)}`);
    out[i] = x;
  }
  return out;
}

export function checkExample(example: unknown, index: number, spec: ExampleSpec): LanguageModelExample {
  const where = `examples[${index}]`;
  if (typeof example !== 'object' || example === null || Array.isArray(example)) {
    throw new TypeError(`${where}: expected { ids${spec.condition ? ', condition' : ''} }, received ${describe(example)}`);
  }
  for (const key of Object.keys(example)) {
    if (key !== 'ids' && key !== 'condition') throw new TypeError(`${where}: expected only { ids, condition? }, received unknown key ${JSON.stringify(key)}`);
  }
  const e = example as { ids?: unknown; condition?: unknown };
  const ids = checkIds(`${where}.ids`, e.ids, spec.vocabSize, 2);
  if (ids.length > spec.maxIds) {
    throw new RangeError(
      `${where}.ids: a stateful model trains on chunks of at most chunkLength + 1 = ${spec.maxIds} ids (cut the stream with streamExamples), received ${ids.length}`,
    );
  }
  const condition = checkConditionValue(`${where}.condition`, e.condition, spec.condition);
  return condition === undefined ? { ids } : { ids, condition };
}

export function collate(examples: LanguageModelExample[], spec: ExampleSpec & { paddingIdx: number | null; dtype: DType }): LanguageModelBatch {
  if (!Array.isArray(examples) || examples.length === 0) {
    throw new RangeError(`collate(examples): expected a non-empty array of checked examples, received ${describe(examples)}`);
  }
  const B = examples.length;
  const lengths = new Int32Array(B);
  examples.forEach((e, b) => {
    if (!(e?.ids instanceof Int32Array) || e.ids.length < 2) {
      throw new TypeError(`collate(examples[${b}]): expected an example from checkExample ({ ids: Int32Array of ≥ 2 ids }), received ${describe(e)}`);
    }
    lengths[b] = e.ids.length - 1;
  });
  const T = Math.max(...lengths);
  const pad = spec.paddingIdx ?? 0;
  const inputs = new Int32Array(B * T).fill(pad);
  const targets = new Int32Array(B * T).fill(IGNORE);
  let count = 0;
  examples.forEach(({ ids }, b) => {
    for (let t = 0; t < lengths[b]; t++) {
      inputs[b * T + t] = ids[t];
      const y = ids[t + 1];
      if (y !== spec.paddingIdx) {
        targets[b * T + t] = y;
        count++;
      }
    }
  });
  return { inputs: { data: inputs, shape: [B, T] }, lengths, targets, count, condition: conditionRows(examples, spec) };
}

/** [B, C]: a one-hot row per class id, or the condition vectors. */
function conditionRows(examples: LanguageModelExample[], spec: { condition: LanguageModelCondition | null; dtype: DType }): Tensor | null {
  const c = spec.condition;
  if (!c) return null;
  const C = c.kind === 'class' ? c.numClasses : c.size;
  const data = allocate(spec.dtype, examples.length * C);
  examples.forEach((e, b) => {
    const v = checkConditionValue(`collate(examples[${b}].condition)`, e.condition, c)!;
    if (typeof v === 'number') data[b * C + v] = 1;
    else data.set(v, b * C);
  });
  return { data, shape: [examples.length, C] };
}

/**
 * Cuts one long stream of ids into examples for stateful training (PyTorch's word_language_model batchify +
 * get_batch): the stream is split into `batchSize` parallel streams of S = ⌊N / batchSize⌋ ids (the
 * remainder is dropped), stream b = ids[b·S, (b+1)·S). Each stream is cut into chunks that predict up to
 * chunkLength tokens: chunk k holds stream positions [k·chunkLength, min((k+1)·chunkLength, S − 1)] — its
 * last id is the next chunk's first, so every position after the first is predicted exactly once.
 *
 * The order is chunk-major: examples[k·batchSize + b] = chunk k of stream b. So fit with this batchSize and
 * ordered batches gives batch k = chunk k of every stream, and row b of batch k continues row b of batch k−1.
 */
export function streamExamples(ids: ArrayLike<number>, batchSize: number, chunkLength: number): { ids: number[] }[] {
  if (typeof ids !== 'object' || ids === null || typeof ids.length !== 'number') {
    throw new TypeError(`streamExamples(ids): expected the stream as number[] or Int32Array, received ${describe(ids)}`);
  }
  const B = checkInt('streamExamples(batchSize)', batchSize, 1);
  const K = checkInt('streamExamples(chunkLength)', chunkLength, 1);
  const S = Math.floor(ids.length / B);
  if (S < 2) {
    throw new RangeError(`streamExamples(ids): expected at least 2 ids per stream (2 × batchSize = ${2 * B} ids), received ${ids.length} ids for batchSize ${B}`);
  }
  const out: { ids: number[] }[] = [];
  for (let start = 0; start < S - 1; start += K) {
    const end = Math.min(start + K, S - 1); // last position of the chunk (inclusive)
    for (let b = 0; b < B; b++) {
      const chunk: number[] = [];
      for (let p = start; p <= end; p++) chunk.push(ids[b * S + p]);
      out.push({ ids: chunk });
    }
  }
  return out;
}
