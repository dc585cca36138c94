/**
 * Finite-difference helpers for gradient checks. Use float64 data: with eps = 1e-6 the central difference
 * is accurate to ~1e-10 relative, far below the 1e-6 tolerance the tests assert.
 */

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
