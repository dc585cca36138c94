/**
 * Adam, as torch.optim.Adam (1.13, single-tensor path), with L2 weight decay added to the gradient:
 *   g ← g + weightDecay·θ
 *   m ← β1·m + (1 − β1)·g            v ← β2·v + (1 − β2)·g²        (v̂max ← max(v̂max, v) with amsgrad)
 *   θ ← θ − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)
 * AdamW (adamw.ts) shares this update and decays θ directly instead.
 */
import { checkBoolean, checkNumber, describe } from '../../errors.js';
import type { Parameter } from '../../parameter.js';
import { Optimizer } from './optimizer.js';

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
}

export function checkBetas(value: unknown): [number, number] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new TypeError(`betas: expected a pair [beta1, beta2], received ${describe(value)}`);
  }
  value.forEach((b: unknown, i) => {
    // checkNumber gives the TypeError/NaN message; 1 itself is excluded because 1 − β^t would be 0.
    checkNumber(`betas[${i}]`, b, { min: 0, max: 1 });
    if (b === 1) throw new RangeError(`betas[${i}]: expected a finite number in [0, 1), received 1`);
  });
  return [value[0], value[1]];
}

export class Adam extends Optimizer {
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;
  /** AdamW sets this: decay θ by lr·weightDecay instead of adding weightDecay·θ to the gradient. */
  protected readonly decoupled: boolean = false;

  constructor(params: Parameter[], options: AdamOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options: expected an object, received ${describe(options)}`);
    }
    super(params, options.lr ?? 1e-3);
    this.betas = checkBetas(options.betas ?? [0.9, 0.999]);
    this.eps = checkNumber('eps', options.eps ?? 1e-8, { min: 0 });
    this.weightDecay = checkNumber('weightDecay', options.weightDecay ?? 0, { min: 0 });
    this.amsgrad = checkBoolean('amsgrad', options.amsgrad ?? false);
  }

  step(): void {
    for (const p of this.params) this.update(p);
  }

  /** One Adam step of one parameter (SparseAdam overrides it for row-sparse gradients). */
  protected update(p: Parameter): void {
    const { lr, eps, weightDecay, amsgrad, decoupled } = this;
    const [beta1, beta2] = this.betas;
    const theta = p.value.data;
    const g = p.grad.data;
    const state = this.stateOf(p);
    const m = this.buffer(p, 'exp_avg');
    const v = this.buffer(p, 'exp_avg_sq');
    const vmax = amsgrad ? this.buffer(p, 'max_exp_avg_sq') : null;
    const t = ++state.step;
    const stepSize = lr / (1 - beta1 ** t);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
    if (!vmax && weightDecay === 0) {
      // The common case (Adam without decay) as a tight loop: it runs over every parameter every step.
      for (let i = 0; i < theta.length; i++) {
        const gi = g[i];
        m[i] = beta1 * m[i] + (1 - beta1) * gi;
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        theta[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2Sqrt + eps);
      }
      return;
    }
    for (let i = 0; i < theta.length; i++) {
      let gi = g[i];
      if (decoupled) theta[i] *= 1 - lr * weightDecay;
      else gi += weightDecay * theta[i];
      m[i] = beta1 * m[i] + (1 - beta1) * gi;
      v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
      let second = v[i];
      if (vmax) {
        vmax[i] = Math.max(vmax[i], v[i]);
        second = vmax[i];
      }
      theta[i] -= (stepSize * m[i]) / (Math.sqrt(second) / bc2Sqrt + eps);
    }
  }
}
