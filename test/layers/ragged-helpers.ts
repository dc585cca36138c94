/**
 * Helpers for ragged-batch tests on layers: cut one sequence (or one state row) out of a batch, transpose
 * batch-first ⇄ time-major, and read the rows past each length.
 */
import type { Tensor } from '../../src/tensor.js';
import type { Rng } from '../../src/random.js';

function like(t: Tensor, n: number): Tensor['data'] {
  return new (t.data.constructor as { new (n: number): Tensor['data'] })(n);
}

/** Sequence b's first `len` steps of x/output [B, T, F] (batchFirst) or [T, B, F] as a B = 1 tensor. */
export function takeSequence(t: Tensor, batchFirst: boolean, b: number, len: number): Tensor {
  const [A, C, F] = t.shape;
  const [T, B] = batchFirst ? [C, A] : [A, C];
  const out = like(t, len * F);
  for (let s = 0; s < len; s++) {
    const row = batchFirst ? b * T + s : s * B + b;
    out.set(t.data.subarray(row * F, (row + 1) * F), s * F);
  }
  return { data: out, shape: batchFirst ? [1, len, F] : [len, 1, F] };
}

/** Row b of a state [L·D, B, H] as [L·D, 1, H]. */
export function takeState(t: Tensor, b: number): Tensor {
  const [LD, B, H] = t.shape;
  const out = like(t, LD * H);
  for (let s = 0; s < LD; s++) out.set(t.data.subarray((s * B + b) * H, (s * B + b + 1) * H), s * H);
  return { data: out, shape: [LD, 1, H] };
}

/** [A, C, F] → [C, A, F]. */
export function transpose01(t: Tensor): Tensor {
  const [A, C, F] = t.shape;
  const out = like(t, t.data.length);
  for (let a = 0; a < A; a++) for (let c = 0; c < C; c++) out.set(t.data.subarray((a * C + c) * F, (a * C + c + 1) * F), (c * A + a) * F);
  return { data: out, shape: [C, A, F] };
}

/** Every value in the rows past each sequence's length (t ≥ lengths[b]). */
export function paddedValues(t: Tensor, batchFirst: boolean, lengths: ArrayLike<number>): number[] {
  const [A, C, F] = t.shape;
  const [T, B] = batchFirst ? [C, A] : [A, C];
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let s = lengths[b]; s < T; s++) {
      const row = batchFirst ? b * T + s : s * B + b;
      out.push(...t.data.subarray(row * F, (row + 1) * F));
    }
  }
  return out;
}

/** A float tensor of uniform(−1, 1) values in the given dtype. */
export function randomOf(rng: Rng, shape: number[], dtype: 'float32' | 'float64'): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.uniform(-1, 1);
  return { data, shape };
}
