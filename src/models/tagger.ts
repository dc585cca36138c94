/**
 * Many → many: token ids → Embedding → recurrent stack → Linear on every step → one tag per token
 * (part-of-speech, named entities). Softmax lives in the loss, as in PyTorch.
 *
 *   ids [B, T] ─Embedding─▶ x [B, T, E] ─rnn (lengths: packed)─▶ y [B, T, D·H] = [B·T, D·H] ─head─▶ logits [B·T, numTags]
 *
 * The recurrent layer runs on packed sequences (x.lengths), so a token's logits never depend on how much
 * its example was padded, nor on what sits in the padding; padded steps carry the ignore index in the
 * tags, so they add nothing to the loss, the gradients or the metrics.
 *
 * State dict names: embedding.weight, rnn.weight_ih_l0 …, head.weight, head.bias.
 */
import { Embedding, type IdTensor } from '../layers/embedding.js';
import { Linear } from '../layers/linear.js';
import { Module } from '../layers/module.js';
import { LayerBusyError, type RecurrentLayer, type RecurrentOutput } from '../layers/recurrent.js';
import { crossEntropy } from '../train/losses.js';
import type { MetricSums, TrainableModel } from '../train/trainable.js';
import { padSequences } from '../data/batching.js';
import type { Tensor } from '../tensor.js';
import { shapeToString } from '../tensor.js';
import { checkInt, describe } from '../errors.js';
import { checkSize } from '../limits.js';
import { argmaxRows, tagCounts, taggerMetrics } from './tagger-metrics.js';
import { engineOptions, loadModelInto, saveModel, type EngineOptions, type SavableVocab } from '../io/model-dir.js';
import { buildTokenEncoder, checkEncoderChoice, checkEncoderSizes, type TokenEncoderOptions } from './token-encoder.js';

/** The token encoder's options (token-encoder.ts) and the number of tags. */
export interface TaggerOptions extends TokenEncoderOptions {
  numTags: number;
}

/** One example as given: ids and one tag per id (number[] or Int32Array, equal lengths ≥ 1). */
export interface TaggerExampleInput {
  ids: ArrayLike<number>;
  tags: ArrayLike<number>;
}

/** A checked example (private copies). */
export interface TaggerExample {
  ids: Int32Array;
  tags: Int32Array;
}

/** Right-padded ids [B, T], lengths [B], and tags [B·T] with TAG_IGNORE_INDEX at padded steps. */
export interface TaggerBatch {
  ids: IdTensor & { data: Int32Array };
  lengths: Int32Array;
  tags: Int32Array;
}

/** The tag padded steps carry; the loss and the metrics skip it (PyTorch's default ignore_index). */
export const TAG_IGNORE_INDEX = -100;

export class SequenceTagger extends Module implements TrainableModel<TaggerExample, TaggerBatch> {
  readonly kind = 'tagger';

  /** Writes the model directory — config.json, model.safetensors, vocab.json when given (io/model-dir.ts). */
  save(dir: string, options: { vocab?: SavableVocab | null } = {}): Promise<void> {
    return saveModel(this, dir, options);
  }

  /** Loads a saved tagger model on the chosen engine; a directory of another kind is rejected. */
  static async load(dir: string, options: EngineOptions = {}): Promise<SequenceTagger> {
    const build = (config: Record<string, unknown>): SequenceTagger => new SequenceTagger({ ...(config as unknown as TaggerOptions), ...engineOptions(options) });
    return (await loadModelInto(dir, build, { expectKind: 'tagger' })).model;
  }
  readonly embedding: Embedding;
  readonly rnn: RecurrentLayer;
  readonly head: Linear;
  readonly numTags: number;
  private readonly options: Record<string, unknown>;
  private busy = false;
  /** [B, T] of the last training forward (what backward undoes), or null */
  private trainedShape: [number, number] | null = null;

  constructor(options: TaggerOptions) {
    super();
    if (typeof options !== 'object' || options === null) throw new TypeError(`SequenceTagger(options): expected an object, received ${describe(options)}`);
    const choice = checkEncoderChoice(options);
    const { seed, cell, nonlinearity } = choice;
    this.numTags = checkSize('numTags', options.numTags, 2);
    checkEncoderSizes('SequenceTagger', options, choice, ['numTags', this.numTags]);
    const { dtype, backend, threads } = options;
    ({ embedding: this.embedding, rnn: this.rnn } = buildTokenEncoder(options, choice));
    // The head runs on B·T rows (every step), so it takes the model's engine too.
    this.head = new Linear({ inFeatures: this.rnn.numDirections * this.rnn.hiddenSize, outFeatures: this.numTags, seed: seed + 2, dtype, backend, threads });
    this.options = {
      vocabSize: this.embedding.numEmbeddings, embeddingDim: this.embedding.embeddingDim, hiddenSize: this.rnn.hiddenSize, numTags: this.numTags,
      cell, ...(cell === 'rnn' ? { nonlinearity } : {}), numLayers: this.rnn.numLayers, bidirectional: this.rnn.bidirectional, dropout: this.rnn.dropout,
      ...(this.embedding.paddingIdx !== null ? { paddingIdx: this.embedding.paddingIdx } : {}),
      ...(typeof backend === 'string' ? { backend } : {}), ...(threads !== undefined ? { threads } : {}),
      seed, dtype: this.rnn.dtype,
    };
  }

