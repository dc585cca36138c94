// Native engine details beyond parity: inference = training forward, async = sync, T = 0, NaN, saturation,
// and the GEMM on odd shapes — for every cell.
import { describe, expect, it } from 'vitest';
import type { CellKind } from '../../src/backend/backend.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { loadNativeAddon, loadNativeBackend } from '../../src/backend/native.js';
import { relativeError } from '../helpers/gradcheck.js';
import { backwardArgs, forwardArgs, randomInputs, randomLengths, seeded, type RnnConfig } from '../helpers/random.js';

const TOL = 1e-5;
const addon = loadNativeAddon();
const native = loadNativeBackend({ threads: 2 });
const CELLS: CellKind[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];
const all = { reverse: false, withH0: true, withC0: true, withBias: true, withDy: true, withDhN: true, withDcN: true };

const same = (a: Float32Array | null, b: Float32Array | null): boolean =>
  a === null ? b === null : b !== null && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('native engine, details', () => {
  it.each(CELLS)('%s forward without a cache (inference) gives the same bits as with one', (cell) => {
    for (const B of [5, 20]) {
      const c: RnnConfig = { ...all, cell, T: 9, B, I: 33, H: 70, batchFirst: true, lengths: randomLengths(seeded(B), B, 9) };
      const p = randomInputs(c, 3);
      const a = forwardArgs(c, p, { training: true }), b = forwardArgs(c, p, { training: false });
      native.recurrentForward(cell, a);
      native.recurrentForward(cell, b);
      for (const k of ['y', 'hN', 'cN'] as const) expect(same(b[k], a[k]), `B${B} ${k}`).toBe(true);
    }
  });

  it.each(CELLS)('%s async calls give the same bits as sync calls', async (cell) => {
    const c: RnnConfig = { ...all, cell, T: 9, B: 12, I: 33, H: 70, reverse: true, lengths: randomLengths(seeded(4), 12, 9) };
    const p = randomInputs(c, 4);
    const fs = forwardArgs(c, p), fa = forwardArgs(c, p);
    native.recurrentForward(cell, fs);
    await native.recurrentForwardAsync(cell, fa);
    const bs = backwardArgs(c, p, fs.y, fs.cache), ba = backwardArgs(c, p, fa.y, fa.cache);
    native.recurrentBackward(cell, bs);
    await native.recurrentBackwardAsync(cell, ba);
    for (const k of ['y', 'hN', 'cN'] as const) expect(same(fa[k], fs[k]), k).toBe(true);
    for (const k of ['dx', 'dh0', 'dc0', 'dWeightIh', 'dWeightHh', 'dBiasIh', 'dBiasHh'] as const) expect(same(ba[k], bs[k]), k).toBe(true);
  });

  it.each(CELLS)('%s runs T = 0 like the reference (hN = h0, cN = c0, dh0 = dhN, dc0 = dcN)', (cell) => {
    const c: RnnConfig = { ...all, cell, T: 0, B: 2, I: 3, H: 4 };
    const p = randomInputs(c, 5);
    for (const backend of [native, referenceBackend]) {
      const f = forwardArgs(c, p);
      backend.recurrentForward(cell, f);
      expect(Array.from(f.hN), backend.name).toEqual(Array.from(p.h0!));
      if (f.cN) expect(Array.from(f.cN), backend.name).toEqual(Array.from(p.c0!));
      const b = backwardArgs(c, p, f.y, f.cache);
      backend.recurrentBackward(cell, b);
      expect(Array.from(b.dh0), backend.name).toEqual(Array.from(p.dhN!));
      if (b.dc0) expect(Array.from(b.dc0), backend.name).toEqual(Array.from(p.dcN!));
    }
  });

  it.each(CELLS)('%s propagates NaN like the reference in the forward pass', (cell) => {
    for (const B of [2, 12]) {
      const c: RnnConfig = { ...all, cell, T: 3, B, I: 3, H: 40 };
      const p = randomInputs(c, 6);
      p.x[0] = NaN;
      const a = forwardArgs(c, p), b = forwardArgs(c, p);
      native.recurrentForward(cell, a);
      referenceBackend.recurrentForward(cell, b);
      for (let i = 0; i < a.y.length; i++) expect(Number.isNaN(a.y[i]), `B${B} y[${i}]`).toBe(Number.isNaN(b.y[i]));
    }
  });

  it.each(CELLS)('%s saturates without overflow at huge pre-activations', (cell) => {
    const c: RnnConfig = { ...all, cell, T: 2, B: 3, I: 2, H: 24 };
    const p = randomInputs(c, 8);
    p.x.forEach((_, i, x) => { x[i] = (i % 2 ? 1 : -1) * 1e4; });
    const a = forwardArgs(c, p), b = forwardArgs(c, p);
    native.recurrentForward(cell, a);
    referenceBackend.recurrentForward(cell, b);
    expect(relativeError(a.y, b.y)).toBeLessThanOrEqual(TOL);
    expect(relativeError(a.hN, b.hN)).toBeLessThanOrEqual(TOL);
  });

  it('matmul equals a plain triple loop on odd shapes, on every path', () => {
    const r = seeded(11);
    const initialPath = addon.simdPath();
    try {
      for (const path of addon.simdPaths()) {
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
    } finally {
      addon.setSimdPath(initialPath);
    }
  });
});
