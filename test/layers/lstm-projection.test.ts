// LSTM projections (PyTorch's proj_size) through the layer: the option's rules, PyTorch's parameter names,
// shapes and order (weight_hr after bias_hh), state shapes (h [L·D, B, P], c [L·D, B, H]), and the forward
// equal to a hand-written per-step loop (h_t = W_hr · (o ⊙ tanh c_t)) for 1–2 layers, both directions,
// ragged batches, batch-first and time-major.
import { describe, expect, it } from 'vitest';
import { LSTM } from '../../src/layers/lstm.js';
import { GRU } from '../../src/layers/gru.js';
import { RNN } from '../../src/layers/rnn.js';
import { createRecurrentLayer } from '../../src/layers/factory.js';
import type { StateDict } from '../../src/parameter.js';
import type { Tensor } from '../../src/tensor.js';
import { zeros } from '../../src/tensor.js';
import { Rng } from '../../src/random.js';
import { randomTensor, relativeError } from '../helpers/gradcheck.js';
import { expectError } from '../helpers/errors.js';


describe('LSTM projSize option', () => {
  it('defaults to 0 (no projection, no weight_hr) and accepts 0 explicitly on every layer', () => {
    expect(new LSTM({ inputSize: 2, hiddenSize: 3 }).projSize).toBe(0);
    expect(new GRU({ inputSize: 2, hiddenSize: 3, projSize: 0 }).projSize).toBe(0);
    expect(new RNN({ inputSize: 2, hiddenSize: 3, projSize: 0 }).stateSize).toBe(3);
    expect(Object.keys(new LSTM({ inputSize: 2, hiddenSize: 3, projSize: 0 }).stateDict()).some((k) => k.includes('hr'))).toBe(false);
  });

  it('must be an integer in [0, hiddenSize), as PyTorch requires', () => {
    const make = (projSize: unknown) => () => new LSTM({ inputSize: 2, hiddenSize: 4, projSize: projSize as number });
    expectError(make(4), RangeError, 'projSize', '[0, hiddenSize) = [0, 4)', 'smaller than hidden_size', 'received 4');
    expectError(make(9), RangeError, 'projSize', '[0, 4)', 'received 9');
    expectError(make(-1), RangeError, 'projSize', '>= 0', '-1');
    expectError(make(1.5), RangeError, 'projSize', 'integer', '1.5');
    expectError(make(NaN), RangeError, 'projSize', 'NaN');
    expectError(make('2'), TypeError, 'projSize', 'integer', '"2"');
    expectError(make(null), TypeError, 'projSize', 'null');
    expect(new LSTM({ inputSize: 2, hiddenSize: 4, projSize: 3 }).projSize).toBe(3);
    expect(new LSTM({ inputSize: 2, hiddenSize: 4, projSize: 1 }).stateSize).toBe(1);
  });

  it('is rejected by RNN and GRU (only LSTM has a projection)', () => {
    expectError(() => new GRU({ inputSize: 2, hiddenSize: 4, projSize: 2 }), RangeError, 'projSize', 'only LSTM', 'received projSize 2 for GRU');
    expectError(() => new RNN({ inputSize: 2, hiddenSize: 4, projSize: 1 }), RangeError, 'projSize', 'only LSTM', 'for RNN');
    expectError(() => createRecurrentLayer('rnn_relu', { inputSize: 2, hiddenSize: 4, projSize: 3 }), RangeError, 'only LSTM');
    expect(createRecurrentLayer('lstm', { inputSize: 2, hiddenSize: 4, projSize: 3 }).projSize).toBe(3);
  });
});

