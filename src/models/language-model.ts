/**
 * One → many: a language model over characters or words. ids → Embedding → recurrent stack (unidirectional)
 * → Linear head → next-token logits; trained by next-token prediction through the shared fit loop
 * (TrainableModel, kind 'language-model'), sampled one token at a time with the one-step cells.
 *
 *   loss   mean cross-entropy over the real target tokens of a batch (nats per token); metrics add
 *          bitsPerToken = loss / ln 2, perplexity = e^loss and next-token accuracy.
 *   state  zeros; or, conditioned, h0 = tanh(W c + b) per layer (c0 = its own rows of W c + b for an LSTM —
 *          language-model-condition.ts); or, stateful, the final state of the previous batch (detached).
 *
 * Stateful training (truncated BPTT): examples come from streamExamples (language-model-batch.ts), so row b
 * of every batch continues row b of the previous one. Each trainBatch starts from the state the previous
 * trainBatch ended in and keeps its own final state for the next; backward stops at the chunk's start (the
 * carried state is a constant: its gradient is dropped), so a chunk's gradients never reach an earlier
 * chunk. Evaluation carries its own state, apart from training's. onEpochStart() and resetState() clear
 * both (fit calls onEpochStart, so its end-of-epoch validation starts from zeros; call resetState() before
 * evaluating a stream yourself); batches stay in order (`ordered`). fit's batchSize must be the B the
 * examples were laid out for. generate() and logProb() always start from zeros (or the condition).
 *
 * State dict names: embedding.weight, rnn.weight_ih_l0 …, head.weight, head.bias (+ init.weight, init.bias
 * with a condition).
 */
import { Embedding } from '../layers/embedding.js';
import { Linear } from '../layers/linear.js';
import { Module } from '../layers/module.js';
import { createRecurrentLayer } from '../layers/factory.js';
import { LayerBusyError, type RecurrentLayer } from '../layers/recurrent.js';
import type { RecurrentCell } from '../layers/cell.js';
import { crossEntropy } from '../train/losses.js';
import type { MetricSums, TrainableModel } from '../train/trainable.js';
import { allocate, shapeToString } from '../tensor.js';
import { describe } from '../errors.js';
import { checkLanguageModelOptions, languageModelConfig, type CheckedLanguageModelOptions, type LanguageModelCondition, type LanguageModelOptions } from './language-model-options.js';
import {
  checkConditionValue, checkExample, checkIds, collate, streamExamples, type ExampleSpec, type LanguageModelBatch, type LanguageModelExample,
} from './language-model-batch.js';
import { conditionBackward, conditionForward, initOutFeatures, type InitialState } from './language-model-condition.js';
import { checkCarriedState, copyState, stateFromJSON, stateToJSON, type CarriedState, type StateSpec } from './language-model-state.js';
import { rngStateOf, setRngStateOf } from '../train/checkpoint.js';
import { checkGenerateOptions, linkLayerWeights, runGeneration, stepCells, type GenerateOptions } from './language-model-generate.js';
import { engineOptions, loadModelInto, saveModel, type EngineOptions, type SavableVocab } from '../io/model-dir.js';

export type { LanguageModelOptions, LanguageModelCondition } from './language-model-options.js';
export type { LanguageModelBatch, LanguageModelExample } from './language-model-batch.js';
export type { GenerateOptions } from './language-model-generate.js';
export type { CarriedState } from './language-model-state.js';
export { streamExamples } from './language-model-batch.js';

export class LanguageModel extends Module implements TrainableModel<LanguageModelExample, LanguageModelBatch> {
  readonly kind = 'language-model';

  /** Writes the model directory — config.json, model.safetensors, vocab.json when given (io/model-dir.ts). */
  save(dir: string, options: { vocab?: SavableVocab | null } = {}): Promise<void> {
    return saveModel(this, dir, options);
  }

  /** Loads a saved language-model model on the chosen engine; a directory of another kind is rejected. */
  static async load(dir: string, options: EngineOptions = {}): Promise<LanguageModel> {
    const build = (config: Record<string, unknown>): LanguageModel => new LanguageModel({ ...(config as unknown as LanguageModelOptions), ...engineOptions(options) });
    return (await loadModelInto(dir, build, { expectKind: 'language-model' })).model;
  }
  readonly embedding: Embedding;
  readonly rnn: RecurrentLayer;
  readonly head: Linear;
  /** condition → initial state; null without a condition */
  readonly init: Linear | null;
  readonly vocabSize: number;
  readonly condition: LanguageModelCondition | null;
  readonly stateful: boolean;
  readonly chunkLength: number;
  readonly startId: number | null;
  private readonly options: CheckedLanguageModelOptions;
  private trainState: CarriedState | null = null;
  private evalState: CarriedState | null = null;
  private cells: RecurrentCell[] | null = null;
  private busy = false;

