/**
 * The Seq2Seq decoder's output side, over every decoder step at once (teacher forcing) or one step
 * (decoding). Luong's global attention without input feeding: the decoder's h_t does not depend on earlier
 * contexts, so the cells run first and attention, concat and out then run as single batched calls over
 * B·T rows.
 *
 *   attention 'dot' | 'general':  context_t = attention(h_t, encoder outputs, source lengths)
 *                                 h̃_t = tanh(concat([h_t; context_t]))       concat: Linear(H + K → H)
 *                                 logits_t = out(h̃_t)                       out: Linear(H → targetVocabSize)
 *   attention 'none':             logits_t = out(h_t)
 *
 * Names as in PyTorch's chatbot tutorial (LuongAttnDecoderRNN: concat, out) and OpenNMT-py
 * (attention.linear_in.weight for 'general').
 */
import type { Backend } from '../backend/backend.js';
import type { BackendChoice } from '../backend/select.js';
import { LuongAttention, type AttentionScore } from '../layers/attention.js';
import { Linear } from '../layers/linear.js';
import { Module } from '../layers/module.js';
import type { SequenceTensor } from '../layers/recurrent-input.js';
import type { DType, FloatArray, Tensor } from '../tensor.js';
import { allocate } from '../tensor.js';

export type Seq2SeqAttention = AttentionScore | 'none';

export interface HeadOptions {
  hiddenSize: number;
  /** the width of each encoder output row (D·H) */
  memorySize: number;
  vocabSize: number;
  attention: Seq2SeqAttention;
  seed: number;
  dtype: DType;
  backend?: BackendChoice | Backend;
  threads?: number;
}

interface Saved {
  rows: number;
  /** the tops' shape ([B, T, H] or [B, H]): the attention's query shape */
  shape: number[];
  /** tanh(concat(·)) [rows, H], for tanh's derivative */
  combined: FloatArray | null;
}

export class OutputHead extends Module {
  readonly attention: LuongAttention | null;
  readonly concat: Linear | null;
  readonly out: Linear;
  readonly hiddenSize: number;
  readonly memorySize: number;
  readonly dtype: DType;
  private saved: Saved | null = null;

  constructor(o: HeadOptions) {
    super();
    this.hiddenSize = o.hiddenSize;
    this.memorySize = o.memorySize;
    this.dtype = o.dtype;
    const common = { dtype: o.dtype, backend: o.backend, threads: o.threads };
    const H = o.hiddenSize;
    this.attention = o.attention === 'none' ? null : new LuongAttention({ querySize: H, keySize: o.memorySize, score: o.attention, seed: o.seed, ...common });
    this.concat = this.attention ? new Linear({ inFeatures: H + o.memorySize, outFeatures: H, seed: o.seed + 1, ...common }) : null;
    this.out = new Linear({ inFeatures: H, outFeatures: o.vocabSize, seed: o.seed + 2, ...common });
  }

  protected override children(): Record<string, Module> {
    const c: Record<string, Module> = {};
    if (this.attention) c.attention = this.attention;
    if (this.concat) c.concat = this.concat;
    c.out = this.out;
    return c;
  }

  /** tops [B, T, H] (the decoder's top-layer h per step; [B, H] for one step) → logits [B·T, V]. */
  forward(tops: Tensor, memory: SequenceTensor | null): Tensor {
    const H = this.hiddenSize;
    const rows = tops.data.length / H;
    if (!this.attention || !this.concat) {
      const logits = this.out.forward({ data: tops.data, shape: [rows, H] });
      this.saved = this.training ? { rows, shape: [...tops.shape], combined: null } : null;
      return logits;
    }
    const K = this.memorySize;
    const context = this.attention.forward(tops, memory!).context.data;
    const cat = allocate(this.dtype, rows * (H + K));
    for (let r = 0; r < rows; r++) {
      cat.set(tops.data.subarray(r * H, (r + 1) * H), r * (H + K));
      cat.set(context.subarray(r * K, (r + 1) * K), r * (H + K) + H);
    }
    const combined = this.concat.forward({ data: cat, shape: [rows, H + K] }).data;
    for (let i = 0; i < combined.length; i++) combined[i] = Math.tanh(combined[i]);
    const logits = this.out.forward({ data: combined, shape: [rows, H] });
    this.saved = this.training ? { rows, shape: [...tops.shape], combined } : null;
    return logits;
  }

  /** dLogits [B·T, V] → dTops (the tops' shape as [rows, H] data) and dMemory [B, S, K] (null without attention). */
  backward(dLogits: Tensor): { dTops: FloatArray; dMemory: Tensor | null } {
    const saved = this.saved;
    if (!saved) throw new Error('OutputHead.backward: call forward in training mode first');
    const H = this.hiddenSize;
    const dOut = this.out.backward(dLogits).data;
    if (!this.attention || !this.concat || !saved.combined) return { dTops: dOut, dMemory: null };
    const K = this.memorySize;
    const { rows, combined } = saved;
    for (let i = 0; i < dOut.length; i++) dOut[i] *= 1 - combined[i] * combined[i];
    const dCat = this.concat.backward({ data: dOut, shape: [rows, H] }).data;
    const dTops = allocate(this.dtype, rows * H);
    const dContext = allocate(this.dtype, rows * K);
    for (let r = 0; r < rows; r++) {
      dTops.set(dCat.subarray(r * (H + K), r * (H + K) + H), r * H);
      dContext.set(dCat.subarray(r * (H + K) + H, (r + 1) * (H + K)), r * K);
    }
    const { dQuery, dMemory } = this.attention.backward({ dContext: { data: dContext, shape: [...saved.shape.slice(0, -1), K] } });
    for (let i = 0; i < dTops.length; i++) dTops[i] += dQuery.data[i];
    return { dTops, dMemory };
  }
}
