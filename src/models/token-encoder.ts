/**
 * The front of every token model that reads whole sequences (classifier, tagger): token ids → Embedding →
 * batch-first recurrent stack, built from the shared model options, with the checks and seeds they share
 * (embedding seed, layer seed + 1; the head takes seed + 2).
 */
import type { Backend } from '../backend/backend.js';
import type { BackendChoice } from '../backend/select.js';
import { gateCount } from '../backend/backend.js';
import { checkBoolean, checkInt, checkOneOf, describe } from '../errors.js';
import { checkParameterCount, checkSize, recurrentParameterCount } from '../limits.js';
import { Embedding } from '../layers/embedding.js';
import { createRecurrentLayer } from '../layers/factory.js';
import type { RecurrentLayer } from '../layers/recurrent.js';
import type { DType } from '../tensor.js';

export interface TokenEncoderOptions {
  vocabSize: number;
  embeddingDim: number;
  hiddenSize: number;
  /** 'rnn' (with `nonlinearity`), 'lstm' or 'gru' */
  cell?: 'rnn' | 'lstm' | 'gru';
  nonlinearity?: 'tanh' | 'relu';
  numLayers?: number;
  bidirectional?: boolean;
  dropout?: number;
  /** the padding id: its embedding row stays zero; batches are padded with it (default 0) */
  paddingIdx?: number;
  /**
   * a row-sparse embedding gradient (Embedding `sparse: true`, default false): zeroGrad, clipping and the
   * optimizers touch only the rows of the batch's ids instead of the whole vocabulary × embeddingDim
   * table. Same gradients and, with every optimizer but SparseAdam, the same updates; a training-time
   * choice, not saved with the model.
   */
  sparseEmbedding?: boolean;
  backend?: BackendChoice | Backend;
  threads?: number;
  seed?: number;
  dtype?: DType;
}

/** The checked choices: the seed actually used (random when none was given), the cell and its nonlinearity. */
export interface EncoderChoice {
  seed: number;
  cell: 'rnn' | 'lstm' | 'gru';
  nonlinearity: 'tanh' | 'relu';
}

export function checkEncoderChoice(options: TokenEncoderOptions): EncoderChoice {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  checkInt('seed', seed);
  const cell = checkOneOf('cell', options.cell ?? 'rnn', ['rnn', 'lstm', 'gru'] as const);
  const nonlinearity = checkOneOf('nonlinearity', options.nonlinearity ?? 'tanh', ['tanh', 'relu'] as const);
  if (cell !== 'rnn' && options.nonlinearity !== undefined) {
    throw new RangeError(`nonlinearity: only cell 'rnn' takes one, received ${describe(options.nonlinearity)} with cell ${describe(cell)}`);
  }
  return { seed, cell, nonlinearity };
}

/**
 * Checks every size of the whole model (embedding, recurrent stack and a head of `headOutputs` classes)
 * and its parameter count against the limits before any part is allocated.
 */
export function checkEncoderSizes(owner: string, options: TokenEncoderOptions, choice: EncoderChoice, head: [string, number]): void {
  const vocabSize = checkSize('vocabSize', options.vocabSize);
  const embeddingDim = checkSize('embeddingDim', options.embeddingDim);
  const hiddenSize = checkSize('hiddenSize', options.hiddenSize);
  const numLayers = checkSize('numLayers', options.numLayers ?? 1);
  const directions = options.bidirectional === true ? 2 : 1;
  const rnn = recurrentParameterCount({
    gates: gateCount(choice.cell === 'rnn' ? 'rnn_tanh' : choice.cell), inputSize: embeddingDim, hiddenSize, numLayers, directions, projSize: 0, bias: true,
  });
  const total = vocabSize * embeddingDim + rnn + head[1] * (directions * hiddenSize + 1);
  checkParameterCount(owner, total, { vocabSize, embeddingDim, hiddenSize, numLayers, [head[0]]: head[1] });
}

export function buildTokenEncoder(options: TokenEncoderOptions, choice: EncoderChoice): { embedding: Embedding; rnn: RecurrentLayer } {
  const { seed, cell, nonlinearity } = choice;
  const { dtype, backend, threads } = options;
  const embedding = new Embedding({ numEmbeddings: options.vocabSize, embeddingDim: options.embeddingDim, paddingIdx: options.paddingIdx, seed, dtype, sparse: checkBoolean('sparseEmbedding', options.sparseEmbedding ?? false) });
  const rnn = createRecurrentLayer(cell === 'rnn' ? (nonlinearity === 'relu' ? 'rnn_relu' : 'rnn_tanh') : cell, {
    inputSize: options.embeddingDim,
    hiddenSize: options.hiddenSize,
    numLayers: options.numLayers,
    bidirectional: options.bidirectional,
    dropout: options.dropout,
    batchFirst: true,
    backend,
    threads,
    seed: seed + 1,
    dtype,
  });
  return { embedding, rnn };
}
