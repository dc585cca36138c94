// The native engine equals the reference engine (the spec) within 1e-5 relative — y (every column: its
// block written, the rest untouched), hN, cN, dx (accumulated), dh0, dc0 and every parameter gradient — for
// all four cells on contract v2's layouts: ragged lengths (with 1 and T), batch-first and time-major, a
// direction's block of a wider output row, both directions, small batches (the unpacked-weight path) and
// large ones, on every SIMD path this CPU has. Results are bit-identical for 1, 2 and 3 threads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, CellKind } from '../../src/backend/backend.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { loadNativeAddon, loadNativeBackend } from '../../src/backend/native.js';
import { relativeError } from '../helpers/gradcheck.js';
import { backwardArgs, describeConfig, forwardArgs, randomConfig, randomInputs, randomLengths, seeded, type RnnConfig } from '../helpers/random.js';

const TOL = 1e-5;
const addon = loadNativeAddon();
const paths = addon.simdPaths();
const initialPath = addon.simdPath();
const CELLS: CellKind[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];

type Result = Record<string, Float32Array | null>;

export function runCall(backend: Backend, c: RnnConfig, seed: number): Result {
  const p = randomInputs(c, seed);
  const f = forwardArgs(c, p);
  backend.recurrentForward(c.cell, f);
  const b = backwardArgs(c, p, f.y, f.cache);
  backend.recurrentBackward(c.cell, b);
  return {
    y: f.y, hN: f.hN, cN: f.cN, dx: b.dx, dh0: b.dh0, dc0: b.dc0,
    dWeightIh: b.dWeightIh, dWeightHh: b.dWeightHh, dBiasIh: b.dBiasIh, dBiasHh: b.dBiasHh, dWeightHr: b.dWeightHr,
  };
}

function compare(got: Result, want: Result): void {
  for (const key of Object.keys(want)) {
    const g = got[key], w = want[key];
    if (w === null) {
      expect(g, key).toBeNull();
      continue;
    }
    expect(relativeError(g!, w), key).toBeLessThanOrEqual(TOL);
  }
}

const same = (a: Float32Array | null, b: Float32Array | null): boolean =>
  a === null ? b === null : b !== null && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

// Corners first (smallest, largest, every optional input absent or present, ragged, wide rows), then draws.
const all = { reverse: false, withH0: true, withC0: true, withBias: true, withDy: true, withDhN: true, withDcN: true };
const none = { reverse: false, withH0: false, withC0: false, withBias: false, withDy: false, withDhN: false, withDcN: false };
const configs: RnnConfig[] = [];
for (const cell of CELLS) {
  const r = seeded(cell.length * 1000 + cell.charCodeAt(0));
  configs.push(
    { ...all, cell, T: 1, B: 1, I: 1, H: 1 },
    { ...all, cell, T: 64, B: 32, I: 129, H: 129, reverse: true, batchFirst: true, yStride: 258, yOffset: 129 },
    { ...none, cell, T: 64, B: 32, I: 64, H: 129, withDy: true, lengths: randomLengths(r, 32, 64), batchFirst: true },
    { ...all, cell, T: 33, B: 12, I: 17, H: 40, reverse: true, lengths: randomLengths(r, 12, 33), yStride: 83, yOffset: 40 },
    { ...all, cell, T: 7, B: 3, I: 17, H: 64, withBias: false, withDy: false, lengths: Int32Array.from([7, 1, 4]) },
    { ...none, cell, T: 7, B: 32, I: 3, H: 17, withDhN: true, withDcN: true, reverse: true, lengths: randomLengths(r, 32, 7) },
    { ...all, cell, T: 5, B: 9, I: 5, H: 33, lengths: Int32Array.from([5, 5, 5, 5, 5, 5, 5, 5, 5]) },
    // Small batches over >= 8 steps run their steps on W_hh transposed into column tiles (small.h): a
    // partial last tile, ragged rows, one row, reversed and batch-first.
    { ...all, cell, T: 20, B: 3, I: 17, H: 70, reverse: true, batchFirst: true, lengths: Int32Array.from([20, 9, 13]) },
    { ...all, cell, T: 16, B: 1, I: 9, H: 33 },
    { ...none, cell, T: 8, B: 8, I: 64, H: 64, withDy: true, withH0: true },
  );
  if (cell === 'lstm') {
    // Projections (P < H): dense and ragged, small and large batches, both layouts, a wide output row.
    configs.push(
      { ...all, cell, T: 9, B: 5, I: 7, H: 40, P: 13, reverse: true, lengths: randomLengths(r, 5, 9) },
      { ...all, cell, T: 33, B: 24, I: 17, H: 64, P: 20, batchFirst: true, yStride: 45, yOffset: 20, lengths: randomLengths(r, 24, 33) },
      { ...none, cell, T: 16, B: 32, I: 64, H: 129, P: 1, withDy: true },
      { ...all, cell, T: 1, B: 1, I: 1, H: 2, P: 1 },
    );
  }
  for (let i = 0; i < 7; i++) {
    // Keep the random draws moderate in size: the reference is the slow part of this file.
    let c = randomConfig(r, [cell]);
    while (c.T * c.B * (c.I + c.H) * c.H > 64 * 32 * 129 * 64) c = randomConfig(r, [cell]);
    configs.push(c);
  }
}

const expected = new Map<number, Result>();
function reference(i: number): Result {
  if (!expected.has(i)) expected.set(i, runCall(referenceBackend, configs[i], 500 + i));
  return expected.get(i)!;
}

describe.each(paths)('native engine on the %s path', (path) => {
  const native = loadNativeBackend({ threads: 2 });
  beforeAll(() => addon.setSimdPath(path));
  afterAll(() => addon.setSimdPath(initialPath));

  it.each(configs.map((c, i) => [describeConfig(c), i] as const))('matches the reference: %s', (_name, i) => {
    compare(runCall(native, configs[i], 500 + i), reference(i));
  });

  it.each(CELLS)('%s is bit-identical with 1, 2 and 3 threads (dense and ragged, small and large batches)', (cell) => {
    const r = seeded(77);
    for (const c of [
      { ...all, cell, T: 12, B: 32, I: 129, H: 200, reverse: true, batchFirst: true },
      { ...all, cell, T: 12, B: 32, I: 129, H: 200, lengths: randomLengths(r, 32, 12) },
      { ...all, cell, T: 6, B: 5, I: 300, H: 200, lengths: randomLengths(r, 5, 6) },
      // batch split (batch_split.h): uneven ranges of ragged ranks, and a range that ends before the others
      { ...all, cell, T: 9, B: 17, I: 20, H: 33, reverse: true, lengths: randomLengths(r, 17, 9) },
      { ...all, cell, T: 9, B: 40, I: 20, H: 33, lengths: Int32Array.from({ length: 40 }, (_, i) => (i < 20 ? 9 : 1 + (i % 3))) },
      ...(cell === 'lstm' ? [{ ...all, cell, T: 12, B: 32, I: 129, H: 200, P: 70, lengths: randomLengths(r, 32, 12) }] : []),
    ] as RnnConfig[]) {
      const one = runCall(loadNativeBackend({ threads: 1 }), c, 7);
      const two = runCall(loadNativeBackend({ threads: 2 }), c, 7);
      const three = runCall(loadNativeBackend({ threads: 3 }), c, 7);
      for (const key of Object.keys(one)) {
        expect(same(two[key], one[key]), `${describeConfig(c)} ${key}, 2 threads`).toBe(true);
        expect(same(three[key], one[key]), `${describeConfig(c)} ${key}, 3 threads`).toBe(true);
      }
    }
  });
});
