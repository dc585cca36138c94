/**
 * Many → one: token ids → Embedding → recurrent stack → pooling → Linear → class logits.
 * The classic sequence classifier (spam / not spam, sentiment). Softmax lives in the loss, as in PyTorch.
 * With `multiLabel: true` every class is a yes/no question of its own: sigmoid per class and
 * binary cross-entropy on the logits (PyTorch's BCEWithLogitsLoss), examples `{ ids, labels }`.
 *
 * A TrainableModel (src/train/trainable.ts), so `fit` trains it on `{ ids, label }` examples; the
 * lower-level forward / backward / trainStep stay for hand-written loops. Examples and batches live in
 * classifier-data.ts, evaluation metrics (accuracy, macro F1, MCC; exact match, micro F1) in
 * classifier-metrics.ts.
 *
 * State dict names: embedding.weight, rnn.weight_ih_l0 …, head.weight, head.bias.
 */
import { Embedding, type IdTensor } from '../layers/embedding.js';
import { Linear } from '../layers/linear.js';
import { Module } from '../layers/module.js';
import { LayerBusyError, type ForwardOptions, type RecurrentGradients, type RecurrentLayer, type RecurrentOutput, type RecurrentStates } from '../layers/recurrent.js';
import type { Optimizer } from '../train/optim/optimizer.js';
import { binaryCrossEntropyWithLogits, crossEntropy, sigmoid, softmax, type LossResult, type Reduction } from '../train/losses.js';
import { clipGradNorm } from '../train/clip.js';
import type { MetricSums, TrainableModel } from '../train/trainable.js';
import { rngStateOf, setRngStateOf } from '../train/checkpoint.js';
import type { DType, FloatArray, Tensor } from '../tensor.js';
import { allocate, dtypeOf } from '../tensor.js';
import { checkBoolean, checkInt, checkOneOf, checkTensor, describe } from '../errors.js';
import { checkSize, getLimits } from '../limits.js';
import { PoolGradBuffer, poolBackward, poolForward, type PoolState, type Pooling } from './pooling.js';
import { checkClassifierExample, collateClassifier, type CheckedClassifierExample, type ClassifierBatch } from './classifier-data.js';
import { multiLabelMetrics, multiLabelSums, singleLabelMetrics, singleLabelSums } from './classifier-metrics.js';
import { engineOptions, loadModelInto, saveModel, type EngineOptions, type SavableVocab } from '../io/model-dir.js';
import { buildTokenEncoder, checkEncoderChoice, checkEncoderSizes, type TokenEncoderOptions } from './token-encoder.js';

export type { ClassifierExample, MultiLabelExample, CheckedClassifierExample, ClassifierBatch } from './classifier-data.js';

/** The token encoder's options (token-encoder.ts), the classes and how the outputs are pooled. */
export interface ClassifierOptions extends TokenEncoderOptions {
  /** classes (>= 2), or for a multi-label model the number of independent labels (>= 1) */
  numClasses: number;
  pooling?: Pooling;
  /** sigmoid per class and binary cross-entropy; examples `{ ids, labels }` (default false) */
  multiLabel?: boolean;
}

export interface TrainStepResult {
  loss: number;
  /** total gradient norm before clipping; NaN when no clipNorm was given */
  gradNorm: number;
}

/** Targets of trainStep: class ids [B], or for a multi-label model a multi-hot Tensor [B, numClasses]. */
export type ClassifierTargets = ArrayLike<number> | Tensor;

export class SequenceClassifier extends Module implements TrainableModel<CheckedClassifierExample, ClassifierBatch> {
  readonly kind = 'classifier';

  /** Writes the model directory — config.json, model.safetensors, vocab.json when given (io/model-dir.ts). */
  save(dir: string, options: { vocab?: SavableVocab | null } = {}): Promise<void> {
    return saveModel(this, dir, options);
  }

  /** Loads a saved classifier model on the chosen engine; a directory of another kind is rejected. */
  static async load(dir: string, options: EngineOptions = {}): Promise<SequenceClassifier> {
    const build = (config: Record<string, unknown>): SequenceClassifier => new SequenceClassifier({ ...(config as unknown as ClassifierOptions), ...engineOptions(options) });
    return (await loadModelInto(dir, build, { expectKind: 'classifier' })).model;
  }
  readonly embedding: Embedding;
  readonly rnn: RecurrentLayer;
  readonly head: Linear;
  readonly pooling: Pooling;
  readonly numClasses: number;
  readonly multiLabel: boolean;
  private readonly settings: Record<string, unknown>;
  private readonly padId: number;
  private readonly dtype: DType;
  private pool: PoolState | null = null;
  /** Training-mode scratch reused from batch to batch (it never leaves the model): the embedded batch, dOutput of the pooling. */
  private embedded: FloatArray | null = null;
  private readonly poolGrad = new PoolGradBuffer();
  private busy = false;

