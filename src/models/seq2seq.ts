/**
 * Encoder–decoder for input and output of different lengths (spelling → pronunciation, translation):
 *
 *   source ids ─encoder_embedding─▶ encoder (RNN | LSTM | GRU layer, packed lengths) ─▶ outputs [B, S, D·H], hN, cN
 *                                                      bridge (seq2seq-decoder.ts) ─▶ decoder h0, c0 per layer
 *   BOS y1 … yn ─decoder_embedding─▶ decoder (one-step cells, L layers) ─▶ h_t ─▶ attention + concat + out ─▶ logits
 *
 * Targets: an example is { source, target } with the target WITHOUT BOS or EOS (a target holding either
 * is a RangeError). Teacher forcing feeds [BOS, y1 … yn] and expects [y1 … yn, EOS]: n + 1 predictions, the
 * last one EOS. The loss is the mean cross-entropy over those real target tokens (padding ignored).
 * Decoding starts from BOS and stops at EOS or maxLength tokens; results hold neither.
 *
 * Attention: Luong's global attention without input feeding (seq2seq-attention.ts). Backward: out, concat
 * and attention over all steps, then LIFO through the cells (step T−1 first), then the bridge, then the
 * encoder with dOutput from attention and dhN (dcN) from the bridge.
 *
 * State dict names: encoder_embedding.weight, encoder.weight_ih_l0 … (nn.LSTM's), bridge_h.weight/bias and
 * bridge_c.* (bidirectional 'linear' bridge), decoder_embedding.weight, decoder.weight_ih_l0 … (nn.LSTM's
 * names, one cell per layer), attention.linear_in.weight ('general'), concat.weight/bias, out.weight/bias.
 *
 * Engines: the encoder and the cells run on the chosen backend (float64 on the reference, for gradient
 * checks); trainBatch awaits the encoder's kernels off the event loop, the per-token cell steps run inline.
 */
import { Embedding, type IdTensor } from '../layers/embedding.js';
import { Module } from '../layers/module.js';
import { createRecurrentLayer } from '../layers/factory.js';
import { LayerBusyError, type RecurrentGradients, type RecurrentLayer, type RecurrentOutput, type RecurrentStates } from '../layers/recurrent.js';
import { crossEntropy } from '../train/losses.js';
import type { MetricSums, TrainableModel } from '../train/trainable.js';
import { beamSearch } from '../generate/beam.js';
import { checkInt, checkNumber, describe } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { allocate } from '../tensor.js';
import { OutputHead } from './seq2seq-attention.js';
import { DecoderStack, StateBridge, type DecoderCarry } from './seq2seq-decoder.js';
import { decodeStep, encodeSources, greedyDecode, selectRows, sequenceLogProb, sourcePadId, type Seq2SeqParts } from './seq2seq-decoding.js';
import { decodeSums, seq2seqMetrics } from './seq2seq-metrics.js';
import {
  checkIds, checkSeq2SeqExample, checkSeq2SeqOptions,
  type ResolvedSeq2SeqOptions, type Seq2SeqExample, type Seq2SeqOptions, type Seq2SeqPair,
} from './seq2seq-options.js';
import { engineOptions, loadModelInto, saveModel, type EngineOptions, type SavableVocab } from '../io/model-dir.js';

export type { Seq2SeqOptions, Seq2SeqExample, Seq2SeqPair } from './seq2seq-options.js';

/** The ignored gold id past each target's end (PyTorch's cross_entropy default ignore_index). */
const IGNORE = -100;

/** A padded batch (collate): B examples, sources right-padded to S, decoder steps T = longest target + 1. */
export interface Seq2SeqBatch {
  size: number;
  /** [B, S] */
  source: IdTensor & { data: Int32Array };
  sourceLengths: Int32Array;
  /** T */
  steps: number;
  /** [B, T]: BOS, then the target, then padding */
  decoderInput: Int32Array;
  /** [B·T]: the target, then EOS, then -100 (ignored) */
  gold: Int32Array;
  /** real gold tokens: Σ (|target| + 1) */
  tokens: number;
  examples: Seq2SeqExample[];
}

export interface TranslateOptions {
  /** default 1 (greedy, batched); k > 1: beam search (src/generate/beam.ts), one source at a time */
  beamSize?: number;
  /** maximum generated tokens (EOS not counted); default 2 · |source| + 10 per source */
  maxLength?: number;
  /** α of GNMT's length penalty ((5 + |Y|)/6)^α for beam search; default 0.6 (no effect on greedy) */
  lengthPenalty?: number;
}

export class Seq2Seq extends Module implements TrainableModel<Seq2SeqExample, Seq2SeqBatch>, Seq2SeqParts {
  readonly kind = 'seq2seq';