  constructor(options: LanguageModelOptions) {
    super();
    const o = checkLanguageModelOptions(options);
    this.options = o;
    this.vocabSize = o.vocabSize;
    this.condition = o.condition;
    this.stateful = o.stateful;
    this.chunkLength = o.chunkLength;
    this.startId = o.startId;
    const engine = { backend: options.backend, threads: options.threads, dtype: o.dtype };
    this.embedding = new Embedding({ numEmbeddings: o.vocabSize, embeddingDim: o.embeddingDim, paddingIdx: o.paddingIdx ?? undefined, seed: o.seed, dtype: o.dtype });
    const kind = o.cell === 'rnn' ? (o.nonlinearity === 'relu' ? 'rnn_relu' : 'rnn_tanh') : o.cell;
    this.rnn = createRecurrentLayer(kind, {
      inputSize: o.embeddingDim, hiddenSize: o.hiddenSize, numLayers: o.numLayers, dropout: o.dropout, batchFirst: true, seed: o.seed + 1, ...engine,
    });
    this.head = new Linear({ inFeatures: o.hiddenSize, outFeatures: o.vocabSize, seed: o.seed + 2, ...engine });
    const c = o.condition;
    this.init = c
      ? new Linear({ inFeatures: c.kind === 'class' ? c.numClasses : c.size, outFeatures: initOutFeatures(o.numLayers, o.hiddenSize, o.cell === 'lstm'), seed: o.seed + 3, ...engine })
      : null;
  }

  protected override children(): Record<string, Module> {
    const out: Record<string, Module> = { embedding: this.embedding, rnn: this.rnn, head: this.head };
    if (this.init) out.init = this.init;
    return out;
  }

  /** Stateful models need their batches in order (row b of batch k continues row b of batch k − 1). */
  get ordered(): boolean {
    return this.stateful;
  }

  onEpochStart(): void {
    this.resetState();
  }

  /** Forgets the carried states (training's and evaluation's): the next batch starts from zeros. */
  resetState(): void {
    this.checkIdle('resetState');
    this.trainState = null;
    this.evalState = null;
  }

  /** A copy of the state training carries into the next batch (null: zeros), stateful models only. */
  getState(): CarriedState | null {
    this.checkStateful('getState');
    return this.trainState && copyState(this.trainState);
  }

  /** Sets the state the next trainBatch starts from (copied; null = zeros): h, c [numLayers, B, hiddenSize]. */
  setState(state: CarriedState | null): void {
    this.checkStateful('setState');
    this.checkIdle('setState');
    this.trainState = state === null ? null : checkCarriedState('setState(state', state, this.stateSpec());
  }

  /**
   * For checkpoints (fit saves and restores these): the dropout Rng's position and, stateful, the carried
   * training state, so a run resumed mid-epoch continues exactly.
   */
  rngStates(): { rnn: number[]; carried: ReturnType<typeof stateToJSON> } {
    return { rnn: rngStateOf(this.rnn), carried: stateToJSON(this.trainState) };
  }

  setRngStates(states: unknown): void {
    const s = states as { rnn?: unknown; carried?: unknown } | null;
    if (typeof s !== 'object' || s === null) throw new TypeError(`setRngStates(states): expected { rnn, carried }, received ${describe(states)}`);
    const carried = this.stateful ? stateFromJSON('setRngStates(states.carried', s.carried, this.stateSpec()) : null;
    setRngStateOf(this.rnn, s.rnn);
    this.trainState = carried;
  }

  checkExample(example: unknown, index: number): LanguageModelExample {
    return checkExample(example, index, this.exampleSpec());
  }

  exampleLength(example: LanguageModelExample): number {
    return example.ids.length;
  }

  collate(examples: LanguageModelExample[]): LanguageModelBatch {
    return collate(examples, { ...this.exampleSpec(), paddingIdx: this.embedding.paddingIdx, dtype: this.rnn.dtype });
  }

