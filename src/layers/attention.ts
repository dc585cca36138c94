/**
 * Luong (global) attention over a batch of encoder outputs with lengths (Luong, Pham & Manning 2015, §3.1):
 *
 *   score(h_t, h̄_s) = h_t · h̄_s                ('dot': query and keys of one size)
 *   score(h_t, h̄_s) = (W h_t) · h̄_s = h_tᵀ W_a h̄_s   ('general': W = linear_in.weight [K, Q], W_a = Wᵀ)
 *   a_t(s) = softmax over the real source positions s < length_b (masked: exactly 0 at padding)
 *   context_t = Σ_s a_t(s) h̄_s
 *
 * 'general' keeps OpenNMT-py's name and layout for W (GlobalAttention.linear_in = nn.Linear(Q, K,
 * bias=False), applied to the query), so its state dict reads `linear_in.weight` [K, Q]; it runs on the
 * layer's engine like every Linear. Scores, the masked softmax and the weighted sums are plain loops,
 * accumulated in JS numbers (float64) and stored in the layer's dtype.
 *
 * Shapes: query [B, Tq, Q] (every decoder step at once) or [B, Q] (one step); memory [B, S, K] batch-first,
 * with `memory.lengths` (B integers in 1..S; default all S); context has the query's rank with K features,
 * weights [B, Tq, S] (or [B, S]).
 *
 * Backward undoes the most recent training forward, as a recurrent layer's does: backward({ dContext,
 * dWeights? }) → { dQuery (the query's shape), dMemory [B, S, K] }, accumulating linear_in's gradient.
 * Padded source positions get weight 0 and receive dMemory 0. The forward reads query and memory in place
 * and keeps them for backward: do not modify either in between. Returned arrays are new and the caller's.
 */
import type { Backend } from '../backend/backend.js';
import type { BackendChoice } from '../backend/select.js';
import { checkInt, checkOneOf, checkTensor, describe } from '../errors.js';
import { checkActivationCount, checkParameterCount, checkSize } from '../limits.js';
import type { DType, FloatArray, Tensor } from '../tensor.js';
import { allocate, dtypeOf, shapeToString, zeros } from '../tensor.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import type { SequenceTensor } from './recurrent-input.js';

export type AttentionScore = 'dot' | 'general';

export interface AttentionOptions {
  /** Q: the size of the query (the decoder's h_t) */
  querySize: number;
  /** K: the size of each memory row (the encoder's output: D·H); default querySize. 'dot' needs K = Q. */
  keySize?: number;
  /** default 'general' */
  score?: AttentionScore;
  seed?: number;
  dtype?: DType;
  backend?: BackendChoice | Backend;
  threads?: number;
}

export interface AttentionOutput {
  /** [B, Tq, K] (or [B, K] for a 2-D query) */
  context: Tensor;
  /** [B, Tq, S] (or [B, S]): each row sums to 1 over s < length_b and is exactly 0 past it */
  weights: Tensor;
}

export interface AttentionGradients {
  /** the loss's gradient for context (the context's shape) */
  dContext: Tensor;
  /** optional: a direct gradient for the weights (the weights' shape); missing counts as zero */
  dWeights?: Tensor | null;
}

export interface AttentionInputGradients {
  /** the query's shape */
  dQuery: Tensor;
  /** [B, S, K]; zero at padded positions */
  dMemory: Tensor;
}

/** What a training forward keeps for backward. */
interface Saved {
  B: number;
  Tq: number;
  S: number;
  queryShape: number[];
  /** memory.data, read in place */
  keys: FloatArray;
  lengths: Int32Array;
  /** the projected query W·q ('general', own array) or the query itself ('dot', read in place) [B·Tq, K] */
  projected: FloatArray;
  /** own copy [B·Tq, S] */
  weights: FloatArray;
  weightsShape: number[];
}

export class LuongAttention extends Module {
  readonly querySize: number;
  readonly keySize: number;
  readonly score: AttentionScore;
  readonly dtype: DType;
  /** 'general' only: W [K, Q], score = (W q) · k */
  readonly linear_in: Linear | null;
  private saved: Saved | null = null;

