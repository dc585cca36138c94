/**
 * Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_, in place on `param.grad.data`.
 *
 * Differences from PyTorch, on purpose:
 * - the norm is accumulated in float64 (PyTorch uses the gradient dtype), so it can differ from PyTorch's
 *   float32 value in the last bits;
 * - when the total norm is NaN or ±Infinity the gradients are left unchanged and that norm is returned,
 *   so the caller can skip the step (PyTorch would scale by NaN or 0, corrupting every gradient).
 */
import { checkNumber, describe } from '../errors.js';
import type { Parameter } from '../parameter.js';
import { checkParameters } from './optim/optimizer.js';

function checkNormType(value: unknown): number {
  if (value === Infinity) return value;
  if (typeof value !== 'number') throw new TypeError(`normType: expected a number > 0 or Infinity, received ${describe(value)}`);
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`normType: expected a number > 0 or Infinity, received ${describe(value)}`);
  }
  return value;
}

/** The p-norm of all gradients taken together (as if concatenated into one vector). */
export function gradNorm(params: Parameter[], normType = 2): number {
  const ps = checkParameters('params', params, { allowEmpty: true });
  const p = checkNormType(normType);
  if (p === Infinity) {
    let max = 0;
    for (const { grad } of ps) {
      for (const g of grad.data) {
        const a = Math.abs(g);
        if (a > max || Number.isNaN(a)) max = a; // NaN must win, as torch.max propagates it
      }
    }
    return max;
  }
  // Plain Σ|g|^p in float64 first (exact for small cases such as [3, 4] → 5); only if that overflows or
  // underflows, redo it scaled by the largest magnitude, as hypot does.
  let sum = 0;
  let scale = 0;
  for (const { grad } of ps) {
    const d = grad.data;
    // Indexed loops, and p = 2 without Math.pow: this runs over every parameter on every training step.
    if (p === 2) {
      for (let i = 0; i < d.length; i++) {
        const a = Math.abs(d[i]);
        sum += a * a;
        if (a > scale || a !== a) scale = a;
      }
    } else {
      for (let i = 0; i < d.length; i++) {
        const a = Math.abs(d[i]);
        sum += a ** p;
        if (a > scale || a !== a) scale = a;
      }
    }
  }
  if (Number.isNaN(scale)) return NaN;
  if (scale === 0 || scale === Infinity) return scale;
  if (sum > 0 && Number.isFinite(sum)) return sum ** (1 / p);
  let scaled = 0;
  for (const { grad } of ps) for (const g of grad.data) scaled += (Math.abs(g) / scale) ** p;
  return scale * scaled ** (1 / p);
}

/**
 * Scales all gradients by min(1, maxNorm / (total + 1e-6)) and returns the total norm before clipping.
 * Non-finite total norm: gradients untouched, the norm is returned (see the file comment).
 */
export function clipGradNorm(params: Parameter[], maxNorm: number, normType = 2): number {
  const max = checkNumber('maxNorm', maxNorm, { min: 0 });
  const total = gradNorm(params, normType);
  if (!Number.isFinite(total)) return total;
  const coef = Math.min(1, max / (total + 1e-6));
  // PyTorch multiplies by the clamped coefficient even when it is 1; skipping that changes nothing.
  if (coef < 1) for (const { grad } of params) for (let i = 0; i < grad.data.length; i++) grad.data[i] *= coef;
  return total;
}

/** Clamps every gradient element into [−clipValue, clipValue]; NaN stays NaN, as in torch.clamp. */
export function clipGradValue(params: Parameter[], clipValue: number): void {
  const ps = checkParameters('params', params, { allowEmpty: true });
  const v = checkNumber('clipValue', clipValue, { min: 0 });
  for (const { grad } of ps) {
    const d = grad.data;
    for (let i = 0; i < d.length; i++) {
      if (d[i] > v) d[i] = v;
      else if (d[i] < -v) d[i] = -v;
    }
  }
}
