// Fuzz the seam: thousands of wrong calls — wrong types, wrong lengths, NaN/huge/negative sizes, detached,
// resizable and overlapping arrays, bad layouts (batchFirst, yStride, yOffset) and bad ragged lengths (wrong
// count, out of range, not an Int32Array) — straight into the addon (its own C++ checks) and through the TS
// adapter. Every one must throw a JS TypeError/RangeError (or reject, for the adapter's async methods),
// and the process must keep working afterwards.
import { describe, expect, it } from 'vitest';
import { loadNativeAddon, loadNativeBackend } from '../../src/backend/native.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { relativeError } from '../helpers/gradcheck.js';
import { backwardArgs, forwardArgs, pick, randomInputs, seeded, type Rand, type RnnConfig } from '../helpers/random.js';

const addon = loadNativeAddon();
const native = loadNativeBackend({ threads: 2 });
const cfg: RnnConfig = { cell: 'rnn_tanh', T: 3, B: 2, I: 4, H: 5, reverse: false, lengths: Int32Array.from([3, 1]), withH0: true, withBias: true, withDy: true, withDhN: true };
const inputs = randomInputs(cfg, 1);

function detached(n: number): Float32Array {
  const a = new Float32Array(n);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

function resizable(n: number): Float32Array {
  const Ctor = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
  return new Float32Array(new Ctor(n * 4, { maxByteLength: n * 8 + 8 }));
}

const sizeKeys = ['T', 'B', 'I', 'H'] as const;
const badSizes: unknown[] = [NaN, Infinity, -Infinity, -1, 1.5, '3', null, undefined, 2 ** 60, 2 ** 53, -0, {}, 1e9, 7];
const badScalars: unknown[] = [undefined, null, 0, 1, 'true', {}, [], NaN];
const badCells: unknown[] = [undefined, null, 5, '', 'RNN_TANH', 'lstmx', 'tanh', {}, [], new Float32Array(1)];
const badArgs: unknown[] = [undefined, null, 5, 'args', [], new Float32Array(3), () => 1];
const badThreads: unknown[] = [0, -1, 1.5, NaN, '2', 2000, null, {}];
const badLengths: unknown[] = [
  Int32Array.from([3]), Int32Array.from([3, 1, 2]), Int32Array.from([0, 1]), Int32Array.from([4, 1]), Int32Array.from([-1, 2]),
  Int32Array.from([2 ** 31 - 1, 1]), [3, 1], Float32Array.from([3, 1]), Uint32Array.from([3, 1]), 'lengths', 3, {}, new Int32Array(0),
];
const badStrides: unknown[] = [4, 0, -5, 5.5, NaN, '5', null, undefined, 2 ** 60];
const badOffsets: unknown[] = [-1, 1, 0.5, NaN, '0', null, undefined, 6];

/** A wrong replacement for the array field `key` whose correct length is n. */
function badArray(r: Rand, n: number, required: boolean): unknown {
  const options: (() => unknown)[] = [
    () => new Float32Array(n + 1),
    () => new Float64Array(n),
    () => new Int32Array(n),
    () => Array.from({ length: n }, () => 0),
    () => 42,
    () => 'floats',
    () => ({ length: n }),
    () => detached(n),
    () => resizable(n),
  ];
  if (n > 0) options.push(() => new Float32Array(n - 1), () => new Float32Array(0));
  if (required) options.push(() => null, () => undefined);
  return pick(r, options)();
}

type Call = { kind: 'forward' | 'backward'; cell: unknown; args: unknown; threads?: unknown };

function validCall(kind: 'forward' | 'backward'): { cell: string; args: Record<string, unknown> } {
  const f = forwardArgs(cfg, inputs);
  if (kind === 'forward') return { cell: cfg.cell, args: f as unknown as Record<string, unknown> };
  referenceBackend.recurrentForward(cfg.cell, f);
  return { cell: cfg.cell, args: backwardArgs(cfg, inputs, f.y, f.cache) as unknown as Record<string, unknown> };
}

const lengths = (kind: 'forward' | 'backward'): Record<string, [number, boolean]> => {
  const { T, B, I, H } = cfg;
  const common: Record<string, [number, boolean]> = {
    x: [T * B * I, true], h0: [B * H, false], weightIh: [H * I, true], weightHh: [H * H, true],
  };
  return kind === 'forward'
    ? { ...common, y: [T * B * H, true], hN: [B * H, true], biasIh: [H, false], biasHh: [H, false] }
    : { ...common, dx: [T * B * I, false], dh0: [B * H, true], dWeightIh: [H * I, true], dWeightHh: [H * H, true],
        dBiasIh: [H, false], dBiasHh: [H, false], dy: [T * B * H, false], dhN: [B * H, false], y: [T * B * H, true] };
};

/** One call with one or two guaranteed-invalid changes. */
function mutate(r: Rand, raw: boolean): Call {
  const kind = r() < 0.5 ? 'forward' : 'backward';
  const { cell, args } = validCall(kind);
  const call: Call = { kind, cell, args: { ...args } };
  const a = call.args as Record<string, unknown>;
  const fields = lengths(kind);
  const changes = r() < 0.8 ? 1 : 2;
  for (let c = 0; c < changes; c++) {
    const what = r();
    if (what < 0.08) call.cell = pick(r, badCells);
    else if (what < 0.12) call.args = pick(r, badArgs);
    else if (what < 0.3) a[pick(r, sizeKeys)] = pick(r, badSizes);
    else if (what < 0.33) a[pick(r, ['reverse', 'batchFirst'])] = pick(r, badScalars);
    else if (what < 0.36) {
      const which = r();
      if (which < 0.5) a.lengths = pick(r, badLengths);
      else if (which < 0.75) a.yStride = pick(r, badStrides);
      else a.yOffset = pick(r, badOffsets);
    }
    else if (what < 0.4) a[pick(r, kind === 'forward' ? ['cN', 'c0'] : ['dcN', 'dc0', 'c0'])] = new Float32Array(cfg.B * cfg.H);
    else if (what < 0.44) a.cache = pick(r, [new Float32Array(4), new Float64Array(0), 'cache', 3]);
    else if (what < 0.48 && raw) call.threads = pick(r, badThreads);
    else if (what < 0.54) {
      // An output that shares memory (one element) with the input x.
      const out = kind === 'forward' ? 'y' : 'dx';
      const nx = cfg.T * cfg.B * cfg.I, nOut = kind === 'forward' ? cfg.T * cfg.B * cfg.H : nx;
      const both = new Float32Array(nx + nOut);
      a.x = both.subarray(0, nx);
      a[out] = both.subarray(nx - 1, nx - 1 + nOut);
    } else {
      const key = pick(r, Object.keys(fields));
      const [n, required] = fields[key];
      a[key] = badArray(r, n, required);
    }
  }
  return call;
}

function isJsArgError(e: unknown): boolean {
  return e instanceof TypeError || e instanceof RangeError;
}

describe('native seam fuzz', () => {
  it('the addon itself rejects 2000 random wrong calls with TypeError/RangeError (sync and async entry points)', () => {
    const r = seeded(42);
    let n = 0;
    for (let i = 0; i < 2000; i++) {
      const call = mutate(r, true);
      const async = r() < 0.3;
      const fn = call.kind === 'forward'
        ? (async ? addon.recurrentForwardAsync : addon.recurrentForward)
        : (async ? addon.recurrentBackwardAsync : addon.recurrentBackward);
      let error: unknown = null;
      try {
        const ret = (fn as (...args: unknown[]) => unknown)(call.cell, call.args, ...(call.threads === undefined ? [] : [call.threads]));
        if (ret instanceof Promise) ret.catch(() => {});
      } catch (e) {
        error = e;
      }
      expect(isJsArgError(error), `call ${i}: ${String(error)} ${JSON.stringify(call, (_k, v) => (ArrayBuffer.isView(v) ? `${v.constructor.name}(${(v as Float32Array).length})` : v))}`).toBe(true);
      n++;
    }
    expect(n).toBe(2000);
  });

  it('the TS adapter rejects 1500 random wrong calls before C++ (throws sync, rejects async)', async () => {
    const r = seeded(7);
    for (let i = 0; i < 1500; i++) {
      const call = mutate(r, false);
      if (call.cell === 'lstm' || call.cell === 'gru') continue;
      const async = r() < 0.3;
      let error: unknown = null;
      try {
        if (call.kind === 'forward') {
          if (async) await native.recurrentForwardAsync(call.cell as 'rnn_tanh', call.args as never);
          else native.recurrentForward(call.cell as 'rnn_tanh', call.args as never);
        } else if (async) await native.recurrentBackwardAsync(call.cell as 'rnn_tanh', call.args as never);
        else native.recurrentBackward(call.cell as 'rnn_tanh', call.args as never);
      } catch (e) {
        error = e;
      }
      expect(isJsArgError(error), `call ${i}: ${String(error)}`).toBe(true);
    }
  });

  it('misuse of the other entry points throws JS errors too', () => {
    for (const t of badThreads) expect(() => addon.setThreads(t as number)).toThrow();
    for (const p of ['sse', '', 'AVX2', 5, null]) expect(() => addon.setSimdPath(p as 'avx2')).toThrow();
    const m = (...a: unknown[]) => () => (addon.matmul as (...x: unknown[]) => void)(...a);
    expect(m()).toThrow(TypeError);
    expect(m(new Float32Array(4), new Float32Array(4), new Float32Array(4), 2, 2, NaN)).toThrow(RangeError);
    expect(m(new Float32Array(4), new Float32Array(4), new Float32Array(3), 2, 2, 2)).toThrow(RangeError);
    const shared = new Float32Array(4);
    expect(m(shared, shared, new Float32Array(4), 2, 2, 2)).toThrow(RangeError);
  });

  it('accepts every valid variant of the new arguments (lengths null or in range, any layout)', () => {
    for (const lengths of [null, undefined, Int32Array.from([3, 3]), Int32Array.from([1, 3]), Int32Array.from([1, 1])]) {
      for (const batchFirst of [true, false]) {
        const c: RnnConfig = { ...cfg, batchFirst, lengths: lengths ?? null, yStride: 7, yOffset: 2 };
        const f = forwardArgs(c, randomInputs(c, 3));
        expect(() => native.recurrentForward(c.cell, { ...f, lengths: lengths as Int32Array | null })).not.toThrow();
        expect(() => native.recurrentBackward(c.cell, backwardArgs(c, randomInputs(c, 3), f.y, f.cache))).not.toThrow();
      }
    }
  });

  it('still computes correctly afterwards', () => {
    const c: RnnConfig = { ...cfg, T: 7, B: 3, I: 17, H: 33, lengths: Int32Array.from([2, 7, 5]) };
    const p = randomInputs(c, 9);
    const a = forwardArgs(c, p), b = forwardArgs(c, p);
    native.recurrentForward(c.cell, a);
    referenceBackend.recurrentForward(c.cell, b);
    expect(relativeError(a.y, b.y)).toBeLessThan(1e-5);
  });
});
