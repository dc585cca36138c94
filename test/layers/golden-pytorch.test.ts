// Every PyTorch golden fixture (test/fixtures/make_golden.py) through every engine, batch-first and
// time-major: outputs, final states and all gradients within 1e-5 relative of PyTorch 1.13 (float32), or
// within 1e-6 for the float64 reference (the goldens are exact float64 results rounded once to float32).
// Includes LSTM projections (lstm_proj_p<P>_…: torch.nn.LSTM(..., proj_size=P), weight_hr's gradient too).
import { describe, expect, it } from 'vitest';
import { listGoldenFixtures, loadGoldenFixture, runGoldenLayer, type GoldenFixture } from '../helpers/golden.js';
import { testBackends } from '../helpers/backends.js';
import { relativeError } from '../helpers/gradcheck.js';
import { CELL_KINDS } from '../../src/layers/factory.js';
import type { Backend } from '../../src/backend/backend.js';
import type { DType } from '../../src/tensor.js';

const TOL = { float32: 1e-5, float64: 1e-6 };
const fixtures = listGoldenFixtures('layer');

function runFixture(f: GoldenFixture, backend: Backend, dtype: DType, batchFirst: boolean): void {
  const tol = TOL[dtype];
  const r = runGoldenLayer(f, backend, dtype, { batchFirst });
  expect(r.output.shape, 'output shape').toEqual(f.outputs.output.shape);
  expect(relativeError(r.output.data, f.outputs.output.data), 'output').toBeLessThanOrEqual(tol);
  expect(relativeError(r.hN.data, f.outputs.h_n.data), 'h_n').toBeLessThanOrEqual(tol);
  if (f.outputs.c_n) expect(relativeError(r.cN!.data, f.outputs.c_n.data), 'c_n').toBeLessThanOrEqual(tol);
  for (const name of Object.keys(f.params)) {
    expect(relativeError(r.grads[name].data, f.grads[name].data), `grad ${name}`).toBeLessThanOrEqual(tol);
  }
  expect(r.dInput.shape, 'grad x shape').toEqual(f.grads.x.shape);
  expect(relativeError(r.dInput.data, f.grads.x.data), 'grad x').toBeLessThanOrEqual(tol);
  if (f.grads.h0) expect(relativeError(r.dh0.data, f.grads.h0.data), 'grad h0').toBeLessThanOrEqual(tol);
  if (f.grads.c0) expect(relativeError(r.dc0!.data, f.grads.c0.data), 'grad c0').toBeLessThanOrEqual(tol);
}

describe('PyTorch golden fixtures', () => {
  it('covers every implemented cell, and no packed or one-step-cell fixture', () => {
    for (const cell of CELL_KINDS) expect(fixtures.some((n) => n.startsWith(`${cell}_`)), cell).toBe(true);
    expect(fixtures.filter((n) => n.includes('_packed_') || n.startsWith('cell_'))).toEqual([]);
  });
  it('covers LSTM projections (proj_size): 1–2 layers, both directions, with and without initial states and bias', () => {
    const proj = fixtures.filter((n) => n.startsWith('lstm_proj_'));
    for (const part of ['_l1uni_', '_l1bi_', '_l2uni_', '_l2bi_', '_init', '_nobias', '_p1_']) expect(proj.some((n) => n.includes(part)), part).toBe(true);
    expect(proj.some((n) => !n.includes('_init')), 'without initial state').toBe(true);
    for (const name of proj) {
      const { config, params } = loadGoldenFixture(name);
      expect(config.projSize, name).toBe(Number(/_p(\d+)_/.exec(name)![1]));
      expect(config.projSize! < config.hiddenSize, name).toBe(true);
      expect(params.weight_hr_l0.shape, name).toEqual([config.projSize, config.hiddenSize]);
    }
  });
  for (const batchFirst of [true, false]) {
    const layout = batchFirst ? 'batch-first' : 'time-major';
    for (const backend of testBackends()) {
      describe(`${backend.name} engine, float32, ${layout}`, () => {
        it.each(fixtures)('%s', (name) => runFixture(loadGoldenFixture(name), backend, 'float32', batchFirst));
      });
    }
    describe(`reference engine, float64, ${layout}`, () => {
      const [reference] = testBackends();
      it.each(fixtures)('%s', (name) => runFixture(loadGoldenFixture(name, { dtype: 'float64' }), reference, 'float64', batchFirst));
    });
  }
});
