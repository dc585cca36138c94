// The seed's lesson, measured: with a loss on the last step only, ‖∂L/∂h_t‖ shrinks geometrically toward
// early steps when ‖W_hh‖₂ < 1 (vanilla tanh RNN, near-linear), grows when every singular value is above 1,
// and an LSTM keeps far more of it at t = 0. Every number comes out of gradientNormsPerStep; on every engine.
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import { RNN } from '../../src/layers/rnn.js';
import { LSTM } from '../../src/layers/lstm.js';
import type { RecurrentLayer } from '../../src/layers/recurrent.js';
import type { Tensor } from '../../src/tensor.js';
import { gradientNormsPerStep, spectralNorm } from '../../src/diagnostics/gradient-norms.js';
import { Rng } from '../../src/random.js';
import { testBackends } from '../helpers/backends.js';

const T = 50;
const B = 4;
const I = 4;
const H = 8;

function weightHh(layer: RecurrentLayer): Tensor {
  return layer.namedParameters().find((p) => p.name === 'weight_hh_l0')!.value;
}

/** Scales W in place so that its spectral norm (measured by power iteration) is `target`. */
function scaleToSpectralNorm(w: Tensor, target: number): void {
  const s = spectralNorm(w);
  for (let i = 0; i < w.data.length; i++) w.data[i] *= target / s;
}

/**
 * Replaces a square W by the orthogonal factor of its Gram–Schmidt (QR) decomposition: every singular value
 * 1. A spectral norm above 1 bounds growth from above only (a random W scaled to ‖W‖₂ = 1.5 usually has a
 * spectral radius below 1, and its gradients still vanish); σ·Q grows every vector by exactly σ per step.
 */
function orthogonalize(w: Tensor): void {
  const n = w.shape[0];
  const q = Array.from({ length: n }, (_, i) => Array.from(w.data.subarray(i * n, (i + 1) * n)));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const d = q[i].reduce((s, v, k) => s + v * q[j][k], 0);
      for (let k = 0; k < n; k++) q[i][k] -= d * q[j][k];
    }
    const len = Math.hypot(...q[i]);
    for (let k = 0; k < n; k++) q[i][k] /= len;
  }
  w.data.set(q.flat());
}

/** uniform(−scale, scale) inputs [B, T, I]: tiny, so tanh stays in its linear range. */
function inputs(scale: number): Tensor {
  const rng = new Rng(7);
  return { data: Float32Array.from({ length: B * T * I }, () => rng.uniform(-1, 1) * scale), shape: [B, T, I] };
}

/** L = Σ_b u · h_{T−1}(b), u a fixed unit vector: a loss on the last step only. */
function lastStepLoss(): { dhN: Tensor } {
  return { dhN: { data: new Float32Array(B * H).fill(1 / Math.sqrt(H)), shape: [1, B, H] } };
}

function vanillaRnn(backend: Backend, norm: number, { orthogonal = false } = {}): RNN {
  const rnn = new RNN({ inputSize: I, hiddenSize: H, bias: false, seed: 3, backend });
  if (orthogonal) orthogonalize(weightHh(rnn));
  scaleToSpectralNorm(weightHh(rnn), norm);
  expect(spectralNorm(weightHh(rnn))).toBeCloseTo(norm, 4);
  return rnn;
}

/** ratio[t] = mean[t] / mean[t + 1]: what one step back in time multiplies the gradient norm by. */
function ratios(mean: number[]): number[] {
  return mean.slice(0, -1).map((m, t) => m / mean[t + 1]);
}

function maxAbs(t: Tensor): number {
  let m = 0;
  for (const v of t.data) m = Math.max(m, Math.abs(v));
  return m;
}

