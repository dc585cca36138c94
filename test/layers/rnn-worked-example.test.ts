// The seed's worked example: two words through a 4→3 tanh RNN, checked to 1e-6.
import { describe, expect, it } from 'vitest';
import { RNN } from '../../src/layers/rnn.js';
import { tensor } from '../../src/tensor.js';

const W = [[0.1, 0.2, 0, -0.1], [-0.3, 0, 0.2, 0.1], [0.05, -0.2, 0.1, 0.2]];
const U = [[0.1, 0, 0.2], [0, 0.3, -0.1], [-0.2, 0.1, 0]];
const b = [0.01, -0.02, 0.03];
const xThis = [0.2, -0.1, 0.4, 0.6];
const xMovie = [0.7, 0.5, -0.3, 0.1];

describe('RNN: the seed worked example', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`gives h1 and h2 to 1e-6 (${dtype})`, () => {
      const rnn = new RNN({ inputSize: 4, hiddenSize: 3, backend: 'reference', dtype, seed: 1 });
      rnn.loadStateDict({
        weight_ih_l0: tensor(W, undefined, dtype),
        weight_hh_l0: tensor(U, undefined, dtype),
        bias_ih_l0: tensor(b, undefined, dtype),
        bias_hh_l0: tensor([0, 0, 0], undefined, dtype),
      });
      const { output, hN } = rnn.forward(tensor([[xThis, xMovie]], undefined, dtype));
      expect(output.shape).toEqual([1, 2, 3]);
      const h1 = Array.from(output.data.subarray(0, 3));
      const h2 = Array.from(output.data.subarray(3, 6));
      const want1 = [-0.049958, 0.059928, 0.216518];
      const want2 = [0.205346, -0.276301, -0.029007];
      want1.forEach((v, i) => expect(Math.abs(h1[i] - v)).toBeLessThanOrEqual(1e-6));
      want2.forEach((v, i) => expect(Math.abs(h2[i] - v)).toBeLessThanOrEqual(1e-6));
      expect(Array.from(hN.data)).toEqual(h2);
    });
  }
});
