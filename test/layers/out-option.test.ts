// The opt-in { out } call option and the layer's internal buffers: results written into caller-owned
// tensors are bit-identical to the default calls (stale out contents do not matter), a training loop reusing
// the same out tensors matches fresh layers step after step, other results stay untouched, bad out tensors
// are rejected with the argument named before anything is written, async calls honour it and the busy guard,
// and releaseBuffers() drops the workspace without changing later results.
import { describe, expect, it } from 'vitest';
import { CELL_KINDS, createRecurrentLayer } from '../../src/layers/factory.js';
import { LayerBusyError, type RecurrentLayer } from '../../src/layers/recurrent.js';
import type { Backend, CellKind } from '../../src/backend/backend.js';
import type { Tensor } from '../../src/tensor.js';
import { testBackends } from '../helpers/backends.js';
import { randomArray, randomLengths, seeded } from '../helpers/random.js';

const I = 5, H = 7, B = 4, T = 6;

const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));
const empty = (shape: number[], fill = NaN): Tensor => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill), shape });

function make(cell: CellKind, backend: Backend, numLayers = 2, bidirectional = true): RecurrentLayer {
  return createRecurrentLayer(cell, { inputSize: I, hiddenSize: H, numLayers, bidirectional, batchFirst: true, backend, seed: 5, projSize: cell === 'lstm' ? 4 : 0 });
}

function data(seed: number, layer: RecurrentLayer) {
  const r = seeded(seed);
  const LD = layer.numLayers * layer.numDirections, P = layer.stateSize, F = layer.numDirections * P;
  return {
    x: { data: randomArray(r, B * T * I), shape: [B, T, I], lengths: randomLengths(r, B, T) },
    h0: { data: randomArray(r, LD * B * P), shape: [LD, B, P] },
    dOutput: { data: randomArray(r, B * T * F), shape: [B, T, F] },
    dhN: { data: randomArray(r, LD * B * P), shape: [LD, B, P] },
    shapes: { output: [B, T, F], hN: [LD, B, P], cN: [LD, B, H], dInput: [B, T, I] },
  };
}

/** out tensors for every result the layer has, filled with NaN (stale contents). */
function outs(layer: RecurrentLayer, s: ReturnType<typeof data>['shapes']) {
  const lstm = layer.cell === 'lstm';
  return {
    forward: { output: empty(s.output), hN: empty(s.hN), ...(lstm ? { cN: empty(s.cN) } : {}) },
    backward: { dInput: empty(s.dInput), dh0: empty(s.hN), ...(lstm ? { dc0: empty(s.cN) } : {}) },
  };
}

