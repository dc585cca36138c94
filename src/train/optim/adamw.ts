/**
 * AdamW, as torch.optim.AdamW (1.13): decoupled weight decay θ ← θ·(1 − lr·weightDecay) before the
 * plain Adam update (no decay term in the gradient). weightDecay defaults to 1e-2, as in PyTorch.
 */
import type { Parameter } from '../../parameter.js';
import { Adam, type AdamOptions } from './adam.js';

export type AdamWOptions = AdamOptions;

export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;

  constructor(params: Parameter[], options: AdamWOptions = {}) {
    // Only fill in the default when given an object; anything else reaches Adam's own TypeError.
    const withDecay = typeof options === 'object' && options !== null ? { ...options, weightDecay: options.weightDecay ?? 1e-2 } : options;
    super(params, withDecay);
  }
}
