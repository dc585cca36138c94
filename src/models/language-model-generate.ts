/**
 * One-to-many generation for LanguageModel, in eval mode:
 *   1. the prompt (or [startId]) runs through the sequence layer in one call (T = prompt length) from the
 *      initial state (zeros, or the condition's), giving each layer's state after the prompt;
 *   2. then one token at a time: logits = head(h of the top layer) → sample (src/generate/sampling.ts) →
 *      embedding → one step of each layer's one-step cell (RNNCell / LSTMCell / GRUCell, sharing the layer's
 *      weights: weight_ih_l{k} is cell k's weight_ih, …) → the next logits.
 * The sampled ids are returned (not the prompt): maxLength of them, or fewer when stopId is drawn (it is
 * included last, so a caller can tell a stop from running out of length).
 */
import type { Embedding } from '../layers/embedding.js';
import type { Linear } from '../layers/linear.js';
import type { RecurrentLayer } from '../layers/recurrent.js';
import type { RecurrentCell } from '../layers/cell.js';
import { GRUCell, LSTMCell, RNNCell } from '../layers/cells.js';
import type { Tensor } from '../tensor.js';
import { checkInt, describe } from '../errors.js';
import { Rng } from '../random.js';
import { checkSamplingOptions, sampleChecked, type CheckedSampling, type SamplingOptions } from '../generate/sampling.js';
import { checkIds } from './language-model-batch.js';
import type { InitialState } from './language-model-condition.js';

export interface GenerateOptions extends SamplingOptions {
  /** ids to continue (not returned); default [startId] (the model option) */
  prompt?: number[] | Int32Array;
  /** a class id or a condition vector, for a conditioned model */
  condition?: number | number[] | Float32Array | Float64Array;
  /** the most ids to sample */
  maxLength: number;
  /** seed of the sampling Rng; the same seed gives the same ids (default: random) */
  seed?: number;
  /** stop after sampling this id (it is returned last) */
  stopId?: number;
}

export interface CheckedGenerate {
  prompt: Int32Array;
  condition: unknown;
  maxLength: number;
  sampling: CheckedSampling;
  seed: number;
  stopId: number | null;
}

export function checkGenerateOptions(options: unknown, vocabSize: number, startId: number | null): CheckedGenerate {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`generate(options): expected { maxLength, prompt?, condition?, temperature?, topK?, topP?, seed?, stopId? }, received ${describe(options)}`);
  }
  const sampling = checkSamplingOptions('generate(options)', options, ['prompt', 'condition', 'maxLength', 'seed', 'stopId']);
  const o = options as GenerateOptions;
  let prompt: Int32Array;
  if (o.prompt !== undefined) prompt = checkIds('generate(options.prompt)', o.prompt, vocabSize, 1);
  else if (startId !== null) prompt = Int32Array.of(startId);
  else {
    throw new RangeError('generate(options.prompt): expected a prompt of at least one id (or the model option startId), received neither');
  }
  return {
    prompt,
    condition: o.condition,
    maxLength: checkInt('generate(options.maxLength)', o.maxLength, 1),
    sampling,
    seed: checkInt('generate(options.seed)', o.seed ?? Math.floor(Math.random() * 2 ** 32), 0, Number.MAX_SAFE_INTEGER),
    stopId: o.stopId === undefined ? null : checkInt('generate(options.stopId)', o.stopId, 0, vocabSize - 1),
  };
}

/** One one-step cell per layer of `rnn` (unidirectional, no projection), on the layer's engine and dtype. */
export function stepCells(rnn: RecurrentLayer): RecurrentCell[] {
  const cells: RecurrentCell[] = [];
  for (let k = 0; k < rnn.numLayers; k++) {
    const options = { inputSize: k === 0 ? rnn.inputSize : rnn.hiddenSize, hiddenSize: rnn.hiddenSize, bias: rnn.bias, backend: rnn.backend, dtype: rnn.dtype, seed: 0 };
    if (rnn.cell === 'lstm') cells.push(new LSTMCell(options));
    else if (rnn.cell === 'gru') cells.push(new GRUCell(options));
    else cells.push(new RNNCell({ ...options, nonlinearity: rnn.cell === 'rnn_relu' ? 'relu' : 'tanh' }));
  }
  for (const c of cells) c.eval();
  return cells;
}

/**
 * Points the cells' weights at the layer's (PyTorch names: weight_ih_l{k} → cell k's weight_ih, …): the
 * cells share the layer's weight tensors, so there is nothing to copy and they always hold the current
 * weights (optimizers and loadStateDict write in place). Re-linked before every generation, in case a
 * parameter's tensor was replaced.
 */
export function linkLayerWeights(rnn: RecurrentLayer, cells: RecurrentCell[]): void {
  const byName = new Map(rnn.namedParameters().map((p) => [p.name, p.value]));
  cells.forEach((cell, k) => {
    for (const p of cell.namedParameters()) {
      const source = byName.get(`${p.name}_l${k}`);
      if (!source || source.data.length !== p.value.data.length) throw new Error(`LanguageModel.generate: internal error, no layer weight for cell ${k}'s ${p.name}`);
      p.value = source;
    }
  });
}

export interface GenerationParts {
  embedding: Embedding;
  rnn: RecurrentLayer;
  head: Linear;
  /** from stepCells, weights already linked */
  cells: RecurrentCell[];
}

/** Runs steps 1–2 of the file comment; every module must already be in eval mode. */
export function runGeneration(parts: GenerationParts, o: CheckedGenerate, initial: InitialState | null): number[] {
  const { embedding, rnn, head, cells } = parts;
  const L = rnn.numLayers;
  const H = rnn.hiddenSize;
  const x = embedding.forward({ data: o.prompt, shape: [1, o.prompt.length] });
  const { hN, cN } = rnn.forward(x, initial?.h0 ?? null, initial?.c0 ?? null, { returnOutput: false });
  const hs: Tensor[] = [];
  const cs: (Tensor | null)[] = [];
  for (let l = 0; l < L; l++) {
    hs.push({ data: hN.data.slice(l * H, (l + 1) * H), shape: [1, H] });
    cs.push(cN ? { data: cN.data.slice(l * H, (l + 1) * H), shape: [1, H] } : null);
  }
  const rng = new Rng(o.seed);
  const out: number[] = [];
  let logits = head.forward(hs[L - 1]).data;
  for (;;) {
    const id = sampleChecked('generate: the next-token logits', logits, rng, o.sampling);
    out.push(id);
    if (id === o.stopId || out.length === o.maxLength) return out;
    let input = embedding.forward({ data: [id], shape: [1] });
    for (let l = 0; l < L; l++) {
      const step = cells[l].forward(input, hs[l], cs[l]);
      hs[l] = step.h;
      cs[l] = step.c ?? null;
      input = step.h;
    }
    logits = head.forward(hs[L - 1]).data;
  }
}
