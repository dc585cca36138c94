// Native LSTM and GRU equal the reference engine (the spec) within 1e-5 relative — y, hN, cN, the training
// cache (same layout), dx, dh0, dc0 and every parameter gradient — on random configurations from the
// issue's grid, on every SIMD path this CPU has; results are bit-identical for any thread count, with or
// without a training cache, sync or async.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecurrentBackwardArgs, RecurrentForwardArgs } from '../../src/backend/backend.js';
import { cacheSize, gateCount } from '../../src/backend/backend.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { loadNativeAddon, loadNativeBackend } from '../../src/backend/native.js';
import { relativeError } from '../helpers/gradcheck.js';
import { pick, randomArray, seeded, type Rand } from '../helpers/random.js';

const TOL = 1e-5;
const addon = loadNativeAddon();
const paths = addon.simdPaths();
const initialPath = addon.simdPath();

type Gated = 'lstm' | 'gru';
interface Config {
  cell: Gated;
  T: number;
  B: number;
  I: number;
  H: number;
  reverse: boolean;
  withH0: boolean;
  withC0: boolean;
  withBias: boolean;
  withDy: boolean;
  withDhN: boolean;
  withDcN: boolean;
}

function name(c: Config): string {
  const flags = [c.reverse ? 'rev' : 'fwd', c.withH0 ? 'h0' : 'no-h0', c.withBias ? 'bias' : 'no-bias', c.withDy ? 'dy' : 'no-dy', c.withDhN ? 'dhN' : 'no-dhN'];
  if (c.cell === 'lstm') flags.push(c.withC0 ? 'c0' : 'no-c0', c.withDcN ? 'dcN' : 'no-dcN');
  return `${c.cell} T${c.T} B${c.B} I${c.I} H${c.H} ${flags.join(' ')}`;
}

function randomConfig(r: Rand, cell: Gated): Config {
  return {
    cell,
    T: pick(r, [1, 7, 64]),
    B: pick(r, [1, 3, 32]),
    I: pick(r, [1, 3, 17, 64, 129]),
    H: pick(r, [1, 3, 17, 64, 129]),
    reverse: r() < 0.5,
    withH0: r() < 0.5,
    withC0: r() < 0.5,
    withBias: r() < 0.7,
    withDy: r() < 0.85,
    withDhN: r() < 0.5,
    withDcN: r() < 0.5,
  };
}

interface Call {
  forward: RecurrentForwardArgs<Float32Array>;
  backward: RecurrentBackwardArgs<Float32Array>;
}

/** Fresh arguments for one forward + backward (parameters at PyTorch's init scale, non-zero gradients to check +=). */
function makeCall(c: Config, seed: number, training = true): Call {
  const r = seeded(seed);
  const { T, B, I, H } = c;
  const G = gateCount(c.cell);
  const lstm = c.cell === 'lstm';
  const k = 1 / Math.sqrt(H);
  const x = randomArray(r, T * B * I);
  const h0 = c.withH0 ? randomArray(r, B * H) : null;
  const c0 = lstm && c.withC0 ? randomArray(r, B * H) : null;
  const weightIh = randomArray(r, G * H * I, k), weightHh = randomArray(r, G * H * H, k);
  const biasIh = c.withBias ? randomArray(r, G * H, k) : null, biasHh = c.withBias ? randomArray(r, G * H, k) : null;
  const dy = c.withDy ? randomArray(r, T * B * H) : null;
  const dhN = c.withDhN ? randomArray(r, B * H) : null;
  const dcN = lstm && c.withDcN ? randomArray(r, B * H) : null;
  const dWih = randomArray(r, G * H * I, 0.1), dWhh = randomArray(r, G * H * H, 0.1), db = randomArray(r, G * H, 0.1);
  const y = new Float32Array(T * B * H);
  const cache = training ? new Float32Array(cacheSize(c.cell, T, B, H)) : null;
  return {
    forward: {
      T, B, I, H, reverse: c.reverse, y, hN: new Float32Array(B * H), cN: lstm ? new Float32Array(B * H) : null, cache,
      x, h0, c0, weightIh, weightHh, biasIh, biasHh,
    },
    backward: {
      T, B, I, H, reverse: c.reverse, dx: new Float32Array(T * B * I), dh0: new Float32Array(B * H), dc0: lstm ? new Float32Array(B * H) : null,
      dWeightIh: dWih, dWeightHh: dWhh, dBiasIh: biasIh ? db.slice() : null, dBiasHh: biasHh ? db.slice() : null,
      dy, dhN, dcN, x, h0, c0, weightIh, weightHh, y, cache,
    },
  };
}

type Result = Record<string, Float32Array | null>;

function collect(call: Call): Result {
  const { forward: f, backward: b } = call;
  return {
    y: f.y, hN: f.hN, cN: f.cN, cache: f.cache, dx: b.dx, dh0: b.dh0, dc0: b.dc0,
    dWeightIh: b.dWeightIh, dWeightHh: b.dWeightHh, dBiasIh: b.dBiasIh, dBiasHh: b.dBiasHh,
  };
}