describe('LSTM with projSize: parameters and shapes', () => {
  const H = 5;
  const P = 2;
  const lstm = new LSTM({ inputSize: 3, hiddenSize: H, numLayers: 2, bidirectional: true, projSize: P, seed: 1, backend: 'reference' });

  it("has PyTorch's state_dict names, shapes and order (torch.nn.LSTM(3, 5, 2, bidirectional=True, proj_size=2))", () => {
    const sd = lstm.stateDict();
    const expected: [string, number[]][] = [];
    for (const k of [0, 1]) {
      for (const suffix of ['', '_reverse']) {
        expected.push(
          [`weight_ih_l${k}${suffix}`, [4 * H, k === 0 ? 3 : 2 * P]],
          [`weight_hh_l${k}${suffix}`, [4 * H, P]],
          [`bias_ih_l${k}${suffix}`, [4 * H]],
          [`bias_hh_l${k}${suffix}`, [4 * H]],
          [`weight_hr_l${k}${suffix}`, [P, H]],
        );
      }
    }
    expect(Object.entries(sd).map(([k, t]) => [k, t.shape])).toEqual(expected);
    expect(Object.keys(lstm.gradients())).toEqual(expected.map(([k]) => k));
  });

  it('without bias: weight_ih, weight_hh, weight_hr', () => {
    const nb = new LSTM({ inputSize: 3, hiddenSize: H, projSize: P, bias: false });
    expect(Object.entries(nb.stateDict()).map(([k, t]) => [k, t.shape])).toEqual([['weight_ih_l0', [4 * H, 3]], ['weight_hh_l0', [4 * H, P]], ['weight_hr_l0', [P, H]]]);
  });

  it('initialises every parameter, W_hr included, uniform(−1/√H, 1/√H) like PyTorch', () => {
    const bound = 1 / Math.sqrt(H);
    const big = new LSTM({ inputSize: 3, hiddenSize: H, projSize: P, seed: 3 });
    for (const [name, t] of Object.entries(big.stateDict())) {
      const values = Array.from(t.data);
      expect(Math.max(...values.map(Math.abs)), name).toBeLessThanOrEqual(bound);
      expect(new Set(values).size, name).toBeGreaterThan(values.length / 2);
    }
  });

  it('forward: output [B, T, D·P], hN [L·D, B, P], cN [L·D, B, H]; backward: dInput [B, T, I], dh0 [L·D, B, P], dc0 [L·D, B, H]', () => {
    const x = randomTensor(new Rng(1), [3, 4, 3]);
    const xs = { data: Float32Array.from(x.data), shape: x.shape };
    const { output, hN, cN } = lstm.forward(xs, zeros([4, 3, P]), zeros([4, 3, H]));
    expect(output.shape).toEqual([3, 4, 2 * P]);
    expect(hN.shape).toEqual([4, 3, P]);
    expect(cN!.shape).toEqual([4, 3, H]);
    const { dInput, dh0, dc0 } = lstm.backward({ dOutput: zeros([3, 4, 2 * P]), dhN: zeros([4, 3, P]), dcN: zeros([4, 3, H]) });
    expect(dInput.shape).toEqual([3, 4, 3]);
    expect(dh0.shape).toEqual([4, 3, P]);
    expect(dc0!.shape).toEqual([4, 3, H]);
  });

  it('checks h0/hN against [L·D, B, P] and c0/cN against [L·D, B, H], saying which', () => {
    const xs = zeros([3, 4, 3]);
    expectError(() => lstm.forward(xs, zeros([4, 3, H])), RangeError, 'forward(h0)', '[4, 3, 2]', '[4, 3, 5]');
    expectError(() => lstm.forward(xs, null, zeros([4, 3, P])), RangeError, 'forward(c0)', '[4, 3, 5]', '[4, 3, 2]');
    lstm.forward(xs);
    expectError(() => lstm.backward({ dOutput: zeros([3, 4, 2 * H]) }), RangeError, 'backward(dOutput)', '[3, 4, 4]', '[3, 4, 10]');
    expectError(() => lstm.backward({ dhN: zeros([4, 3, H]) }), RangeError, 'backward(dhN)', '[4, 3, 2]');
    expectError(() => lstm.backward({ dcN: zeros([4, 3, P]) }), RangeError, 'backward(dcN)', '[4, 3, 5]');
  });

  it('loadStateDict round-trips and rejects an unprojected state dict (and vice versa)', () => {
    const twin = new LSTM({ inputSize: 3, hiddenSize: H, numLayers: 2, bidirectional: true, projSize: P, seed: 9 });
    twin.loadStateDict(lstm.stateDict());
    for (const [k, t] of Object.entries(twin.stateDict())) expect(Array.from(t.data), k).toEqual(Array.from(lstm.stateDict()[k].data));
    const plain = new LSTM({ inputSize: 3, hiddenSize: H, numLayers: 2, bidirectional: true, seed: 9 });
    expectError(() => twin.loadStateDict(plain.stateDict()), RangeError, 'missing [weight_hr_l0');
    expectError(() => plain.loadStateDict(lstm.stateDict()), RangeError, 'unexpected [weight_hr_l0');
    const bad: StateDict = { ...lstm.stateDict(), weight_hr_l1: zeros([H, P]) };
    expectError(() => twin.loadStateDict(bad), RangeError, 'weight_hr_l1', '[2, 5]', '[5, 2]');
  });
});

/**
 * An independent, deliberately plain LSTM with projection (float64 arrays, one sequence and step at a time),
 * from the layer's state dict: per layer and direction, sequence b runs over its own length (forward from
 * t = 0, reverse from t = len−1), output rows past a length are 0. x is batch-first [B, T, I].
 */
