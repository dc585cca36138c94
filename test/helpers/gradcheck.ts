/**
 * Finite-difference helpers for gradient checks. Use float64 data: with eps = 1e-6 the central difference
 * is accurate to ~1e-10 relative, far below the 1e-6 tolerance the tests assert.
 */
import type { Tensor } from '../../src/tensor.js';
import type { Rng } from '../../src/random.js';

/**
 * Central-difference gradient of `f` with respect to every element of `data`, which `f` must read
 * (perturbed in place, then restored exactly). Works for any loss closure over any tensor's data.
 */
export function numericGradient(f: () => number, data: Float64Array, eps = 1e-6): Float64Array {
  const grad = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const saved = data[i];
    data[i] = saved + eps;
    const plus = f();
    data[i] = saved - eps;
    const minus = f();
    data[i] = saved;
    grad[i] = (plus - minus) / (2 * eps);
  }
  return grad;
}

/** max|a − b| / max(1e-12, max|a|, max|b|); Infinity when lengths differ or anything is NaN. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return Infinity;
    diff = Math.max(diff, d);
    scale = Math.max(scale, Math.abs(a[i]), Math.abs(b[i]));
  }
  return diff / scale;
}

/** A float64 tensor of uniform(−1, 1) values. */
export function randomTensor(rng: Rng, shape: number[]): Tensor {
  const data = new Float64Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
  return { data, shape };
}

/** Σ a ⊙ w: a scalar loss whose gradient with respect to `a` is `w`. */
export function dot(a: Tensor, w: Tensor): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i] * w.data[i];
  return s;
}