  constructor(options: ClassifierOptions) {
    super();
    if (typeof options !== 'object' || options === null) throw new TypeError(`SequenceClassifier(options): expected an object, received ${describe(options)}`);
    const choice = checkEncoderChoice(options);
    const { seed, cell, nonlinearity } = choice;
    this.multiLabel = checkBoolean('multiLabel', options.multiLabel ?? false);
    this.numClasses = checkSize('numClasses', options.numClasses, this.multiLabel ? 1 : 2);
    this.pooling = checkOneOf('pooling', options.pooling ?? 'last', ['last', 'mean', 'max'] as const);
    checkEncoderSizes('SequenceClassifier', options, choice, ['numClasses', this.numClasses]);
    const dtype = options.dtype;
    const { backend, threads } = options;
    ({ embedding: this.embedding, rnn: this.rnn } = buildTokenEncoder(options, choice));
    this.head = new Linear({ inFeatures: this.rnn.numDirections * this.rnn.hiddenSize, outFeatures: this.numClasses, seed: seed + 2, dtype, backend, threads });
    this.dtype = this.rnn.dtype;
    this.padId = this.embedding.paddingIdx ?? 0;
    this.settings = {
      vocabSize: this.embedding.numEmbeddings, embeddingDim: this.embedding.embeddingDim, hiddenSize: this.rnn.hiddenSize, numClasses: this.numClasses,
      cell, ...(cell === 'rnn' ? { nonlinearity } : {}), numLayers: this.rnn.numLayers, bidirectional: this.rnn.bidirectional, dropout: this.rnn.dropout,
      ...(this.embedding.paddingIdx !== null ? { paddingIdx: this.embedding.paddingIdx } : {}), pooling: this.pooling, multiLabel: this.multiLabel, seed, dtype: this.dtype,
    };
  }

  protected override children(): Record<string, Module> {
    return { embedding: this.embedding, rnn: this.rnn, head: this.head };
  }

  // ── TrainableModel: what fit drives ──────────────────────────────────────────────────────────────

  checkExample(example: unknown, index: number): CheckedClassifierExample {
    return checkClassifierExample(example, index, { vocabSize: this.embedding.numEmbeddings, numClasses: this.numClasses, multiLabel: this.multiLabel });
  }

  exampleLength(example: CheckedClassifierExample): number {
    return example.ids.length;
  }

  collate(examples: CheckedClassifierExample[]): ClassifierBatch {
    return collateClassifier(examples, this.padId, this.numClasses, this.dtype);
  }

  /** Forward and backward of the mean loss, in training mode; gradients accumulate (fit zeroes and steps). */
  async trainBatch(batch: ClassifierBatch): Promise<{ loss: number; count: number }> {
    const { loss } = await this.exclusive(() => {
      this.train();
      return this.lossAndBackwardAsync(batch.ids, batch.lengths, batch.multiHot ?? batch.targets);
    });
    return { loss, count: this.multiLabel ? batch.targets.length * this.numClasses : batch.targets.length };
  }

  /** Summed loss, counts and confusion sums (classifier-metrics.ts) of a batch, in eval mode. */
  async evaluateBatch(batch: ClassifierBatch): Promise<MetricSums> {
    const logits = await this.exclusive(async () => {
      const wasTraining = this.training;
      this.eval();
      try {
        return await this.forwardAsync(batch.ids, batch.lengths);
      } finally {
        this.train(wasTraining);
      }
    });
    const { loss } = this.loss(logits, batch.multiHot ?? batch.targets, 'sum');
    const B = batch.targets.length;
    if (this.multiLabel) return { loss, count: B * this.numClasses, ...multiLabelSums(logits.data, batch.multiHot!.data, this.numClasses) };
    return { loss, count: B, ...singleLabelSums(logits.data, batch.targets, this.numClasses) };
  }

