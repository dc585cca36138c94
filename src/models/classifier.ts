/**
 * Many → one: token ids → Embedding → recurrent stack → pooling → Linear → class logits.
 * The classic sequence classifier (spam / not spam, sentiment). Softmax lives in the loss, as in PyTorch.
 *
 * State dict names: embedding.weight, rnn.weight_ih_l0 …, head.weight, head.bias.
 */
import type { BackendChoice } from '../backend/select.js';
import type { Backend } from '../backend/backend.js';
import { Embedding, type IdTensor } from '../layers/embedding.js';
import { Linear } from '../layers/linear.js';
import { Module } from '../layers/module.js';
import { createRecurrentLayer } from '../layers/factory.js';
import { LayerBusyError, type ForwardOptions, type RecurrentGradients, type RecurrentLayer, type RecurrentOutput, type RecurrentStates } from '../layers/recurrent.js';
import type { Optimizer } from '../train/optim/optimizer.js';
import { crossEntropy, softmax } from '../train/losses.js';
import { clipGradNorm } from '../train/clip.js';
import type { DType, Tensor } from '../tensor.js';
import { checkInt, checkOneOf, describe } from '../errors.js';
import { poolBackward, poolForward, type PoolState, type Pooling } from './pooling.js';

export interface ClassifierOptions {
  vocabSize: number;
  embeddingDim: number;
  hiddenSize: number;
  numClasses: number;
  /** 'rnn' (with `nonlinearity`), 'lstm' or 'gru' */
  cell?: 'rnn' | 'lstm' | 'gru';
  nonlinearity?: 'tanh' | 'relu';
  numLayers?: number;
  bidirectional?: boolean;
  dropout?: number;
  paddingIdx?: number;
  pooling?: Pooling;
  backend?: BackendChoice | Backend;
  threads?: number;
  seed?: number;
  dtype?: DType;
}

export interface TrainStepResult {
  loss: number;
  /** total gradient norm before clipping; NaN when no clipNorm was given */
  gradNorm: number;
}

export class SequenceClassifier extends Module {
  readonly embedding: Embedding;
  readonly rnn: RecurrentLayer;
  readonly head: Linear;
  readonly pooling: Pooling;
  readonly numClasses: number;
  private pool: PoolState | null = null;
  private busy = false;

  constructor(options: ClassifierOptions) {
    super();
    if (typeof options !== 'object' || options === null) throw new TypeError(`SequenceClassifier(options): expected an object, received ${describe(options)}`);
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
    checkInt('seed', seed);
    const cell = checkOneOf('cell', options.cell ?? 'rnn', ['rnn', 'lstm', 'gru'] as const);
    const nonlinearity = checkOneOf('nonlinearity', options.nonlinearity ?? 'tanh', ['tanh', 'relu'] as const);
    if (cell !== 'rnn' && options.nonlinearity !== undefined) {
      throw new RangeError(`nonlinearity: only cell 'rnn' takes one, received ${describe(options.nonlinearity)} with cell ${describe(cell)}`);
    }
    this.numClasses = checkInt('numClasses', options.numClasses, 2);
    this.pooling = checkOneOf('pooling', options.pooling ?? 'last', ['last', 'mean', 'max'] as const);
    const dtype = options.dtype;
    this.embedding = new Embedding({ numEmbeddings: options.vocabSize, embeddingDim: options.embeddingDim, paddingIdx: options.paddingIdx, seed, dtype });
    this.rnn = createRecurrentLayer(cell === 'rnn' ? (nonlinearity === 'relu' ? 'rnn_relu' : 'rnn_tanh') : cell, {
      inputSize: options.embeddingDim,
      hiddenSize: options.hiddenSize,
      numLayers: options.numLayers,
      bidirectional: options.bidirectional,
      dropout: options.dropout,
      batchFirst: true,
      backend: options.backend,
      threads: options.threads,
      seed: seed + 1,
      dtype,
    });
    this.head = new Linear({ inFeatures: this.rnn.numDirections * this.rnn.hiddenSize, outFeatures: this.numClasses, seed: seed + 2, dtype });
  }

  protected override children(): Record<string, Module> {
    return { embedding: this.embedding, rnn: this.rnn, head: this.head };
  }