  protected override children(): Record<string, Module> {
    return { embedding: this.embedding, rnn: this.rnn, head: this.head };
  }

  /** The constructor options, JSON-serialisable (a Backend object is left out; the seed is the one used). */
  config(): Record<string, unknown> {
    return { ...this.options };
  }

  /** ids [B, T] (right-padded), lengths [B] (default: all T) → logits [B, T, numTags]. */
  forward(ids: IdTensor, lengths?: ArrayLike<number>): Tensor {
    this.checkIdle();
    const x = this.embed(ids, lengths);
    return this.toLogits(this.rnn.forward(x), true);
  }

  /** Backpropagates dLogits [B, T, numTags] (of the last training forward), accumulating every gradient. */
  backward(dLogits: Tensor): void {
    this.checkIdle();
    this.embedding.backward(this.rnn.backward({ dOutput: this.headBackward(dLogits) }).dInput);
  }

  // ── TrainableModel ────────────────────────────────────────────────────────────────────────────────────

  checkExample(example: unknown, index: number): TaggerExample {
    const where = `examples[${index}]`;
    if (typeof example !== 'object' || example === null || Array.isArray(example)) {
      throw new TypeError(`${where}: expected { ids, tags } (number[] or Int32Array each), received ${describe(example)}`);
    }
    const { ids, tags } = example as Record<string, unknown>;
    const checkedIds = checkIdSequence(`${where}.ids`, ids, this.embedding.numEmbeddings, 'ids in');
    if (!Array.isArray(tags) && !(tags instanceof Int32Array)) {
      throw new TypeError(`${where}.tags: expected number[] or Int32Array (one tag per id), received ${describe(tags)}`);
    }
    if (tags.length !== checkedIds.length) {
      throw new RangeError(`${where}.tags: expected ${checkedIds.length} tags (one per id in ${where}.ids), received ${describe(tags)}`);
    }
    return { ids: checkedIds, tags: checkIdSequence(`${where}.tags`, tags, this.numTags, 'tags in') };
  }

  exampleLength(example: TaggerExample): number {
    return example.ids.length;
  }

  collate(examples: TaggerExample[]): TaggerBatch {
    const { ids, lengths } = padSequences(examples.map((e) => e.ids), this.embedding.paddingIdx ?? 0);
    const T = ids.shape[1];
    const tags = new Int32Array(ids.data.length).fill(TAG_IGNORE_INDEX);
    examples.forEach((e, b) => tags.set(e.tags, b * T));
    return { ids, lengths, tags };
  }

  /** Training mode for the step (the previous mode is restored): mean cross-entropy over real tokens. */
  async trainBatch(batch: TaggerBatch): Promise<{ loss: number; count: number }> {
    return this.exclusive(true, async () => {
      const x = this.embed(batch.ids, batch.lengths);
      const logits = this.toLogits(await this.rnn.forwardAsync(x), false);
      const { loss, grad } = crossEntropy(logits, batch.tags, { ignoreIndex: TAG_IGNORE_INDEX });
      const { dInput } = await this.rnn.backwardAsync({ dOutput: this.headBackward(grad) });
      this.embedding.backward(dInput);
      return { loss, count: countReal(batch.tags) };
    });
  }

  /** Eval mode (the previous mode is restored): summed loss, count, correct and per-tag tp/fp/fn. */
  async evaluateBatch(batch: TaggerBatch): Promise<MetricSums> {
    return this.exclusive(false, async () => {
      const logits = this.toLogits(await this.rnn.forwardAsync(this.embed(batch.ids, batch.lengths)), false);
      const { loss } = crossEntropy(logits, batch.tags, { ignoreIndex: TAG_IGNORE_INDEX, reduction: 'sum' });
      return { loss, ...tagCounts(argmaxRows(logits), batch.tags, TAG_IGNORE_INDEX) };
    });
  }

  metrics(sums: MetricSums): Record<string, number> {
    return taggerMetrics(sums);
  }

  // ── Inference ─────────────────────────────────────────────────────────────────────────────────────────

  /** One tag id per token, in eval mode (the previous mode is restored): ids → number[], ids[] → number[][]. */
  predict(ids: ArrayLike<number>): number[];
  predict(ids: ArrayLike<number>[]): number[][];
  predict(ids: ArrayLike<number> | ArrayLike<number>[]): number[] | number[][] {
    this.checkIdle();
    const { sequences, single } = this.checkPredictInput(ids);
    const { ids: padded, lengths } = padSequences(sequences, this.embedding.paddingIdx ?? 0);
    const wasTraining = this.training;
    this.eval();
    try {
      const tags = argmaxRows(this.toLogits(this.rnn.forward(this.embed(padded, lengths)), false));
      const T = padded.shape[1];
      const out = sequences.map((s, b) => Array.from(tags.subarray(b * T, b * T + s.length)));
      return single ? out[0] : out;
    } finally {
      this.train(wasTraining);
    }
  }