  /** streamExamples (language-model-batch.ts) with this model's chunkLength: examples for fit with this batchSize. */
  streamExamples(ids: ArrayLike<number>, batchSize: number): { ids: number[] }[] {
    this.checkStateful('streamExamples');
    return streamExamples(ids, batchSize, this.chunkLength);
  }

  async trainBatch(batch: LanguageModelBatch): Promise<{ loss: number; count: number }> {
    return this.whileBusy('trainBatch', true, async () => {
      const { B, T, start, out, logits } = await this.forwardBatch(batch, 'trainBatch');
      const { loss, grad } = crossEntropy({ data: logits.data, shape: [B * T, this.vocabSize] }, batch.targets);
      const dOutput = this.head.backward({ data: grad.data, shape: logits.shape });
      const g = await this.rnn.backwardAsync({ dOutput });
      this.embedding.backward(g.dInput);
      if (this.init && start) conditionBackward(this.init, start, g.dh0, g.dc0);
      // Detached: hN, cN are fresh arrays the layer never touches again, and their gradient is never asked for
      // (g.dh0 — the gradient at the chunk's start — is dropped in stateful mode).
      if (this.stateful) this.trainState = out.cN ? { h: out.hN, c: out.cN } : { h: out.hN };
      return { loss, count: batch.count };
    });
  }

  /** Summed loss (nats), count and correct next-token guesses, in eval mode. */
  async evaluateBatch(batch: LanguageModelBatch): Promise<MetricSums> {
    return this.whileBusy('evaluateBatch', false, async () => {
      const { B, T, out, logits } = await this.forwardBatch(batch, 'evaluateBatch');
      const V = this.vocabSize;
      const { loss } = crossEntropy({ data: logits.data, shape: [B * T, V] }, batch.targets, { reduction: 'sum' });
      let correct = 0;
      for (let r = 0; r < B * T; r++) {
        const y = batch.targets[r];
        if (y < 0) continue;
        let best = 0;
        for (let j = 1; j < V; j++) if (logits.data[r * V + j] > logits.data[r * V + best]) best = j;
        if (best === y) correct++;
      }
      if (this.stateful) this.evalState = out.cN ? { h: out.hN, c: out.cN } : { h: out.hN };
      return { loss, count: batch.count, correct };
    });
  }

  /** loss (nats per token), bitsPerToken, perplexity, accuracy (next token, top-1). */
  metrics(sums: MetricSums): Record<string, number> {
    const count = sums.count ?? 0;
    const loss = count > 0 ? (sums.loss ?? 0) / count : 0;
    return { loss, bitsPerToken: loss / Math.LN2, perplexity: Math.exp(loss), accuracy: count > 0 ? (sums.correct ?? 0) / count : 0 };
  }

  /**
   * Samples up to maxLength ids after the prompt (see language-model-generate.ts). temperature 0 or topK 1 is
   * greedy; the same seed gives the same ids. Runs in eval mode and restores the previous mode.
   */
  generate(options: GenerateOptions): number[] {
    this.checkIdle('generate');
    const o = checkGenerateOptions(options, this.vocabSize, this.startId);
    const condition = checkConditionValue('generate(options.condition)', o.condition, this.condition);
    return this.inMode(false, () => {
      this.cells ??= stepCells(this.rnn);
      linkLayerWeights(this.rnn, this.cells);
      return runGeneration({ embedding: this.embedding, rnn: this.rnn, head: this.head, cells: this.cells }, o, this.conditionState(condition));
    });
  }

  /** log p(ids[1..n−1] | ids[0]) in nats (eval mode, from zeros or the condition's state). */
  logProb(ids: number[] | Int32Array, condition?: number | number[] | Float32Array | Float64Array): number {
    this.checkIdle('logProb');
    const checked = checkIds('logProb(ids)', ids, this.vocabSize, 2);
    const c = checkConditionValue('logProb(condition)', condition, this.condition);
    return this.inMode(false, () => {
      const n = checked.length;
      const x = this.embedding.forward({ data: checked.subarray(0, n - 1), shape: [1, n - 1] });
      const start = this.conditionState(c);
      const { output } = this.rnn.forward(x, start?.h0 ?? null, start?.c0 ?? null);
      const logits = this.head.forward(output);
      const targets = checked.subarray(1);
      return -crossEntropy({ data: logits.data, shape: [n - 1, this.vocabSize] }, targets, { reduction: 'sum' }).loss;
    });
  }

  config(): Record<string, unknown> {
    return languageModelConfig(this.options);
  }

