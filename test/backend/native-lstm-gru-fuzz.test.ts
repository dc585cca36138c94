// Fuzz the seam's LSTM/GRU checks: random wrong calls — cN/c0/dc0/dcN/cache of the wrong length or type,
// a missing cache in a backward, LSTM-only fields on a GRU, RNN-sized weights, overlapping outputs —
// straight into the addon and through the TS adapter. Each must throw a JS TypeError/RangeError (or reject),
// the nulls the contract allows must pass, and the engine must still compute correctly afterwards.
import { describe, expect, it } from 'vitest';
import { cacheSize, gateCount } from '../../src/backend/backend.js';
import { loadNativeAddon, loadNativeBackend } from '../../src/backend/native.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { relativeError } from '../helpers/gradcheck.js';
import { pick, randomArray, seeded, type Rand } from '../helpers/random.js';

const addon = loadNativeAddon();
const native = loadNativeBackend({ threads: 2 });
const T = 3, B = 2, I = 4, H = 5;

type Gated = 'lstm' | 'gru';
type Kind = 'forward' | 'backward';

function valid(cell: Gated, kind: Kind, seed = 1): Record<string, unknown> {
  const r = seeded(seed);
  const G = gateCount(cell), lstm = cell === 'lstm';
  const x = randomArray(r, T * B * I), weightIh = randomArray(r, G * H * I, 0.4), weightHh = randomArray(r, G * H * H, 0.4);
  const seq = { T, B, I, H, P: H, reverse: false, batchFirst: seed % 2 === 0, lengths: seed % 3 === 0 ? null : Int32Array.from([T, 1]), yStride: H, yOffset: 0 };
  const f = {
    ...seq, y: new Float32Array(T * B * H), hN: new Float32Array(B * H), cN: lstm ? new Float32Array(B * H) : null,
    cache: new Float32Array(cacheSize(cell, T, B, H)), x, h0: randomArray(r, B * H), c0: lstm ? randomArray(r, B * H) : null,
    weightIh, weightHh, biasIh: randomArray(r, G * H, 0.4), biasHh: randomArray(r, G * H, 0.4), weightHr: null,
  };
  if (kind === 'forward') return f;
  referenceBackend.recurrentForward(cell, f);
  return {
    ...seq, dx: new Float32Array(T * B * I), dh0: new Float32Array(B * H), dc0: lstm ? new Float32Array(B * H) : null,
    dWeightIh: new Float32Array(G * H * I), dWeightHh: new Float32Array(G * H * H), dBiasIh: new Float32Array(G * H), dBiasHh: new Float32Array(G * H), dWeightHr: null,
    dy: randomArray(r, T * B * H), dhN: randomArray(r, B * H), dcN: lstm ? randomArray(r, B * H) : null,
    x, h0: f.h0, c0: f.c0, weightIh, weightHh, weightHr: null, y: f.y, cache: f.cache,
  };
}

/** The fields the gated checks added, with their correct lengths and whether null is allowed. */
function fields(cell: Gated, kind: Kind): Record<string, [number, boolean]> {
  const G = gateCount(cell), lstm = cell === 'lstm', BH = B * H, C = cacheSize(cell, T, B, H);
  const weights: Record<string, [number, boolean]> = { weightIh: [G * H * I, false], weightHh: [G * H * H, false] };
  if (kind === 'forward') {
    return {
      ...weights, biasIh: [G * H, true], biasHh: [G * H, true], cache: [C, true],
      ...(lstm ? { cN: [BH, true], c0: [BH, true] } : {}),
    };
  }
  return {
    ...weights, dWeightIh: [G * H * I, false], dWeightHh: [G * H * H, false], dBiasIh: [G * H, true], dBiasHh: [G * H, true], cache: [C, false],
    ...(lstm ? { dc0: [BH, true], dcN: [BH, true], c0: [BH, true] } : {}),
  };
}

