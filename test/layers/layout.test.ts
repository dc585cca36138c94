// Batch-first and time-major layers with the same weights give the same results, transposed: output,
// hN/cN, dInput, dh0/dc0 and every parameter gradient, with ragged lengths, on every engine.
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/backend.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { CELL_KINDS, createRecurrentLayer } from '../../src/layers/factory.js';
import type { DType } from '../../src/tensor.js';
import { Rng } from '../../src/random.js';
import { testBackends } from '../helpers/backends.js';
import { relativeError } from '../helpers/gradcheck.js';
import { randomOf, transpose01 } from './ragged-helpers.js';

const I = 3;
const H = 5;
const B = 4;
const T = 6;

function check(cell: (typeof CELL_KINDS)[number], lengths: number[] | null, backend: Backend, dtype: DType, tol: number): void {
  const opts = { inputSize: I, hiddenSize: H, numLayers: 2, bidirectional: true, backend, dtype, seed: 11 };
  const bf = createRecurrentLayer(cell, { ...opts, batchFirst: true });
  const tm = createRecurrentLayer(cell, { ...opts, batchFirst: false });
  tm.loadStateDict(bf.stateDict());
  const rng = new Rng(5);
  const x = randomOf(rng, [B, T, I], dtype);
  const h0 = randomOf(rng, [4, B, H], dtype);
  const c0 = cell === 'lstm' ? randomOf(rng, [4, B, H], dtype) : null;
  const dOutput = randomOf(rng, [B, T, 2 * H], dtype);
  const dhN = randomOf(rng, [4, B, H], dtype);
  const a = bf.forward({ ...x, lengths }, h0, c0);
  const b = tm.forward({ ...transpose01(x), lengths }, h0, c0);
  const close = (got: ArrayLike<number>, want: ArrayLike<number>, what: string): void => {
    expect(relativeError(got, want), what).toBeLessThanOrEqual(tol);
  };
  expect(b.output.shape).toEqual([T, B, 2 * H]);
  close(transpose01(b.output).data, a.output.data, 'output');
  close(b.hN.data, a.hN.data, 'hN');
  if (cell === 'lstm') close(b.cN!.data, a.cN!.data, 'cN');
  const ga = bf.backward({ dOutput, dhN });
  const gb = tm.backward({ dOutput: transpose01(dOutput), dhN });
  expect(gb.dInput.shape).toEqual([T, B, I]);
  close(transpose01(gb.dInput).data, ga.dInput.data, 'dInput');
  close(gb.dh0.data, ga.dh0.data, 'dh0');
  if (cell === 'lstm') close(gb.dc0!.data, ga.dc0!.data, 'dc0');
  const wa = bf.gradients();
  const wb = tm.gradients();
  for (const k of Object.keys(wa)) close(wb[k].data, wa[k].data, `grad ${k}`);
}

describe('batch-first and time-major agree (transposed)', () => {
  for (const lengths of [[2, 6, 1, 4], null]) {
    const tag = lengths ? 'ragged' : 'full';
    it.each(CELL_KINDS)(`reference float64, %s, ${tag}`, (cell) => check(cell, lengths, referenceBackend, 'float64', 1e-12));
    for (const backend of testBackends()) {
      it.each(CELL_KINDS)(`${backend.name} float32, %s, ${tag}`, (cell) => check(cell, lengths, backend, 'float32', 1e-5));
    }
  }
});
