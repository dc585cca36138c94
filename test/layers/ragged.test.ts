// Ragged batches through whole layers (x.lengths): for every cell, 1–2 layers, both directions, batch-first
// and time-major, with and without h0/c0, running the batch equals running each sequence alone — output
// rows, hN/cN, dInput rows, dh0/dc0 rows — padded output and dInput rows are exactly 0, and parameter
// gradients are the sum over the single-sequence runs. On every engine (float32) and the float64 reference.
import { describe, expect, it } from 'vitest';
import type { Backend, CellKind } from '../../src/backend/backend.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { CELL_KINDS, createRecurrentLayer } from '../../src/layers/factory.js';
import type { Tensor, DType } from '../../src/tensor.js';
import { Rng } from '../../src/random.js';
import { testBackends } from '../helpers/backends.js';
import { relativeError } from '../helpers/gradcheck.js';
import { paddedValues, randomOf, takeSequence, takeState } from './ragged-helpers.js';

interface Config {
  cell: CellKind;
  numLayers: number;
  bidirectional: boolean;
  batchFirst: boolean;
  init: boolean;
}

const I = 3;
const H = 4;
const LENGTHS = [3, 5, 1, 4]; // unsorted, with 1 and T
const T = 5;
const B = LENGTHS.length;

const configs: Config[] = [];
for (const cell of CELL_KINDS)
  for (const numLayers of [1, 2])
    for (const bidirectional of [false, true])
      for (const batchFirst of [true, false])
        for (const init of [false, true]) configs.push({ cell, numLayers, bidirectional, batchFirst, init });

const name = (c: Config): string =>
  `${c.cell} L${c.numLayers} ${c.bidirectional ? 'bi' : 'uni'} ${c.batchFirst ? 'batch-first' : 'time-major'} ${c.init ? 'h0/c0' : 'no-init'}`;

function check(c: Config, backend: Backend, dtype: DType, tol: number, seed: number): void {
  const { cell, numLayers, bidirectional, batchFirst } = c;
  const D = bidirectional ? 2 : 1;
  const lstm = cell === 'lstm';
  const layer = createRecurrentLayer(cell, { inputSize: I, hiddenSize: H, numLayers, bidirectional, batchFirst, backend, dtype, seed: 3 });
  const rng = new Rng(seed);
  const seqShape = (F: number): number[] => (batchFirst ? [B, T, F] : [T, B, F]);
  const x = randomOf(rng, seqShape(I), dtype);
  const h0 = c.init ? randomOf(rng, [numLayers * D, B, H], dtype) : null;
  const c0 = c.init && lstm ? randomOf(rng, [numLayers * D, B, H], dtype) : null;
  const dOutput = randomOf(rng, seqShape(D * H), dtype); // non-zero past the lengths too: must be ignored
  const dhN = randomOf(rng, [numLayers * D, B, H], dtype);
  const dcN = lstm ? randomOf(rng, [numLayers * D, B, H], dtype) : null;

  const all = layer.forward({ ...x, lengths: LENGTHS }, h0, c0);
  expect(Array.from(all.output.lengths ?? []), 'output carries the lengths').toEqual(LENGTHS);
  expect(paddedValues(all.output, batchFirst, LENGTHS).filter((v) => v !== 0), 'output past a length').toEqual([]);
  const grads = layer.backward({ dOutput, dhN, dcN });
  expect(paddedValues(grads.dInput, batchFirst, LENGTHS).filter((v) => v !== 0), 'dInput past a length').toEqual([]);
  const batchGrads = layer.gradients();
  layer.zeroGrad();

  const sums = Object.fromEntries(Object.entries(batchGrads).map(([k, v]) => [k, new Float64Array(v.data.length)]));
  const close = (got: Tensor, want: Tensor, what: string): void => {
    expect(got.shape, what).toEqual(want.shape);
    expect(relativeError(got.data, want.data), what).toBeLessThanOrEqual(tol);
  };
  LENGTHS.forEach((len, b) => {
    const at = (what: string): string => `${what}, sequence ${b} (length ${len})`;
    const one = layer.forward(takeSequence(x, batchFirst, b, len), h0 && takeState(h0, b), c0 && takeState(c0, b));
    close(one.output, takeSequence(all.output, batchFirst, b, len), at('output'));
    close(one.hN, takeState(all.hN, b), at('hN'));
    if (lstm) close(one.cN!, takeState(all.cN!, b), at('cN'));
    const g = layer.backward({ dOutput: takeSequence(dOutput, batchFirst, b, len), dhN: takeState(dhN, b), dcN: dcN && takeState(dcN, b) });
    close(g.dInput, takeSequence(grads.dInput, batchFirst, b, len), at('dInput'));
    close(g.dh0, takeState(grads.dh0, b), at('dh0'));
    if (lstm) close(g.dc0!, takeState(grads.dc0!, b), at('dc0'));
    for (const [k, v] of Object.entries(layer.gradients())) v.data.forEach((e, i) => (sums[k][i] += e));
    layer.zeroGrad();
  });
  for (const [k, v] of Object.entries(batchGrads)) {
    expect(relativeError(v.data, sums[k]), `grad ${k} = Σ over single-sequence runs`).toBeLessThanOrEqual(tol);
  }
}

describe('ragged batches through layers equal single-sequence runs', () => {
  describe('reference engine, float64', () => {
    it.each(configs.map((c, i) => [name(c), i] as const))('%s', (_n, i) => check(configs[i], referenceBackend, 'float64', 1e-12, 10 + i));
  });
  for (const backend of testBackends()) {
    describe(`${backend.name} engine, float32`, () => {
      it.each(configs.map((c, i) => [name(c), i] as const))('%s', (_n, i) => check(configs[i], backend, 'float32', 1e-5, 10 + i));
    });
  }
});
