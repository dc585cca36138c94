// One-step cells against PyTorch: every cell_* golden fixture (K steps of torch.nn.RNNCell / LSTMCell /
// GRUCell in float64, test/fixtures/make_golden.py) driven through RNNCell / LSTMCell / GRUCell on every
// engine: K forwards feeding h (and c) back, then K backward calls in reverse order (LIFO), each given the
// step's own upstream gradient plus the dh0 (dc0) the later step returned. Every h_t, c_t, grad x_t, grad
// h0/c0 and the accumulated parameter gradients within 1e-5 relative (float32) / 1e-6 (float64 reference).
import { describe, expect, it } from 'vitest';
import { listGoldenFixtures, loadCellGoldenFixture, stepOf, type CellGoldenFixture } from '../helpers/golden.js';
import { testBackends } from '../helpers/backends.js';
import { relativeError } from '../helpers/gradcheck.js';
import { GRUCell, LSTMCell, RNNCell } from '../../src/layers/cells.js';
import { CELL_KINDS } from '../../src/layers/factory.js';
import type { Backend } from '../../src/backend/backend.js';
import type { DType, Tensor } from '../../src/tensor.js';

const TOL = { float32: 1e-5, float64: 1e-6 };
const fixtures = listGoldenFixtures('cell');

function makeCell(f: CellGoldenFixture, backend: Backend, dtype: DType) {
  const c = f.config;
  const options = { inputSize: c.inputSize, hiddenSize: c.hiddenSize, bias: c.bias, backend, dtype, seed: 0 };
  if (c.cell === 'lstm') return new LSTMCell(options);
  if (c.cell === 'gru') return new GRUCell(options);
  return new RNNCell({ ...options, nonlinearity: c.cell === 'rnn_tanh' ? 'tanh' : 'relu' });
}

/** a + b (b may be null: zeros), as a new tensor of a's shape. */
function plus(a: Tensor, b: Tensor | null | undefined): Tensor {
  const data = a.data.slice();
  if (b) for (let i = 0; i < data.length; i++) data[i] += b.data[i];
  return { data, shape: [...a.shape] };
}

function expectStep(label: string, got: Tensor | undefined, want: Tensor, tol: number): void {
  expect(got?.shape, `${label} shape`).toEqual(want.shape);
  expect(relativeError(got!.data, want.data), label).toBeLessThanOrEqual(tol);
}

function runFixture(f: CellGoldenFixture, backend: Backend, dtype: DType): void {
  const tol = TOL[dtype];
  const { K } = f.config;
  const lstm = f.config.cell === 'lstm';
  const cell = makeCell(f, backend, dtype);
  cell.loadStateDict(f.params);

  let h: Tensor | null = f.inputs.h0 ?? null;
  let c: Tensor | null = f.inputs.c0 ?? null;
  for (let t = 0; t < K; t++) {
    const out: { h: Tensor; c?: Tensor } = cell.forward(stepOf(f.inputs.x, t), h, lstm ? c : undefined);
    expectStep(`h_${t}`, out.h, stepOf(f.outputs.h, t), tol);
    if (lstm) expectStep(`c_${t}`, out.c, stepOf(f.outputs.c!, t), tol);
    h = out.h;
    c = out.c ?? null;
  }

  let dh: Tensor | null = null;
  let dc: Tensor | null = null;
  for (let t = K - 1; t >= 0; t--) {
    const g: { dInput: Tensor; dh0: Tensor; dc0?: Tensor } = lstm
      ? cell.backward({ dh: plus(stepOf(f.upstream.d_h, t), dh), dc: plus(stepOf(f.upstream.d_c!, t), dc) })
      : cell.backward({ dh: plus(stepOf(f.upstream.d_h, t), dh) });
    expectStep(`grad x_${t}`, g.dInput, stepOf(f.grads.x, t), tol);
    dh = g.dh0;
    dc = g.dc0 ?? null;
  }
  if (f.grads.h0) expectStep('grad h0', dh!, f.grads.h0, tol);
  if (f.grads.c0) expectStep('grad c0', dc!, f.grads.c0, tol);
  const grads = cell.gradients();
  expect(Object.keys(grads).sort(), 'parameter names').toEqual(Object.keys(f.params).sort());
  for (const name of Object.keys(f.params)) expectStep(`grad ${name}`, grads[name], f.grads[name], tol);
}

describe('PyTorch one-step cell golden fixtures', () => {
  it('cover every cell, with and without initial state, with and without bias', () => {
    for (const cell of CELL_KINDS) {
      const mine = fixtures.filter((n) => n.startsWith(`cell_${cell}_k`));
      expect(mine.some((n) => n.includes('_init')), `${cell} _init`).toBe(true);
      expect(mine.some((n) => !n.includes('_init')), `${cell} without initial state`).toBe(true);
      expect(mine.some((n) => n.includes('_nobias')), `${cell} _nobias`).toBe(true);
    }
  });
  for (const backend of testBackends()) {
    describe(`${backend.name} engine, float32`, () => {
      it.each(fixtures)('%s', (name) => runFixture(loadCellGoldenFixture(name), backend, 'float32'));
    });
  }
  describe('reference engine, float64', () => {
    const [reference] = testBackends();
    it.each(fixtures)('%s', (name) => runFixture(loadCellGoldenFixture(name, { dtype: 'float64' }), reference, 'float64'));
  });
});
