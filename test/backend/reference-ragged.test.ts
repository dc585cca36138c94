// The reference kernels on contract v2, one call at a time: ragged lengths decompose into independent
// single-sequence runs (PyTorch's packed semantics), y is written only in this direction's column block
// (zeros past a length), dx and parameter gradients accumulate, dh0/dc0 are overwritten, lengths = all T
// equals no lengths, and bad calls throw — for every cell, and for an LSTM with a projection (P < H).
import { describe, expect, it } from 'vitest';
import type { CellKind } from '../../src/backend/backend.js';
import { cacheSize, rowOf } from '../../src/backend/backend.js';
import { referenceBackend as ref } from '../../src/backend/reference/index.js';
import { relativeError } from '../helpers/gradcheck.js';
import { backwardArgs, describeConfig, forwardArgs, layoutOf, randomConfig, randomInputs, seeded, SENTINEL, type RnnConfig, type RnnInputs } from '../helpers/random.js';

const CELLS: CellKind[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];

function run(c: RnnConfig, p: RnnInputs): { f: ReturnType<typeof forwardArgs>; b: ReturnType<typeof backwardArgs> } {
  const f = forwardArgs(c, p);
  ref.recurrentForward(c.cell, f);
  const b = backwardArgs(c, p, f.y, f.cache);
  ref.recurrentBackward(c.cell, b);
  return { f, b };
}

/** Sequence b of a batch call as its own call: B = 1, T = lengths[b], plain layout, gradients from zero. */
function single(c: RnnConfig, p: RnnInputs, b: number): { c: RnnConfig; p: RnnInputs } {
  const { P, batchFirst, lengths, yStride, yOffset } = layoutOf(c);
  const { T, B, I, H } = c;
  const len = lengths ? lengths[b] : T;
  const rows = (src: Float32Array, width: number, offset: number, n: number): Float32Array => {
    const out = new Float32Array(len * n);
    for (let t = 0; t < len; t++) out.set(src.subarray(rowOf(batchFirst, T, B, t, b) * width + offset, rowOf(batchFirst, T, B, t, b) * width + offset + n), t * n);
    return out;
  };
  const row = (src: Float32Array | null, n: number): Float32Array | null => (src ? src.slice(b * n, (b + 1) * n) : null);
  const sc: RnnConfig = { ...c, T: len, B: 1, batchFirst: false, lengths: null, yStride: P, yOffset: 0 };
  const sp: RnnInputs = {
    ...p,
    x: rows(p.x, I, 0, I), h0: row(p.h0, P), c0: row(p.c0, H), dy: p.dy ? rows(p.dy, yStride, yOffset, P) : null,
    dhN: row(p.dhN, P), dcN: row(p.dcN, H), y0: new Float32Array(len * P), dx0: rows(p.dx0, I, 0, I), // dx starts where the batch's did
    dWeightIh0: new Float32Array(p.dWeightIh0.length), dWeightHh0: new Float32Array(p.dWeightHh0.length), dBias0: new Float32Array(p.dBias0.length),
    dWeightHr0: p.dWeightHr0 ? new Float32Array(p.dWeightHr0.length) : null,
  };
  return { c: sc, p: sp };
}

