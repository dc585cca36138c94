/**
 * SparseAdam, as torch.optim.SparseAdam (1.13): "lazy" Adam for row-sparse gradients (an Embedding with
 * `sparse: true`). Only the rows in the gradient's RowSet (Parameter.rows: the ids of the batch) change —
 * their moments and their weights; every other row keeps its moments and weights as they are, instead of
 * decaying the moments and moving the weights as Adam would. For a touched row, with t the parameter's
 * step count (every step counts, touched or not):
 *   m ← m + (1 − β1)·(g − m)          v ← v + (1 − β2)·(g² − v)
 *   θ ← θ − lr·√(1 − β2^t)/(1 − β1^t) · m / (√v + eps)
 * (the same moments as Adam; eps is added to √v before the bias correction, where Adam adds it after).
 *
 * So the trajectory differs from Adam's: a rare word's vector moves only in the batches that contain it.
 * A parameter without rows (the recurrent layer, the head) gets Adam's update (adam.ts) — PyTorch's
 * SparseAdam refuses dense gradients, and its users pair SparseAdam(embedding) with Adam(the rest); this
 * one optimizer does both, so `fit` can take it by name ({ name: 'sparse_adam' }). No weight decay and no
 * amsgrad, as in PyTorch. State: exp_avg and exp_avg_sq, as Adam (and PyTorch) name them.
 */
import { describe } from '../../errors.js';
import type { Parameter } from '../../parameter.js';
import { Adam } from './adam.js';

export interface SparseAdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
}

export class SparseAdam extends Adam {
  constructor(params: Parameter[], options: SparseAdamOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options: expected an object, received ${describe(options)}`);
    }
    for (const key of ['weightDecay', 'amsgrad'] as const) {
      const value = (options as Record<string, unknown>)[key];
      if (value !== undefined && value !== 0 && value !== false) {
        throw new RangeError(`${key}: SparseAdam has none (as torch.optim.SparseAdam); expected it unset, received ${describe(value)}`);
      }
    }
    super(params, { lr: options.lr, betas: options.betas, eps: options.eps });
  }

  protected override update(p: Parameter): void {
    if (!p.rows) {
      super.update(p);
      return;
    }
    const { lr, eps } = this;
    const [beta1, beta2] = this.betas;
    const theta = p.value.data;
    const g = p.grad.data;
    const m = this.buffer(p, 'exp_avg');
    const v = this.buffer(p, 'exp_avg_sq');
    const t = ++this.stateOf(p).step;
    const stepSize = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    const w = p.rows.rowSize;
    for (const row of p.rows.rows()) {
      for (let i = row * w; i < row * w + w; i++) {
        const gi = g[i];
        m[i] += (1 - beta1) * (gi - m[i]);
        v[i] += (1 - beta2) * (gi * gi - v[i]);
        theta[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) + eps);
      }
    }
  }
}