  /**
   * ids [B, T] (right-padded), lengths [B] (default: all T) → logits [B, numClasses]. The recurrent layer
   * runs on packed sequences (lengths), so an example's logits do not depend on how much it was padded.
   */
  forward(ids: IdTensor, lengths?: ArrayLike<number>): Tensor {
    this.checkIdle();
    const checkedLengths = this.checkLengths(ids, lengths);
    const x = this.embedding.forward(ids);
    return this.finishForward(this.rnn.forward({ ...x, lengths: checkedLengths }, null, null, this.forwardOptions()), checkedLengths);
  }

  /** Pooling 'last' reads hN only: the output sequence stays in the layer (no fresh array per batch). */
  private forwardOptions(): ForwardOptions {
    return { returnOutput: this.pooling !== 'last' };
  }

  /** Backpropagates dLogits [B, numClasses] through the whole model, accumulating every gradient. */
  backward(dLogits: Tensor): void {
    this.checkIdle();
    this.embedding.backward(this.rnn.backward(this.startBackward(dLogits)).dInput);
  }

  /**
   * One optimisation step on a batch: zeroGrad, forward, cross-entropy, backward, optional clipping, step.
   * Returns the loss and the gradient norm before clipping.
   */
  trainStep(ids: IdTensor, lengths: ArrayLike<number> | undefined, targets: ArrayLike<number>, optimizer: Optimizer, { clipNorm }: { clipNorm?: number } = {}): TrainStepResult {
    optimizer.zeroGrad();
    const { loss, grad } = crossEntropy(this.forward(ids, lengths), targets);
    this.backward(grad);
    return this.finishStep(loss, optimizer, clipNorm);
  }

  /**
   * trainStep with the recurrent kernels on a worker thread (native engine), so the event loop stays free.
   * A second call while one is running throws LayerBusyError: await each step.
   */
  async trainStepAsync(ids: IdTensor, lengths: ArrayLike<number> | undefined, targets: ArrayLike<number>, optimizer: Optimizer, { clipNorm }: { clipNorm?: number } = {}): Promise<TrainStepResult> {
    this.checkIdle();
    this.busy = true;
    try {
      optimizer.zeroGrad();
      const checkedLengths = this.checkLengths(ids, lengths);
      const x = this.embedding.forward(ids);
      const logits = this.finishForward(await this.rnn.forwardAsync({ ...x, lengths: checkedLengths }, null, null, this.forwardOptions()), checkedLengths);
      const { loss, grad } = crossEntropy(logits, targets);
      const { dInput } = await this.rnn.backwardAsync(this.startBackward(grad));
      this.embedding.backward(dInput);
      return this.finishStep(loss, optimizer, clipNorm);
    } finally {
      this.busy = false;
    }
  }

  /** Class probabilities [B, numClasses] in eval mode (no state kept), restoring the previous mode. */
  predictProba(ids: IdTensor, lengths?: ArrayLike<number>): Tensor {
    const wasTraining = this.training;
    this.eval();
    try {
      return softmax(this.forward(ids, lengths));
    } finally {
      this.train(wasTraining);
    }
  }

  private finishForward(rnnOut: RecurrentOutput | RecurrentStates, lengths: Int32Array): Tensor {
    const { pooled, state } = poolForward(this.pooling, rnnOut, lengths, this.rnn.numDirections);
    this.pool = this.training ? state : null;
    return this.head.forward(pooled);
  }

  private startBackward(dLogits: Tensor): RecurrentGradients {
    if (!this.pool) throw new Error('SequenceClassifier.backward: call forward in training mode first');
    return poolBackward(this.pool, this.head.backward(dLogits).data);
  }

  private finishStep(loss: number, optimizer: Optimizer, clipNorm: number | undefined): TrainStepResult {
    const gradNorm = clipNorm === undefined ? NaN : clipGradNorm(optimizer.params, clipNorm);
    optimizer.step();
    return { loss, gradNorm };
  }

  private checkIdle(): void {
    if (this.busy) throw new LayerBusyError('SequenceClassifier: a trainStepAsync is still running on this model; await it before the next call');
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
