/**
 * Adagrad, as torch.optim.Adagrad (1.13, single-tensor path):
 *   g ← g + weightDecay·θ;   clr = lr / (1 + (t − 1)·lrDecay);   s ← s + g²;   θ ← θ − clr·g / (√s + eps)
 * with s starting at initialAccumulatorValue.
 */
import { checkNumber, describe } from '../../errors.js';
import type { Parameter } from '../../parameter.js';
import { Optimizer } from './optimizer.js';

export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
}

export class Adagrad extends Optimizer {
  readonly lrDecay: number;
  readonly weightDecay: number;
  readonly initialAccumulatorValue: number;
  readonly eps: number;

  constructor(params: Parameter[], options: AdagradOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options: expected an object, received ${describe(options)}`);
    }
    super(params, options.lr ?? 1e-2);
    this.lrDecay = checkNumber('lrDecay', options.lrDecay ?? 0, { min: 0 });
    this.weightDecay = checkNumber('weightDecay', options.weightDecay ?? 0, { min: 0 });
    this.initialAccumulatorValue = checkNumber('initialAccumulatorValue', options.initialAccumulatorValue ?? 0, { min: 0 });
    this.eps = checkNumber('eps', options.eps ?? 1e-10, { min: 0 });
  }

  step(): void {
    const { lr, lrDecay, weightDecay, eps } = this;
    for (const p of this.params) {
      const theta = p.value.data;
      const g = p.grad.data;
      const state = this.stateOf(p);
      const sum = this.buffer(p, 'sum', this.initialAccumulatorValue);
      const t = ++state.step;
      const clr = lr / (1 + (t - 1) * lrDecay);
      for (let i = 0; i < theta.length; i++) {
        const gi = g[i] + weightDecay * theta[i];
        sum[i] += gi * gi;
        theta[i] -= (clr * gi) / (Math.sqrt(sum[i]) + eps);
      }
    }
  }
}
