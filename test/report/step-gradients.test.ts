// The report's per-step gradient probe: what it measures during a training step equals
// gradientNormsPerStep on the same sequences and upstream gradients (aligned on each sequence's end), in
// both layouts, and watching changes neither the step's result nor the parameter gradients.
import { describe, expect, it } from 'vitest';
import { LSTM } from '../../src/layers/lstm.js';
import { GRU } from '../../src/layers/gru.js';
import type { RecurrentLayer } from '../../src/layers/recurrent.js';
import { gradientNormsPerStep } from '../../src/diagnostics/gradient-norms.js';
import { Rng } from '../../src/random.js';
import { takeSequences, watchedLayer, withStepGradients } from '../../src/report/step-gradients.js';
import type { Tensor } from '../../src/tensor.js';

const T = 7;
const B = 5;
const I = 3;
const H = 4;
const LENGTHS = [7, 3, 5, 7, 2];

function random(shape: number[], seed: number): Tensor {
  const rng = new Rng(seed);
  return { data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)), shape };
}

/** One training step of the layer alone: forward, then backward with the given upstream gradients. */
function step(layer: RecurrentLayer, x: Tensor, dOutput: Tensor, dhN: Tensor, h0: Tensor) {
  return async () => {
    layer.train();
    await layer.forwardAsync({ ...x, lengths: LENGTHS }, h0, null);
    return layer.backwardAsync({ dOutput, dhN });
  };
}

describe.each([true, false])('withStepGradients (batchFirst %s)', (batchFirst) => {
  const make = () => new GRU({ inputSize: I, hiddenSize: H, numLayers: 2, bidirectional: true, batchFirst, seed: 4, backend: 'reference' });
  const axis = batchFirst ? 0 : 1;
  const x = random(batchFirst ? [B, T, I] : [T, B, I], 1);
  const dOutput = random(batchFirst ? [B, T, 2 * H] : [T, B, 2 * H], 2);
  const dhN = random([4, B, H], 3);
  const h0 = random([4, B, H], 4);

  it('measures what gradientNormsPerStep gives for the first S sequences, aligned on their ends', async () => {
    const S = 3;
    const layer = make();
    const { norms } = await withStepGradients(layer, S, 100, step(layer, x, dOutput, dhN, h0));
    const lengths = LENGTHS.slice(0, S);
    const want = gradientNormsPerStep(make(), { ...takeSequences(x, axis, S), lengths }, { dOutput: takeSequences(dOutput, axis, S), dhN: takeSequences(dhN, 1, S) }, { h0: takeSequences(h0, 1, S) });
    expect(norms!.sequences).toBe(S);
    expect(norms!.norms).toHaveLength(7);
    for (let k = 0; k < 7; k++) {
      const at = lengths.map((len, b) => (k < len ? want.perSequence[b][len - 1 - k] : null)).filter((v): v is number => v !== null);
      expect(norms!.norms[k]).toBeCloseTo(at.reduce((a, v) => a + v, 0) / at.length, 6);
    }
    // maxSteps cuts the steps kept
    const short = await withStepGradients(layer, S, 2, step(layer, x, dOutput, dhN, h0));
    expect(short.norms!.norms).toEqual(norms!.norms.slice(0, 2));
  });

  it('leaves the step alone: the same result and parameter gradients as unwatched, and the layer methods restored', async () => {
    const plain = make();
    const watched = make();
    const a = await step(plain, x, dOutput, dhN, h0)();
    const { result: b } = await withStepGradients(watched, 8, 100, step(watched, x, dOutput, dhN, h0));
    expect(Array.from(b.dInput.data)).toEqual(Array.from(a.dInput.data));
    const ga = plain.namedParameters();
    const gb = watched.namedParameters();
    ga.forEach((p, i) => expect(Array.from(gb[i].grad.data), p.name).toEqual(Array.from(p.grad.data)));
    expect(Object.hasOwn(watched, 'forwardAsync') || Object.hasOwn(watched, 'backward')).toBe(false);
  });
});

describe('watchedLayer and sample refusal', () => {
  it('finds model.rnn or model.encoder, and refuses a projected LSTM', () => {
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3, backend: 'reference' });
    expect(watchedLayer({ rnn: lstm })).toBe(lstm);
    expect(watchedLayer({ encoder: lstm })).toBe(lstm);
    expect(watchedLayer({ rnn: new LSTM({ inputSize: 2, hiddenSize: 3, projSize: 2, backend: 'reference' }) })).toBeNull();
    expect(watchedLayer({})).toBeNull();
  });

  it('gives no sample when the step calls the layer twice, and still passes the step\'s error on', async () => {
    const layer = new GRU({ inputSize: I, hiddenSize: H, seed: 1, backend: 'reference' });
    const x = random([2, 3, I], 5);
    const twice = await withStepGradients(layer, 8, 100, async () => {
      layer.train();
      layer.forward(x);
      layer.forward(x);
      return layer.backward({ dOutput: random([2, 3, H], 6) });
    });
    expect(twice.norms).toBeNull();
    await expect(withStepGradients(layer, 8, 100, async () => {
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(Object.hasOwn(layer, 'forward')).toBe(false);
  });

  it('puts back a method the instance itself held', async () => {
    const layer = new GRU({ inputSize: I, hiddenSize: H, seed: 1, backend: 'reference' });
    const mine = (...args: Parameters<GRU['forward']>) => GRU.prototype.forward.apply(layer, args);
    layer.forward = mine as GRU['forward'];
    await withStepGradients(layer, 8, 100, async () => null);
    expect(layer.forward).toBe(mine);
  });
});