function handLstm(sd: StateDict, o: { L: number; D: number; H: number; P: number; bias: boolean }, x: Tensor, lengths: number[], h0: Tensor | null, c0: Tensor | null) {
  const [B, T] = x.shape;
  const { L, D, H, P } = o;
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  let input = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => Array.from(x.data.subarray((b * T + t) * x.shape[2], (b * T + t + 1) * x.shape[2]))));
  const hN: number[] = new Array(L * D * B * P).fill(0);
  const cN: number[] = new Array(L * D * B * H).fill(0);
  for (let k = 0; k < L; k++) {
    const out = Array.from({ length: B }, () => Array.from({ length: T }, () => new Array(D * P).fill(0)));
    for (let d = 0; d < D; d++) {
      const sfx = `_l${k}${d ? '_reverse' : ''}`;
      const [wih, whh, whr] = ['weight_ih', 'weight_hh', 'weight_hr'].map((n) => sd[n + sfx].data);
      const bih = o.bias ? sd['bias_ih' + sfx].data : null;
      const bhh = o.bias ? sd['bias_hh' + sfx].data : null;
      const I = input[0][0].length;
      const s = k * D + d;
      for (let b = 0; b < B; b++) {
        let h = Array.from({ length: P }, (_, j) => (h0 ? h0.data[(s * B + b) * P + j] : 0));
        let c = Array.from({ length: H }, (_, j) => (c0 ? c0.data[(s * B + b) * H + j] : 0));
        for (let step = 0; step < lengths[b]; step++) {
          const t = d ? lengths[b] - 1 - step : step;
          const gate = (row: number) => {
            let v = (bih ? bih[row] : 0) + (bhh ? bhh[row] : 0);
            for (let i = 0; i < I; i++) v += wih[row * I + i] * input[b][t][i];
            for (let j = 0; j < P; j++) v += whh[row * P + j] * h[j];
            return v;
          };
          const ht: number[] = [];
          const cNext: number[] = [];
          for (let j = 0; j < H; j++) {
            const ig = sig(gate(j));
            const fg = sig(gate(H + j));
            const gg = Math.tanh(gate(2 * H + j));
            const og = sig(gate(3 * H + j));
            cNext.push(fg * c[j] + ig * gg);
            ht.push(og * Math.tanh(cNext[j]));
          }
          c = cNext;
          h = Array.from({ length: P }, (_, q) => ht.reduce((acc, v, j) => acc + whr[q * H + j] * v, 0));
          for (let q = 0; q < P; q++) out[b][t][d * P + q] = h[q];
        }
        for (let q = 0; q < P; q++) hN[(s * B + b) * P + q] = h[q];
        for (let j = 0; j < H; j++) cN[(s * B + b) * H + j] = c[j];
      }
    }
    input = out;
  }
  return { output: input.flat(2), hN, cN };
}

describe('LSTM with projSize equals a hand-written per-step computation', () => {
  const cases = [];
  for (const L of [1, 2])
    for (const bidirectional of [false, true])
      for (const batchFirst of [true, false]) cases.push({ L, bidirectional, batchFirst, P: L === 1 ? 1 : 3, bias: !(L === 2 && bidirectional && !batchFirst), init: bidirectional });

  it.each(cases)('%o', ({ L, bidirectional, batchFirst, P, bias, init }) => {
    const [B, T, I, H] = [4, 5, 3, 4];
    const D = bidirectional ? 2 : 1;
    const lengths = [3, 5, 1, 4];
    const rng = new Rng(L * 10 + D + (batchFirst ? 100 : 0));
    const lstm = new LSTM({ inputSize: I, hiddenSize: H, numLayers: L, bidirectional, batchFirst, projSize: P, bias, dtype: 'float64', seed: 4, backend: 'reference' });
    const x = randomTensor(rng, [B, T, I]);
    const h0 = init ? randomTensor(rng, [L * D, B, P]) : null;
    const c0 = init ? randomTensor(rng, [L * D, B, H]) : null;
    const swap = (t: Tensor): Tensor => {
      const [a, b2, f] = t.shape;
      const data = new Float64Array(t.data.length);
      for (let i = 0; i < a; i++) for (let j = 0; j < b2; j++) for (let k = 0; k < f; k++) data[(j * a + i) * f + k] = t.data[(i * b2 + j) * f + k];
      return { data, shape: [b2, a, f] };
    };
    const { output, hN, cN } = lstm.forward({ ...(batchFirst ? x : swap(x)), lengths }, h0, c0);
    const want = handLstm(lstm.stateDict(), { L, D, H, P, bias }, x, lengths, h0, c0);
    const got = batchFirst ? output : swap(output);
    expect(got.shape).toEqual([B, T, D * P]);
    expect(relativeError(got.data, want.output)).toBeLessThanOrEqual(1e-12);
    expect(relativeError(hN.data, want.hN)).toBeLessThanOrEqual(1e-12);
    expect(relativeError(cN!.data, want.cN)).toBeLessThanOrEqual(1e-12);
  });

  it('float32 on the reference engine agrees with float64 to 1e-5', () => {
    const opts = { inputSize: 3, hiddenSize: 6, numLayers: 2, bidirectional: true, projSize: 2, seed: 8, backend: 'reference' as const };
    const a = new LSTM({ ...opts, dtype: 'float64' });
    const b = new LSTM(opts);
    a.loadStateDict(b.stateDict()); // the same float32 values in both
    const x = randomTensor(new Rng(2), [2, 7, 3]);
    const ya = a.forward({ ...x, lengths: [7, 2] });
    const yb = b.forward({ data: Float32Array.from(x.data), shape: x.shape, lengths: [7, 2] });
    expect(relativeError(yb.output.data, ya.output.data)).toBeLessThanOrEqual(1e-5);
    expect(relativeError(yb.hN.data, ya.hN.data)).toBeLessThanOrEqual(1e-5);
  });
});