  constructor(options: AttentionOptions) {
    super();
    if (typeof options !== 'object' || options === null) throw new TypeError(`LuongAttention(options): expected an object, received ${describe(options)}`);
    this.querySize = checkSize('querySize', options.querySize);
    this.keySize = checkSize('keySize', options.keySize ?? this.querySize);
    this.score = checkOneOf('score', options.score ?? 'general', ['dot', 'general'] as const);
    this.dtype = checkOneOf('dtype', options.dtype ?? 'float32', ['float32', 'float64'] as const);
    if (this.score === 'dot' && this.keySize !== this.querySize) {
      throw new RangeError(
        `keySize: score 'dot' needs keys as wide as the query (querySize ${this.querySize}), received keySize ${this.keySize}; use score 'general' (a learned W [K, Q])`,
      );
    }
    if (this.score === 'general') checkParameterCount('LuongAttention', this.querySize * this.keySize, { querySize: this.querySize, keySize: this.keySize });
    this.linear_in = this.score === 'general'
      ? new Linear({ inFeatures: this.querySize, outFeatures: this.keySize, bias: false, seed: options.seed, dtype: this.dtype, backend: options.backend, threads: options.threads })
      : null;
  }

  protected override children(): Record<string, Module> {
    return this.linear_in ? { linear_in: this.linear_in } : {};
  }

  /** query [B, Tq, Q] or [B, Q]; memory [B, S, K] with optional memory.lengths. */
  forward(query: Tensor, memory: SequenceTensor): AttentionOutput {
    const { B, Tq, S, lengths } = this.checkInputs(query, memory);
    const K = this.keySize;
    const keys = memory.data;
    const rows = B * Tq;
    const q2: Tensor = { data: query.data, shape: [rows, this.querySize] };
    const projected = this.linear_in ? this.linear_in.forward(q2).data : query.data;
    const weights = allocate(this.dtype, rows * S);
    const context = allocate(this.dtype, rows * K);
    const scores = new Float64Array(S);
    for (let b = 0; b < B; b++) {
      const L = lengths[b];
      const kb = b * S * K;
      for (let t = 0; t < Tq; t++) {
        const r = b * Tq + t;
        const qo = r * K;
        let max = -Infinity;
        for (let s = 0; s < L; s++) {
          let sc = 0;
          const ko = kb + s * K;
          for (let j = 0; j < K; j++) sc += projected[qo + j] * keys[ko + j];
          scores[s] = sc;
          if (sc > max) max = sc;
        }
        let sum = 0;
        for (let s = 0; s < L; s++) sum += scores[s] = Math.exp(scores[s] - max);
        for (let s = 0; s < L; s++) {
          const a = scores[s] / sum;
          weights[r * S + s] = a;
          const ko = kb + s * K;
          for (let j = 0; j < K; j++) context[qo + j] += a * keys[ko + j];
        }
      }
    }
    const is2d = query.shape.length === 2;
    const weightsShape = is2d ? [B, S] : [B, Tq, S];
    if (this.training) {
      this.saved = { B, Tq, S, queryShape: [...query.shape], keys, lengths, projected, weights: weights.slice(), weightsShape };
    }
    return { context: { data: context, shape: is2d ? [B, K] : [B, Tq, K] }, weights: { data: weights, shape: weightsShape } };
  }

