// Float64 central-difference gradient checks of every parameter, dInput, dh0 and dc0 of LSTM and GRU
// (reference engine; full and ragged batches, with x.lengths, batch-first and time-major), plus dropout
// between layers: identity in eval mode, seeded in training mode, backpropagated through its mask.
import { describe, expect, it } from 'vitest';
import { LSTM } from '../../src/layers/lstm.js';
import { GRU } from '../../src/layers/gru.js';
import type { RecurrentLayer, RecurrentOptions } from '../../src/layers/recurrent.js';
import { Rng } from '../../src/random.js';
import { dot, numericGradient, randomTensor, relativeError } from '../helpers/gradcheck.js';

const TOL = 1e-6;
const I = 2;
const H = 3;

type Cell = 'lstm' | 'gru';

function build(cell: Cell, options: Omit<RecurrentOptions, 'inputSize' | 'hiddenSize'>): RecurrentLayer {
  const o = { inputSize: I, hiddenSize: H, backend: 'reference' as const, ...options };
  return cell === 'lstm' ? new LSTM(o) : new GRU(o);
}

interface Config {
  cell: Cell;
  numLayers: number;
  bidirectional: boolean;
  B: number;
  T: number;
  bias: boolean;
  /** ragged batch (x.lengths), and the layout it is checked in */
  lengths?: number[];
  batchFirst?: boolean;
}

/** Every analytic gradient of the layer against central differences of loss = Σ out·dOut + Σ hN·dhN (+ Σ cN·dcN). */
function check({ cell, numLayers, bidirectional, B, T, bias, lengths, batchFirst = true }: Config): void {
  const rng = new Rng(B * 100 + T * 10 + numLayers + (bidirectional ? 5 : 0) + (cell === 'gru' ? 1000 : 0));
  const D = bidirectional ? 2 : 1;
  const layer = build(cell, { numLayers, bidirectional, bias, batchFirst, dtype: 'float64', seed: 7 });
  // Larger weights than the default init so gates leave their linear region and saturate a little.
  for (const p of layer.parameters()) for (let i = 0; i < p.value.data.length; i++) p.value.data[i] *= 2;
  const lstm = cell === 'lstm';
  const x = { ...randomTensor(rng, batchFirst ? [B, T, I] : [T, B, I]), lengths };
  const h0 = randomTensor(rng, [numLayers * D, B, H]);
  const c0 = lstm ? randomTensor(rng, [numLayers * D, B, H]) : null;
  const dOut = randomTensor(rng, batchFirst ? [B, T, D * H] : [T, B, D * H]);
  const dhN = randomTensor(rng, [numLayers * D, B, H]);
  const dcN = lstm ? randomTensor(rng, [numLayers * D, B, H]) : null;
  const loss = (): number => {
    const { output, hN, cN } = layer.forward(x, h0, c0);
    return dot(output, dOut) + dot(hN, dhN) + (cN && dcN ? dot(cN, dcN) : 0);
  };
  loss();
  layer.zeroGrad();
  const { dInput, dh0, dc0 } = layer.backward({ dOutput: dOut, dhN, dcN });
  const names = layer.parameters().map((p) => p.name);
  expect(names.length).toBe(numLayers * D * (bias ? 4 : 2));
  for (const p of layer.parameters()) {
    const G = lstm ? 4 : 3;
    expect(p.value.shape[0], p.name).toBe(G * H);
    expect(relativeError(p.grad.data, numericGradient(loss, p.value.data as Float64Array)), p.name).toBeLessThanOrEqual(TOL);
  }
  expect(relativeError(dInput.data, numericGradient(loss, x.data as Float64Array)), 'dInput').toBeLessThanOrEqual(TOL);
  expect(relativeError(dh0.data, numericGradient(loss, h0.data as Float64Array)), 'dh0').toBeLessThanOrEqual(TOL);
  if (lstm) {
    expect(dc0, 'dc0').toBeDefined();
    expect(relativeError(dc0!.data, numericGradient(loss, c0!.data as Float64Array)), 'dc0').toBeLessThanOrEqual(TOL);
  } else {
    expect(dc0).toBeUndefined();
  }
}