/** Every promise of the contract for one configuration, against B single-sequence calls. */
function checkAgainstSingles(c: RnnConfig, seed: number): void {
  const p = randomInputs(c, seed);
  const { f, b: g } = run(c, p);
  const { P, batchFirst, yStride, yOffset } = layoutOf(c);
  const { T, B, I, H } = c;
  const dW = [new Float64Array(p.dWeightIh0), new Float64Array(p.dWeightHh0), new Float64Array(p.dBias0), new Float64Array(p.dBias0), new Float64Array(p.dWeightHr0 ?? [])];
  for (let b = 0; b < B; b++) {
    const s = single(c, p, b);
    const { f: sf, b: sg } = run(s.c, s.p);
    const len = s.c.T;
    const at = (name: string): string => `${name}, sequence ${b} (length ${len})`;
    for (let t = 0; t < T; t++) {
      const yo = rowOf(batchFirst, T, B, t, b) * yStride;
      const xo = rowOf(batchFirst, T, B, t, b) * I;
      const yRow = Array.from(f.y.subarray(yo, yo + yStride));
      const before = Array.from(p.y0.subarray(yo, yo + yStride));
      // Columns outside the block are never touched.
      expect([...yRow.slice(0, yOffset), ...yRow.slice(yOffset + P)], at(`y outside the block, t ${t}`)).toEqual([...before.slice(0, yOffset), ...before.slice(yOffset + P)]);
      const block = yRow.slice(yOffset, yOffset + P);
      const dxRow = Array.from(g.dx!.subarray(xo, xo + I));
      if (t < len) {
        expect(block, at(`y, t ${t}`)).toEqual(Array.from(sf.y.subarray(t * P, (t + 1) * P)));
        expect(dxRow, at(`dx (+=), t ${t}`)).toEqual(Array.from(sg.dx!.subarray(t * I, (t + 1) * I)));
      } else {
        expect(block, at(`y past the length, t ${t}`)).toEqual(new Array(P).fill(0));
        expect(dxRow, at(`dx past the length (untouched), t ${t}`)).toEqual(Array.from(p.dx0.subarray(xo, xo + I)));
      }
    }
    const rowB = (a: Float32Array, n: number): number[] => Array.from(a.subarray(b * n, (b + 1) * n));
    expect(rowB(f.hN, P), at('hN')).toEqual(Array.from(sf.hN));
    expect(rowB(g.dh0, P), at('dh0')).toEqual(Array.from(sg.dh0));
    if (c.cell === 'lstm') {
      expect(rowB(f.cN!, H), at('cN')).toEqual(Array.from(sf.cN!));
      expect(rowB(g.dc0!, H), at('dc0')).toEqual(Array.from(sg.dc0!));
    }
    const none = new Float32Array(0);
    [sg.dWeightIh, sg.dWeightHh, sg.dBiasIh ?? none, sg.dBiasHh ?? none, sg.dWeightHr ?? none].forEach((d, k) => d.forEach((v, i) => (dW[k][i] += v)));
  }
  expect(relativeError(g.dWeightIh, dW[0]), 'dWeightIh = start + Σ singles').toBeLessThanOrEqual(1e-6);
  expect(relativeError(g.dWeightHh, dW[1]), 'dWeightHh = start + Σ singles').toBeLessThanOrEqual(1e-6);
  if (c.withBias) {
    expect(relativeError(g.dBiasIh!, dW[2]), 'dBiasIh = start + Σ singles').toBeLessThanOrEqual(1e-6);
    expect(relativeError(g.dBiasHh!, dW[3]), 'dBiasHh = start + Σ singles').toBeLessThanOrEqual(1e-6);
  }
  if (P < H) expect(relativeError(g.dWeightHr!, dW[4]), 'dWeightHr = start + Σ singles').toBeLessThanOrEqual(1e-6);
  else expect(g.dWeightHr, 'no projection: dWeightHr null').toBeNull();
}