  /** Writes the model directory — config.json, model.safetensors, vocab.json when given (io/model-dir.ts). */
  save(dir: string, options: { vocab?: SavableVocab | null } = {}): Promise<void> {
    return saveModel(this, dir, options);
  }

  /** Loads a saved seq2seq model on the chosen engine; a directory of another kind is rejected. */
  static async load(dir: string, options: EngineOptions = {}): Promise<Seq2Seq> {
    const build = (config: Record<string, unknown>): Seq2Seq => new Seq2Seq({ ...(config as unknown as Seq2SeqOptions), ...engineOptions(options) });
    return (await loadModelInto(dir, build, { expectKind: 'seq2seq' })).model;
  }
  readonly options: ResolvedSeq2SeqOptions;
  readonly encoder_embedding: Embedding;
  readonly encoder: RecurrentLayer;
  readonly bridge: StateBridge;
  readonly decoder_embedding: Embedding;
  readonly decoder: DecoderStack;
  readonly head: OutputHead;
  private busy = false;

  constructor(options: Seq2SeqOptions) {
    super();
    const o = (this.options = checkSeq2SeqOptions(options));
    const { seed, dtype, backend, threads } = o;
    const engine = { dtype, backend, threads };
    this.encoder_embedding = new Embedding({ numEmbeddings: o.sourceVocabSize, embeddingDim: o.embeddingDim, paddingIdx: o.paddingIdx, seed, dtype });
    this.encoder = createRecurrentLayer(o.cell === 'rnn' ? 'rnn_tanh' : o.cell, {
      inputSize: o.embeddingDim, hiddenSize: o.hiddenSize, numLayers: o.numLayers, bidirectional: o.bidirectional, batchFirst: true, seed: seed + 1, ...engine,
    });
    this.bridge = new StateBridge(o.numLayers, o.hiddenSize, o.bidirectional, o.bridge, o.cell === 'lstm', { seed: seed + 2, ...engine });
    this.decoder_embedding = new Embedding({ numEmbeddings: o.targetVocabSize, embeddingDim: o.embeddingDim, paddingIdx: o.paddingIdx, seed: seed + 4, dtype });
    this.decoder = new DecoderStack(o.cell, o.numLayers, { inputSize: o.embeddingDim, hiddenSize: o.hiddenSize, seed: seed + 5, ...engine });
    this.head = new OutputHead({
      hiddenSize: o.hiddenSize, memorySize: this.encoder.numDirections * o.hiddenSize, vocabSize: o.targetVocabSize, attention: o.attention, seed: seed + 5 + o.numLayers, ...engine,
    });
  }

  /** PyTorch-style names: the bridge's and the head's parts sit at the top level. */
  protected override children(): Record<string, Module> {
    const c: Record<string, Module> = { encoder_embedding: this.encoder_embedding, encoder: this.encoder };
    if (this.bridge.bridge_h) c.bridge_h = this.bridge.bridge_h;
    if (this.bridge.bridge_c) c.bridge_c = this.bridge.bridge_c;
    c.decoder_embedding = this.decoder_embedding;
    c.decoder = this.decoder;
    if (this.head.attention) c.attention = this.head.attention;
    if (this.head.concat) c.concat = this.head.concat;
    c.out = this.head.out;
    return c;
  }

  override train(mode = true): this {
    super.train(mode);
    this.bridge.train(mode);
    this.head.train(mode);
    return this;
  }

  // ── TrainableModel ────────────────────────────────────────────────────────────────────────────────

  checkExample(example: unknown, index: number): Seq2SeqExample {
    return checkSeq2SeqExample(example, index, this.options);
  }

  /** The longer side: the source's steps or the decoder's (target + EOS). */
  exampleLength(example: Seq2SeqPair): number {
    return Math.max(example.source.length, example.target.length + 1);
  }

  /** Pads examples (checked ones, or raw { source, target } pairs, which it checks) into one batch. */
  collate(examples: Seq2SeqPair[]): Seq2SeqBatch {
    if (!Array.isArray(examples) || examples.length === 0) throw new RangeError(`collate(examples): expected a non-empty array of examples, received ${describe(examples)}`);
    const ex = examples.map((e, i) => this.checkExample(e, i));
    const o = this.options;
    const B = ex.length;
    const S = Math.max(...ex.map((e) => e.source.length));
    const T = Math.max(...ex.map((e) => e.target.length)) + 1;
    const source = new Int32Array(B * S).fill(sourcePadId(o));
    const decoderInput = new Int32Array(B * T).fill(o.paddingIdx ?? o.eosId);
    const gold = new Int32Array(B * T).fill(IGNORE);
    let tokens = 0;
    ex.forEach((e, b) => {
      source.set(e.source, b * S);
      decoderInput[b * T] = o.bosId;
      decoderInput.set(e.target, b * T + 1);
      gold.set(e.target, b * T);
      gold[b * T + e.target.length] = o.eosId;
      tokens += e.target.length + 1;
    });
    return {
      size: B, source: { data: source, shape: [B, S] }, sourceLengths: Int32Array.from(ex, (e) => e.source.length),
      steps: T, decoderInput, gold, tokens, examples: ex,
    };
  }

