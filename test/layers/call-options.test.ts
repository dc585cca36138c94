// forward(…, { returnOutput: false }) and backward(…, { inputGradient: false }): the same states and
// parameter gradients as the default calls, without the output sequence / dInput — on every engine and
// cell, ragged or not, 1–2 layers, both directions; bad options are rejected and change nothing.
import { describe, expect, it } from 'vitest';
import { CELL_KINDS, createRecurrentLayer } from '../../src/layers/factory.js';
import type { CellKind } from '../../src/backend/backend.js';
import { testBackends } from '../helpers/backends.js';
import { randomArray, randomLengths, seeded } from '../helpers/random.js';

const same = (a: Float32Array | Float64Array, b: Float32Array | Float64Array): boolean =>
  a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

function makePair(cell: CellKind, backend: ReturnType<typeof testBackends>[number], numLayers: number, bidirectional: boolean) {
  const options = { inputSize: 5, hiddenSize: 7, numLayers, bidirectional, batchFirst: true, backend, seed: 3, projSize: cell === 'lstm' && numLayers === 2 ? 4 : 0 };
  return [createRecurrentLayer(cell, options), createRecurrentLayer(cell, options)] as const;
}

describe('call options', () => {
  for (const backend of testBackends()) {
    for (const cell of CELL_KINDS) {
      it.each([[1, false], [2, true]] as const)(`${backend.name} ${cell}: %i layer(s), bidirectional %s — lean calls give the default calls' states and gradients`, (L, bi) => {
        const [a, b] = makePair(cell, backend, L, bi);
        const r = seeded(L * 10 + (bi ? 1 : 0));
        const B = 6, T = 8;
        const x = { data: randomArray(r, B * T * 5), shape: [B, T, 5], lengths: randomLengths(r, B, T) };
        const P = a.stateSize;
        const dhN = { data: randomArray(r, L * a.numDirections * B * P), shape: [L * a.numDirections, B, P] };
        const full = a.forward(x);
        const lean = b.forward(x, null, null, { returnOutput: false });
        expect('output' in lean).toBe(false);
        expect(same(lean.hN.data, full.hN.data), 'hN').toBe(true);
        if (full.cN) expect(same(lean.cN!.data, full.cN.data), 'cN').toBe(true);
        const gFull = a.backward({ dhN });
        const gLean = b.backward({ dhN }, { inputGradient: false });
        expect('dInput' in gLean).toBe(false);
        expect(gFull.dInput.data.some((v) => v !== 0)).toBe(true);
        expect(same(gLean.dh0.data, gFull.dh0.data), 'dh0').toBe(true);
        const ga = a.gradients(), gb = b.gradients();
        for (const name of Object.keys(ga)) expect(same(gb[name].data, ga[name].data), name).toBe(true);
      });
    }
  }

  it('async variants take the same options', async () => {
    for (const backend of testBackends()) {
      const [a] = makePair('gru', backend, 1, true);
      const x = { data: randomArray(seeded(1), 2 * 3 * 5), shape: [2, 3, 5] };
      const states = await a.forwardAsync(x, null, null, { returnOutput: false });
      expect('output' in states).toBe(false);
      const g = await a.backwardAsync({ dhN: { data: new Float32Array(2 * 2 * 7).fill(1), shape: [2, 2, 7] } }, { inputGradient: false });
      expect('dInput' in g).toBe(false);
    }
  });

  it('rejects bad options with the argument named, leaving the layer as it was', () => {
    const [a] = makePair('rnn_tanh', testBackends()[0], 1, false);
    const x = { data: new Float32Array(2 * 3 * 5), shape: [2, 3, 5] };
    expect(() => a.forward(x, null, null, { returnOutput: 'no' } as never)).toThrow(/returnOutput: expected a boolean, received "no"/);
    expect(() => a.forward(x, null, null, { outputs: false } as never)).toThrow(TypeError);
    expect(() => a.forward(x, null, null, 5 as never)).toThrow(/expected an options object, received 5/);
    expect(() => a.backward({})).toThrow(/call forward in training mode first/);
    a.forward(x);
    expect(() => a.backward({}, { inputGradient: 1 } as never)).toThrow(/inputGradient: expected a boolean, received 1/);
    expect(a.backward({}).dInput.shape).toEqual([2, 3, 5]);
  });
});
