// A cell unrolled over T steps is the one-layer sequence layer: same output rows and hN/cN forward, and the
// LIFO backward gives the layer's dInput, dh0, dc0 and parameter gradients for the same upstream gradients.
// Every engine in float32, and the float64 reference tightly.
import { describe, expect, it } from 'vitest';
import type { Backend, CellKind } from '../../src/backend/backend.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { GRUCell, LSTMCell, RNNCell } from '../../src/layers/cells.js';
import type { CellOptions, RecurrentCell } from '../../src/layers/cell.js';
import { createRecurrentLayer } from '../../src/layers/factory.js';
import type { DType, FloatArray, Tensor } from '../../src/tensor.js';
import { allocate } from '../../src/tensor.js';
import { relativeError } from '../helpers/gradcheck.js';
import { seeded } from '../helpers/random.js';
import { testBackends } from '../helpers/backends.js';

const KINDS: CellKind[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];
interface Sizes {
  T: number;
  B: number;
  I: number;
  H: number;
}
const SMALL: Sizes = { T: 5, B: 3, I: 4, H: 6 };
/** Large enough for the native engine's blocked GEMM paths and odd-sized tails. */
const WIDE: Sizes = { T: 3, B: 7, I: 19, H: 37 };

function makeCell(kind: CellKind, o: CellOptions): RecurrentCell {
  if (kind === 'lstm') return new LSTMCell(o);
  if (kind === 'gru') return new GRUCell(o);
  return new RNNCell({ ...o, nonlinearity: kind === 'rnn_tanh' ? 'tanh' : 'relu' });
}

function random(rand: () => number, shape: number[], dtype: DType): Tensor {
  const data = allocate(dtype, shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rand() * 2 - 1;
  return { data, shape };
}

/** Row t (of B·n floats) of a [T, B, n] array, as a [B, n] tensor (a copy). */
function stepOf(t: Tensor, step: number): Tensor {
  const n = t.shape[t.shape.length - 1];
  const b = t.shape[t.shape.length - 2];
  return { data: t.data.slice(step * b * n, (step + 1) * b * n), shape: [b, n] };
}

function sum(a: FloatArray, b: FloatArray | null): FloatArray {
  return b ? a.map((v, i) => v + b[i]) : a;
}

function compare(kind: CellKind, backend: Backend, dtype: DType, tol: number, { bias = true, withState = true, sizes = SMALL } = {}): void {
  const { T, B, I, H } = sizes;
  const rand = seeded(KINDS.indexOf(kind) * 100 + (bias ? 1 : 0) + (withState ? 2 : 0) + (dtype === 'float64' ? 10 : 0));
  const lstm = kind === 'lstm';
  const layer = createRecurrentLayer(kind, { inputSize: I, hiddenSize: H, batchFirst: false, bias, backend, dtype, seed: 11 });
  const cell = makeCell(kind, { inputSize: I, hiddenSize: H, bias, backend, dtype, seed: 99 });
  const sd = layer.stateDict();
  cell.loadStateDict(
    Object.fromEntries(Object.entries(sd).map(([name, value]) => [name.replace(/_l0$/, ''), value])),
  );
  const x = random(rand, [T, B, I], dtype);
  const h0 = withState ? random(rand, [1, B, H], dtype) : null;
  const c0 = withState && lstm ? random(rand, [1, B, H], dtype) : null;
  const dOutput = random(rand, [T, B, H], dtype);
  const dhN = random(rand, [1, B, H], dtype);
  const dcN = lstm ? random(rand, [1, B, H], dtype) : null;

  const ref = layer.forward(x, h0, c0);
  const grads = layer.backward({ dOutput, dhN, dcN });

  let h: Tensor | null = h0 && { data: h0.data, shape: [B, H] };
  let c: Tensor | null = c0 && { data: c0.data, shape: [B, H] };
  for (let t = 0; t < T; t++) {
    const out = cell.forward(stepOf(x, t), h, c);
    expect(relativeError(out.h.data, stepOf(ref.output, t).data), `output row t=${t}`).toBeLessThanOrEqual(tol);
    h = out.h;
    c = out.c ?? null;
  }
  expect(relativeError(h!.data, ref.hN.data), 'hN').toBeLessThanOrEqual(tol);
  if (lstm) expect(relativeError(c!.data, ref.cN!.data), 'cN').toBeLessThanOrEqual(tol);

  let dh: FloatArray = dhN.data;
  let dc: FloatArray | null = dcN ? dcN.data : null;
  const dInput = allocate(dtype, T * B * I);
  for (let t = T - 1; t >= 0; t--) {
    const up = sum(stepOf(dOutput, t).data, dh);
    const g = cell.backward({ dh: { data: up, shape: [B, H] }, dc: dc && { data: dc, shape: [B, H] } });
    dInput.set(g.dInput.data, t * B * I);
    dh = g.dh0.data;
    dc = g.dc0?.data ?? null;
  }
  expect(cell.historyLength).toBe(0);
  expect(relativeError(dInput, grads.dInput.data), 'dInput').toBeLessThanOrEqual(tol);
  expect(relativeError(dh, grads.dh0.data), 'dh0').toBeLessThanOrEqual(tol);
  if (lstm) expect(relativeError(dc!, grads.dc0!.data), 'dc0').toBeLessThanOrEqual(tol);
  const layerGrads = layer.gradients();
  const cellGrads = cell.gradients();
  expect(Object.keys(cellGrads)).toEqual(Object.keys(layerGrads).map((n) => n.replace(/_l0$/, '')));
  for (const [name, g] of Object.entries(layerGrads)) {
    expect(relativeError(cellGrads[name.replace(/_l0$/, '')].data, g.data), name).toBeLessThanOrEqual(tol);
  }
}

describe.each(testBackends().map((b) => [b.name, b] as const))('cell unrolled = one-layer sequence layer, %s engine (float32)', (_name, backend) => {
  describe.each(KINDS)('%s', (kind) => {
    it('with h0 (and c0)', () => compare(kind, backend, 'float32', 2e-5));
    it('without initial state, bias = false', () => compare(kind, backend, 'float32', 2e-5, { bias: false, withState: false }));
    it(`wider sizes ${JSON.stringify(WIDE)}`, () => compare(kind, backend, 'float32', 2e-5, { sizes: WIDE }));
  });
});

describe.each(KINDS)('cell unrolled = one-layer sequence layer, reference engine (float64): %s', (kind) => {
  it('with h0 (and c0)', () => compare(kind, referenceBackend, 'float64', 1e-12));
  it('without initial state, bias = false', () => compare(kind, referenceBackend, 'float64', 1e-12, { bias: false, withState: false }));
});