describe('out option', () => {
  for (const backend of testBackends()) {
    for (const cell of CELL_KINDS) {
      it(`${backend.name} ${cell}: results land in the out tensors, bit-identical to the default calls`, () => {
        const a = make(cell, backend), b = make(cell, backend);
        const d = data(1, a);
        const o = outs(b, d.shapes);
        const full = a.forward(d.x, d.h0);
        const lean = b.forward(d.x, d.h0, null, { out: o.forward });
        expect(lean.output.data).toBe(o.forward.output.data);
        expect(lean.hN.data).toBe(o.forward.hN.data);
        expect(same(lean.output.data, full.output.data), 'output').toBe(true);
        expect(same(lean.hN.data, full.hN.data), 'hN').toBe(true);
        if (full.cN) expect(same(lean.cN!.data, full.cN.data), 'cN').toBe(true);
        expect(Array.from(lean.output.lengths ?? [])).toEqual(Array.from(d.x.lengths));
        const g = a.backward({ dOutput: d.dOutput, dhN: d.dhN });
        const gl = b.backward({ dOutput: d.dOutput, dhN: d.dhN }, { out: o.backward });
        expect(gl.dInput.data).toBe(o.backward.dInput.data);
        expect(gl.dInput.data.some((v) => v !== 0)).toBe(true);
        expect(same(gl.dInput.data, g.dInput.data), 'dInput (stale NaN contents are cleared)').toBe(true);
        expect(same(gl.dh0.data, g.dh0.data), 'dh0').toBe(true);
        if (g.dc0) expect(same(gl.dc0!.data, g.dc0.data), 'dc0').toBe(true);
        const ga = a.gradients(), gb = b.gradients();
        for (const name of Object.keys(ga)) expect(same(gb[name].data, ga[name].data), name).toBe(true);
      });
    }

    it(`${backend.name}: a loop reusing one set of out tensors matches fresh layers at every step`, () => {
      const looped = make('lstm', backend, 1, false);
      const s = data(0, looped).shapes;
      const states = { hN: empty(s.hN), cN: empty(s.cN) }, grads = { dh0: empty(s.hN), dc0: empty(s.cN) };
      for (let step = 0; step < 4; step++) {
        const fresh = make('lstm', backend, 1, false);
        fresh.loadStateDict(looped.stateDict());
        const d = data(10 + step, looped);
        const want = fresh.forward(d.x, null, null, { returnOutput: false });
        const wantG = fresh.backward({ dhN: d.dhN }, { inputGradient: false });
        looped.zeroGrad();
        const got = looped.forward(d.x, null, null, { returnOutput: false, out: states });
        const gotG = looped.backward({ dhN: d.dhN }, { inputGradient: false, out: grads });
        expect(same(got.hN.data, want.hN.data) && same(got.cN!.data, want.cN!.data), `states, step ${step}`).toBe(true);
        expect(same(gotG.dh0.data, wantG.dh0.data) && same(gotG.dc0!.data, wantG.dc0!.data), `state gradients, step ${step}`).toBe(true);
        const gf = fresh.gradients(), gl = looped.gradients();
        for (const name of Object.keys(gf)) expect(same(gl[name].data, gf[name].data), `${name}, step ${step}`).toBe(true);
        // an SGD step, so the next step runs on other weights
        for (const p of looped.parameters()) for (let i = 0; i < p.value.data.length; i++) p.value.data[i] -= 0.1 * p.grad.data[i];
      }
    });
  }

  it('leaves earlier results alone: only the out tensors of the current call are written', () => {
    const layer = make('gru', testBackends()[0]);
    const d = data(2, layer);
    const first = layer.forward(d.x);
    const kept = Array.from(first.output.data);
    const o = outs(layer, d.shapes);
    layer.forward(data(3, layer).x, null, null, { out: o.forward });
    expect(Array.from(first.output.data)).toEqual(kept);
    expect(o.forward.output.data.some(Number.isNaN)).toBe(false);
  });

  it('rejects bad out tensors with the argument named, before anything is written', () => {
    const layer = make('lstm', testBackends()[0], 1, false);
    const d = data(4, layer);
    const s = d.shapes;
    const before = layer.forward(d.x);
    const shared = new Float32Array(B * H);
    const bad: [unknown, RegExp, ErrorConstructor][] = [
      [{ hN: empty([9, B, 4]) }, /forward\(options\)\.out\.hN: expected shape \[1, 4, 4\], received \[9, 4, 4\]/, RangeError],
      [{ hN: { data: new Float64Array(16), shape: s.hN } }, /out\.hN: expected a Float32Array \(the layer's dtype\), received a Float64Array/, TypeError],
      [{ hx: empty(s.hN) }, /out: expected only the keys output, hN, cN, received unknown key "hx"/, TypeError],
      [5, /out: expected an object \{ output\?, hN\?, cN\? \}, received 5/, TypeError],
      [{ hN: d.h0 }, /out\.hN: expected memory of its own, received an array that shares memory with h0/, RangeError],
      [{ output: { data: d.x.data.subarray(0, B * T * 4), shape: s.output } }, /out\.output: .*shares memory with x/, RangeError],
      [{ hN: { data: shared.subarray(0, B * 4), shape: s.hN }, cN: { data: shared, shape: s.cN } }, /out\.cN: .*shares memory with out\.hN/, RangeError],
    ];
    for (const [out, message, kind] of bad) {
      expect(() => layer.forward(d.x, d.h0, null, { out } as never)).toThrow(kind);
      expect(() => layer.forward(d.x, d.h0, null, { out } as never)).toThrow(message);
    }
    expect(shared.every((v) => v === 0), 'a rejected call writes nothing').toBe(true);
    expect(() => layer.forward(d.x, null, null, { returnOutput: false, out: { output: empty(s.output) } })).toThrow(/out\.output: expected no tensor \(returnOutput is false\)/);
    const gru = make('gru', testBackends()[0], 1, false);
    expect(() => gru.forward(d.x, null, null, { out: { cN: empty([1, B, H]) } } as never)).toThrow(/out\.cN: expected no tensor \(only an LSTM has a cell state\)/);
    // backward: the forward above still stands, and its own arrays are protected
    const up = { dOutput: { data: randomArray(seeded(9), B * T * 4), shape: s.output } };
    expect(() => layer.backward(up, { inputGradient: false, out: { dInput: empty(s.dInput) } })).toThrow(/out\.dInput: expected no tensor \(inputGradient is false\)/);
    expect(() => layer.backward(up, { out: { dInput: d.x } })).toThrow(/out\.dInput: .*shares memory with the x of the training forward/);
    expect(() => layer.backward(up, { out: { dh0: { data: up.dOutput.data.subarray(0, B * 4), shape: s.hN } } })).toThrow(/out\.dh0: .*shares memory with dOutput/);
    expect(() => layer.backward(up, { out: { dh0: { data: before.output.data.subarray(0, B * 4), shape: s.hN } } })).toThrow(/shares memory with the output of the training forward/);
    const g = layer.backward(up);
    expect(g.dInput.data.some((v) => v !== 0)).toBe(true);
  });

  it('async calls write into out, and a call rejected as busy writes nothing', async () => {
    for (const backend of testBackends()) {
      const a = make('lstm', backend), b = make('lstm', backend);
      const d = data(6, a);
      const o = outs(b, d.shapes), other = outs(b, d.shapes);
      const want = a.forward(d.x, d.h0);
      const running = b.forwardAsync(d.x, d.h0, null, { out: o.forward });
      expect(() => b.forward(d.x, null, null, { out: other.forward })).toThrow(LayerBusyError);
      expect(() => b.releaseBuffers(), 'buffers in use by the running call stay').toThrow(LayerBusyError);
      await expect(b.backwardAsync({ dhN: d.dhN }, { out: other.backward })).rejects.toThrow(LayerBusyError);
      const got = await running;
      expect(got.hN.data).toBe(o.forward.hN.data);
      expect(same(got.output.data, want.output.data) && same(got.cN!.data, want.cN!.data)).toBe(true);
      expect(other.forward.hN.data.every(Number.isNaN) && other.backward.dh0.data.every(Number.isNaN)).toBe(true);
      const wantG = a.backward({ dhN: d.dhN });
      const gotG = await b.backwardAsync({ dhN: d.dhN }, { out: o.backward });
      expect(same(gotG.dInput.data, wantG.dInput.data) && same(gotG.dc0!.data, wantG.dc0!.data)).toBe(true);
    }
  });
});

describe('internal buffers', () => {
  it('releaseBuffers() drops the workspace; later calls give the same results', () => {
    for (const backend of testBackends()) {
      const layer = make('gru', backend);
      const d = data(7, layer);
      expect(layer.workspaceBytes).toBe(0);
      const first = layer.forward(d.x, null, null, { returnOutput: false });
      // two directions' caches of T·B·4H floats, the hidden layer's output and the unreturned last output
      const floats = 2 * 2 * T * B * 4 * H + 2 * T * B * 2 * H;
      expect(layer.workspaceBytes).toBe(floats * 4);
      const g1 = layer.backward({ dhN: d.dhN });
      layer.releaseBuffers();
      expect(layer.workspaceBytes).toBe(0);
      expect(() => layer.backward({ dhN: d.dhN })).toThrow(/call forward in training mode first/);
      layer.zeroGrad();
      const again = layer.forward(d.x, null, null, { returnOutput: false });
      const g2 = layer.backward({ dhN: d.dhN });
      expect(same(again.hN.data, first.hN.data) && same(g2.dInput.data, g1.dInput.data)).toBe(true);
    }
  });
});
