// Float64 central-difference gradient checks of RNNCell (tanh, relu), LSTMCell and GRUCell unrolled by hand
// over 3 steps: every parameter, every x_t, h0 and c0, through the LIFO backward (reference engine).
import { describe, expect, it } from 'vitest';
import type { CellKind } from '../../src/backend/backend.js';
import { GRUCell, LSTMCell, RNNCell } from '../../src/layers/cells.js';
import type { CellInputGradients, CellOptions, RecurrentCell } from '../../src/layers/cell.js';
import type { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/random.js';
import { dot, numericGradient, randomTensor, relativeError } from '../helpers/gradcheck.js';

const TOL = 1e-6;
const I = 3;
const H = 4;
const KINDS: CellKind[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];

function makeCell(kind: CellKind, options: Partial<CellOptions> = {}): RecurrentCell {
  const o = { inputSize: I, hiddenSize: H, backend: 'reference' as const, dtype: 'float64' as const, seed: 3, ...options };
  if (kind === 'lstm') return new LSTMCell(o);
  if (kind === 'gru') return new GRUCell(o);
  return new RNNCell({ ...o, nonlinearity: kind === 'rnn_tanh' ? 'tanh' : 'relu' });
}

const add = (a: Tensor, b: Tensor): Tensor => ({ data: a.data.map((v, i) => v + b.data[i]), shape: [...a.shape] });

interface Unrolled {
  xs: Tensor[];
  h0: Tensor | null;
  c0: Tensor | null;
  /** loss weights per step: w_t on h_t, v_t on c_t (LSTM) */
  ws: Tensor[];
  vs: Tensor[];
}

/** loss = Σ_t <h_t, w_t> (+ <c_t, v_t>) for the cell unrolled over xs (x_t [B_t, I]; h_{t−1} cut to B_t rows). */
function unrolledLoss(cell: RecurrentCell, u: Unrolled): number {
  let h = u.h0;
  let c = u.c0;
  let loss = 0;
  u.xs.forEach((x, t) => {
    const B = x.shape[0];
    const out = cell.forward(x, h && rows(h, B), c && rows(c, B));
    loss += dot(out.h, u.ws[t]) + (out.c ? dot(out.c, u.vs[t]) : 0);
    h = out.h;
    c = out.c ?? null;
  });
  return loss;
}

/** The first B rows of a [B', H] tensor (the same tensor when B = B'). */
function rows(t: Tensor, B: number): Tensor {
  return B === t.shape[0] ? t : { data: t.data.slice(0, B * t.shape[1]), shape: [B, t.shape[1]] };
}

/** Pads a [B, H] gradient with zero rows to [B', H]. */
function padRows(t: Tensor, B: number): Tensor {
  if (t.shape[0] === B) return t;
  const data = new Float64Array(B * t.shape[1]);
  data.set(t.data);
  return { data, shape: [B, t.shape[1]] };
}

/** The LIFO backward of unrolledLoss: returns dx_t for every step and dh0, dc0. */
function unrolledBackward(cell: RecurrentCell, u: Unrolled): { dxs: Tensor[]; dh0: Tensor; dc0?: Tensor } {
  const T = u.xs.length;
  const dxs: Tensor[] = new Array(T);
  let dh: Tensor | null = null;
  let dc: Tensor | null = null;
  let g: CellInputGradients | null = null;
  for (let t = T - 1; t >= 0; t--) {
    const B = u.xs[t].shape[0];
    const dhT: Tensor = dh ? add(padRows(dh, B), u.ws[t]) : u.ws[t];
    const dcT: Tensor | null = cell.cell === 'lstm' ? (dc ? add(padRows(dc, B), u.vs[t]) : u.vs[t]) : null;
    g = cell.backward(cell.cell === 'lstm' ? { dh: dhT, dc: dcT } : { dh: dhT });
    dxs[t] = g.dInput;
    dh = g.dh0;
    dc = g.dc0 ?? null;
  }
  return { dxs, dh0: dh!, dc0: dc ?? undefined };
}

function check(kind: CellKind, batches: number[], { bias = true, withState = true } = {}): void {
  const rng = new Rng(batches.join('').length * 31 + KINDS.indexOf(kind) * 7 + (bias ? 1 : 0) + (withState ? 2 : 0));
  const cell = makeCell(kind, { bias });
  // Larger weights than the default init so gates leave their linear region and saturate a little.
  for (const p of cell.parameters()) for (let i = 0; i < p.value.data.length; i++) p.value.data[i] *= 2;
  const lstm = kind === 'lstm';
  const B0 = batches[0];
  const u: Unrolled = {
    xs: batches.map((B) => randomTensor(rng, [B, I])),
    h0: withState ? randomTensor(rng, [B0, H]) : null,
    c0: withState && lstm ? randomTensor(rng, [B0, H]) : null,
    ws: batches.map((B) => randomTensor(rng, [B, H])),
    vs: batches.map((B) => randomTensor(rng, [B, H])),
  };
  cell.train();
  unrolledLoss(cell, u);
  expect(cell.historyLength).toBe(batches.length);
  const { dxs, dh0, dc0 } = unrolledBackward(cell, u);
  expect(cell.historyLength).toBe(0);
  cell.eval();
  const loss = (): number => unrolledLoss(cell, u);
  for (const p of cell.parameters()) {
    expect(relativeError(p.grad.data, numericGradient(loss, p.value.data as Float64Array)), p.name).toBeLessThanOrEqual(TOL);
  }
  u.xs.forEach((x, t) => {
    expect(dxs[t].shape, `dx_${t} shape`).toEqual(x.shape);
    expect(relativeError(dxs[t].data, numericGradient(loss, x.data as Float64Array)), `dx_${t}`).toBeLessThanOrEqual(TOL);
  });
  expect(dh0.shape).toEqual([B0, H]);
  expect(lstm ? dc0?.shape : dc0).toEqual(lstm ? [B0, H] : undefined);
  // With no initial state, dh0 and dc0 are still the true gradients at zero.
  const h0 = u.h0 ?? { data: new Float64Array(B0 * H), shape: [B0, H] };
  const c0 = u.c0 ?? (lstm ? { data: new Float64Array(B0 * H), shape: [B0, H] } : null);
  const lossAt = (): number => unrolledLoss(cell, { ...u, h0, c0 });
  expect(relativeError(dh0.data, numericGradient(lossAt, h0.data as Float64Array)), 'dh0').toBeLessThanOrEqual(TOL);
  if (lstm) expect(relativeError(dc0!.data, numericGradient(lossAt, c0!.data as Float64Array)), 'dc0').toBeLessThanOrEqual(TOL);
}

describe.each(KINDS)('gradient check: %s cell unrolled over 3 steps (float64)', (kind) => {
  it('B = 2, with h0 (and c0)', () => check(kind, [2, 2, 2]));
  it('B = 1, no initial state', () => check(kind, [1, 1, 1], { withState: false }));
  it('bias = false', () => check(kind, [3, 3, 3], { bias: false }));
  it('a batch that shrinks between steps (3 → 3 → 2 → 1), each step remembering its own B', () => check(kind, [3, 3, 2, 1]));

  it('accumulates parameter gradients across backward calls until zeroGrad', () => {
    const rng = new Rng(41);
    const cell = makeCell(kind);
    const x = randomTensor(rng, [2, I]);
    const dh = randomTensor(rng, [2, H]);
    cell.forward(x);
    cell.backward({ dh });
    const once = cell.parameters().map((p) => Float64Array.from(p.grad.data));
    cell.forward(x);
    cell.backward({ dh });
    cell.parameters().forEach((p, k) => once[k].forEach((v, i) => expect(p.grad.data[i]).toBeCloseTo(2 * v, 12)));
    cell.zeroGrad();
    expect(cell.parameters().every((p) => p.grad.data.every((v) => v === 0))).toBe(true);
  });
});

describe('gradient check: LSTMCell given only dc', () => {
  it('flows a gradient at c_t alone back to x, h0 and c0', () => {
    const rng = new Rng(42);
    const cell = makeCell('lstm') as LSTMCell;
    const x = randomTensor(rng, [2, I]);
    const h0 = randomTensor(rng, [2, H]);
    const c0 = randomTensor(rng, [2, H]);
    const v = randomTensor(rng, [2, H]);
    const loss = (): number => dot(cell.forward(x, h0, c0).c, v);
    loss();
    const { dInput, dh0, dc0 } = cell.backward({ dc: v });
    cell.eval();
    expect(relativeError(dInput.data, numericGradient(loss, x.data as Float64Array)), 'dInput').toBeLessThanOrEqual(TOL);
    expect(relativeError(dh0.data, numericGradient(loss, h0.data as Float64Array)), 'dh0').toBeLessThanOrEqual(TOL);
    expect(relativeError(dc0.data, numericGradient(loss, c0.data as Float64Array)), 'dc0').toBeLessThanOrEqual(TOL);
  });
});