function detached(n: number): Float32Array {
  const a = new Float32Array(n);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

function badArray(r: Rand, n: number, nullable: boolean): unknown {
  const options: (() => unknown)[] = [
    () => new Float32Array(n + 1),
    () => new Float32Array(n - 1),
    () => new Float32Array(0),
    () => new Float32Array(n * 5),
    () => new Float64Array(n),
    () => new Uint8Array(n * 4),
    () => Array.from({ length: n }, () => 0),
    () => 'floats',
    () => 7,
    () => detached(n),
  ];
  if (!nullable) options.push(() => null, () => undefined);
  return pick(r, options)();
}

interface Call { cell: Gated; kind: Kind; args: Record<string, unknown> }

function mutate(r: Rand): Call {
  const cell = pick(r, ['lstm', 'gru'] as const);
  const kind = pick(r, ['forward', 'backward'] as const);
  const args = { ...valid(cell, kind) };
  const what = r();
  if (cell === 'gru' && what < 0.15) {
    // LSTM-only fields on a GRU.
    args[pick(r, kind === 'forward' ? ['cN', 'c0'] : ['dc0', 'dcN', 'c0'])] = new Float32Array(B * H);
  } else if (what < 0.25) {
    // Weights sized for another cell (G = 1, 3 or 4 instead of the right one).
    const G = pick(r, [1, 3, 4].filter((g) => g !== gateCount(cell)));
    args[pick(r, ['weightIh', 'weightHh'])] = new Float32Array(G * H * (r() < 0.5 ? I : H));
  } else if (what < 0.35) {
    // An output that shares memory with an input.
    const out = kind === 'forward' ? pick(r, ['cache', ...(cell === 'lstm' ? ['cN'] : [])]) : pick(r, ['dx', ...(cell === 'lstm' ? ['dc0'] : [])]);
    const n = (args[out] as Float32Array).length;
    const both = new Float32Array(n + B * H);
    args.h0 = both.subarray(0, B * H);
    args[out] = both.subarray(B * H - 1, B * H - 1 + n);
  } else {
    const f = fields(cell, kind);
    const key = pick(r, Object.keys(f));
    const [n, nullable] = f[key];
    args[key] = badArray(r, n, nullable);
  }
  return { cell, kind, args };
}

const isArgError = (e: unknown): boolean => e instanceof TypeError || e instanceof RangeError;
const show = (c: Call): string => `${c.cell} ${c.kind} ${JSON.stringify(c.args, (_k, v) => (ArrayBuffer.isView(v) ? `${v.constructor.name}(${(v as Float32Array).length})` : v))}`;

describe('native LSTM/GRU argument checks', () => {
  it('the addon rejects 600 random wrong calls with TypeError/RangeError (sync and async)', () => {
    const r = seeded(99);
    for (let i = 0; i < 600; i++) {
      const call = mutate(r);
      const async = r() < 0.3;
      const fn = call.kind === 'forward'
        ? (async ? addon.recurrentForwardAsync : addon.recurrentForward)
        : (async ? addon.recurrentBackwardAsync : addon.recurrentBackward);
      let error: unknown = null;
      try {
        const ret = (fn as (...a: unknown[]) => unknown)(call.cell, call.args, 2);
        if (ret instanceof Promise) ret.catch(() => {});
      } catch (e) {
        error = e;
      }
      expect(isArgError(error), `call ${i}: ${String(error)} ${show(call)}`).toBe(true);
    }
  });

  it('the TS adapter rejects 400 random wrong calls before C++ (throws sync, rejects async)', async () => {
    const r = seeded(98);
    for (let i = 0; i < 400; i++) {
      const call = mutate(r);
      const async = r() < 0.3;
      let error: unknown = null;
      try {
        if (call.kind === 'forward') {
          if (async) await native.recurrentForwardAsync(call.cell, call.args as never);
          else native.recurrentForward(call.cell, call.args as never);
        } else if (async) await native.recurrentBackwardAsync(call.cell, call.args as never);
        else native.recurrentBackward(call.cell, call.args as never);
      } catch (e) {
        error = e;
      }
      expect(isArgError(error), `call ${i}: ${String(error)} ${show(call)}`).toBe(true);
    }
  });

  it('messages say what was expected and what was received', () => {
    const f = valid('lstm', 'forward');
    expect(() => native.recurrentForward('lstm', { ...f, cN: new Float32Array(3) } as never)).toThrow(/cN: expected a Float32Array of length 10, received one of length 3/);
    expect(() => addon.recurrentForward('lstm', { ...f, cN: new Float32Array(3) } as never)).toThrow(/cN: expected a Float32Array of length 10, received one of length 3/);
    const g = valid('gru', 'forward');
    expect(() => native.recurrentForward('gru', { ...g, c0: new Float32Array(10) } as never)).toThrow(/c0: expected null \(a GRU cell has no cell state\)/);
    expect(() => addon.recurrentForward('gru', { ...g, c0: new Float32Array(10) } as never)).toThrow(/c0: expected null \(a GRU cell has no cell state\)/);
    const b = valid('gru', 'backward');
    expect(() => native.recurrentBackward('gru', { ...b, cache: null } as never)).toThrow(/cache: expected a Float32Array of length 120, received null/);
    expect(() => addon.recurrentBackward('gru', { ...b, cache: null } as never)).toThrow(/cache: expected a Float32Array of length 120, received null/);
  });

  it('accepts every null the contract allows', () => {
    for (const cell of ['lstm', 'gru'] as const) {
      const f = valid(cell, 'forward');
      const optional = cell === 'lstm' ? ['cN', 'c0', 'h0', 'biasIh', 'biasHh'] : ['h0', 'biasIh', 'biasHh'];
      native.recurrentForward(cell, { ...f, ...Object.fromEntries(optional.map((k) => [k, null])) } as never);
      native.recurrentForward(cell, { ...f, cache: null } as never);
      const b = valid(cell, 'backward');
      const optionalB = cell === 'lstm' ? ['dc0', 'dcN', 'c0', 'h0', 'dy', 'dhN', 'dBiasIh', 'dBiasHh'] : ['h0', 'dy', 'dhN', 'dBiasIh', 'dBiasHh'];
      native.recurrentBackward(cell, { ...b, ...Object.fromEntries(optionalB.map((k) => [k, null])) } as never);
      // T = 0: the cache is empty, so null is fine too.
      native.recurrentBackward(cell, { ...b, T: 0, lengths: null, dx: new Float32Array(0), dy: null, y: new Float32Array(0), x: new Float32Array(0), cache: null } as never);
    }
  });

  it('still computes correctly afterwards', () => {
    for (const cell of ['lstm', 'gru'] as const) {
      const a = valid(cell, 'forward', 5), b = valid(cell, 'forward', 5);
      native.recurrentForward(cell, a as never);
      referenceBackend.recurrentForward(cell, b as never);
      expect(relativeError(a.y as Float32Array, b.y as Float32Array), cell).toBeLessThanOrEqual(1e-5);
    }
  });
});
