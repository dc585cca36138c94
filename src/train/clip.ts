/**
 * Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_, in place on `param.grad.data`.
 * A row-sparse gradient (Parameter.rows) is read and scaled in its rows only: the same numbers, since
 * every other row is zero.
 *
 * Differences from PyTorch, on purpose:
 * - the norm is accumulated in float64 (PyTorch uses the gradient dtype), so it can differ from PyTorch's
 *   float32 value in the last bits;
 * - when the total norm is NaN or ±Infinity the gradients are left unchanged and that norm is returned,
 *   so the caller can skip the step (PyTorch would scale by NaN or 0, corrupting every gradient).
 */
import { checkNumber, describe } from '../errors.js';
import type { Parameter } from '../parameter.js';
import type { FloatArray } from '../tensor.js';
import { checkParameters } from './optim/optimizer.js';

function checkNormType(value: unknown): number {
  if (value === Infinity) return value;
  if (typeof value !== 'number') throw new TypeError(`normType: expected a number > 0 or Infinity, received ${describe(value)}`);
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`normType: expected a number > 0 or Infinity, received ${describe(value)}`);
  }
  return value;
}

/**
 * Calls visit(data, from, to, acc) for every stretch of a gradient that may hold non-zero values, in memory
 * order: the whole array, or for a row-sparse gradient (Parameter.rows) its rows in ascending order — so a
 * sum over them adds the same values in the same order as a sum over the whole array (the rest is zero).
 */
function forEachSpan<A>(p: Parameter, acc: A, visit: (data: FloatArray, from: number, to: number, acc: A) => void): void {
  const d = p.grad.data;
  if (!p.rows) {
    visit(d, 0, d.length, acc);
    return;
  }
  const w = p.rows.rowSize;
  for (const row of p.rows.rows()) visit(d, row * w, row * w + w, acc);
}

/** Running Σ|g|^p (float64) and the largest |g| (NaN once one is NaN). */
interface PowerSum {
  p: number;
  sum: number;
  scale: number;
}

// Indexed loops over locals, and p = 2 without Math.pow: this runs over every gradient on every training step.
function addSquares(d: FloatArray, from: number, to: number, acc: PowerSum): void {
  let { sum, scale } = acc;
  for (let i = from; i < to; i++) {
    const a = Math.abs(d[i]);
    sum += a * a;
    if (a > scale || a !== a) scale = a;
  }
  acc.sum = sum;
  acc.scale = scale;
}

function addPowers(d: FloatArray, from: number, to: number, acc: PowerSum): void {
  let { sum, scale } = acc;
  const { p } = acc;
  for (let i = from; i < to; i++) {
    const a = Math.abs(d[i]);
    sum += a ** p;
    if (a > scale || a !== a) scale = a;
  }
  acc.sum = sum;
  acc.scale = scale;
}

/** Σ(|g| / scale)^p, for sums that overflow or underflow. */
function addScaledPowers(d: FloatArray, from: number, to: number, acc: PowerSum): void {
  let { sum } = acc;
  const { p, scale } = acc;
  for (let i = from; i < to; i++) sum += (Math.abs(d[i]) / scale) ** p;
  acc.sum = sum;
}

function maxAbs(d: FloatArray, from: number, to: number, acc: { max: number }): void {
  let { max } = acc;
  for (let i = from; i < to; i++) {
    const a = Math.abs(d[i]);
    if (a > max || Number.isNaN(a)) max = a; // NaN must win, as torch.max propagates it
  }
  acc.max = max;
}

/** The p-norm of all gradients taken together (as if concatenated into one vector). */
export function gradNorm(params: Parameter[], normType = 2): number {
  const ps = checkParameters('params', params, { allowEmpty: true });
  const p = checkNormType(normType);
  if (p === Infinity) {
    const acc = { max: 0 };
    for (const param of ps) forEachSpan(param, acc, maxAbs);
    return acc.max;
  }
  // Plain Σ|g|^p in float64 first (exact for small cases such as [3, 4] → 5); only if that overflows or
  // underflows, redo it scaled by the largest magnitude, as hypot does.
  const acc: PowerSum = { p, sum: 0, scale: 0 };
  for (const param of ps) forEachSpan(param, acc, p === 2 ? addSquares : addPowers);
  const { sum, scale } = acc;
  if (Number.isNaN(scale)) return NaN;
  if (scale === 0 || scale === Infinity) return scale;
  if (sum > 0 && Number.isFinite(sum)) return sum ** (1 / p);
  const scaled: PowerSum = { p, sum: 0, scale };
  for (const param of ps) forEachSpan(param, scaled, addScaledPowers);
  return scale * scaled.sum ** (1 / p);
}

function scaleBy(d: FloatArray, from: number, to: number, coef: number): void {
  for (let i = from; i < to; i++) d[i] *= coef;
}

function clampTo(d: FloatArray, from: number, to: number, v: number): void {
  for (let i = from; i < to; i++) {
    if (d[i] > v) d[i] = v;
    else if (d[i] < -v) d[i] = -v;
  }
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
  if (coef < 1) for (const param of params) forEachSpan(param, coef, scaleBy);
  return total;
}

/** Clamps every gradient element into [−clipValue, clipValue]; NaN stays NaN, as in torch.clamp. */
export function clipGradValue(params: Parameter[], clipValue: number): void {
  const ps = checkParameters('params', params, { allowEmpty: true });
  const v = checkNumber('clipValue', clipValue, { min: 0 });
  for (const param of ps) forEachSpan(param, v, clampTo);
}