describe.each(['lstm', 'gru'] as const)('gradient check: %s (float64)', (cell) => {
  const configs: Config[] = [];
  for (const numLayers of [1, 2])
    for (const bidirectional of [false, true])
      for (const B of [1, 3])
        for (const T of [1, 3]) configs.push({ cell, numLayers, bidirectional, B, T, bias: true });

  it.each(configs)('%o', (c) => check(c));

  const ragged: Config[] = [];
  for (const numLayers of [1, 2])
    for (const bidirectional of [false, true])
      for (const batchFirst of [true, false]) ragged.push({ cell, numLayers, bidirectional, B: 3, T: 4, bias: true, lengths: [4, 1, 3], batchFirst });
  it.each(ragged)('with lengths %o', (c) => check(c));

  it.each([
    { cell, numLayers: 1, bidirectional: false, B: 2, T: 3, bias: false },
    { cell, numLayers: 2, bidirectional: true, B: 3, T: 3, bias: false },
  ])('bias=false %o', (c) => check(c));

  it('treats missing initial states and upstream gradients as zero', () => {
    const rng = new Rng(cell === 'lstm' ? 21 : 22);
    const layer = build(cell, { numLayers: 2, bidirectional: true, dtype: 'float64', seed: 1 });
    const x = randomTensor(rng, [2, 4, I]);
    const dhN = randomTensor(rng, [4, 2, H]);
    const loss = (): number => dot(layer.forward(x).hN, dhN);
    loss();
    const { dInput, dh0, dc0 } = layer.backward({ dhN });
    expect(relativeError(dInput.data, numericGradient(loss, x.data as Float64Array))).toBeLessThanOrEqual(TOL);
    for (const p of layer.parameters()) {
      expect(relativeError(p.grad.data, numericGradient(loss, p.value.data as Float64Array)), p.name).toBeLessThanOrEqual(TOL);
    }
    // With zero initial states, dh0 (and dc0) are still the true gradients at zero.
    const h0 = { data: new Float64Array(4 * 2 * H), shape: [4, 2, H] };
    const lossH = (): number => dot(layer.forward(x, h0).hN, dhN);
    expect(relativeError(dh0.data, numericGradient(lossH, h0.data))).toBeLessThanOrEqual(TOL);
    if (cell === 'lstm') {
      const c0 = { data: new Float64Array(4 * 2 * H), shape: [4, 2, H] };
      const lossC = (): number => dot(layer.forward(x, null, c0).hN, dhN);
      expect(relativeError(dc0!.data, numericGradient(lossC, c0.data))).toBeLessThanOrEqual(TOL);
    }
  });

  if (cell === 'lstm') {
    it('flows a gradient given only at cN (dcN) back to the input, h0 and c0', () => {
      const rng = new Rng(23);
      const layer = build(cell, { dtype: 'float64', seed: 2 });
      const x = randomTensor(rng, [2, 3, I]);
      const h0 = randomTensor(rng, [1, 2, H]);
      const c0 = randomTensor(rng, [1, 2, H]);
      const dcN = randomTensor(rng, [1, 2, H]);
      const loss = (): number => dot(layer.forward(x, h0, c0).cN!, dcN);
      loss();
      const { dInput, dh0, dc0 } = layer.backward({ dcN });
      expect(relativeError(dInput.data, numericGradient(loss, x.data as Float64Array)), 'dInput').toBeLessThanOrEqual(TOL);
      expect(relativeError(dh0.data, numericGradient(loss, h0.data as Float64Array)), 'dh0').toBeLessThanOrEqual(TOL);
      expect(relativeError(dc0!.data, numericGradient(loss, c0.data as Float64Array)), 'dc0').toBeLessThanOrEqual(TOL);
    });
  }

  it('accumulates gradients across backward calls until zeroGrad', () => {
    const rng = new Rng(24);
    const layer = build(cell, { dtype: 'float64', seed: 1 });
    const x = randomTensor(rng, [1, 3, I]);
    const dOut = randomTensor(rng, [1, 3, H]);
    layer.forward(x);
    layer.backward({ dOutput: dOut });
    const once = layer.parameters().map((p) => Float64Array.from(p.grad.data));
    layer.backward({ dOutput: dOut });
    layer.parameters().forEach((p, k) => once[k].forEach((v, i) => expect(p.grad.data[i]).toBeCloseTo(2 * v, 12)));
    layer.zeroGrad();
    expect(layer.parameters().every((p) => p.grad.data.every((v) => v === 0))).toBe(true);
  });
});

