// Every PyTorch golden fixture (test/fixtures/make_golden.py) through every engine: outputs, final states
// and all gradients within 1e-5 relative of PyTorch 1.13.
import { describe, expect, it } from 'vitest';
import { listGoldenFixtures, loadGoldenFixture, type GoldenFixture } from '../helpers/golden.js';
import { testBackends } from '../helpers/backends.js';
import { relativeError } from '../helpers/gradcheck.js';
import { CELL_KINDS, createRecurrentLayer } from '../../src/layers/factory.js';
import type { Backend } from '../../src/backend/backend.js';
import type { DType } from '../../src/tensor.js';

const TOL = 1e-5;
const fixtures = listGoldenFixtures().filter((name) => CELL_KINDS.some((c) => name.startsWith(`${c}_`)));

function runFixture(f: GoldenFixture, backend: Backend, dtype: DType): void {
  const c = f.config;
  const layer = createRecurrentLayer(c.cell, {
    inputSize: c.inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional,
    bias: c.bias, batchFirst: true, backend, dtype, seed: 0,
  });
  layer.loadStateDict(f.params);
  const { output, hN, cN } = layer.forward(f.inputs.x, f.inputs.h0, f.inputs.c0);
  expect(relativeError(output.data, f.outputs.output.data), 'output').toBeLessThanOrEqual(TOL);
  expect(relativeError(hN.data, f.outputs.h_n.data), 'h_n').toBeLessThanOrEqual(TOL);
  if (f.outputs.c_n) expect(relativeError(cN!.data, f.outputs.c_n.data), 'c_n').toBeLessThanOrEqual(TOL);
  const { dInput, dh0, dc0 } = layer.backward({ dOutput: f.upstream.d_output, dhN: f.upstream.d_h_n, dcN: f.upstream.d_c_n });
  const grads = layer.gradients();
  for (const name of Object.keys(f.params)) {
    expect(relativeError(grads[name].data, f.grads[name].data), `grad ${name}`).toBeLessThanOrEqual(TOL);
  }
  expect(relativeError(dInput.data, f.grads.x.data), 'grad x').toBeLessThanOrEqual(TOL);
  if (f.grads.h0) expect(relativeError(dh0.data, f.grads.h0.data), 'grad h0').toBeLessThanOrEqual(TOL);
  if (f.grads.c0) expect(relativeError(dc0!.data, f.grads.c0.data), 'grad c0').toBeLessThanOrEqual(TOL);
}

describe('PyTorch golden fixtures', () => {
  it('covers every implemented cell', () => {
    for (const cell of CELL_KINDS) expect(fixtures.some((n) => n.startsWith(`${cell}_`)), cell).toBe(true);
  });
  for (const backend of testBackends()) {
    describe(`${backend.name} engine, float32`, () => {
      it.each(fixtures)('%s', (name) => runFixture(loadGoldenFixture(name), backend, 'float32'));
    });
  }
  describe('reference engine, float64', () => {
    const [reference] = testBackends();
    it.each(fixtures)('%s', (name) => runFixture(loadGoldenFixture(name, { dtype: 'float64' }), reference, 'float64'));
  });
});