describe('reference kernels: ragged batches equal single-sequence calls', () => {
  const grid: RnnConfig[] = [];
  for (const cell of CELLS)
    for (const reverse of [false, true])
      for (const batchFirst of [false, true])
        for (const init of [false, true])
          grid.push({
            cell, T: 6, B: 5, I: 3, H: 4, reverse, batchFirst, lengths: Int32Array.from([4, 6, 1, 3, 6]),
            yStride: init ? 9 : 4, yOffset: init ? 4 : 0,
            withH0: init, withC0: init, withBias: !init || cell === 'gru', withDy: true, withDhN: true, withDcN: true,
          });
  it.each(grid.map((c, i) => [describeConfig(c), i] as const))('%s', (_name, i) => checkAgainstSingles(grid[i], 100 + i));

  // LSTM projections (PyTorch's proj_size): h, y's block and W_hh's columns are P wide, c stays H wide.
  const projected: RnnConfig[] = [];
  for (const reverse of [false, true])
    for (const batchFirst of [false, true])
      for (const [P, init] of [[1, false], [3, true]] as const)
        projected.push({
          cell: 'lstm', T: 6, B: 5, I: 3, H: 4, P, reverse, batchFirst, lengths: Int32Array.from([4, 6, 1, 3, 6]),
          yStride: init ? 2 * P + 1 : P, yOffset: init ? P : 0,
          withH0: init, withC0: init, withBias: !init, withDy: true, withDhN: true, withDcN: true,
        });
  it.each(projected.map((c, i) => [describeConfig(c), i] as const))('%s', (_name, i) => checkAgainstSingles(projected[i], 300 + i));

  it('holds with missing upstream gradients (dy, dhN, dcN null)', () => {
    for (const cell of CELLS) {
      for (const [withDy, withDhN] of [[false, true], [true, false]]) {
        checkAgainstSingles({ cell, T: 5, B: 4, I: 2, H: 3, reverse: true, batchFirst: true, lengths: Int32Array.from([2, 5, 1, 4]), withH0: true, withC0: false, withBias: true, withDy, withDhN, withDcN: !withDhN }, 7);
      }
    }
  });

  it.each(Array.from({ length: 16 }, (_, i) => i))('random grid configuration %i', (i) => {
    const r = seeded(4242 + i);
    const c = randomConfig(r, CELLS);
    // Smaller than the native parity grid: this check runs B + 1 calls per configuration.
    const H = Math.min(c.H, 17);
    const P = c.P === undefined ? H : Math.max(1, Math.min(c.P, H - 1));
    const small = { ...c, T: Math.min(c.T, 9), B: Math.min(c.B, 6), I: Math.min(c.I, 17), H, P };
    const yStride = c.yStride === (c.P ?? c.H) ? P : P + 3;
    const lengths = c.lengths ? c.lengths.subarray(0, small.B).map((n) => Math.min(n, small.T)) : null;
    checkAgainstSingles({ ...small, yStride, yOffset: Math.min(c.yOffset ?? 0, yStride - P), lengths }, 900 + i);
  });

  it.each(Array.from({ length: 6 }, (_, i) => i))('random projected LSTM configuration %i', (i) => {
    const r = seeded(5151 + i);
    let c = randomConfig(r, ['lstm']);
    while (c.P === undefined || c.H > 17) c = randomConfig(r, ['lstm']); // the grid's projections, small enough
    const small = { ...c, T: Math.min(c.T, 9), B: Math.min(c.B, 6), I: Math.min(c.I, 17) };
    const lengths = c.lengths ? c.lengths.subarray(0, small.B).map((n) => Math.min(n, small.T)) : null;
    checkAgainstSingles({ ...small, lengths }, 950 + i);
  });
});