  /**
   * Teacher-forced forward and backward; puts the model in training mode. Returns the mean loss over the
   * batch's target tokens and their count; gradients accumulate (the caller zeroes them, clips, steps).
   */
  async trainBatch(batch: Seq2SeqBatch): Promise<{ loss: number; count: number }> {
    this.checkBatch(batch);
    this.checkIdle();
    this.busy = true;
    try {
      this.train();
      const x = this.encoder_embedding.forward(batch.source);
      const encoded = await this.encoder.forwardAsync({ ...x, lengths: batch.sourceLengths }, null, null, { returnOutput: this.options.attention !== 'none' });
      const { loss, grad } = crossEntropy(this.teacherForce(batch, encoded), batch.gold, { ignoreIndex: IGNORE });
      const { dInput } = await this.encoder.backwardAsync(this.decoderBackward(grad, batch));
      this.encoder_embedding.backward(dInput);
      return { loss, count: batch.tokens };
    } catch (err) {
      this.decoder.clearHistory(); // a failed step must not leave kept steps for the next one
      throw err;
    } finally {
      this.busy = false;
    }
  }

  /** Eval-mode sums: loss (summed over tokens), count, and greedy-decode exactMatch / tokenErrorRate sums. */
  async evaluateBatch(batch: Seq2SeqBatch): Promise<MetricSums> {
    this.checkBatch(batch);
    const mean = this.loss(batch);
    const hyps = this.withEval(() => greedyDecode(this, batch.examples.map((e) => e.source), batch.examples.map((e) => defaultMaxLength(e.source.length))));
    return { loss: mean * batch.tokens, count: batch.tokens, ...decodeSums(hyps, batch.examples.map((e) => e.target)) };
  }

  metrics(sums: MetricSums): Record<string, number> {
    return seq2seqMetrics(sums);
  }

  config(): Record<string, unknown> {
    const { backend: _backend, threads: _threads, bridge, ...rest } = this.options;
    // A unidirectional encoder takes no bridge option (the constructor rejects one): omit it.
    return this.options.bidirectional ? { ...rest, bridge } : rest;
  }

  // ── Inference ─────────────────────────────────────────────────────────────────────────────────────

  /** Mean cross-entropy over the batch's real target tokens, in eval mode (nothing kept for backward). */
  loss(batch: Seq2SeqBatch): number {
    this.checkBatch(batch);
    this.checkIdle();
    return this.withEval(() => {
      const x = this.encoder_embedding.forward(batch.source);
      const encoded = this.encoder.forward({ ...x, lengths: batch.sourceLengths }, null, null, { returnOutput: this.options.attention !== 'none' });
      return crossEntropy(this.teacherForce(batch, encoded), batch.gold, { ignoreIndex: IGNORE }).loss;
    });
  }

  /**
   * Target ids for a source (ids without BOS/EOS), or for each of an array of sources. beamSize 1: greedy,
   * the whole array decoded as one batch; beamSize k > 1: beam search per source.
   */
  translate(source: ArrayLike<number>, options?: TranslateOptions): number[];
  translate(sources: ArrayLike<number>[], options?: TranslateOptions): number[][];
  translate(input: ArrayLike<number> | ArrayLike<number>[], options: TranslateOptions = {}): number[] | number[][] {
    this.checkIdle();
    const many = Array.isArray(input) && input.length > 0 && typeof input[0] === 'object' && input[0] !== null;
    const sources = many
      ? (input as unknown[]).map((s, i) => checkIds(`translate(sources[${i}])`, s, this.options.sourceVocabSize))
      : [checkIds('translate(source)', input, this.options.sourceVocabSize)];
    const { beamSize, maxLength, lengthPenalty } = checkTranslateOptions(options);
    const maxLengths = sources.map((s) => maxLength ?? defaultMaxLength(s.length));
    const out = this.withEval(() => {
      if (beamSize === 1) return greedyDecode(this, sources, maxLengths);
      const o = this.options;
      return sources.map((s, i) => beamSearch({
        initial: encodeSources(this, [s]), step: (tokens, state) => decodeStep(this, tokens, state), select: selectRows,
        vocabSize: o.targetVocabSize, bosId: o.bosId, eosId: o.eosId, maxLength: maxLengths[i], beamSize, lengthPenalty,
      }).tokens);
    });
    return many ? out : out[0];
  }

