// The native engine equals the reference engine (the spec) within 1e-5 relative — y, hN, dx, dh0 and every
// parameter gradient — on random configurations from the grid, on every SIMD path this CPU has.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { loadNativeAddon, loadNativeBackend } from '../../src/backend/native.js';
import { relativeError } from '../helpers/gradcheck.js';
import { backwardArgs, describeConfig, forwardArgs, randomConfig, randomInputs, seeded, type RnnConfig } from '../helpers/random.js';

const TOL = 1e-5;
const addon = loadNativeAddon();
const paths = addon.simdPaths();
const initialPath = addon.simdPath();

// Corners first (smallest, largest, odd sizes), then random draws from the grid.
const base = { reverse: false, withH0: true, withBias: true, withDy: true, withDhN: true };
const configs: RnnConfig[] = [
  { ...base, cell: 'rnn_tanh', T: 1, B: 1, I: 1, H: 1 },
  { ...base, cell: 'rnn_relu', T: 64, B: 32, I: 129, H: 129, reverse: true },
  { ...base, cell: 'rnn_tanh', T: 64, B: 32, I: 129, H: 129, withH0: false, withDhN: false },
  { ...base, cell: 'rnn_tanh', T: 7, B: 3, I: 17, H: 64, withBias: false, withDy: false },
  { ...base, cell: 'rnn_relu', T: 7, B: 32, I: 3, H: 17, withH0: false },
];
const rand = seeded(20240611);
while (configs.length < 24) configs.push(randomConfig(rand));

interface Result { y: Float32Array; hN: Float32Array; dx: Float32Array; dh0: Float32Array; dWih: Float32Array; dWhh: Float32Array; dbih: Float32Array | null; dbhh: Float32Array | null }

function run(backend: typeof referenceBackend, c: RnnConfig, seed: number): Result {
  const p = randomInputs(c, seed);
  const f = forwardArgs(c, p);
  backend.recurrentForward(c.cell, f);
  const b = backwardArgs(c, p, f.y);
  backend.recurrentBackward(c.cell, b);
  return { y: f.y, hN: f.hN, dx: b.dx, dh0: b.dh0, dWih: b.dWeightIh, dWhh: b.dWeightHh, dbih: b.dBiasIh, dbhh: b.dBiasHh };
}

const expected = new Map<number, Result>();
function reference(i: number): Result {
  if (!expected.has(i)) expected.set(i, run(referenceBackend, configs[i], 1000 + i));
  return expected.get(i)!;
}

function compare(got: Result, want: Result): void {
  for (const key of ['y', 'hN', 'dx', 'dh0', 'dWih', 'dWhh', 'dbih', 'dbhh'] as const) {
    const g = got[key], w = want[key];
    if (w === null) { expect(g, key).toBeNull(); continue; }
    expect(relativeError(g!, w), key).toBeLessThanOrEqual(TOL);
  }
}

describe.each(paths)('native engine on the %s path', (path) => {
  const native = loadNativeBackend({ threads: 2 });
  beforeAll(() => addon.setSimdPath(path));
  afterAll(() => addon.setSimdPath(initialPath));

  it.each(configs.map((c, i) => [describeConfig(c), i] as const))('matches the reference: %s', (_name, i) => {
    compare(run(native, configs[i], 1000 + i), reference(i));
  });

  it('is bit-identical with 1 and 2 threads', () => {
    const c: RnnConfig = { ...base, cell: 'rnn_tanh', T: 16, B: 32, I: 129, H: 200 };
    const one = run(loadNativeBackend({ threads: 1 }), c, 7);
    const two = run(loadNativeBackend({ threads: 2 }), c, 7);
    const three = run(loadNativeBackend({ threads: 3 }), c, 7);
    for (const key of Object.keys(one) as (keyof Result)[]) {
      const a = one[key], b = two[key], d = three[key];
      if (!a) continue;
      expect(Buffer.from(b!.buffer).equals(Buffer.from(a.buffer)), `${key}, 2 threads`).toBe(true);
      expect(Buffer.from(d!.buffer).equals(Buffer.from(a.buffer)), `${key}, 3 threads`).toBe(true);
    }
  });
});

describe('native engine, details', () => {
  const native = loadNativeBackend({ threads: 2 });

  it('runs T = 0 like the reference (hN = h0, dh0 = dhN)', () => {
    const c: RnnConfig = { ...base, cell: 'rnn_tanh', T: 0, B: 2, I: 3, H: 4 };
    compare(run(native, c, 3), run(referenceBackend, c, 3));
  });

  it('propagates NaN like the reference in the forward pass', () => {
    for (const cell of ['rnn_tanh', 'rnn_relu'] as const) {
      const c: RnnConfig = { ...base, cell, T: 3, B: 2, I: 3, H: 40 };
      const p = randomInputs(c, 5);
      p.x[0] = NaN;
      const a = forwardArgs(c, p), b = forwardArgs(c, p);
      native.recurrentForward(cell, a);
      referenceBackend.recurrentForward(cell, b);
      for (let i = 0; i < a.y.length; i++) expect(Number.isNaN(a.y[i]), `${cell} y[${i}]`).toBe(Number.isNaN(b.y[i]));
    }
  });

  it('tanh saturates exactly and keeps its sign at large |x|', () => {
    const c: RnnConfig = { ...base, cell: 'rnn_tanh', T: 1, B: 1, I: 1, H: 40, withH0: false, withBias: false };
    const p = randomInputs(c, 9);
    p.x[0] = 1e4;
    const a = forwardArgs(c, p);
    native.recurrentForward('rnn_tanh', a);
    for (let j = 0; j < 40; j++) expect(Math.abs(a.y[j])).toBe(p.weightIh[j] === 0 ? 0 : 1);
  });

  it('matmul equals a plain triple loop on odd shapes, on every path', () => {
    const r = seeded(11);
    for (const path of paths) {
      addon.setSimdPath(path);
      for (const [M, N, K] of [[1, 1, 1], [7, 33, 5], [13, 17, 600], [65, 31, 257]]) {
        const A = new Float32Array(M * K).map(() => r() - 0.5), B = new Float32Array(K * N).map(() => r() - 0.5);
        const C = new Float32Array(M * N).fill(NaN);
        addon.matmul(C, A, B, M, N, K, 2);
        const want = new Float64Array(M * N);
        for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) want[i * N + j] += A[i * K + k] * B[k * N + j];
        expect(relativeError(C, want), `${path} ${M}x${N}x${K}`).toBeLessThanOrEqual(TOL);
      }
    }
    addon.setSimdPath(initialPath);
  });
});