  // ── Internals ─────────────────────────────────────────────────────────────────────────────────────────

  private embed(ids: IdTensor, lengths: ArrayLike<number> | undefined): Tensor & { lengths: Int32Array } {
    const checked = this.checkLengths(ids, lengths);
    return { ...this.embedding.forward(ids), lengths: checked };
  }

  /** y [B, T, F] → logits [B·T, numTags] (or [B, T, numTags] when asked), reading y in place. */
  private toLogits(rnnOut: RecurrentOutput, batchShape: boolean): Tensor {
    const [B, T, F] = rnnOut.output.shape;
    const logits = this.head.forward({ data: rnnOut.output.data, shape: [B * T, F] });
    this.trainedShape = this.training ? [B, T] : null;
    return batchShape ? { data: logits.data, shape: [B, T, this.numTags] } : logits;
  }

  /** dLogits [B, T, numTags] or [B·T, numTags] of the last training forward → dOutput [B, T, F] for the rnn. */
  private headBackward(dLogits: Tensor): Tensor {
    if (!this.trainedShape) throw new Error('SequenceTagger.backward: call forward in training mode first');
    const [B, T] = this.trainedShape;
    const C = this.numTags;
    const shape = (dLogits as Partial<Tensor> | null)?.shape;
    const flat = Array.isArray(shape) && shape.length === 2 && shape[0] === B * T && shape[1] === C;
    if (!flat && !(Array.isArray(shape) && shape.length === 3 && shape[0] === B && shape[1] === T && shape[2] === C)) {
      throw new RangeError(`SequenceTagger.backward(dLogits): expected shape [${B}, ${T}, ${C}] (or [${B * T}, ${C}]), received ${Array.isArray(shape) ? shapeToString(shape) : describe(dLogits)}`);
    }
    const dy = this.head.backward({ data: dLogits.data, shape: [B * T, C] });
    return { data: dy.data, shape: [B, T, this.head.inFeatures] };
  }

  private checkLengths(ids: IdTensor, lengths: ArrayLike<number> | undefined): Int32Array {
    if (!ids || !Array.isArray(ids.shape) || ids.shape.length !== 2) {
      throw new RangeError(`SequenceTagger.forward(ids): expected ids of shape [B, T], received ${Array.isArray(ids?.shape) ? `shape ${shapeToString(ids.shape)}` : describe(ids)}`);
    }
    const [B, T] = ids.shape;
    const out = new Int32Array(B);
    if (lengths === undefined) return out.fill(T);
    if (typeof lengths !== 'object' || lengths === null || lengths.length !== B) {
      throw new RangeError(`SequenceTagger.forward(lengths): expected ${B} lengths (one per example), received ${describe(lengths)}`);
    }
    for (let b = 0; b < B; b++) out[b] = checkInt(`SequenceTagger.forward(lengths[${b}])`, lengths[b], 1, T);
    return out;
  }

  private checkPredictInput(ids: unknown): { sequences: Int32Array[]; single: boolean } {
    const isSequence = (v: unknown): boolean => v instanceof Int32Array || (Array.isArray(v) && v.every((e) => typeof e === 'number'));
    const V = this.embedding.numEmbeddings;
    if (Array.isArray(ids) && ids.length > 0 && !isSequence(ids)) {
      return { sequences: ids.map((s: unknown, b) => checkIdSequence(`predict(ids[${b}])`, s, V, 'ids in')), single: false };
    }
    return { sequences: [checkIdSequence('predict(ids)', ids, V, 'ids in')], single: true };
  }

  /** Runs fn with the model marked busy, in training or eval mode, restoring the previous mode after. */
  private async exclusive<R>(training: boolean, fn: () => Promise<R>): Promise<R> {
    this.checkIdle();
    this.busy = true;
    const wasTraining = this.training;
    this.train(training);
    try {
      return await fn();
    } finally {
      this.train(wasTraining);
      this.busy = false;
    }
  }

  private checkIdle(): void {
    if (this.busy) throw new LayerBusyError('SequenceTagger: a trainBatch/evaluateBatch is still running on this model; await it before the next call');
  }
}

/** A non-empty number[] or Int32Array of integers in [0, limit), copied; messages name `${where}[t]`. */
function checkIdSequence(where: string, value: unknown, limit: number, what: string): Int32Array {
  if (!Array.isArray(value) && !(value instanceof Int32Array)) {
    throw new TypeError(`${where}: expected number[] or Int32Array of ${what} [0, ${limit - 1}], received ${describe(value)}`);
  }
  if (value.length === 0) throw new RangeError(`${where}: expected at least one element, received an empty sequence`);
  const out = new Int32Array(value.length);
  for (let t = 0; t < value.length; t++) out[t] = checkInt(`${where}[${t}]`, value[t], 0, limit - 1);
  return out;
}

function countReal(tags: Int32Array): number {
  let n = 0;
  for (const t of tags) if (t !== TAG_IGNORE_INDEX) n++;
  return n;
}
