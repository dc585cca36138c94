/**
 * RMSprop, as torch.optim.RMSprop (1.13, single-tensor path):
 *   g ← g + weightDecay·θ;   v ← α·v + (1 − α)·g²
 *   centered: ḡ ← α·ḡ + (1 − α)·g and avg = √(v − ḡ²) + eps, else avg = √v + eps
 *   momentum > 0: b ← momentum·b + g/avg, θ ← θ − lr·b;   else θ ← θ − lr·g/avg
 */
import { checkBoolean, checkNumber, describe } from '../../errors.js';
import type { Parameter } from '../../parameter.js';
import { Optimizer } from './optimizer.js';

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
}

export class RMSprop extends Optimizer {
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly momentum: number;
  readonly centered: boolean;

  constructor(params: Parameter[], options: RMSpropOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options: expected an object, received ${describe(options)}`);
    }
    super(params, options.lr ?? 1e-2);
    this.alpha = checkNumber('alpha', options.alpha ?? 0.99, { min: 0, max: 1 });
    this.eps = checkNumber('eps', options.eps ?? 1e-8, { min: 0 });
    this.weightDecay = checkNumber('weightDecay', options.weightDecay ?? 0, { min: 0 });
    this.momentum = checkNumber('momentum', options.momentum ?? 0, { min: 0 });
    this.centered = checkBoolean('centered', options.centered ?? false);
  }

  step(): void {
    const { lr, alpha, eps, weightDecay, momentum, centered } = this;
    for (const p of this.params) {
      const theta = p.value.data;
      const g = p.grad.data;
      const state = this.stateOf(p);
      const sq = this.buffer(p, 'square_avg');
      const gAvg = centered ? this.buffer(p, 'grad_avg') : null;
      const buf = momentum > 0 ? this.buffer(p, 'momentum_buffer') : null;
      state.step++;
      for (let i = 0; i < theta.length; i++) {
        const gi = g[i] + weightDecay * theta[i];
        sq[i] = alpha * sq[i] + (1 - alpha) * gi * gi;
        let avg: number;
        if (gAvg) {
          gAvg[i] = alpha * gAvg[i] + (1 - alpha) * gi;
          avg = Math.sqrt(sq[i] - gAvg[i] * gAvg[i]) + eps;
        } else {
          avg = Math.sqrt(sq[i]) + eps;
        }
        if (buf) {
          buf[i] = momentum * buf[i] + gi / avg;
          theta[i] -= lr * buf[i];
        } else {
          theta[i] -= (lr * gi) / avg;
        }
      }
    }
  }
}
