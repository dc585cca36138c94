// What a layer reuses between calls and what it hands over: returned tensors are fresh (a later call never
// changes them), internal buffers grow and shrink with the batch without changing results, lengths and
// initial states are copied, a forward replaces the previous one, the output's lengths feed a stacked
// layer, backward is repeatable, and the async path gives the sync results.
import { describe, expect, it } from 'vitest';
import { CELL_KINDS, createRecurrentLayer } from '../../src/layers/factory.js';
import type { RecurrentLayer, RecurrentOptions } from '../../src/layers/recurrent.js';
import type { CellKind } from '../../src/backend/backend.js';
import type { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/random.js';
import { relativeError } from '../helpers/gradcheck.js';
import { randomOf } from './ragged-helpers.js';

const I = 3;
const H = 4;

function make(cell: CellKind, options: Partial<RecurrentOptions> = {}): RecurrentLayer {
  return createRecurrentLayer(cell, { inputSize: I, hiddenSize: H, numLayers: 2, bidirectional: true, backend: 'reference', dtype: 'float64', seed: 21, ...options });
}

const copy = (t: Tensor | undefined): number[] => (t ? Array.from(t.data) : []);

function batch(seed: number, B: number, T: number, lengths: number[] | null): { x: Tensor; dOutput: Tensor; dhN: Tensor; lengths: number[] | null } {
  const rng = new Rng(seed);
  return { x: randomOf(rng, [B, T, I], 'float64'), dOutput: randomOf(rng, [B, T, 2 * H], 'float64'), dhN: randomOf(rng, [4, B, H], 'float64'), lengths };
}

/** Everything one forward + backward returns, as plain numbers. */
function runOnce(layer: RecurrentLayer, b: ReturnType<typeof batch>): number[][] {
  const out = layer.forward({ ...b.x, lengths: b.lengths });
  const g = layer.backward({ dOutput: b.dOutput, dhN: b.dhN });
  const grads = Object.values(layer.gradients()).map((t) => Array.from(t.data));
  layer.zeroGrad();
  return [copy(out.output), copy(out.hN), copy(out.cN), copy(g.dInput), copy(g.dh0), copy(g.dc0), ...grads];
}

describe.each(CELL_KINDS)('%s layer: ownership and reuse', (cell) => {
  it('returns fresh tensors: a later call leaves earlier results unchanged', () => {
    const layer = make(cell);
    const a = batch(1, 3, 5, [5, 2, 4]);
    const out = layer.forward({ ...a.x, lengths: a.lengths });
    const g = layer.backward({ dOutput: a.dOutput, dhN: a.dhN });
    const kept = [copy(out.output), copy(out.hN), copy(out.cN), copy(g.dInput), copy(g.dh0), copy(g.dc0)];
    const b = batch(2, 3, 5, [1, 5, 3]);
    layer.forward({ ...b.x, lengths: b.lengths });
    layer.backward({ dOutput: b.dOutput, dhN: b.dhN });
    expect([copy(out.output), copy(out.hN), copy(out.cN), copy(g.dInput), copy(g.dh0), copy(g.dc0)]).toEqual(kept);
  });

  it('gives a fresh layer\'s results while its internal buffers grow and shrink with the batch', () => {
    const layer = make(cell);
    const shapes: [number, number, number[] | null][] = [[4, 5, [5, 1, 3, 2]], [2, 3, null], [5, 7, [7, 7, 1, 6, 2]], [4, 5, [2, 5, 5, 1]], [1, 1, [1]]];
    shapes.forEach(([B, T, lengths], i) => {
      const fresh = make(cell);
      fresh.loadStateDict(layer.stateDict());
      const b = batch(10 + i, B, T, lengths);
      expect(runOnce(layer, b), `call ${i}: B ${B}, T ${T}`).toEqual(runOnce(fresh, b));
    });
  });

  it('copies lengths and h0/c0: changing the caller\'s arrays after forward does not change backward', () => {
    const b = batch(3, 3, 4, [4, 1, 3]);
    const rng = new Rng(4);
    const h0 = randomOf(rng, [4, 3, H], 'float64');
    const c0 = cell === 'lstm' ? randomOf(rng, [4, 3, H], 'float64') : null;
    const clean = make(cell);
    clean.forward({ ...b.x, lengths: b.lengths }, h0, c0);
    const want = clean.backward({ dOutput: b.dOutput, dhN: b.dhN });
    for (const kind of ['array', 'int32'] as const) {
      const layer = make(cell);
      const lengths = kind === 'array' ? [...b.lengths!] : Int32Array.from(b.lengths!);
      const h = { data: h0.data.slice(), shape: h0.shape };
      const c = c0 && { data: c0.data.slice(), shape: c0.shape };
      const out = layer.forward({ ...b.x, lengths }, h, c);
      expect(out.output.lengths).not.toBe(lengths);
      lengths[0] = 2;
      h.data.fill(9);
      c?.data.fill(9);
      (out.output.lengths as Int32Array)[1] = 4; // the returned copy is the caller's too
      const got = layer.backward({ dOutput: b.dOutput, dhN: b.dhN });
      expect(copy(got.dInput), kind).toEqual(copy(want.dInput));
      expect(copy(got.dh0), kind).toEqual(copy(want.dh0));
      expect(copy(got.dc0), kind).toEqual(copy(want.dc0));
    }
  });

  it('output carries lengths only when the input had them', () => {
    const layer = make(cell);
    const b = batch(5, 2, 3, null);
    expect(layer.forward(b.x).output.lengths).toBeUndefined();
    expect(Array.from(layer.forward({ ...b.x, lengths: [3, 1] }).output.lengths!)).toEqual([3, 1]);
  });

  it('a forward replaces the previous one: after an eval forward, backward asks for a training forward', () => {
    const layer = make(cell);
    const b = batch(6, 2, 3, [2, 3]);
    layer.forward({ ...b.x, lengths: b.lengths });
    layer.eval().forward({ ...b.x, lengths: b.lengths });
    expect(() => layer.backward({ dOutput: b.dOutput })).toThrow(/forward in training mode/);
  });

  it('backward is repeatable (with dropout): same dInput, parameter gradients doubled', () => {
    const layer = make(cell, { numLayers: 3, dropout: 0.3 });
    const b = batch(7, 3, 4, [4, 2, 1]);
    layer.forward({ ...b.x, lengths: b.lengths });
    const first = layer.backward({ dOutput: b.dOutput, dhN: null });
    const once = Object.values(layer.gradients()).map((t) => Array.from(t.data));
    const second = layer.backward({ dOutput: b.dOutput });
    expect(copy(second.dInput)).toEqual(copy(first.dInput));
    Object.values(layer.gradients()).forEach((t, k) => t.data.forEach((v, i) => expect(v).toBeCloseTo(2 * once[k][i], 12)));
  });

  it('the output (with its lengths) feeds a stacked layer like a two-layer stack', () => {
    const two = make(cell);
    const lower = make(cell, { numLayers: 1 });
    const upper = make(cell, { numLayers: 1, inputSize: 2 * H });
    const sd = two.stateDict();
    const part = (k: number): Record<string, Tensor> =>
      Object.fromEntries(Object.entries(sd).filter(([n]) => n.includes(`_l${k}`)).map(([n, v]) => [n.replace(`_l${k}`, '_l0'), v]));
    lower.loadStateDict(part(0));
    upper.loadStateDict(part(1));
    const b = batch(8, 3, 5, [5, 1, 3]);
    const want = two.forward({ ...b.x, lengths: b.lengths });
    const mid = lower.forward({ ...b.x, lengths: b.lengths });
    const got = upper.forward(mid.output);
    expect(relativeError(got.output.data, want.output.data)).toBeLessThanOrEqual(1e-12);
    const wantGrad = two.backward({ dOutput: b.dOutput });
    const dMid = upper.backward({ dOutput: b.dOutput });
    const gotGrad = lower.backward({ dOutput: dMid.dInput });
    expect(relativeError(gotGrad.dInput.data, wantGrad.dInput.data)).toBeLessThanOrEqual(1e-12);
  });

  it('forwardAsync/backwardAsync give the sync results', async () => {
    const b = batch(9, 3, 4, [3, 4, 1]);
    const sync = make(cell);
    const asyncLayer = make(cell);
    const want = runOnce(sync, b);
    const out = await asyncLayer.forwardAsync({ ...b.x, lengths: b.lengths });
    const g = await asyncLayer.backwardAsync({ dOutput: b.dOutput, dhN: b.dhN });
    const grads = Object.values(asyncLayer.gradients()).map((t) => Array.from(t.data));
    expect([copy(out.output), copy(out.hN), copy(out.cN), copy(g.dInput), copy(g.dh0), copy(g.dc0), ...grads]).toEqual(want);
  });
});
