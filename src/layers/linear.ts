/**
 * Linear: y = x · Wᵀ + b over the last dimension, weight [out, in], bias [out], initialised
 * uniform(−1/√in, 1/√in) like PyTorch's default (kaiming_uniform with a = √5). The products run on the
 * layer's engine (Backend.linearForward / linearBackward), like the recurrent layers': the native GEMM, or
 * the reference loops for float64 and wherever the addon cannot load.
 */
import type { Parameter } from '../parameter.js';
import { Module } from './module.js';
import type { DType, Tensor } from '../tensor.js';
import { dtypeOf, shapeToString, zeros } from '../tensor.js';
import { checkOutShape, firstOverlap, optionsObject, sharedMemoryError, type ReadArray } from './out-tensors.js';
import { checkBoolean, checkInt, checkOneOf, checkTensor, describe } from '../errors.js';
import { checkActivationCount, checkParameterCount, checkSize } from '../limits.js';
import { Rng } from '../random.js';
import type { Backend } from '../backend/backend.js';
import { chooseEngine, type BackendChoice } from '../backend/select.js';

export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  bias?: boolean;
  seed?: number;
  dtype?: DType;
  backend?: BackendChoice | Backend;
  threads?: number;
}

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly backend: Backend;
  private lastInput: Tensor | null = null;

  constructor(options: LinearOptions) {
    super();
    if (typeof options !== 'object' || options === null) throw new TypeError(`Linear(options): expected an object, received ${describe(options)}`);
    this.inFeatures = checkSize('inFeatures', options.inFeatures);
    this.outFeatures = checkSize('outFeatures', options.outFeatures);
    const dtype = checkOneOf('dtype', options.dtype ?? 'float32', ['float32', 'float64'] as const);
    const hasBias = checkBoolean('bias', options.bias ?? true);
    checkParameterCount('Linear', this.outFeatures * (this.inFeatures + (hasBias ? 1 : 0)), { inFeatures: this.inFeatures, outFeatures: this.outFeatures });
    const rng = new Rng(options.seed);
    const bound = 1 / Math.sqrt(this.inFeatures);
    const wShape = [this.outFeatures, this.inFeatures];
    this.weight = { name: 'weight', value: zeros(wShape, dtype), grad: zeros(wShape, dtype) };
    rng.fillUniform(this.weight.value.data, -bound, bound);
    this.bias = hasBias ? { name: 'bias', value: zeros([this.outFeatures], dtype), grad: zeros([this.outFeatures], dtype) } : null;
    if (this.bias) rng.fillUniform(this.bias.value.data, -bound, bound);
    this.backend = chooseEngine(dtype, options.backend, options.threads);
  }

  protected override ownParameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  /**
   * x [..., in] → [..., out]. `{ out }`: a tensor of the result's shape and dtype, memory of its own, that
   * receives the result instead of a new array (for training loops that reuse their buffers).
   */
  forward(x: Tensor, options?: { out?: Tensor }): Tensor {
    checkTensor('Linear.forward(x)', x);
    this.checkInput(x);
    const M = x.data.length / this.inFeatures;
    checkActivationCount('Linear.forward(x)', M * this.outFeatures, `${M} rows of outFeatures ${this.outFeatures}`);
    const shape = [...x.shape.slice(0, -1), this.outFeatures];
    const given = this.outOption('Linear.forward', options, shape, [['x', x.data]]);
    const out = given ?? zeros(shape, dtypeOf(this.weight.value.data));
    if (M > 0) {
      this.backend.linearForward({
        M, N: this.outFeatures, K: this.inFeatures, y: out.data, x: x.data, weight: this.weight.value.data, bias: this.bias?.value.data ?? null,
      });
    }
    if (this.training) this.lastInput = x;
    return out;
  }

  /** Accumulates dWeight, dBias; returns dX with the input's shape (into `{ out }` when given, as forward). */
  backward(dOutput: Tensor, options?: { out?: Tensor }): Tensor {
    const x = this.lastInput;
    if (!x) throw new Error('Linear.backward: call forward in training mode first');
    const expected = [...x.shape.slice(0, -1), this.outFeatures];
    checkTensor('Linear.backward(dOutput)', dOutput, expected);
    if (dtypeOf(dOutput.data) !== dtypeOf(x.data)) {
      throw new TypeError(`Linear.backward(dOutput): expected ${dtypeOf(x.data)} data (the layer's dtype), received ${describe(dOutput.data)}`);
    }
    const M = x.data.length / this.inFeatures;
    const given = this.outOption('Linear.backward', options, x.shape, [['dOutput', dOutput.data], ['the x of the training forward', x.data]]);
    if (given) given.data.fill(0); // the kernels add dy · W into dx
    const dx = given ?? zeros(x.shape, dtypeOf(x.data));
    if (M > 0) {
      this.backend.linearBackward({
        M, N: this.outFeatures, K: this.inFeatures, dx: dx.data, dWeight: this.weight.grad.data, dBias: this.bias?.grad.data ?? null,
        dy: dOutput.data, x: x.data, weight: this.weight.value.data,
      });
    }
    return dx;
  }

  /** The checked `out` of a call (null without one): out-tensors.ts's checks for one tensor. */
  private outOption(where: string, options: { out?: Tensor } | undefined, shape: readonly number[], reads: ReadArray[]): Tensor | null {
    const out = optionsObject(where, options, null, 'Tensor').out as Tensor | null | undefined;
    if (out === undefined || out === null) return null;
    const label = `${where}(options).out`;
    const data = checkOutShape(label, out, shape, { dtype: dtypeOf(this.weight.value.data), noun: 'layer' });
    const params: ReadArray[] = [['weight', this.weight.value.data], ['weight.grad', this.weight.grad.data],
      ['bias', this.bias?.value.data ?? null], ['bias.grad', this.bias?.grad.data ?? null]];
    const clash = firstOverlap(data, [reads, params]);
    if (clash) throw sharedMemoryError(label, clash);
    return out;
  }

  private checkInput(x: Tensor): void {
    const shape = x.shape;
    if (shape.length < 1 || shape[shape.length - 1] !== this.inFeatures) {
      throw new RangeError(`Linear.forward(x): expected shape [..., ${this.inFeatures}], received ${shapeToString(shape)}`);
    }
    if (dtypeOf(x.data) !== dtypeOf(this.weight.value.data)) {
      throw new TypeError(`Linear.forward(x): expected ${dtypeOf(this.weight.value.data)} data (the layer's dtype), received ${describe(x.data)}`);
    }
  }
}
