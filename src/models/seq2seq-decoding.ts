/**
 * Seq2Seq inference on the one-step cells: encode a batch of sources once, then step the decoder token by
 * token (eval mode, nothing kept for backward). Greedy decoding runs a whole batch, dropping rows as they
 * emit EOS; beam search (src/generate/beam.ts) runs one source at a time over the same step.
 */
import type { Embedding } from '../layers/embedding.js';
import type { RecurrentLayer } from '../layers/recurrent.js';
import type { SequenceTensor } from '../layers/recurrent-input.js';
import { padSequences } from '../data/batching.js';
import type { Tensor } from '../tensor.js';
import type { OutputHead } from './seq2seq-attention.js';
import type { DecoderStack, DecoderState, StateBridge } from './seq2seq-decoder.js';
import type { ResolvedSeq2SeqOptions } from './seq2seq-options.js';

/** What decoding needs from the model. */
export interface Seq2SeqParts {
  readonly options: ResolvedSeq2SeqOptions;
  readonly encoder_embedding: Embedding;
  readonly encoder: RecurrentLayer;
  readonly bridge: StateBridge;
  readonly decoder_embedding: Embedding;
  readonly decoder: DecoderStack;
  readonly head: OutputHead;
}

/** The decoder's states [rows, H] per layer, and each row's encoder outputs (null without attention). */
export interface DecodeState {
  dec: DecoderState;
  memory: SequenceTensor | null;
}

/** The id batches pad the source side with. */
export function sourcePadId(o: ResolvedSeq2SeqOptions): number {
  return o.paddingIdx ?? 0;
}

/** Runs the encoder over sources (any mode; eval keeps nothing) → the decoder's initial state per source. */
export function encodeSources(m: Seq2SeqParts, sources: ArrayLike<number>[]): DecodeState {
  const { ids, lengths } = padSequences(sources, sourcePadId(m.options));
  const x = m.encoder_embedding.forward(ids);
  const withMemory = m.options.attention !== 'none';
  const out = m.encoder.forward({ ...x, lengths }, null, null, { returnOutput: withMemory });
  const memory = 'output' in out ? { ...out.output, lengths } : null;
  return { dec: m.bridge.forward(out.hN, out.cN ?? null), memory };
}

/** One decoder step: previous tokens [rows] → log-probabilities [rows, V] (float64) and the next state. */
export function decodeStep(m: Seq2SeqParts, tokens: Int32Array, state: DecodeState): { logProbs: Float64Array; state: DecodeState } {
  const B = tokens.length;
  const x = m.decoder_embedding.forward({ data: tokens, shape: [B] });
  const dec = m.decoder.step(x, state.dec);
  const logits = m.head.forward(dec.h[dec.h.length - 1], state.memory);
  return { logProbs: logSoftmaxRows(logits), state: { dec, memory: state.memory } };
}

function logSoftmaxRows(logits: Tensor): Float64Array {
  const [rows, V] = logits.shape;
  const out = new Float64Array(rows * V);
  for (let r = 0; r < rows; r++) {
    const o = r * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits.data[o + v]);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits.data[o + v] - max);
    const lse = max + Math.log(sum);
    for (let v = 0; v < V; v++) out[o + v] = logits.data[o + v] - lse;
  }
  return out;
}

function gather(t: Tensor, rows: Int32Array): Tensor {
  const width = t.data.length / t.shape[0];
  const data = t.data.constructor === Float64Array ? new Float64Array(rows.length * width) : new Float32Array(rows.length * width);
  rows.forEach((r, i) => data.set(t.data.subarray(r * width, (r + 1) * width), i * width));
  return { data, shape: [rows.length, ...t.shape.slice(1)] };
}

/** A state whose row i is row rows[i] of `state` (beam reordering; greedy dropping finished rows). */
export function selectRows(state: DecodeState, rows: Int32Array): DecodeState {
  const dec: DecoderState = { h: state.dec.h.map((h) => gather(h, rows)), c: state.dec.c.map((c) => (c ? gather(c, rows) : null)) };
  if (!state.memory) return { dec, memory: null };
  const lengths = state.memory.lengths!;
  const memory: SequenceTensor = { ...gather(state.memory, rows), lengths: Int32Array.from(rows, (r) => lengths[r]) };
  return { dec, memory };
}

/**
 * Greedy decoding of a batch: the argmax token each step (ties: the lowest id) until EOS or maxLengths[b]
 * tokens. Returns each source's tokens without BOS and EOS.
 */
export function greedyDecode(m: Seq2SeqParts, sources: ArrayLike<number>[], maxLengths: ArrayLike<number>): number[][] {
  const { bosId, eosId, targetVocabSize: V } = m.options;
  const out: number[][] = sources.map(() => []);
  let state = encodeSources(m, sources);
  let active = Array.from(sources, (_, b) => b).filter((b) => maxLengths[b] > 0);
  if (active.length < sources.length) state = selectRows(state, Int32Array.from(active));
  let tokens = new Int32Array(active.length).fill(bosId);
  while (active.length > 0) {
    const r = decodeStep(m, tokens, state);
    const keep: number[] = [];
    const nextActive: number[] = [];
    const nextTokens: number[] = [];
    active.forEach((b, i) => {
      let best = 0;
      for (let v = 1; v < V; v++) if (r.logProbs[i * V + v] > r.logProbs[i * V + best]) best = v;
      if (best === eosId) return;
      out[b].push(best);
      if (out[b].length >= maxLengths[b]) return;
      keep.push(i);
      nextActive.push(b);
      nextTokens.push(best);
    });
    state = keep.length === active.length ? r.state : selectRows(r.state, Int32Array.from(keep));
    active = nextActive;
    tokens = Int32Array.from(nextTokens);
  }
  return out;
}

/** log P(target, then EOS | source) under the model, stepping the decoder as decoding does. */
export function sequenceLogProb(m: Seq2SeqParts, source: ArrayLike<number>, target: ArrayLike<number>): number {
  let state = encodeSources(m, [source]);
  let prev = m.options.bosId;
  let total = 0;
  for (let t = 0; t <= target.length; t++) {
    const r = decodeStep(m, Int32Array.of(prev), state);
    const y = t < target.length ? target[t] : m.options.eosId;
    total += r.logProbs[y];
    state = r.state;
    prev = y;
  }
  return total;
}
