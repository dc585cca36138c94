// Float64 central-difference gradient checks of an LSTM with a projection (PyTorch's proj_size) on the
// reference engine: every parameter (weight_hr included), dInput, dh0 [L·D, B, P] and dc0 [L·D, B, H], for
// 1–2 layers, both directions, full and ragged batches (x.lengths, unsorted, with 1 and T), batch-first and
// time-major, with and without bias, and with missing upstream gradients.
import { describe, expect, it } from 'vitest';
import { LSTM } from '../../src/layers/lstm.js';
import { Rng } from '../../src/random.js';
import { dot, numericGradient, randomTensor, relativeError } from '../helpers/gradcheck.js';

const TOL = 1e-6;
const I = 2;
const H = 4;

interface Config {
  numLayers: number;
  bidirectional: boolean;
  P: number;
  B: number;
  T: number;
  bias?: boolean;
  lengths?: number[];
  batchFirst?: boolean;
}

function check({ numLayers, bidirectional, P, B, T, bias = true, lengths, batchFirst = true }: Config): void {
  const rng = new Rng(1 + B * 100 + T * 10 + numLayers + P * 1000 + (bidirectional ? 5 : 0) + (lengths ? 7 : 0));
  const D = bidirectional ? 2 : 1;
  const LD = numLayers * D;
  const layer = new LSTM({ inputSize: I, hiddenSize: H, numLayers, bidirectional, projSize: P, bias, batchFirst, dtype: 'float64', seed: 11, backend: 'reference' });
  // Larger weights than the default init so gates leave their linear region.
  for (const p of layer.parameters()) for (let i = 0; i < p.value.data.length; i++) p.value.data[i] *= 2;
  const x = { ...randomTensor(rng, batchFirst ? [B, T, I] : [T, B, I]), lengths };
  const h0 = randomTensor(rng, [LD, B, P]);
  const c0 = randomTensor(rng, [LD, B, H]);
  const dOut = randomTensor(rng, batchFirst ? [B, T, D * P] : [T, B, D * P]);
  const dhN = randomTensor(rng, [LD, B, P]);
  const dcN = randomTensor(rng, [LD, B, H]);
  const loss = (): number => {
    const { output, hN, cN } = layer.forward(x, h0, c0);
    return dot(output, dOut) + dot(hN, dhN) + dot(cN!, dcN);
  };
  loss();
  layer.zeroGrad();
  const { dInput, dh0, dc0 } = layer.backward({ dOutput: dOut, dhN, dcN });
  const names = layer.parameters().map((p) => p.name);
  expect(names.filter((n) => n.startsWith('weight_hr_')).length).toBe(LD);
  expect(names.length).toBe(LD * (bias ? 5 : 3));
  for (const p of layer.parameters()) {
    const numeric = numericGradient(loss, p.value.data as Float64Array);
    expect(numeric.some((v) => Math.abs(v) > 1e-3), `${p.name} has a gradient worth checking`).toBe(true);
    expect(relativeError(p.grad.data, numeric), p.name).toBeLessThanOrEqual(TOL);
  }
  expect(relativeError(dInput.data, numericGradient(loss, x.data as Float64Array)), 'dInput').toBeLessThanOrEqual(TOL);
  expect(dh0.shape).toEqual([LD, B, P]);
  expect(relativeError(dh0.data, numericGradient(loss, h0.data as Float64Array)), 'dh0').toBeLessThanOrEqual(TOL);
  expect(dc0!.shape).toEqual([LD, B, H]);
  expect(relativeError(dc0!.data, numericGradient(loss, c0.data as Float64Array)), 'dc0').toBeLessThanOrEqual(TOL);
}

describe('gradient check: LSTM with projSize (float64)', () => {
  const full: Config[] = [];
  for (const numLayers of [1, 2])
    for (const bidirectional of [false, true])
      for (const P of [1, 3]) full.push({ numLayers, bidirectional, P, B: 2, T: 3 });
  it.each(full)('%o', (c) => check(c));

  const ragged: Config[] = [];
  for (const numLayers of [1, 2])
    for (const bidirectional of [false, true])
      for (const batchFirst of [true, false]) ragged.push({ numLayers, bidirectional, P: 2, B: 3, T: 4, lengths: [4, 1, 3], batchFirst });
  it.each(ragged)('with lengths %o', (c) => check(c));

  it.each([
    { numLayers: 1, bidirectional: false, P: 2, B: 2, T: 3, bias: false },
    { numLayers: 2, bidirectional: true, P: 1, B: 3, T: 3, bias: false, lengths: [2, 3, 1] },
  ])('bias=false %o', (c) => check(c));

  it('treats missing initial states and upstream gradients as zero (dh0 is the true gradient at zero)', () => {
    const rng = new Rng(77);
    const layer = new LSTM({ inputSize: I, hiddenSize: H, numLayers: 2, bidirectional: true, projSize: 3, dtype: 'float64', seed: 3, backend: 'reference' });
    const x = randomTensor(rng, [2, 4, I]);
    const dhN = randomTensor(rng, [4, 2, 3]);
    const loss = (): number => dot(layer.forward(x).hN, dhN);
    loss();
    const { dInput, dh0, dc0 } = layer.backward({ dhN });
    expect(relativeError(dInput.data, numericGradient(loss, x.data as Float64Array))).toBeLessThanOrEqual(TOL);
    for (const p of layer.parameters()) {
      expect(relativeError(p.grad.data, numericGradient(loss, p.value.data as Float64Array)), p.name).toBeLessThanOrEqual(TOL);
    }
    const h0 = { data: new Float64Array(4 * 2 * 3), shape: [4, 2, 3] };
    expect(relativeError(dh0.data, numericGradient(() => dot(layer.forward(x, h0).hN, dhN), h0.data))).toBeLessThanOrEqual(TOL);
    const c0 = { data: new Float64Array(4 * 2 * H), shape: [4, 2, H] };
    expect(relativeError(dc0!.data, numericGradient(() => dot(layer.forward(x, null, c0).hN, dhN), c0.data))).toBeLessThanOrEqual(TOL);
  });

  it('accumulates weight_hr gradients across backward calls until zeroGrad', () => {
    const layer = new LSTM({ inputSize: I, hiddenSize: H, projSize: 2, dtype: 'float64', seed: 1, backend: 'reference' });
    const x = randomTensor(new Rng(5), [1, 3, I]);
    const dOut = randomTensor(new Rng(6), [1, 3, 2]);
    layer.forward(x);
    layer.backward({ dOutput: dOut });
    const hr = layer.parameters().find((p) => p.name === 'weight_hr_l0')!;
    const once = Float64Array.from(hr.grad.data);
    expect(once.some((v) => v !== 0)).toBe(true);
    layer.backward({ dOutput: dOut });
    hr.grad.data.forEach((v, i) => expect(v).toBeCloseTo(2 * once[i], 12));
    layer.zeroGrad();
    expect(hr.grad.data.every((v) => v === 0)).toBe(true);
  });
});