  /** loss, accuracy, macroF1, mcc — or for a multi-label model loss, accuracy (exact match), microF1. */
  metrics(sums: MetricSums): Record<string, number> {
    return this.multiLabel ? multiLabelMetrics(sums) : singleLabelMetrics(sums);
  }

  /** The constructor options (the seed actually used; no backend or threads: where it runs is not what it is). */
  config(): Record<string, unknown> {
    return { ...this.settings };
  }

  /** The dropout generator's position, for checkpoints (fit saves and restores it). */
  rngStates(): { rnn: number[] } {
    return { rnn: rngStateOf(this.rnn) };
  }

  setRngStates(states: unknown): void {
    const s = states as { rnn?: unknown } | null;
    if (typeof s !== 'object' || s === null) throw new TypeError(`setRngStates(states): expected { rnn }, received ${describe(states)}`);
    setRngStateOf(this.rnn, s.rnn);
  }

  // ── The lower-level API ──────────────────────────────────────────────────────────────────────────

  /**
   * ids [B, T] (right-padded), lengths [B] (default: all T) → logits [B, numClasses]. The recurrent layer
   * runs on packed sequences (lengths), so an example's logits do not depend on how much it was padded.
   */
  forward(ids: IdTensor, lengths?: ArrayLike<number>): Tensor {
    this.checkIdle();
    const checkedLengths = this.checkLengths(ids, lengths);
    const x = this.embed(ids);
    return this.finishForward(this.rnn.forward({ ...x, lengths: checkedLengths }, null, null, this.forwardOptions()), checkedLengths);
  }

  /** Backpropagates dLogits [B, numClasses] through the whole model, accumulating every gradient. */
  backward(dLogits: Tensor): void {
    this.checkIdle();
    this.embedding.backward(this.rnn.backward(this.startBackward(dLogits)).dInput);
  }

  /**
   * One optimisation step on a batch: zeroGrad, forward, loss (cross-entropy, or binary cross-entropy for
   * a multi-label model with multi-hot targets [B, numClasses]), backward, optional clipping, step.
   * Returns the loss and the gradient norm before clipping.
   */
  trainStep(ids: IdTensor, lengths: ArrayLike<number> | undefined, targets: ClassifierTargets, optimizer: Optimizer, { clipNorm }: { clipNorm?: number } = {}): TrainStepResult {
    optimizer.zeroGrad();
    const { loss, grad } = this.loss(this.forward(ids, lengths), targets, 'mean');
    this.backward(grad);
    return this.finishStep(loss, optimizer, clipNorm);
  }

  /**
   * trainStep with the recurrent kernels on a worker thread (native engine), so the event loop stays free.
   * A second call while one is running throws LayerBusyError: await each step.
   */
  async trainStepAsync(ids: IdTensor, lengths: ArrayLike<number> | undefined, targets: ClassifierTargets, optimizer: Optimizer, { clipNorm }: { clipNorm?: number } = {}): Promise<TrainStepResult> {
    return this.exclusive(async () => {
      optimizer.zeroGrad();
      const { loss } = await this.lossAndBackwardAsync(ids, lengths, targets);
      return this.finishStep(loss, optimizer, clipNorm);
    });
  }

  /** Class probabilities [B, numClasses] in eval mode (softmax; sigmoid per class if multi-label), restoring the previous mode. */
  predictProba(ids: IdTensor, lengths?: ArrayLike<number>): Tensor {
    const wasTraining = this.training;
    this.eval();
    try {
      const logits = this.forward(ids, lengths);
      return this.multiLabel ? sigmoid(logits) : softmax(logits);
    } finally {
      this.train(wasTraining);
    }
  }