describe('spectralNorm (power iteration)', () => {
  it('finds the largest singular value of known matrices', () => {
    expect(spectralNorm({ data: Float64Array.from([3, 0, 0, 0, -5, 0, 0, 0, 2]), shape: [3, 3] })).toBeCloseTo(5, 10);
    // [[1, 1], [0, 1]]: singular values φ and 1/φ (φ the golden ratio)
    expect(spectralNorm({ data: Float64Array.from([1, 1, 0, 1]), shape: [2, 2] })).toBeCloseTo((1 + Math.sqrt(5)) / 2, 10);
    // rank one u vᵀ, u = (1, 2, 2) and v = (3, 4): ‖u‖ ‖v‖ = 15
    expect(spectralNorm({ data: Float64Array.from([3, 4, 6, 8, 6, 8]), shape: [3, 2] })).toBeCloseTo(15, 10);
    expect(spectralNorm({ data: new Float32Array(6), shape: [2, 3] })).toBe(0);
  });
});

describe.each(testBackends().map((b) => [b.name, b] as const))('gradient decay over T = 50, %s engine', (_name, backend) => {
  it('vanishes for a tanh RNN with ‖W_hh‖₂ = 0.5: every step back multiplies the norm by ≤ 0.55', () => {
    const rnn = vanillaRnn(backend, 0.5);
    const x = inputs(1e-3);
    expect(maxAbs(rnn.forward(x).output)).toBeLessThan(0.05); // near-linear: tanh′ ≈ 1
    const r = gradientNormsPerStep(rnn, x, lastStepLoss());
    expect(r.mean[T - 1]).toBeCloseTo(1, 5); // the loss's own gradient, a unit vector per sequence
    for (const ratio of ratios(r.mean)) expect(ratio).toBeLessThanOrEqual(0.55);
    for (const row of r.perSequence) for (const ratio of ratios(row)) expect(ratio).toBeLessThanOrEqual(0.55);
    expect(r.mean[0]).toBeLessThan(0.55 ** (T - 1));
  });

  it('shrinks by exactly ≈ 0.5 per step when every singular value of W_hh is 0.5 (0.5 · Q, Q orthogonal)', () => {
    const rnn = vanillaRnn(backend, 0.5, { orthogonal: true });
    const r = gradientNormsPerStep(rnn, inputs(1e-3), lastStepLoss());
    for (const ratio of ratios(r.mean)) expect(Math.abs(ratio - 0.5)).toBeLessThan(0.01);
    expect(r.mean[0] / 0.5 ** (T - 1)).toBeCloseTo(1, 1);
  });

  it('explodes for a tanh RNN with W_hh = 1.5 · Q (‖W_hh‖₂ = 1.5) while tanh stays unsaturated', () => {
    const rnn = vanillaRnn(backend, 1.5, { orthogonal: true });
    const x = inputs(1e-12); // 1.5^50 ≈ 6e8: states stay ≈ 1e-3, in tanh's linear range
    expect(maxAbs(rnn.forward(x).output)).toBeLessThan(0.05);
    const r = gradientNormsPerStep(rnn, x, lastStepLoss());
    for (const ratio of ratios(r.mean)) {
      expect(ratio).toBeGreaterThan(1.45);
      expect(ratio).toBeLessThanOrEqual(1.5 + 1e-3);
    }
    expect(r.mean[0]).toBeGreaterThan(1.45 ** (T - 1));
  });

  it('an LSTM with default init keeps the t = 0 gradient orders of magnitude above the RNN(0.5) one', () => {
    const x = inputs(1e-3);
    const rnn = gradientNormsPerStep(vanillaRnn(backend, 0.5), x, lastStepLoss());
    const lstm = gradientNormsPerStep(new LSTM({ inputSize: I, hiddenSize: H, seed: 3, backend }), x, lastStepLoss());
    expect(lstm.mean[T - 1]).toBeCloseTo(1, 5);
    expect(lstm.mean[0]).toBeGreaterThan(0);
    expect(lstm.mean[0] / rnn.mean[0]).toBeGreaterThan(1e3);
  });
});
