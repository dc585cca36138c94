/**
 * Embedding: a lookup table of learned vectors, weight [numEmbeddings, embeddingDim], initialised N(0, 1)
 * as PyTorch does. The padding row (if any) starts at zero and never receives a gradient.
 *
 * `sparse: true` (PyTorch's name): backward also records which rows it wrote (`weight.rows`, a RowSet —
 * the ids of the batch but the padding id), so zeroGrad, gradient norms, clipping and the optimizers touch
 * those rows only, not the whole table. The gradient values are the same as without it (the other rows
 * are zero either way); only SparseAdam updates differently (lazily, as torch.optim.SparseAdam).
 */
import type { Parameter } from '../parameter.js';
import { Module } from './module.js';
import type { DType, FloatArray, Tensor } from '../tensor.js';
import { allocate, dtypeOf, zeros } from '../tensor.js';
import { checkBoolean, checkInt, checkOneOf, describe, isFloatArray } from '../errors.js';
import { RowSet } from '../row-set.js';
import { checkActivationCount, checkParameterCount, checkSize } from '../limits.js';
import { Rng } from '../random.js';

export interface EmbeddingOptions {
  numEmbeddings: number;
  embeddingDim: number;
  paddingIdx?: number;
  seed?: number;
  dtype?: DType;
  /** track the rows backward writes (default false): see the file comment */
  sparse?: boolean;
}

/** Integer ids with a shape, e.g. [B, T]. */
export interface IdTensor {
  data: ArrayLike<number>;
  shape: number[];
}

export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly sparse: boolean;
  readonly weight: Parameter;
  private lastIds: Int32Array | null = null;

  constructor(options: EmbeddingOptions) {
    super();
    if (typeof options !== 'object' || options === null) throw new TypeError(`Embedding(options): expected an object, received ${describe(options)}`);
    this.numEmbeddings = checkSize('numEmbeddings', options.numEmbeddings);
    this.embeddingDim = checkSize('embeddingDim', options.embeddingDim);
    checkParameterCount('Embedding', this.numEmbeddings * this.embeddingDim, { numEmbeddings: this.numEmbeddings, embeddingDim: this.embeddingDim });
    const dtype = checkOneOf('dtype', options.dtype ?? 'float32', ['float32', 'float64'] as const);
    this.paddingIdx = options.paddingIdx === undefined ? null : checkInt('paddingIdx', options.paddingIdx, 0, this.numEmbeddings - 1);
    this.sparse = checkBoolean('sparse', options.sparse ?? false);
    const shape = [this.numEmbeddings, this.embeddingDim];
    this.weight = { name: 'weight', value: zeros(shape, dtype), grad: zeros(shape, dtype) };
    if (this.sparse) this.weight.rows = new RowSet(this.numEmbeddings, this.embeddingDim);
    const rng = new Rng(options.seed);
    const w = this.weight.value.data;
    for (let i = 0; i < w.length; i++) w[i] = rng.normal();
    if (this.paddingIdx !== null) w.fill(0, this.paddingIdx * this.embeddingDim, (this.paddingIdx + 1) * this.embeddingDim);
  }

  protected override ownParameters(): Parameter[] {
    return [this.weight];
  }

  /**
   * ids [...] → vectors [..., embeddingDim], in a new array — or in `out` (ids × embeddingDim values of
   * the weight's dtype), which a model that owns the result can reuse from batch to batch.
   */
  forward(ids: IdTensor, out?: FloatArray): Tensor {
    const checked = this.checkIds(ids);
    const D = this.embeddingDim;
    checkActivationCount('Embedding.forward(ids)', checked.length * D, `${checked.length} ids of embeddingDim ${D}`);
    const w = this.weight.value.data;
    if (out !== undefined && (dtypeOf(out) !== dtypeOf(w) || !isFloatArray(out) || out.length !== checked.length * D)) {
      throw new RangeError(`Embedding.forward(ids, out): expected a ${dtypeOf(w) === 'float32' ? 'Float32Array' : 'Float64Array'} of ${checked.length * D} values (ids × ${D}), received ${describe(out)}`);
    }
    const data = out ?? allocate(dtypeOf(w), checked.length * D);
    for (let n = 0; n < checked.length; n++) data.set(w.subarray(checked[n] * D, checked[n] * D + D), n * D);
    if (this.training) this.lastIds = checked;
    return { data, shape: [...ids.shape, D] };
  }

  /** Accumulates dWeight from dOutput [..., embeddingDim]; ids carry no gradient. */
  backward(dOutput: Tensor): void {
    const ids = this.lastIds;
    if (!ids) throw new Error('Embedding.backward: call forward in training mode first');
    const D = this.embeddingDim;
    if (!dOutput || !(dOutput.data instanceof Float32Array || dOutput.data instanceof Float64Array) || dOutput.data.length !== ids.length * D) {
      throw new RangeError(`Embedding.backward(dOutput): expected ${ids.length * D} values (ids × ${D}), received ${describe(dOutput?.data)}`);
    }
    const g = this.weight.grad.data;
    const dy = dOutput.data;
    const rows = this.weight.rows ?? null;
    const paddingIdx = this.paddingIdx;
    for (let n = 0; n < ids.length; n++) {
      const id = ids[n];
      if (id === paddingIdx) continue;
      if (rows) rows.add(id);
      const go = id * D;
      const d = n * D;
      for (let j = 0; j < D; j++) g[go + j] += dy[d + j];
    }
  }

  private checkIds(ids: IdTensor): Int32Array {
    if (typeof ids !== 'object' || ids === null || !('data' in ids) || !Array.isArray(ids.shape)) {
      throw new TypeError(`Embedding.forward(ids): expected { data: Int32Array | number[], shape: number[] }, received ${describe(ids)}`);
    }
    if (!Array.isArray(ids.data) && !(ArrayBuffer.isView(ids.data) && !(ids.data instanceof DataView))) {
      throw new TypeError(`Embedding.forward(ids.data): expected an Int32Array or an array of ids, received ${describe(ids.data)}`);
    }
    if (!ids.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new TypeError(`Embedding.forward(ids.shape): expected an array of non-negative integers, received [${ids.shape.map(describe).join(', ')}]`);
    }
    const n = ids.shape.reduce((a, b) => a * b, 1);
    if (ids.data.length !== n) throw new RangeError(`Embedding.forward(ids): shape [${ids.shape.join(', ')}] needs ${n} ids, received ${ids.data.length}`);
    if (n === 0) throw new RangeError('Embedding.forward(ids): expected at least one id, received an empty sequence');
    if (ids.data instanceof Int32Array) {
      // The usual case (padSequences, collate): integers already, so only the range is checked, on a copy.
      const out = ids.data.slice();
      const V = this.numEmbeddings;
      for (let i = 0; i < n; i++) if (out[i] < 0 || out[i] >= V) this.badId(out[i], i);
      return out;
    }
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const id = ids.data[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.numEmbeddings) this.badId(id, i);
      out[i] = id;
    }
    return out;
  }

  private badId(id: unknown, i: number): never {
    throw new RangeError(`Embedding.forward(ids): expected ids in [0, ${this.numEmbeddings - 1}], received ${describe(id)} at position ${i}`);
  }
}
