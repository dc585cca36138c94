/**
 * Property-based fuzz of the native seam, beyond test/backend/native-fuzz.test.ts (which throws thousands of
 * wrong calls at it): here the calls are well-formed but hostile — NaN, ±Inf, denormal and huge values,
 * arrays that are views into a larger buffer (non-zero byteOffset), on a SharedArrayBuffer, or one field
 * swapped for a hostile value — on every cell, layout and ragged batch. A call with finite inputs must
 * match the reference engine; any call must leave the process alive and the engine correct afterwards.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CellKind, RecurrentForwardArgs } from '../../src/backend/backend.js';
import { loadNativeBackend } from '../../src/backend/native.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { relativeError } from '../helpers/gradcheck.js';
import { backwardArgs, forwardArgs, randomConfig, randomInputs, seeded, type RnnConfig } from '../helpers/random.js';
import { params, probe, probeAsync, reportTally } from './fuzz-helpers.js';

reportTally('fuzz-native');
const native = loadNativeBackend({ threads: 1 });
const CELLS: CellKind[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];

/** A small configuration (the parity grid's sizes are too slow for thousands of runs). */
function smallConfig(seed: number): RnnConfig {
  const c = randomConfig(seeded(seed), CELLS);
  const shrink = (v: number) => 1 + (v % 5);
  const T = shrink(c.T);
  const B = shrink(c.B);
  const H = shrink(c.H);
  const P = c.P !== undefined && c.P < H ? Math.min(c.P, H - 1) || undefined : undefined;
  const extra = (c.yStride ?? c.H) - (c.P ?? c.H) > 0 ? 2 : 0;
  const lengths = c.lengths ? Int32Array.from({ length: B }, (_, b) => 1 + ((b * 7 + seed) % T)) : null;
  return { ...c, T, B, H, I: shrink(c.I), P, lengths, yStride: (P ?? H) + extra, yOffset: extra ? seed % (extra + 1) : 0 };
}

/** Where a hostile value goes: into x, a weight, h0 — ordinary values elsewhere. */
const hostileValue = fc.constantFrom(NaN, Infinity, -Infinity, 1e-40, -3e-39, 1e-45, 3e38, -3e38, 0);
type Placement = 'view' | 'shared' | 'plain';

/** The same values in an array of the chosen kind: a plain copy, a view at an offset, or on a SharedArrayBuffer. */
function place(a: Float32Array, how: Placement): Float32Array {
  if (how === 'plain') return a;
  if (how === 'shared') {
    const s = new Float32Array(new SharedArrayBuffer(a.byteLength + 4));
    s.set(a);
    return s.subarray(0, a.length);
  }
  const big = new Float32Array(a.length + 7).fill(-999);
  big.set(a, 3);
  return big.subarray(3, 3 + a.length);
}

function finite(a: Float32Array | null): boolean {
  return !a || a.every(Number.isFinite);
}

describe('fuzz: native seam with hostile values and buffers', () => {
  it('matches the reference on finite inputs, survives the rest', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 1e6 }),
      fc.array(fc.tuple(fc.constantFrom('x', 'weightIh', 'weightHh', 'h0'), fc.nat(), hostileValue), { maxLength: 3 }),
      fc.constantFrom<Placement>('plain', 'plain', 'view', 'shared'),
      fc.boolean(),
      async (seed, pokes, how, useAsync) => {
        const c = smallConfig(seed);
        const p = randomInputs(c, seed);
        for (const [field, at, value] of pokes) {
          const a = p[field as 'x'];
          if (a && a.length) a[at % a.length] = value;
        }
        const args = forwardArgs(c, p);
        const placed = { ...args, x: place(args.x, how), weightIh: place(args.weightIh, how), y: place(args.y, how) } as RecurrentForwardArgs<Float32Array>;
        const ref = { ...args, y: args.y.slice(), hN: args.hN.slice(), cN: args.cN?.slice() ?? null, cache: args.cache?.slice() ?? null };
        const ran = useAsync
          ? await probeAsync('native forward (async)', () => native.recurrentForwardAsync!(c.cell, placed).then(() => true))
          : probe('native forward', () => (native.recurrentForward(c.cell, placed), true));
        if (ran === undefined) return; // a documented rejection (counted)
        probe('reference forward', () => referenceBackend.recurrentForward(c.cell, ref));
        const inputsFinite = finite(p.x) && finite(p.weightIh) && finite(p.weightHh) && finite(p.h0) &&
          [...p.x, ...p.weightIh, ...p.weightHh, ...(p.h0 ?? [])].every((v) => Math.abs(v) < 1e30);
        if (inputsFinite) {
          expect(relativeError(placed.y, ref.y)).toBeLessThan(1e-4);
          expect(relativeError(placed.hN, ref.hN)).toBeLessThan(1e-4);
          // Backward on the same hostile-free call: finite, and equal to the reference.
          const nb = backwardArgs(c, p, placed.y, placed.cache);
          const rb = backwardArgs(c, p, ref.y, ref.cache);
          probe('native backward', () => native.recurrentBackward(c.cell, nb));
          probe('reference backward', () => referenceBackend.recurrentBackward(c.cell, rb));
          expect(relativeError(nb.dWeightHh, rb.dWeightHh)).toBeLessThan(1e-3);
          expect((nb.dx ?? new Float32Array(0)).every(Number.isFinite)).toBe(true);
        }
        if (how === 'view') {
          // The bytes around a view stay untouched: no write outside the array the caller passed.
          const y = placed.y;
          const around = new Float32Array(y.buffer, 0, y.byteOffset / 4);
          expect(Array.from(around)).toEqual([-999, -999, -999]);
        }
      },
    ), params(1500));
  });

  it('one field swapped for a hostile value is rejected, never a crash', () => {
    const fields = ['x', 'y', 'hN', 'h0', 'weightIh', 'weightHh', 'biasIh', 'cache', 'lengths', 'T', 'B', 'H', 'yStride', 'yOffset'] as const;
    const values = fc.constantFrom<() => unknown>(
      () => new Float32Array(new SharedArrayBuffer(4)),
      () => new Float32Array(0),
      () => new Float32Array(10_000).subarray(9_999),
      () => new Float64Array(4),
      () => NaN,
      () => 2 ** 31,
      () => -1,
      () => { const a = new Float32Array(8); structuredClone(a.buffer, { transfer: [a.buffer] }); return a; },
      () => new Int32Array([2 ** 31 - 1]),
    );
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e6 }), fc.constantFrom(...fields), values, (seed, field, value) => {
      const c = smallConfig(seed);
      const args = forwardArgs(c, randomInputs(c, seed)) as unknown as Record<string, unknown>;
      args[field] = value();
      probe('native forward (one hostile field)', () => native.recurrentForward(c.cell, args as never));
    }), params(1500));
    // Still correct afterwards.
    const c = smallConfig(3);
    const p = randomInputs(c, 3);
    const a = forwardArgs(c, p);
    const b = forwardArgs(c, p);
    native.recurrentForward(c.cell, a);
    referenceBackend.recurrentForward(c.cell, b);
    expect(relativeError(a.y, b.y)).toBeLessThan(1e-4);
  });
});
