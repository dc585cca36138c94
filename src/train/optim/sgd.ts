/**
 * Stochastic gradient descent with momentum, as torch.optim.SGD (1.13, single-tensor path):
 *   d = g + weightDecay·θ
 *   b = d on the first step, else momentum·b + (1 − dampening)·d
 *   d = nesterov ? d + momentum·b : b          (only when momentum ≠ 0)
 *   θ ← θ − lr·d
 */
import { checkBoolean, checkNumber, describe } from '../../errors.js';
import type { Parameter } from '../../parameter.js';
import { Optimizer } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export class SGD extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(params: Parameter[], options: SGDOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`SGD options: expected an object with at least { lr }, received ${describe(options)}`);
    }
    super(params, options.lr);
    this.momentum = checkNumber('momentum', options.momentum ?? 0, { min: 0 });
    this.dampening = checkNumber('dampening', options.dampening ?? 0, { min: 0, max: 1 });
    this.nesterov = checkBoolean('nesterov', options.nesterov ?? false);
    this.weightDecay = checkNumber('weightDecay', options.weightDecay ?? 0, { min: 0 });
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new RangeError(
        `nesterov: requires momentum > 0 and dampening = 0, received momentum ${this.momentum} and dampening ${this.dampening}`,
      );
    }
  }

  step(): void {
    const { lr, momentum, dampening, nesterov, weightDecay } = this;
    for (const p of this.params) {
      const theta = p.value.data;
      const g = p.grad.data;
      const state = this.stateOf(p);
      const first = state.step === 0;
      const buf = momentum !== 0 ? this.buffer(p, 'momentum_buffer') : null;
      if (!buf && weightDecay === 0) {
        // Plain SGD: the same float32 results as the general loop below, without its per-element branches.
        for (let i = 0; i < theta.length; i++) theta[i] -= lr * g[i];
        state.step++;
        continue;
      }
      for (let i = 0; i < theta.length; i++) {
        let d = g[i] + weightDecay * theta[i];
        if (buf) {
          buf[i] = first ? d : momentum * buf[i] + (1 - dampening) * d;
          d = nesterov ? d + momentum * buf[i] : buf[i];
        }
        theta[i] -= lr * d;
      }
      state.step++;
    }
  }
}
