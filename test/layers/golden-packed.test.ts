// Ragged batches against PyTorch: every packed golden fixture (pack_padded_sequence(enforce_sorted=False)
// → RNN/LSTM/GRU → pad_packed_sequence(total_length=T), test/fixtures/make_golden.py) through every engine,
// batch-first and time-major, with x.lengths. Outputs, each sequence's own final states and all gradients
// within 1e-5 relative (float32) / 1e-6 (float64 reference); output and grad-x rows past a length exactly 0,
// although the fixture's d_output there is nonzero (PyTorch ignores it, so must we). Includes LSTM
// projections (lstm_packed_proj_p<P>_…, proj_size = P).
import { describe, expect, it } from 'vitest';
import { listGoldenFixtures, loadGoldenFixture, runGoldenLayer, type GoldenFixture } from '../helpers/golden.js';
import { testBackends } from '../helpers/backends.js';
import { relativeError } from '../helpers/gradcheck.js';
import { CELL_KINDS } from '../../src/layers/factory.js';
import type { Backend } from '../../src/backend/backend.js';
import type { DType, Tensor } from '../../src/tensor.js';

const TOL = { float32: 1e-5, float64: 1e-6 };
const fixtures = listGoldenFixtures('packed');

/** Values of the [B, T, F] rows past each sequence's length (t ≥ lengths[b]). */
function paddedValues(t: Tensor, lengths: number[]): number[] {
  const [B, T, F] = t.shape;
  const out: number[] = [];
  for (let b = 0; b < B; b++) for (let s = lengths[b]; s < T; s++) out.push(...t.data.subarray((b * T + s) * F, (b * T + s + 1) * F));
  return out;
}

function runFixture(f: GoldenFixture, backend: Backend, dtype: DType, batchFirst: boolean): void {
  const tol = TOL[dtype];
  const lengths = f.config.lengths!;
  const r = runGoldenLayer(f, backend, dtype, { batchFirst });
  expect(r.output.shape, 'output shape').toEqual(f.outputs.output.shape);
  expect(relativeError(r.output.data, f.outputs.output.data), 'output').toBeLessThanOrEqual(tol);
  expect(paddedValues(r.output, lengths).filter((v) => v !== 0), 'output rows past a length').toEqual([]);
  expect(relativeError(r.hN.data, f.outputs.h_n.data), 'h_n').toBeLessThanOrEqual(tol);
  if (f.outputs.c_n) expect(relativeError(r.cN!.data, f.outputs.c_n.data), 'c_n').toBeLessThanOrEqual(tol);
  for (const name of Object.keys(f.params)) {
    expect(relativeError(r.grads[name].data, f.grads[name].data), `grad ${name}`).toBeLessThanOrEqual(tol);
  }
  expect(r.dInput.shape, 'grad x shape').toEqual(f.grads.x.shape);
  expect(relativeError(r.dInput.data, f.grads.x.data), 'grad x').toBeLessThanOrEqual(tol);
  expect(paddedValues(r.dInput, lengths).filter((v) => v !== 0), 'grad x rows past a length').toEqual([]);
  if (f.grads.h0) expect(relativeError(r.dh0.data, f.grads.h0.data), 'grad h0').toBeLessThanOrEqual(tol);
  if (f.grads.c0) expect(relativeError(r.dc0!.data, f.grads.c0.data), 'grad c0').toBeLessThanOrEqual(tol);
}

describe('PyTorch packed-sequence golden fixtures', () => {
  it('cover every cell, 1–2 layers, both directions, with and without initial states and bias', () => {
    for (const cell of CELL_KINDS) {
      const mine = fixtures.filter((n) => n.startsWith(`${cell}_packed_`));
      for (const part of ['_l1uni_', '_l1bi_', '_l2uni_', '_l2bi_', '_init', '_nobias', '_b1_']) {
        expect(mine.some((n) => n.includes(part)), `${cell} ${part}`).toBe(true);
      }
      expect(mine.some((n) => !n.includes('_init')), `${cell} without initial state`).toBe(true);
    }
    const proj = fixtures.filter((n) => n.startsWith('lstm_packed_proj_'));
    expect(proj.some((n) => n.includes('_l2bi_')) && proj.some((n) => n.includes('_l1uni_')), 'LSTM projections (proj_size), packed').toBe(true);
    for (const name of proj) expect(loadGoldenFixture(name).config.projSize, name).toBeGreaterThan(0);
  });

  it.each(fixtures)('%s: lengths are ragged and d_output past them is nonzero (so ignoring it is tested)', (name) => {
    const f = loadGoldenFixture(name);
    const { lengths, B, T } = f.config;
    expect(lengths).toHaveLength(B);
    for (const n of lengths!) expect(Number.isInteger(n) && n >= 1 && n <= T, `length ${n}`).toBe(true);
    expect(lengths!.some((n) => n < T), 'some sequence is shorter than T').toBe(true);
    expect(paddedValues(f.upstream.d_output, lengths!).every((v) => v !== 0)).toBe(true);
    expect(paddedValues(f.outputs.output, lengths!).every((v) => v === 0)).toBe(true);
    expect(paddedValues(f.grads.x, lengths!).every((v) => v === 0)).toBe(true);
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
