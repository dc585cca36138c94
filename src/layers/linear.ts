/**
 * Linear: y = x · Wᵀ + b over the last dimension, weight [out, in], bias [out], initialised
 * uniform(−1/√in, 1/√in) like PyTorch's default (kaiming_uniform with a = √5).
 */
import type { Parameter } from '../parameter.js';
import { Module } from './module.js';
import type { DType, Tensor } from '../tensor.js';
import { dtypeOf, shapeToString, zeros } from '../tensor.js';
import { checkBoolean, checkInt, checkOneOf, checkTensor, describe } from '../errors.js';
import { Rng } from '../random.js';
import { matmulAddAB, matmulAddABt, matmulAddAtB } from '../backend/reference/matmul.js';

export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  bias?: boolean;
  seed?: number;
  dtype?: DType;
}

export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  private lastInput: Tensor | null = null;

  constructor(options: LinearOptions) {
    super();
    if (typeof options !== 'object' || options === null) throw new TypeError(`Linear(options): expected an object, received ${describe(options)}`);
    this.inFeatures = checkInt('inFeatures', options.inFeatures, 1);
    this.outFeatures = checkInt('outFeatures', options.outFeatures, 1);
    const dtype = checkOneOf('dtype', options.dtype ?? 'float32', ['float32', 'float64'] as const);
    const hasBias = checkBoolean('bias', options.bias ?? true);
    const rng = new Rng(options.seed);
    const bound = 1 / Math.sqrt(this.inFeatures);
    const wShape = [this.outFeatures, this.inFeatures];
    this.weight = { name: 'weight', value: zeros(wShape, dtype), grad: zeros(wShape, dtype) };
    rng.fillUniform(this.weight.value.data, -bound, bound);
    this.bias = hasBias ? { name: 'bias', value: zeros([this.outFeatures], dtype), grad: zeros([this.outFeatures], dtype) } : null;
    if (this.bias) rng.fillUniform(this.bias.value.data, -bound, bound);
  }

  protected override ownParameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  /** x [..., in] → [..., out]. */
  forward(x: Tensor): Tensor {
    checkTensor('Linear.forward(x)', x);
    this.checkInput(x);
    const rows = x.data.length / this.inFeatures;
    const out = zeros([...x.shape.slice(0, -1), this.outFeatures], dtypeOf(this.weight.value.data));
    matmulAddABt(out.data, 0, x.data, 0, this.weight.value.data, rows, this.outFeatures, this.inFeatures);
    if (this.bias) {
      const b = this.bias.value.data;
      for (let r = 0; r < rows; r++) for (let j = 0; j < this.outFeatures; j++) out.data[r * this.outFeatures + j] += b[j];
    }
    if (this.training) this.lastInput = x;
    return out;
  }

  /** Accumulates dWeight, dBias; returns dX with the input's shape. */
  backward(dOutput: Tensor): Tensor {
    const x = this.lastInput;
    if (!x) throw new Error('Linear.backward: call forward in training mode first');
    const expected = [...x.shape.slice(0, -1), this.outFeatures];
    checkTensor('Linear.backward(dOutput)', dOutput, expected);
    const rows = x.data.length / this.inFeatures;
    matmulAddAtB(this.weight.grad.data, dOutput.data, 0, x.data, 0, rows, this.outFeatures, this.inFeatures);
    if (this.bias) {
      const g = this.bias.grad.data;
      for (let r = 0; r < rows; r++) for (let j = 0; j < this.outFeatures; j++) g[j] += dOutput.data[r * this.outFeatures + j];
    }
    const dx = zeros(x.shape, dtypeOf(x.data));
    matmulAddAB(dx.data, 0, dOutput.data, 0, this.weight.value.data, rows, this.inFeatures, this.outFeatures);
    return dx;
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