  /**
   * predictProba with the recurrent kernels on the engine's worker thread (native engine): a service awaits
   * it and keeps answering meanwhile. A second call while one is running throws LayerBusyError (batch the
   * requests, as examples/http-service.ts does).
   */
  async predictProbaAsync(ids: IdTensor, lengths?: ArrayLike<number>): Promise<Tensor> {
    return this.exclusive(async () => {
      const wasTraining = this.training;
      this.eval();
      try {
        const logits = await this.forwardAsync(ids, lengths);
        return this.multiLabel ? sigmoid(logits) : softmax(logits);
      } finally {
        this.train(wasTraining);
      }
    });
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────────────

  /** Pooling 'last' reads hN only: the output sequence stays in the layer (no fresh array per batch). */
  private forwardOptions(): ForwardOptions {
    return { returnOutput: this.pooling !== 'last' };
  }

  private async forwardAsync(ids: IdTensor, lengths: ArrayLike<number> | undefined): Promise<Tensor> {
    const checkedLengths = this.checkLengths(ids, lengths);
    const x = this.embed(ids);
    return this.finishForward(await this.rnn.forwardAsync({ ...x, lengths: checkedLengths }, null, null, this.forwardOptions()), checkedLengths);
  }

  /** Forward, mean loss and backward with the kernels awaited; the caller holds the busy flag. */
  private async lossAndBackwardAsync(ids: IdTensor, lengths: ArrayLike<number> | undefined, targets: ClassifierTargets): Promise<LossResult> {
    const result = this.loss(await this.forwardAsync(ids, lengths), targets, 'mean');
    const { dInput } = await this.rnn.backwardAsync(this.startBackward(result.grad));
    this.embedding.backward(dInput);
    return result;
  }

  private loss(logits: Tensor, targets: ClassifierTargets, reduction: Reduction): LossResult {
    if (!this.multiLabel) return crossEntropy(logits, targets as ArrayLike<number>, { reduction });
    checkTensor('targets', targets, logits.shape);
    return binaryCrossEntropyWithLogits(logits, targets as Tensor, { reduction });
  }

  private finishForward(rnnOut: RecurrentOutput | RecurrentStates, lengths: Int32Array): Tensor {
    const { pooled, state } = poolForward(this.pooling, rnnOut, lengths, this.rnn.numDirections);
    this.pool = this.training ? state : null;
    return this.head.forward(pooled);
  }

  private startBackward(dLogits: Tensor): RecurrentGradients {
    if (!this.pool) throw new Error('SequenceClassifier.backward: call forward in training mode first');
    return poolBackward(this.pool, this.head.backward(dLogits).data, this.poolGrad);
  }

  /**
   * The embedded batch. In training mode it goes into memory reused across batches: the recurrent layer
   * reads it again in backward, and the next training forward replaces that pending backward anyway. An
   * eval forward gets a fresh array, so it cannot overwrite what a pending training backward still reads.
   */
  private embed(ids: IdTensor): Tensor {
    const count = ids?.data?.length;
    const n = count * this.embedding.embeddingDim;
    // Anything unusual (wrong ids, more than the activation limit) takes the plain path, which says what is wrong.
    if (!this.training || !Number.isSafeInteger(n) || n <= 0 || n > getLimits().maxActivations) return this.embedding.forward(ids);
    if (!this.embedded || this.embedded.length < n) this.embedded = allocate(dtypeOf(this.embedding.weight.value.data), n);
    return this.embedding.forward(ids, this.embedded.subarray(0, n));
  }

  private finishStep(loss: number, optimizer: Optimizer, clipNorm: number | undefined): TrainStepResult {
    const gradNorm = clipNorm === undefined ? NaN : clipGradNorm(optimizer.params, clipNorm);
    optimizer.step();
    return { loss, gradNorm };
  }

  /** Runs an async step under the busy flag: any other call meanwhile throws LayerBusyError. */
  private async exclusive<R>(run: () => Promise<R>): Promise<R> {
    this.checkIdle();
    this.busy = true;
    try {
      return await run();
    } finally {
      this.busy = false;
    }
  }

  private checkIdle(): void {
    if (this.busy) throw new LayerBusyError('SequenceClassifier: an async step (trainStepAsync, trainBatch, evaluateBatch) is still running on this model; await it before the next call');
  }

  private checkLengths(ids: IdTensor, lengths: ArrayLike<number> | undefined): Int32Array {
    if (!ids || !Array.isArray(ids.shape) || ids.shape.length !== 2) {
      throw new RangeError(`SequenceClassifier.forward(ids): expected ids of shape [B, T], received ${describe(ids?.shape ?? ids)}`);
    }
    const [B, T] = ids.shape;
    const out = new Int32Array(B);
    if (lengths === undefined) return out.fill(T);
    if (typeof lengths !== 'object' || lengths === null || lengths.length !== B) {
      throw new RangeError(`SequenceClassifier.forward(lengths): expected ${B} lengths (one per example), received ${describe(lengths)}`);
    }
    for (let b = 0; b < B; b++) out[b] = checkInt(`SequenceClassifier.forward(lengths[${b}])`, lengths[b], 1, T);
    return out;
  }
}
