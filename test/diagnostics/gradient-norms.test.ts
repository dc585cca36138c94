// gradientNormsPerStep is exact: ‖∂L/∂h_t‖ matches float64 central differences (h_t perturbed, the layer run
// on from step t with h0 = h_t ± ε), per direction; through stacked bidirectional ragged batches it agrees
// with the layer's own backward (dh0) and with each sequence run alone; the layer is left untouched.
import { describe, expect, it } from 'vitest';
import type { CellKind } from '../../src/backend/backend.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { createRecurrentLayer } from '../../src/layers/factory.js';
import type { RecurrentLayer } from '../../src/layers/recurrent.js';
import { LSTM } from '../../src/layers/lstm.js';
import { RNN } from '../../src/layers/rnn.js';
import type { Tensor } from '../../src/tensor.js';
import { allocate, dtypeOf } from '../../src/tensor.js';
import { gradientNormsPerStep } from '../../src/diagnostics/gradient-norms.js';
import { Rng } from '../../src/random.js';
import { numericGradient, relativeError } from '../helpers/gradcheck.js';
import { expectError } from '../helpers/errors.js';
import { testBackends } from '../helpers/backends.js';

const KINDS: CellKind[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];

function random(rng: Rng, shape: number[], dtype: 'float32' | 'float64' = 'float64'): Tensor {
  const data = allocate(dtype, shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
  return { data, shape };
}

/** Steps [from, to) of a batch-first [B, T, F] tensor, in time order or reversed. */
function steps(x: Tensor, from: number, to: number, reversed = false): Tensor {
  const [B, T, F] = x.shape;
  const out = allocate(dtypeOf(x.data), B * (to - from) * F);
  for (let b = 0; b < B; b++) {
    for (let s = from; s < to; s++) {
      const t = reversed ? T - 1 - s : s;
      out.set(x.data.subarray((b * T + t) * F, (b * T + t + 1) * F), (b * (to - from) + s - from) * F);
    }
  }
  return { data: out, shape: [B, to - from, F] };
}

/** Column block [offset, offset + n) of every row of a [B, T, F] tensor. */
function block(x: Tensor, offset: number, n: number): Tensor {
  const [B, T, F] = x.shape;
  const out = allocate(dtypeOf(x.data), B * T * n);
  for (let r = 0; r < B * T; r++) out.set(x.data.subarray(r * F + offset, r * F + offset + n), r * n);
  return { data: out, shape: [B, T, n] };
}

/** Row r of a [R, B, H] state tensor, as [1, B, H]. */
function stateRow(s: Tensor | null, r: number): Tensor | null {
  if (!s) return null;
  const [, B, H] = s.shape;
  return { data: s.data.slice(r * B * H, (r + 1) * B * H), shape: [1, B, H] };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function rowNorms(data: ArrayLike<number>, B: number, H: number, row = 0): number[] {
  return Array.from({ length: B }, (_, b) => Math.hypot(...Array.from(data).slice((row * B + b) * H, (row * B + b + 1) * H)));
}

/** Layer 0, direction d of `layer` as a one-direction float64 reference layer (batch-first). */
function directionLayer(layer: RecurrentLayer, d: number): RecurrentLayer {
  const single = createRecurrentLayer(layer.cell, { inputSize: layer.inputSize, hiddenSize: layer.hiddenSize, bias: layer.bias, dtype: 'float64', backend: referenceBackend });
  const sd = layer.stateDict();
  single.loadStateDict(Object.fromEntries(single.namedParameters().map((p) => [p.name, sd[p.name.replace('_l0', d === 1 ? '_l0_reverse' : '_l0')]])));
  return single;
}

describe('gradientNormsPerStep: ∂L/∂h_t against float64 central differences (reference engine)', () => {
  it.each(KINDS)('%s, bidirectional, with h0 (and c0), dOutput, dhN (and dcN)', (kind) => {
    const [T, B, I, H] = [4, 2, 3, 4];
    const rng = new Rng(KINDS.indexOf(kind) + 1);
    const layer = createRecurrentLayer(kind, { inputSize: I, hiddenSize: H, bidirectional: true, dtype: 'float64', backend: 'reference', seed: 9 });
    const lstm = kind === 'lstm';
    const x = random(rng, [B, T, I]);
    const h0 = random(rng, [2, B, H]);
    const c0 = lstm ? random(rng, [2, B, H]) : null;
    const dOutput = random(rng, [B, T, 2 * H]);
    const dhN = random(rng, [2, B, H]);
    const dcN = lstm ? random(rng, [2, B, H]) : null;
    const r = gradientNormsPerStep(layer, x, { dOutput, dhN, dcN }, { h0, c0 });
    expect(r.all.map((a) => a.direction)).toEqual(['forward', 'reverse']);

    for (const d of [0, 1]) {
      // Direction d seen in its own processing order: the reverse direction is a forward one on reversed time.
      const single = directionLayer(layer, d);
      const xs = steps(x, 0, T, d === 1);
      const dys = steps(block(dOutput, d * H, H), 0, T, d === 1);
      const [h0d, c0d, dhNd, dcNd] = [stateRow(h0, d), stateRow(c0, d), stateRow(dhN, d), stateRow(dcN, d)];
      for (let s = 0; s < T; s++) {
        const t = d === 1 ? T - 1 - s : s;
        const prefix = single.forward(steps(xs, 0, s + 1), h0d, c0d);
        const h = prefix.hN.data as Float64Array;
        const c = prefix.cN ?? null;
        const ownGradient = steps(dys, s, s + 1).data;
        const loss = (): number => {
          let L = dot(ownGradient, h);
          if (s === T - 1) return L + dot(dhNd!.data, h) + (c ? dot(dcNd!.data, c.data) : 0);
          const rest = single.forward(steps(xs, s + 1, T), prefix.hN, c);
          L += dot(steps(dys, s + 1, T).data, rest.output.data) + dot(dhNd!.data, rest.hN.data);
          return L + (rest.cN ? dot(dcNd!.data, rest.cN.data) : 0);
        };
        const numeric = rowNorms(numericGradient(loss, h), B, H);
        const computed = r.all[d].perSequence.map((row) => row[t]);
        expect(relativeError(computed, numeric), `direction ${d}, t = ${t}`).toBeLessThanOrEqual(1e-6);
      }
    }
  });
});

describe.each(testBackends().map((b) => [b.name, b] as const))('gradientNormsPerStep on the %s engine', (_name, backend) => {
  const [T, B, I, H, L] = [6, 4, 3, 5, 2];
  const lengths = [3, 6, 1, 4];

  function setup(kind: CellKind, seed: number) {
    const rng = new Rng(seed);
    const layer = createRecurrentLayer(kind, { inputSize: I, hiddenSize: H, numLayers: L, bidirectional: true, backend, seed });
    const lstm = kind === 'lstm';
    const x = { ...random(rng, [B, T, I], 'float32'), lengths };
    const h0 = random(rng, [2 * L, B, H], 'float32');
    const c0 = lstm ? random(rng, [2 * L, B, H], 'float32') : null;
    const grads = { dOutput: random(rng, [B, T, 2 * H], 'float32'), dhN: random(rng, [2 * L, B, H], 'float32'), dcN: lstm ? random(rng, [2 * L, B, H], 'float32') : null };
    return { layer, x, h0, c0, grads };
  }

  it.each(KINDS)('%s: 2 layers, bidirectional, ragged: ‖∂L/∂h0‖ of every layer·direction = ‖layer.backward(…).dh0‖', (kind) => {
    const { layer, x, h0, c0, grads } = setup(kind, 21);
    const r = gradientNormsPerStep(layer, x, grads, { h0, c0 });
    layer.forward(x, h0, c0);
    const { dh0 } = layer.backward(grads);
    expect(r.all.map((a) => [a.layer, a.direction])).toEqual([[0, 'forward'], [0, 'reverse'], [1, 'forward'], [1, 'reverse']]);
    for (let row = 0; row < 2 * L; row++) {
      expect(relativeError(r.all[row].initial, rowNorms(dh0.data, B, H, row)), `row ${row}`).toBeLessThanOrEqual(1e-4);
    }
    expect(r.perSequence).toBe(r.all[2].perSequence); // the top level is the last layer's forward direction
    expect(r.lengths).toEqual(lengths);
  });

  it.each(KINDS)('%s: a ragged batch gives each sequence the norms it gets alone; NaN at padded steps; mean over real steps', (kind) => {
    const { layer, x, h0, c0, grads } = setup(kind, 33);
    const r = gradientNormsPerStep(layer, x, grads, { h0, c0 });
    for (let b = 0; b < B; b++) {
      const len = lengths[b];
      const one = (t: Tensor | null, rows: boolean): Tensor | null => {
        if (!t) return null;
        if (rows) return { data: t.data.filter((_, i) => Math.floor(i / H) % B === b), shape: [2 * L, 1, H] };
        return steps({ data: t.data.slice(b * T * t.shape[2], (b + 1) * T * t.shape[2]), shape: [1, T, t.shape[2]] }, 0, len);
      };
      const alone = gradientNormsPerStep(layer, one(x, false)!, { dOutput: one(grads.dOutput, false), dhN: one(grads.dhN, true), dcN: one(grads.dcN, true) }, { h0: one(h0, true), c0: one(c0, true) });
      for (let i = 0; i < 2 * L; i++) {
        const row = r.all[i].perSequence[b];
        expect(relativeError(row.slice(0, len), alone.all[i].perSequence[0]), `sequence ${b}, layer·direction ${i}`).toBeLessThanOrEqual(1e-4);
        expect(row.slice(len).every(Number.isNaN)).toBe(true);
        expect(r.all[i].initial[b]).toBeCloseTo(alone.all[i].initial[0], 4);
      }
    }
    for (let t = 0; t < T; t++) {
      const real = r.perSequence.filter((_, b) => t < lengths[b]).map((row) => row[t]);
      expect(r.mean[t]).toBeCloseTo(real.reduce((a, v) => a + v, 0) / real.length, 6);
    }
  });

  it('time-major input gives the same norms as batch-first', () => {
    const { layer, x, grads } = setup('gru', 5);
    const tm = createRecurrentLayer('gru', { inputSize: I, hiddenSize: H, numLayers: L, bidirectional: true, batchFirst: false, backend });
    tm.loadStateDict(layer.stateDict());
    const transpose = (t: Tensor): Tensor => {
      const F = t.shape[2];
      const out = new Float32Array(t.data.length);
      for (let b = 0; b < B; b++) for (let s = 0; s < T; s++) out.set(t.data.subarray((b * T + s) * F, (b * T + s + 1) * F), (s * B + b) * F);
      return { data: out, shape: [T, B, F] };
    };
    const a = gradientNormsPerStep(layer, x, grads);
    const b = gradientNormsPerStep(tm, { ...transpose(x), lengths }, { ...grads, dOutput: transpose(grads.dOutput) });
    for (let i = 0; i < 2 * L; i++) expect(b.all[i].perSequence).toEqual(a.all[i].perSequence);
  });

  it('leaves the layer untouched: no parameter gradients, and a pending backward still undoes its own forward', () => {
    const { layer, x, h0, c0, grads } = setup('lstm', 8);
    layer.forward(x, h0, c0);
    const before = layer.stateDict();
    gradientNormsPerStep(layer, x, grads, { h0, c0 });
    for (const g of Object.values(layer.gradients())) expect(g.data.every((v) => v === 0)).toBe(true);
    expect(layer.stateDict()).toEqual(before);
    const pending = layer.backward(grads);
    layer.zeroGrad();
    layer.forward(x, h0, c0);
    expect(layer.backward(grads).dh0.data).toEqual(pending.dh0.data);
  });
});

describe('gradientNormsPerStep: bad arguments', () => {
  const rnn = new RNN({ inputSize: 3, hiddenSize: 4, backend: 'reference' });
  const x: Tensor = { data: new Float32Array(2 * 5 * 3), shape: [2, 5, 3] };

  it('names what it expected and what arrived', () => {
    expectError(() => gradientNormsPerStep({} as RecurrentLayer, x), TypeError, 'gradientNormsPerStep(layer)', 'RNN, LSTM or GRU', 'an object');
    expectError(() => gradientNormsPerStep(new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 2 }), x), RangeError, 'projSize 0', 'projSize 2');
    expectError(() => gradientNormsPerStep(rnn, { data: new Float32Array(8), shape: [2, 2, 2] }), RangeError, 'inputSize 3', '[2, 2, 2]');
    expectError(() => gradientNormsPerStep(rnn, x, { dhN: { data: new Float32Array(4), shape: [1, 1, 4] } }), RangeError, 'dhN', '[1, 2, 4]', '[1, 1, 4]');
    expectError(() => gradientNormsPerStep(rnn, { ...x, lengths: [6, 1] }), RangeError, 'lengths[0]', '6');
    expectError(() => gradientNormsPerStep(rnn, x, {}, { h: null } as never), TypeError, '{ h0?, c0? }', '"h"');
  });

  it('a loss with no gradient gives zeros everywhere', () => {
    const r = gradientNormsPerStep(rnn, x);
    expect(r.mean).toEqual([0, 0, 0, 0, 0]);
    expect(r.initial).toEqual([0, 0]);
  });
});

