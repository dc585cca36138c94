// Float64 central-difference gradient checks of every parameter and input gradient of Embedding, RNN (also
// ragged, with x.lengths, batch-first and time-major) and Linear.
import { describe, expect, it } from 'vitest';
import { RNN } from '../../src/layers/rnn.js';
import { Linear } from '../../src/layers/linear.js';
import { Embedding } from '../../src/layers/embedding.js';
import { Rng } from '../../src/random.js';
import { dot, numericGradient, randomTensor, relativeError } from '../helpers/gradcheck.js';

const TOL = 1e-6;

describe('gradient check: RNN (float64)', () => {
  const configs: { nonlinearity: 'tanh' | 'relu'; numLayers: number; bidirectional: boolean; B: number; T: number; lengths?: number[]; batchFirst?: boolean }[] = [];
  for (const nonlinearity of ['tanh', 'relu'] as const)
    for (const numLayers of [1, 2])
      for (const bidirectional of [false, true])
        for (const B of [1, 3])
          for (const T of [1, 3]) configs.push({ nonlinearity, numLayers, bidirectional, B, T });

  for (const nonlinearity of ['tanh', 'relu'] as const)
    for (const numLayers of [1, 2])
      for (const bidirectional of [false, true])
        for (const batchFirst of [true, false]) configs.push({ nonlinearity, numLayers, bidirectional, B: 3, T: 4, lengths: [2, 4, 1], batchFirst });

  it.each(configs)('%o', ({ nonlinearity, numLayers, bidirectional, B, T, lengths, batchFirst = true }) => {
    const rng = new Rng(B * 100 + T * 10 + numLayers + (bidirectional ? 5 : 0));
    const I = 2;
    const H = 3;
    const D = bidirectional ? 2 : 1;
    const rnn = new RNN({ inputSize: I, hiddenSize: H, numLayers, bidirectional, nonlinearity, batchFirst, dtype: 'float64', seed: 7, backend: 'reference' });
    const x = { ...randomTensor(rng, batchFirst ? [B, T, I] : [T, B, I]), lengths };
    const h0 = randomTensor(rng, [numLayers * D, B, H]);
    const dOut = randomTensor(rng, batchFirst ? [B, T, D * H] : [T, B, D * H]);
    const dhN = randomTensor(rng, [numLayers * D, B, H]);
    const loss = (): number => {
      const { output, hN } = rnn.forward(x, h0);
      return dot(output, dOut) + dot(hN, dhN);
    };
    loss();
    rnn.zeroGrad();
    const { dInput, dh0 } = rnn.backward({ dOutput: dOut, dhN });
    for (const p of rnn.parameters()) {
      expect(relativeError(p.grad.data, numericGradient(loss, p.value.data as Float64Array)), p.name).toBeLessThanOrEqual(TOL);
    }
    expect(relativeError(dInput.data, numericGradient(loss, x.data as Float64Array)), 'dInput').toBeLessThanOrEqual(TOL);
    expect(relativeError(dh0.data, numericGradient(loss, h0.data as Float64Array)), 'dh0').toBeLessThanOrEqual(TOL);
  });

  it('treats a missing dOutput or dhN as zero', () => {
    const rng = new Rng(3);
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, dtype: 'float64', seed: 1 });
    const x = randomTensor(rng, [2, 4, 2]);
    const dhN = randomTensor(rng, [4, 2, 3]);
    const loss = (): number => dot(rnn.forward(x).hN, dhN);
    loss();
    const { dInput } = rnn.backward({ dhN });
    expect(relativeError(dInput.data, numericGradient(loss, x.data as Float64Array))).toBeLessThanOrEqual(TOL);
  });

  it('accumulates gradients across backward calls until zeroGrad', () => {
    const rng = new Rng(4);
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3, dtype: 'float64', seed: 1 });
    const x = randomTensor(rng, [1, 3, 2]);
    const dOut = randomTensor(rng, [1, 3, 3]);
    rnn.forward(x);
    rnn.backward({ dOutput: dOut });
    const once = Float64Array.from(rnn.parameters()[0].grad.data);
    rnn.backward({ dOutput: dOut });
    const twice = rnn.parameters()[0].grad.data;
    once.forEach((v, i) => expect(twice[i]).toBeCloseTo(2 * v, 12));
    rnn.zeroGrad();
    expect(rnn.parameters().every((p) => p.grad.data.every((v) => v === 0))).toBe(true);
  });
});

describe('gradient check: Linear (float64)', () => {
  it.each([{ bias: true }, { bias: false }])('%o', ({ bias }) => {
    const rng = new Rng(11);
    const lin = new Linear({ inFeatures: 4, outFeatures: 3, bias, dtype: 'float64', seed: 2 });
    const x = randomTensor(rng, [2, 5, 4]);
    const w = randomTensor(rng, [2, 5, 3]);
    const loss = (): number => dot(lin.forward(x), w);
    loss();
    const dx = lin.backward(w);
    for (const p of lin.parameters()) {
      expect(relativeError(p.grad.data, numericGradient(loss, p.value.data as Float64Array)), p.name).toBeLessThanOrEqual(TOL);
    }
    expect(relativeError(dx.data, numericGradient(loss, x.data as Float64Array))).toBeLessThanOrEqual(TOL);
  });
});

describe('gradient check: Embedding (float64)', () => {
  it('matches central differences, and the padding row gets no gradient', () => {
    const rng = new Rng(12);
    const emb = new Embedding({ numEmbeddings: 6, embeddingDim: 3, paddingIdx: 1, dtype: 'float64', seed: 3 });
    const ids = { data: [0, 1, 2, 2, 5, 1], shape: [2, 3] };
    const w = randomTensor(rng, [2, 3, 3]);
    const loss = (): number => dot(emb.forward(ids), w);
    loss();
    emb.backward(w);
    const numeric = numericGradient(loss, emb.weight.value.data as Float64Array);
    numeric.fill(0, 3, 6); // PyTorch semantics: padding_idx's row is excluded from the gradient
    expect(relativeError(emb.weight.grad.data, numeric)).toBeLessThanOrEqual(TOL);
    expect(Array.from(emb.weight.grad.data.subarray(3, 6))).toEqual([0, 0, 0]);
    expect(Array.from(emb.weight.value.data.subarray(3, 6))).toEqual([0, 0, 0]);
  });
});