describe('reference kernels: contract details', () => {
  it.each(CELLS)('%s: lengths all T give bit-identical results to no lengths', (cell) => {
    const c: RnnConfig = { cell, T: 4, B: 3, I: 3, H: 5, reverse: true, batchFirst: true, withH0: true, withC0: true, withBias: true, withDy: true, withDhN: true, withDcN: true };
    const p = randomInputs(c, 3);
    const a = run(c, p);
    const b = run({ ...c, lengths: Int32Array.from([4, 4, 4]) }, p);
    for (const k of ['dx', 'dh0', 'dc0', 'dWeightIh', 'dWeightHh', 'dBiasIh', 'dBiasHh'] as const) expect(b.b[k], k).toEqual(a.b[k]);
    expect(b.f.y).toEqual(a.f.y);
    expect(b.f.hN).toEqual(a.f.hN);
  });

  it.each(CELLS)('%s: overwrites hN/cN/dh0/dc0 (they start at a sentinel) and accumulates across two backward calls', (cell) => {
    const c: RnnConfig = { cell, T: 3, B: 2, I: 2, H: 3, reverse: false, lengths: Int32Array.from([1, 3]), withH0: false, withBias: true, withDy: true, withDhN: false };
    const p = randomInputs(c, 5);
    const { f, b } = run(c, p);
    expect(Array.from(f.hN).includes(SENTINEL)).toBe(false);
    expect(Array.from(b.dh0).includes(SENTINEL)).toBe(false);
    if (cell === 'lstm') expect(Array.from(b.dc0!).concat(Array.from(f.cN!)).includes(SENTINEL)).toBe(false);
    const once = Float64Array.from(b.dWeightIh, (v, i) => v - p.dWeightIh0[i]);
    const dh0 = b.dh0.slice();
    ref.recurrentBackward(cell, b);
    b.dWeightIh.forEach((v, i) => expect(v - p.dWeightIh0[i]).toBeCloseTo(2 * once[i], 5));
    expect(b.dh0, 'dh0 overwritten, not accumulated').toEqual(dh0);
  });

  it.each(['lstm', 'gru'] as const)('%s: backward without the training cache throws a RangeError saying so', (cell) => {
    const c: RnnConfig = { cell, T: 2, B: 2, I: 2, H: 2, reverse: false, withH0: false, withBias: true, withDy: true, withDhN: false };
    const p = randomInputs(c, 1);
    const f = forwardArgs(c, p, { training: false });
    ref.recurrentForward(cell, f);
    expect(() => ref.recurrentBackward(cell, backwardArgs(c, p, f.y, null))).toThrow(RangeError);
    expect(() => ref.recurrentBackward(cell, backwardArgs(c, p, f.y, null))).toThrow(/training cache.*received null/);
    const short = new Float32Array(cacheSize(cell, 2, 2, 2) - 1);
    expect(() => ref.recurrentForward(cell, { ...forwardArgs(c, p), cache: short })).toThrow(/cacheSize = \d+ floats.*received \d+ floats/);
  });

  it('forward without a cache gives the same y and hN as with one', () => {
    for (const cell of CELLS) {
      const c: RnnConfig = { cell, T: 4, B: 3, I: 2, H: 3, reverse: true, batchFirst: true, lengths: Int32Array.from([2, 4, 1]), withH0: true, withC0: true, withBias: true, withDy: true, withDhN: true };
      const p = randomInputs(c, 9);
      const a = forwardArgs(c, p);
      const b = forwardArgs(c, p, { training: false });
      ref.recurrentForward(cell, a);
      ref.recurrentForward(cell, b);
      expect(b.y, cell).toEqual(a.y);
      expect(b.hN, cell).toEqual(a.hN);
    }
  });

  it('runs T = 0 without lengths: hN = h0, dh0 = dhN', () => {
    const c: RnnConfig = { cell: 'lstm', T: 0, B: 2, I: 3, H: 2, reverse: false, withH0: true, withC0: true, withBias: true, withDy: false, withDhN: true, withDcN: true };
    const p = randomInputs(c, 2);
    const { f, b } = run(c, p);
    expect(f.hN).toEqual(p.h0);
    expect(f.cN).toEqual(p.c0);
    expect(b.dh0).toEqual(p.dhN);
    expect(b.dc0).toEqual(p.dcN);
  });

  it('checks the projection fields: P = H and no weightHr for RNN/GRU/plain LSTM; 1 ≤ P < H with weightHr [P, H] for a projected LSTM', () => {
    const rnn: RnnConfig = { cell: 'gru', T: 2, B: 2, I: 2, H: 3, reverse: false, withH0: false, withBias: true, withDy: true, withDhN: false };
    const fg = forwardArgs(rnn, randomInputs(rnn, 1));
    expect(() => ref.recurrentForward('gru', { ...fg, P: 2 })).toThrow(RangeError);
    expect(() => ref.recurrentForward('gru', { ...fg, P: 2 })).toThrow(/gru forward: expected P = H = 3 \(only an LSTM has a projection, P < H\), received P = 2/);
    expect(() => ref.recurrentForward('rnn_tanh', { ...fg, weightHr: new Float32Array(9) })).toThrow(/rnn_tanh forward: expected weightHr null \(no projection: P = H = 3\), received a Float32Array of length 9/);
    expect(() => ref.recurrentForward('gru', { ...fg, P: undefined as unknown as number })).toThrow(TypeError);
    const lstm: RnnConfig = { ...rnn, cell: 'lstm', P: 2 };
    const p = randomInputs(lstm, 2);
    const f = forwardArgs(lstm, p);
    expect(() => ref.recurrentForward('lstm', { ...f, weightHr: null })).toThrow(TypeError);
    expect(() => ref.recurrentForward('lstm', { ...f, weightHr: null })).toThrow(/lstm forward: expected weightHr a Float32Array or Float64Array of P·H = 6 floats \(projection P = 2 < H = 3\), received null/);
    expect(() => ref.recurrentForward('lstm', { ...f, weightHr: new Float32Array(5) })).toThrow(/expected weightHr \[P, H\] = \[2, 3\] \(6 floats\), received a Float32Array of length 5/);
    expect(() => ref.recurrentForward('lstm', { ...f, P: 4 })).toThrow(/lstm forward: expected P an integer in \[1, H\] = \[1, 3\], received 4/);
    expect(() => ref.recurrentForward('lstm', { ...f, P: 0 })).toThrow(RangeError);
    expect(() => ref.recurrentForward('lstm', { ...f, P: 3 })).toThrow(/expected weightHr null \(no projection: P = H = 3\)/);
    ref.recurrentForward('lstm', f);
    const b = backwardArgs(lstm, p, f.y, f.cache);
    expect(() => ref.recurrentBackward('lstm', { ...b, dWeightHr: null })).toThrow(/lstm backward: expected dWeightHr a Float32Array or Float64Array of P·H = 6 floats .*received null/);
    expect(() => ref.recurrentBackward('lstm', { ...b, weightHr: null })).toThrow(/lstm backward: expected weightHr/);
    const plain: RnnConfig = { ...rnn, cell: 'lstm' };
    const q = randomInputs(plain, 3);
    const fp = forwardArgs(plain, q);
    ref.recurrentForward('lstm', fp);
    expect(() => ref.recurrentBackward('lstm', { ...backwardArgs(plain, q, fp.y, fp.cache), dWeightHr: new Float32Array(9) })).toThrow(/lstm backward: expected dWeightHr null/);
  });

  it('a projected LSTM needs the larger cache (T·B·6H) and writes only its P-wide block of y', () => {
    const c: RnnConfig = { cell: 'lstm', T: 3, B: 2, I: 2, H: 4, P: 2, reverse: true, batchFirst: true, lengths: Int32Array.from([3, 1]), yStride: 5, yOffset: 1, withH0: true, withC0: true, withBias: true, withDy: true, withDhN: true, withDcN: true };
    const p = randomInputs(c, 4);
    expect(cacheSize('lstm', 3, 2, 4, 2)).toBe(3 * 2 * 6 * 4);
    expect(() => ref.recurrentForward('lstm', { ...forwardArgs(c, p), cache: new Float32Array(cacheSize('lstm', 3, 2, 4)) })).toThrow(/cacheSize = 144 floats.*received 120 floats/);
    const { f, b } = run(c, p);
    expect(f.hN.length).toBe(2 * 2);
    expect(f.cN!.length).toBe(2 * 4);
    for (let r = 0; r < 6; r++) {
      expect(f.y[r * 5], `column 0, row ${r}`).toBe(p.y0[r * 5]);
      expect(Array.from(f.y.subarray(r * 5 + 3, r * 5 + 5)), `columns 3-4, row ${r}`).toEqual(Array.from(p.y0.subarray(r * 5 + 3, r * 5 + 5)));
    }
    expect(Array.from(f.hN).concat(Array.from(b.dh0), Array.from(b.dc0!), Array.from(f.cN!)).includes(SENTINEL)).toBe(false);
    expect(b.dWeightHr!.some((v, i) => v !== p.dWeightHr0![i])).toBe(true);
  });

  it('rejects bad lengths and a bad y block', () => {
    const c: RnnConfig = { cell: 'rnn_tanh', T: 3, B: 2, I: 2, H: 2, reverse: false, withH0: false, withBias: true, withDy: true, withDhN: false };
    const f = forwardArgs(c, randomInputs(c, 1));
    expect(() => ref.recurrentForward('rnn_tanh', { ...f, lengths: Int32Array.from([1, 4]) })).toThrow(/lengths\[1\] in \[1, T\] = \[1, 3\], received 4/);
    expect(() => ref.recurrentForward('rnn_tanh', { ...f, lengths: Int32Array.from([0, 1]) })).toThrow(RangeError);
    expect(() => ref.recurrentForward('rnn_tanh', { ...f, lengths: Int32Array.from([1]) })).toThrow(/B = 2 lengths, received an? Int32Array of length 1/);
    expect(() => ref.recurrentForward('rnn_tanh', { ...f, lengths: [1, 2] as unknown as Int32Array })).toThrow(TypeError);
    expect(() => ref.recurrentForward('rnn_tanh', { ...f, yStride: 1 })).toThrow(/yStride an integer >= P = 2, received 1/);
    expect(() => ref.recurrentForward('rnn_tanh', { ...f, yStride: 3, yOffset: 2 })).toThrow(/yOffset .* \[0, 1\], received 2/);
  });
});