  /**
   * dContext (and optionally dWeights) → dQuery, dMemory; accumulates linear_in's gradient ('general').
   *   dW_s = dContext · h̄_s (+ dWeights_s);  dScore_s = a_s (dW_s − Σ_s' a_s' dW_s');
   *   dMemory_s = a_s dContext + dScore_s (W q);  d(W q) = Σ_s dScore_s h̄_s.
   */
  backward(grads: AttentionGradients): AttentionInputGradients {
    const saved = this.saved;
    if (!saved) throw new Error('LuongAttention.backward: call forward in training mode first');
    if (typeof grads !== 'object' || grads === null) throw new TypeError(`LuongAttention.backward(grads): expected { dContext, dWeights? }, received ${describe(grads)}`);
    const { B, Tq, S, keys, lengths, projected, weights } = saved;
    const K = this.keySize;
    const ctxShape = [...saved.queryShape.slice(0, -1), K];
    checkTensor('LuongAttention.backward(dContext)', grads.dContext, ctxShape);
    this.checkDtype('LuongAttention.backward(dContext)', grads.dContext);
    const dWeightsIn = grads.dWeights ?? null;
    if (dWeightsIn !== null) {
      checkTensor('LuongAttention.backward(dWeights)', dWeightsIn, saved.weightsShape);
      this.checkDtype('LuongAttention.backward(dWeights)', dWeightsIn);
    }
    const dCtx = grads.dContext.data;
    const dMemory = zeros([B, S, K], this.dtype);
    const dm = dMemory.data;
    const dProjected = allocate(this.dtype, B * Tq * K);
    const dw = new Float64Array(S);
    for (let b = 0; b < B; b++) {
      const L = lengths[b];
      const kb = b * S * K;
      for (let t = 0; t < Tq; t++) {
        const r = b * Tq + t;
        const qo = r * K;
        let dot = 0;
        for (let s = 0; s < L; s++) {
          const ko = kb + s * K;
          let g = dWeightsIn ? dWeightsIn.data[r * S + s] : 0;
          for (let j = 0; j < K; j++) g += dCtx[qo + j] * keys[ko + j];
          dw[s] = g;
          dot += weights[r * S + s] * g;
        }
        for (let s = 0; s < L; s++) {
          const a = weights[r * S + s];
          const ds = a * (dw[s] - dot);
          const ko = kb + s * K;
          for (let j = 0; j < K; j++) {
            dm[ko + j] += a * dCtx[qo + j] + ds * projected[qo + j];
            dProjected[qo + j] += ds * keys[ko + j];
          }
        }
      }
    }
    const dq = this.linear_in
      ? this.linear_in.backward({ data: dProjected, shape: [B * Tq, K] }).data
      : dProjected;
    return { dQuery: { data: dq, shape: [...saved.queryShape] }, dMemory };
  }

  private checkDtype(label: string, t: Tensor): void {
    if (dtypeOf(t.data) !== this.dtype) {
      throw new TypeError(`${label}: expected a ${this.dtype === 'float32' ? 'Float32Array' : 'Float64Array'} (the layer's dtype), received ${describe(t.data)}`);
    }
  }

  private checkInputs(query: Tensor, memory: SequenceTensor): { B: number; Tq: number; S: number; lengths: Int32Array } {
    const qShape = checkTensor('LuongAttention.forward(query)', query);
    if ((qShape.length !== 2 && qShape.length !== 3) || qShape[qShape.length - 1] !== this.querySize) {
      throw new RangeError(`LuongAttention.forward(query): expected shape [B, Tq, ${this.querySize}] or [B, ${this.querySize}] (querySize ${this.querySize}), received ${shapeToString(qShape)}`);
    }
    this.checkDtype('LuongAttention.forward(query)', query);
    const mShape = checkTensor('LuongAttention.forward(memory)', memory, 3);
    const [B, S, K] = mShape;
    if (K !== this.keySize || B !== qShape[0]) {
      throw new RangeError(`LuongAttention.forward(memory): expected shape [B, S, ${this.keySize}] with B = ${qShape[0]} (the query's), received ${shapeToString(mShape)}`);
    }
    if (B === 0 || S === 0) throw new RangeError(`LuongAttention.forward(memory): expected at least one sequence and one position, received shape ${shapeToString(mShape)}`);
    this.checkDtype('LuongAttention.forward(memory)', memory);
    const Tq = qShape.length === 3 ? qShape[1] : 1;
    checkActivationCount('LuongAttention.forward(query)', B * Tq * (S + K), `${B} × ${Tq} queries over ${S} positions of keySize ${K}`);
    const lengths = new Int32Array(B).fill(S);
    const given = memory.lengths;
    if (given !== undefined && given !== null) {
      if (!(given instanceof Int32Array) && !Array.isArray(given)) {
        throw new TypeError(`LuongAttention.forward(memory.lengths): expected an Int32Array or an array of ${B} integers in [1, ${S}], received ${describe(given)}`);
      }
      if (given.length !== B) throw new RangeError(`LuongAttention.forward(memory.lengths): expected ${B} lengths (one per sequence), received ${describe(given)}`);
      for (let b = 0; b < B; b++) lengths[b] = checkInt(`LuongAttention.forward(memory.lengths[${b}])`, given[b], 1, S);
    }
    return { B, Tq, S, lengths };
  }
}