  /** log P(target, then EOS | source) under the model (eval mode): the score beam search ranks by, before length normalisation. */
  logProbability(source: ArrayLike<number>, target: ArrayLike<number>): number {
    this.checkIdle();
    const o = this.options;
    const s = checkIds('logProbability(source)', source, o.sourceVocabSize);
    const t = checkIds('logProbability(target)', target, o.targetVocabSize, { allowEmpty: true, forbidden: [[o.bosId, 'bosId'], [o.eosId, 'eosId']] });
    return this.withEval(() => sequenceLogProb(this, s, t));
  }

  // ── Internals ─────────────────────────────────────────────────────────────────────────────────────

  /** Decoder steps with the gold previous token; keeps what backward needs in training mode → logits [B·T, V]. */
  private teacherForce(batch: Seq2SeqBatch, encoded: RecurrentOutput | RecurrentStates): Tensor {
    const { size: B, steps: T } = batch;
    const { hiddenSize: H, embeddingDim: E, dtype } = this.options;
    const memory = 'output' in encoded ? { ...encoded.output, lengths: batch.sourceLengths } : null;
    let state = this.bridge.forward(encoded.hN, encoded.cN ?? null);
    const emb = this.decoder_embedding.forward({ data: batch.decoderInput, shape: [B, T] }).data;
    const tops = allocate(dtype, B * T * H);
    const x = { data: allocate(dtype, B * E), shape: [B, E] };
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) x.data.set(emb.subarray((b * T + t) * E, (b * T + t + 1) * E), b * E);
      state = this.decoder.step(x, state);
      const top = state.h[state.h.length - 1].data;
      for (let b = 0; b < B; b++) tops.set(top.subarray(b * H, (b + 1) * H), (b * T + t) * H);
    }
    return this.head.forward({ data: tops, shape: [B, T, H] }, memory);
  }

  /** Backward from dLogits through head, cells (LIFO), decoder embedding and bridge → the encoder's upstream. */
  private decoderBackward(dLogits: Tensor, batch: Seq2SeqBatch): RecurrentGradients {
    const { size: B, steps: T } = batch;
    const { hiddenSize: H, embeddingDim: E, dtype, numLayers: L } = this.options;
    const { dTops, dMemory } = this.head.backward(dLogits);
    const dEmb = allocate(dtype, B * T * E);
    let carry: DecoderCarry = { dh: new Array(L).fill(null), dc: new Array(L).fill(null) };
    for (let t = T - 1; t >= 0; t--) {
      const dTop = { data: allocate(dtype, B * H), shape: [B, H] };
      for (let b = 0; b < B; b++) dTop.data.set(dTops.subarray((b * T + t) * H, (b * T + t + 1) * H), b * H);
      const g = this.decoder.stepBackward(dTop, carry);
      carry = g.carry;
      for (let b = 0; b < B; b++) dEmb.set(g.dInput.data.subarray(b * E, (b + 1) * E), (b * T + t) * E);
    }
    this.decoder_embedding.backward({ data: dEmb, shape: [B, T, E] });
    const { dhN, dcN } = this.bridge.backward(carry, this.options.cell === 'lstm');
    return { dOutput: dMemory, dhN, dcN };
  }

  private withEval<R>(fn: () => R): R {
    const wasTraining = this.training;
    this.eval();
    try {
      return fn();
    } finally {
      this.train(wasTraining);
    }
  }

  private checkBatch(batch: Seq2SeqBatch): void {
    if (typeof batch !== 'object' || batch === null || !(batch.decoderInput instanceof Int32Array) || !(batch.gold instanceof Int32Array) || !Array.isArray(batch.examples)) {
      throw new TypeError(`Seq2Seq: expected a batch from collate(examples), received ${describe(batch)}`);
    }
  }

  private checkIdle(): void {
    if (this.busy) throw new LayerBusyError('Seq2Seq: a trainBatch is still running on this model; await it before the next call');
  }
}

/** The default decoding budget: twice the source plus 10 tokens. */
function defaultMaxLength(sourceLength: number): number {
  return 2 * sourceLength + 10;
}

function checkTranslateOptions(options: unknown): { beamSize: number; maxLength: number | undefined; lengthPenalty: number } {
  if (typeof options !== 'object' || options === null) throw new TypeError(`translate(options): expected { beamSize?, maxLength?, lengthPenalty? }, received ${describe(options)}`);
  const o = options as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    if (v !== undefined && !['beamSize', 'maxLength', 'lengthPenalty'].includes(k)) {
      throw new TypeError(`translate(options): expected only beamSize, maxLength, lengthPenalty, received unknown option ${JSON.stringify(k)}`);
    }
  }
  return {
    beamSize: checkInt('beamSize', o.beamSize ?? 1, 1),
    maxLength: o.maxLength === undefined ? undefined : checkInt('maxLength', o.maxLength, 1),
    lengthPenalty: checkNumber('lengthPenalty', o.lengthPenalty ?? 0.6, { min: 0 }),
  };
}