describe.each(['lstm', 'gru'] as const)('dropout between layers: %s', (cell) => {
  const rng = new Rng(31);
  const x = randomTensor(rng, [3, 5, I]);
  const opts = { numLayers: 3, bidirectional: true, dtype: 'float64' as const, seed: 5 };

  it('is the identity in eval mode', () => {
    const plain = build(cell, { ...opts, dropout: 0 }).eval();
    const dropped = build(cell, { ...opts, dropout: 0.5 });
    dropped.loadStateDict(plain.stateDict());
    dropped.eval();
    const a = plain.forward(x);
    const b = dropped.forward(x);
    expect(Array.from(b.output.data)).toEqual(Array.from(a.output.data));
    expect(Array.from(b.hN.data)).toEqual(Array.from(a.hN.data));
    if (cell === 'lstm') expect(Array.from(b.cN!.data)).toEqual(Array.from(a.cN!.data));
  });

  it('in training mode, two layers built with the same seed give identical outputs (and differ from eval)', () => {
    const a = build(cell, { ...opts, dropout: 0.5 });
    const b = build(cell, { ...opts, dropout: 0.5 });
    const ya = a.forward(x);
    const yb = b.forward(x);
    expect(Array.from(yb.output.data)).toEqual(Array.from(ya.output.data));
    expect(Array.from(yb.hN.data)).toEqual(Array.from(ya.hN.data));
    // The masks are seeded, so the backward passes agree too.
    const dOut = randomTensor(new Rng(32), ya.output.shape);
    const ga = a.backward({ dOutput: dOut });
    const gb = b.backward({ dOutput: dOut });
    expect(Array.from(gb.dInput.data)).toEqual(Array.from(ga.dInput.data));
    const evalOut = a.eval().forward(x).output;
    expect(relativeError(ya.output.data, evalOut.data)).toBeGreaterThan(1e-3);
  });

  it.each([{ lengths: undefined }, { lengths: [1, 3] }])('backpropagates through the same mask the forward used (%o)', ({ lengths }) => {
    const layer = build(cell, { numLayers: 2, bidirectional: true, dropout: 0.4, dtype: 'float64', seed: 9 });
    const xs = { ...randomTensor(new Rng(33), [2, 3, I]), lengths };
    const w = randomTensor(new Rng(34), [2, 3, 2 * H]);
    layer.forward(xs);
    const { dInput } = layer.backward({ dOutput: w });
    // Rebuild a layer with the same seed and freeze its first forward's masks by replaying the draw order:
    // each numeric probe reseeds, so every forward sees the masks the analytic pass saw.
    const probe = (): number => {
      const twin = build(cell, { numLayers: 2, bidirectional: true, dropout: 0.4, dtype: 'float64', seed: 9 });
      return dot(twin.forward(xs).output, w);
    };
    expect(relativeError(dInput.data, numericGradient(probe, xs.data as Float64Array))).toBeLessThanOrEqual(TOL);
  });
});