  private stateSpec(): StateSpec {
    return { numLayers: this.rnn.numLayers, hiddenSize: this.rnn.hiddenSize, lstm: this.rnn.cell === 'lstm', dtype: this.rnn.dtype };
  }

  private exampleSpec(): ExampleSpec {
    return { vocabSize: this.vocabSize, condition: this.condition, maxIds: this.stateful ? this.chunkLength + 1 : Infinity };
  }

  /** Embedding → recurrent stack (from the batch's initial state) → head: logits [B, T, V], in the current mode. */
  private async forwardBatch(batch: LanguageModelBatch, where: 'trainBatch' | 'evaluateBatch') {
    const { B, T } = this.checkBatch(batch);
    const start = this.startState(batch, B, where);
    const x = this.embedding.forward(batch.inputs);
    const out = await this.rnn.forwardAsync({ ...x, lengths: batch.lengths }, start?.h0 ?? null, start?.c0 ?? null);
    return { B, T, start, out, logits: this.head.forward(out.output) };
  }

  /** The initial state of a batch: the carried one (stateful; training's or evaluation's), the condition's, or null (zeros). */
  private startState(batch: LanguageModelBatch, B: number, where: 'trainBatch' | 'evaluateBatch'): InitialState | null {
    if (this.stateful) {
      const carried = where === 'trainBatch' ? this.trainState : this.evalState;
      if (carried && carried.h.shape[1] !== B) {
        throw new RangeError(
          `LanguageModel.${where}: a stateful batch must have as many rows as the previous one (row b continues row b); expected ${carried.h.shape[1]} rows, received ${B} — use streamExamples with fit's batchSize, or resetState()`,
        );
      }
      return carried ? { h0: carried.h, c0: carried.c ?? null } : null;
    }
    if (!this.init) return null;
    return conditionForward(this.init, batch.condition!, this.rnn.numLayers, this.rnn.hiddenSize, this.rnn.cell === 'lstm');
  }

  /** h0/c0 for one checked condition value (generate, logProb); null without a condition. */
  private conditionState(value: number | Float64Array | undefined): InitialState | null {
    if (!this.init || value === undefined) return null;
    const C = this.init.inFeatures;
    const row = allocate(this.rnn.dtype, C);
    if (typeof value === 'number') row[value] = 1;
    else row.set(value);
    return conditionForward(this.init, { data: row, shape: [1, C] }, this.rnn.numLayers, this.rnn.hiddenSize, this.rnn.cell === 'lstm');
  }

  private checkBatch(batch: LanguageModelBatch): { B: number; T: number } {
    const shape = batch?.inputs?.shape;
    if (typeof batch !== 'object' || batch === null || !(batch.inputs?.data instanceof Int32Array) || !Array.isArray(shape) || shape.length !== 2) {
      throw new TypeError(`LanguageModel: expected a batch from collate() ({ inputs [B, T], lengths, targets, count, condition }), received ${describe(batch)}`);
    }
    const [B, T] = shape;
    if (!(batch.targets instanceof Int32Array) || batch.targets.length !== B * T || !(batch.lengths instanceof Int32Array) || batch.lengths.length !== B) {
      throw new RangeError(`LanguageModel: expected a batch from collate() with ${B * T} targets and ${B} lengths for inputs ${shapeToString(shape)}, received ${describe(batch.targets)} and ${describe(batch.lengths)}`);
    }
    if ((batch.condition === null) !== (this.init === null)) {
      throw new TypeError(`LanguageModel: expected a batch ${this.init ? 'with' : 'without'} condition rows (collate() of this model), received condition ${describe(batch.condition)}`);
    }
    return { B, T };
  }

  private checkStateful(where: string): void {
    if (!this.stateful) throw new RangeError(`LanguageModel.${where}: only a stateful model (stateful: true) carries state across batches; this one has stateful false`);
  }

  private checkIdle(where: string): void {
    if (this.busy) throw new LayerBusyError(`LanguageModel.${where}: a trainBatch/evaluateBatch is still running on this model; await it first`);
  }

  private inMode<R>(training: boolean, run: () => R): R {
    const was = this.training;
    this.train(training);
    try {
      return run();
    } finally {
      this.train(was);
    }
  }

  private async whileBusy<R>(where: string, training: boolean, run: () => Promise<R>): Promise<R> {
    this.checkIdle(where);
    this.busy = true;
    const was = this.training;
    this.train(training);
    try {
      return await run();
    } finally {
      this.train(was);
      this.busy = false;
    }
  }
}