function run(backend: typeof referenceBackend, c: Config, seed: number): Result {
  const call = makeCall(c, seed);
  backend.recurrentForward(c.cell, call.forward);
  backend.recurrentBackward(c.cell, call.backward);
  return collect(call);
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

// Corners first (smallest, largest, odd sizes, every optional input absent or present), then random draws.
const all = { reverse: false, withH0: true, withC0: true, withBias: true, withDy: true, withDhN: true, withDcN: true };
const none = { reverse: false, withH0: false, withC0: false, withBias: false, withDy: false, withDhN: false, withDcN: false };
const configs: Config[] = [];
for (const cell of ['lstm', 'gru'] as const) {
  configs.push(
    { ...all, cell, T: 1, B: 1, I: 1, H: 1 },
    { ...all, cell, T: 64, B: 32, I: 129, H: 129, reverse: true },
    { ...none, cell, T: 64, B: 32, I: 64, H: 129, withDy: true },
    { ...all, cell, T: 7, B: 3, I: 17, H: 64, withBias: false, withDy: false },
    { ...none, cell, T: 7, B: 32, I: 3, H: 17, withDhN: true, withDcN: true, reverse: true },
  );
  const r = seeded(cell === 'lstm' ? 4401 : 3301);
  for (let i = 0; i < 11; i++) {
    // Keep the random draws moderate in size: the float64 reference is the slow part of this file.
    let c = randomConfig(r, cell);
    while (c.T * c.B * (c.I + c.H) * c.H > 64 * 32 * 129 * 64) c = randomConfig(r, cell);
    configs.push(c);
  }
}

const expected = new Map<number, Result>();
function reference(i: number): Result {
  if (!expected.has(i)) expected.set(i, run(referenceBackend, configs[i], 500 + i));
  return expected.get(i)!;
}

describe.each(paths)('native LSTM/GRU on the %s path', (path) => {
  const native = loadNativeBackend({ threads: 2 });
  beforeAll(() => addon.setSimdPath(path));
  afterAll(() => addon.setSimdPath(initialPath));

  it.each(configs.map((c, i) => [name(c), i] as const))('matches the reference: %s', (_name, i) => {
    compare(run(native, configs[i], 500 + i), reference(i));
  });

  it.each(['lstm', 'gru'] as const)('%s is bit-identical with 1, 2 and 3 threads', (cell) => {
    const c: Config = { ...all, cell, T: 12, B: 32, I: 129, H: 200, reverse: true };
    const one = run(loadNativeBackend({ threads: 1 }), c, 7);
    const two = run(loadNativeBackend({ threads: 2 }), c, 7);
    const three = run(loadNativeBackend({ threads: 3 }), c, 7);
    for (const key of Object.keys(one)) {
      expect(same(two[key], one[key]), `${key}, 2 threads`).toBe(true);
      expect(same(three[key], one[key]), `${key}, 3 threads`).toBe(true);
    }
  });
});

describe('native LSTM/GRU, details', () => {
  const native = loadNativeBackend({ threads: 2 });

  it.each(['lstm', 'gru'] as const)('%s forward without a cache (inference) gives the same bits as with one', (cell) => {
    const c: Config = { ...all, cell, T: 9, B: 5, I: 33, H: 70 };
    const a = makeCall(c, 3, true), b = makeCall(c, 3, false);
    native.recurrentForward(cell, a.forward);
    native.recurrentForward(cell, b.forward);
    expect(b.forward.cache).toBeNull();
    for (const k of ['y', 'hN', 'cN'] as const) expect(same(b.forward[k], a.forward[k]), k).toBe(true);
  });

  it.each(['lstm', 'gru'] as const)('%s async calls give the same bits as sync calls', async (cell) => {
    const c: Config = { ...all, cell, T: 9, B: 5, I: 33, H: 70, reverse: true };
    const s = makeCall(c, 4), a = makeCall(c, 4);
    native.recurrentForward(cell, s.forward);
    native.recurrentBackward(cell, s.backward);
    await native.recurrentForwardAsync(cell, a.forward);
    await native.recurrentBackwardAsync(cell, a.backward);
    const rs = collect(s), ra = collect(a);
    for (const key of Object.keys(rs)) expect(same(ra[key], rs[key]), key).toBe(true);
  });

  it.each(['lstm', 'gru'] as const)('%s runs T = 0 like the reference (hN = h0, cN = c0, dh0 = dhN, dc0 = dcN)', (cell) => {
    const c: Config = { ...all, cell, T: 0, B: 2, I: 3, H: 4 };
    compare(run(native, c, 5), run(referenceBackend, c, 5));
  });

  it.each(['lstm', 'gru'] as const)('%s propagates NaN like the reference in the forward pass', (cell) => {
    const c: Config = { ...all, cell, T: 3, B: 2, I: 3, H: 40 };
    const a = makeCall(c, 6), b = makeCall(c, 6);
    a.forward.x[0] = NaN;
    b.forward.x[0] = NaN;
    native.recurrentForward(cell, a.forward);
    referenceBackend.recurrentForward(cell, b.forward);
    for (let i = 0; i < a.forward.y.length; i++) expect(Number.isNaN(a.forward.y[i]), `y[${i}]`).toBe(Number.isNaN(b.forward.y[i]));
  });

  it.each(['lstm', 'gru'] as const)('%s gates saturate without overflow at huge pre-activations', (cell) => {
    const c: Config = { ...all, cell, T: 2, B: 3, I: 2, H: 24 };
    const a = makeCall(c, 8), b = makeCall(c, 8);
    for (const call of [a, b]) call.forward.x.forEach((_, i, x) => { x[i] = (i % 2 ? 1 : -1) * 1e4; });
    native.recurrentForward(cell, a.forward);
    referenceBackend.recurrentForward(cell, b.forward);
    expect(relativeError(a.forward.y, b.forward.y)).toBeLessThanOrEqual(TOL);
    expect(relativeError(a.forward.cache!, b.forward.cache!)).toBeLessThanOrEqual(TOL);
  });
});
