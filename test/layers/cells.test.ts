// RNNCell, LSTMCell, GRUCell: PyTorch names and init, the LIFO history (order, batch-size changes, eval mode,
// clearHistory), copies of what forward received, bad arguments (and that a failed call changes nothing),
// and async calls (same numbers as sync; LayerBusyError while one runs).
import { describe, expect, it } from 'vitest';
import type { Backend, CellKind, RecurrentBackwardArgs, RecurrentForwardArgs } from '../../src/backend/backend.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { GRUCell, LSTMCell, RNNCell } from '../../src/layers/cells.js';
import type { CellOptions, CellOutput, RecurrentCell } from '../../src/layers/cell.js';
import { LayerBusyError } from '../../src/layers/recurrent.js';
import type { DType, Tensor } from '../../src/tensor.js';
import { allocate, zeros } from '../../src/tensor.js';
import { seeded } from '../helpers/random.js';
import { testBackends } from '../helpers/backends.js';
import { expectError } from '../helpers/errors.js';

const KINDS: CellKind[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];
const I = 3;
const H = 4;

function makeCell(kind: CellKind, options: Partial<CellOptions> = {}): RecurrentCell {
  const o = { inputSize: I, hiddenSize: H, backend: 'reference' as const, seed: 5, ...options };
  if (kind === 'lstm') return new LSTMCell(o);
  if (kind === 'gru') return new GRUCell(o);
  return new RNNCell({ ...o, nonlinearity: kind === 'rnn_tanh' ? 'tanh' : 'relu' });
}

function random(rand: () => number, shape: number[], dtype: DType = 'float32'): Tensor {
  const data = allocate(dtype, shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rand() * 2 - 1;
  return { data, shape };
}


const snapshot = (cell: RecurrentCell): number[][] => cell.parameters().map((p) => Array.from(p.grad.data));

describe.each(KINDS)('%s cell: parameters', (kind) => {
  const G = kind === 'lstm' ? 4 : kind === 'gru' ? 3 : 1;

  it("has PyTorch's names and shapes, initialised uniform(−1/√H, 1/√H) from the seed", () => {
    const cell = makeCell(kind, { hiddenSize: 9 });
    const sd = cell.stateDict();
    expect(Object.keys(sd)).toEqual(['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']);
    expect(sd.weight_ih.shape).toEqual([G * 9, I]);
    expect(sd.weight_hh.shape).toEqual([G * 9, 9]);
    expect(sd.bias_ih.shape).toEqual([G * 9]);
    expect(sd.bias_hh.shape).toEqual([G * 9]);
    const all = Object.values(sd).flatMap((t) => Array.from(t.data));
    expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(1 / 3);
    expect(Math.max(...all.map(Math.abs))).toBeGreaterThan(0.3); // spread over the whole range
    const twin = makeCell(kind, { hiddenSize: 9 }).stateDict();
    for (const name of Object.keys(sd)) expect(Array.from(twin[name].data), name).toEqual(Array.from(sd[name].data));
    const other = makeCell(kind, { hiddenSize: 9, seed: 6 }).stateDict();
    expect(Array.from(other.weight_ih.data)).not.toEqual(Array.from(sd.weight_ih.data));
    expect(cell.weight_ih.value.shape).toEqual([G * 9, I]);
  });

  it('bias = false has only the two weights', () => {
    const cell = makeCell(kind, { bias: false });
    expect(cell.parameters().map((p) => p.name)).toEqual(['weight_ih', 'weight_hh']);
    expect(cell.bias_ih).toBeNull();
  });

  it('float64 runs on the reference engine', () => {
    expect(makeCell(kind, { dtype: 'float64', backend: 'auto' }).backend).toBe(referenceBackend);
    expect(makeCell(kind, { dtype: 'float64' }).weight_hh.value.data).toBeInstanceOf(Float64Array);
  });
});

describe.each(KINDS)('%s cell: forward and the LIFO history', (kind) => {
  const lstm = kind === 'lstm';

  it('returns fresh [B, H] tensors; missing states are zeros', () => {
    const rand = seeded(1);
    const cell = makeCell(kind).eval();
    const x = random(rand, [2, I]);
    const a = cell.forward(x);
    const b = cell.forward(x, zeros([2, H]), lstm ? zeros([2, H]) : null);
    expect(a.h.shape).toEqual([2, H]);
    expect(Array.from(b.h.data)).toEqual(Array.from(a.h.data));
    expect(a.h.data).not.toBe(b.h.data);
    if (lstm) {
      expect(a.c!.shape).toEqual([2, H]);
      expect(Array.from(b.c!.data)).toEqual(Array.from(a.c!.data));
    } else {
      expect(a.c).toBeUndefined();
    }
  });

  it('training mode keeps one step per forward; backward undoes the most recent one', () => {
    const rand = seeded(2);
    const cell = makeCell(kind);
    const x1 = random(rand, [3, I]);
    const x2 = random(rand, [2, I]); // a different batch size: each kept step remembers its own B
    const s1 = cell.forward(x1);
    cell.forward(x2, { data: s1.h.data.slice(0, 2 * H), shape: [2, H] }, lstm ? { data: s1.c!.data.slice(0, 2 * H), shape: [2, H] } : null);
    expect(cell.historyLength).toBe(2);
    // dh for the step with B = 3 is rejected while the B = 2 step is on top: nothing changes.
    expectError(() => cell.backward({ dh: zeros([3, H]) }), RangeError, 'backward(dh)', '[2, 4]', 'step being undone', '[3, 4]');
    expect(cell.historyLength).toBe(2);
    const g2 = cell.backward({ dh: random(rand, [2, H]) });
    expect(g2.dInput.shape).toEqual([2, I]);
    expect(g2.dh0.shape).toEqual([2, H]);
    expect(cell.historyLength).toBe(1);
    const g1 = cell.backward({ dh: random(rand, [3, H]) });
    expect(g1.dInput.shape).toEqual([3, I]);
    expect(cell.historyLength).toBe(0);
    expectError(() => cell.backward(), RangeError, 'nothing to undo', 'empty history');
  });

  it('undoes steps with the values forward saw, even if the caller reuses its buffers', () => {
    const rand = seeded(3);
    const x = random(rand, [2, I]);
    const h = random(rand, [2, H]);
    const c = lstm ? random(rand, [2, H]) : null;
    const dh = random(rand, [2, H]);
    const clean = makeCell(kind);
    clean.forward(x, h, c);
    const want = clean.backward({ dh });
    const reused = makeCell(kind);
    const xb = { data: x.data.slice(), shape: x.shape };
    const hb = { data: h.data.slice(), shape: h.shape };
    const cb = c && { data: c.data.slice(), shape: c.shape };
    const out = reused.forward(xb, hb, cb);
    xb.data.fill(7);
    hb.data.fill(7);
    cb?.data.fill(7);
    out.h.data.fill(7);
    out.c?.data.fill(7);
    const got = reused.backward({ dh });
    expect(Array.from(got.dInput.data)).toEqual(Array.from(want.dInput.data));
    expect(Array.from(got.dh0.data)).toEqual(Array.from(want.dh0.data));
    expect(snapshot(reused)).toEqual(snapshot(clean));
  });

  it('treats missing upstream gradients as zero', () => {
    const rand = seeded(4);
    const cell = makeCell(kind);
    cell.forward(random(rand, [2, I]), random(rand, [2, H]));
    const g = cell.backward();
    expect(g.dInput.data.every((v) => v === 0)).toBe(true);
    expect(g.dh0.data.every((v) => v === 0)).toBe(true);
    expect(snapshot(cell).flat().every((v) => v === 0)).toBe(true);
    cell.forward(random(rand, [2, I]));
    expect(cell.backward({ dh: null, dc: undefined }).dh0.shape).toEqual([2, H]);
  });

  it('eval mode keeps nothing and gives the same numbers', () => {
    const rand = seeded(5);
    const cell = makeCell(kind);
    const x = random(rand, [2, I]);
    const trained = cell.forward(x);
    cell.eval();
    const evaluated = cell.forward(x);
    expect(Array.from(evaluated.h.data)).toEqual(Array.from(trained.h.data));
    expect(cell.historyLength).toBe(1);
    cell.backward();
    expect(cell.historyLength).toBe(0);
    cell.forward(x);
    expect(cell.historyLength).toBe(0);
    expectError(() => cell.backward(), RangeError, 'nothing to undo', 'eval mode');
  });

  it('clearHistory drops kept steps and leaves the gradients alone', () => {
    const rand = seeded(6);
    const cell = makeCell(kind);
    const x = random(rand, [2, I]);
    cell.forward(x);
    cell.backward({ dh: random(rand, [2, H]) });
    const grads = snapshot(cell);
    cell.forward(x);
    cell.forward(x);
    expect(cell.historyLength).toBe(2);
    cell.clearHistory();
    expect(cell.historyLength).toBe(0);
    expect(snapshot(cell)).toEqual(grads);
    expectError(() => cell.backward(), RangeError, 'nothing to undo');
  });
});

describe.each(KINDS)('%s cell: bad arguments', (kind) => {
  const lstm = kind === 'lstm';
  const name = lstm ? 'LSTMCell' : kind === 'gru' ? 'GRUCell' : 'RNNCell';

  it('rejects bad options', () => {
    expectError(() => makeCell(kind, { inputSize: NaN }), RangeError, 'inputSize', 'integer', 'NaN');
    expectError(() => makeCell(kind, { hiddenSize: 0 }), RangeError, 'hiddenSize', 'in [1, 2147483647]', '0');
    expectError(() => makeCell(kind, { bias: 1 as unknown as boolean }), TypeError, 'bias', 'boolean', '1');
    expectError(() => makeCell(kind, { dtype: 'float16' as DType }), RangeError, 'dtype', '"float64"', '"float16"');
    expectError(() => makeCell(kind, { backend: 'gpu' as 'auto' }), RangeError, 'backend', '"gpu"');
    expectError(() => makeCell(kind, { seed: -1 }), RangeError, 'seed', '-1');
    expectError(() => makeCell(kind, { numLayers: 2 } as Partial<CellOptions>), TypeError, `${name}(options)`, 'unknown option', '"numLayers"');
    const float32Only: Backend = { ...referenceBackend, supportsFloat64: false };
    expectError(() => makeCell(kind, { dtype: 'float64', backend: float32Only }), RangeError, 'float64', 'reference');
  });

  it('rejects bad forward arguments, keeping nothing', () => {
    const cell = makeCell(kind);
    expectError(() => cell.forward(zeros([2, 1, I])), RangeError, `${name}.forward(x)`, '2-D', '[2, 1, 3]');
    expectError(() => cell.forward(zeros([2, I + 1])), RangeError, `${name}.forward(x)`, 'inputSize 3', '[2, 4]');
    expectError(() => cell.forward(zeros([0, I])), RangeError, `${name}.forward(x)`, 'at least 1', '[0, 3]');
    expectError(() => cell.forward({ data: new Float32Array(5), shape: [2, I] }), RangeError, `${name}.forward(x)`, '6 values', '5');
    expectError(() => cell.forward(zeros([2, I], 'float64')), TypeError, `${name}.forward(x)`, 'Float32Array', 'Float64Array');
    expectError(() => cell.forward(null as unknown as Tensor), TypeError, `${name}.forward(x)`, 'Tensor', 'null');
    expectError(() => cell.forward({ data: [0, 0, 0], shape: [1, I] } as unknown as Tensor), TypeError, 'forward(x).data', 'Array of length 3');
    expectError(() => cell.forward(zeros([2, I]), zeros([3, H])), RangeError, `${name}.forward(h)`, '[2, 4]', 'B from x', '[3, 4]');
    expectError(() => cell.forward(zeros([2, I]), zeros([2, H + 1])), RangeError, `${name}.forward(h)`, '[2, 4]', '[2, 5]');
    expectError(() => cell.forward(zeros([2, I]), zeros([2, H], 'float64')), TypeError, `${name}.forward(h)`, 'Float32Array', 'Float64Array');
    expectError(() => cell.forward(zeros([2, I]), 3 as unknown as Tensor), TypeError, `${name}.forward(h)`, 'Tensor', '3');
    if (lstm) {
      expectError(() => cell.forward(zeros([2, I]), null, zeros([1, H])), RangeError, 'LSTMCell.forward(c)', '[2, 4]', '[1, 4]');
    } else {
      expectError(() => cell.forward(zeros([2, I]), null, zeros([2, H])), TypeError, `${name}.forward(c)`, 'only LSTMCell', 'an object');
    }
    expect(cell.historyLength).toBe(0);
  });

  it('rejects bad backward arguments, changing nothing', () => {
    const rand = seeded(7);
    const cell = makeCell(kind);
    cell.forward(random(rand, [2, I]));
    const before = snapshot(cell);
    expectError(() => cell.backward(null as unknown as object), TypeError, `${name}.backward(grads)`, 'dh?', 'null');
    expectError(() => cell.backward({ dhN: zeros([2, H]) } as object), TypeError, `${name}.backward(grads)`, 'unknown key "dhN"');
    expectError(() => cell.backward({ dh: zeros([2, H], 'float64') }), TypeError, `${name}.backward(dh)`, 'Float64Array');
    expectError(() => cell.backward({ dh: zeros([2, H, 1]) }), RangeError, `${name}.backward(dh)`, '2-D', '[2, 4, 1]');
    if (lstm) expectError(() => cell.backward({ dc: zeros([1, H]) }), RangeError, 'LSTMCell.backward(dc)', '[2, 4]', '[1, 4]');
    else expectError(() => cell.backward({ dc: zeros([2, H]) }), TypeError, `${name}.backward(dc)`, 'only LSTMCell');
    expect(cell.historyLength).toBe(1);
    expect(snapshot(cell)).toEqual(before);
    cell.backward({ dh: random(rand, [2, H]) });
    expect(cell.historyLength).toBe(0);
  });
});

describe('RNNCell options', () => {
  it('takes nonlinearity tanh | relu; the gated cells take none', () => {
    expect(new RNNCell({ inputSize: 1, hiddenSize: 1 }).nonlinearity).toBe('tanh');
    expect(new RNNCell({ inputSize: 1, hiddenSize: 1, nonlinearity: 'relu' }).cell).toBe('rnn_relu');
    expectError(() => new RNNCell({ inputSize: 1, hiddenSize: 1, nonlinearity: 'sigmoid' as 'tanh' }), RangeError, 'nonlinearity', '"relu"', '"sigmoid"');
    expectError(() => new GRUCell({ inputSize: 1, hiddenSize: 1, nonlinearity: 'relu' } as CellOptions), TypeError, 'GRUCell(options)', '"nonlinearity"');
    expectError(() => new LSTMCell(undefined as unknown as CellOptions), TypeError, 'LSTMCell(options)', 'undefined');
  });
});

/** The reference engine with async methods that finish on a later macrotask (the shape of the native engine). */
function slowAsyncBackend(): Backend & { calls: number } {
  const later = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));
  const b = {
    ...referenceBackend,
    calls: 0,
    async recurrentForwardAsync(cell: CellKind, args: RecurrentForwardArgs): Promise<void> {
      b.calls++;
      await later();
      referenceBackend.recurrentForward(cell, args);
    },
    async recurrentBackwardAsync(cell: CellKind, args: RecurrentBackwardArgs): Promise<void> {
      b.calls++;
      await later();
      referenceBackend.recurrentBackward(cell, args);
    },
  };
  return b;
}

describe.each(testBackends().map((b) => [b.name, b] as const))('async calls, %s engine', (_name, backend) => {
  it.each(KINDS)('%s: forwardAsync/backwardAsync give the same bits as forward/backward', async (kind) => {
    const rand = seeded(8);
    const xs = [random(rand, [3, I]), random(rand, [3, I]), random(rand, [2, I])];
    const dhs = [random(rand, [3, H]), random(rand, [3, H]), random(rand, [2, H])];
    const run = async (async: boolean): Promise<number[][]> => {
      const cell = makeCell(kind, { backend });
      const out: number[][] = [];
      let h: Tensor | null = null;
      let c: Tensor | null = null;
      for (const x of xs) {
        const B = x.shape[0];
        const hb: Tensor | null = h && { data: h.data.slice(0, B * H), shape: [B, H] };
        const cb: Tensor | null = c && { data: c.data.slice(0, B * H), shape: [B, H] };
        const s: CellOutput = async ? await cell.forwardAsync(x, hb, cb) : cell.forward(x, hb, cb);
        out.push(Array.from(s.h.data), Array.from(s.c?.data ?? []));
        h = s.h;
        c = s.c ?? null;
      }
      for (let t = xs.length - 1; t >= 0; t--) {
        const g = async ? await cell.backwardAsync({ dh: dhs[t] }) : cell.backward({ dh: dhs[t] });
        out.push(Array.from(g.dInput.data), Array.from(g.dh0.data), Array.from(g.dc0?.data ?? []));
      }
      expect(cell.historyLength).toBe(0);
      return [...out, ...snapshot(cell)];
    };
    expect(await run(true)).toEqual(await run(false));
  });
});

describe('async calls: one at a time', () => {
  it('a call while an async one runs throws LayerBusyError and changes nothing', async () => {
    const backend = slowAsyncBackend();
    const cell = makeCell('lstm', { backend }) as LSTMCell;
    const rand = seeded(9);
    const x = random(rand, [2, I]);
    const pending = cell.forwardAsync(x);
    expect(() => cell.forward(x)).toThrow(LayerBusyError);
    expect(() => cell.backward()).toThrow(LayerBusyError);
    expect(() => cell.clearHistory()).toThrow(LayerBusyError);
    await expect(cell.forwardAsync(x)).rejects.toBeInstanceOf(LayerBusyError);
    expect(cell.historyLength).toBe(0); // the running forward has not finished yet
    const { h, c } = await pending;
    expect(h.shape).toEqual([2, H]);
    expect(c.shape).toEqual([2, H]);
    expect(cell.historyLength).toBe(1);
    const back = cell.backwardAsync({ dh: random(rand, [2, H]) });
    await expect(cell.backwardAsync()).rejects.toBeInstanceOf(LayerBusyError);
    expect(cell.historyLength).toBe(1); // popped only once the kernel has run
    expect((await back).dc0.shape).toEqual([2, H]);
    expect(cell.historyLength).toBe(0);
    expect(backend.calls).toBe(2);
    cell.forward(x); // idle again
  });

  it('an engine without async methods runs the sync kernel, and the cell stays busy until the promise settles', async () => {
    const cell = makeCell('rnn_tanh');
    const x = random(seeded(10), [2, I]);
    const pending = cell.forwardAsync(x);
    expect(() => cell.forward(x)).toThrow(LayerBusyError);
    expect(cell.historyLength).toBe(0);
    expect(Array.from((await pending).h.data)).toEqual(Array.from(cell.eval().forward(x).h.data));
    expect(cell.historyLength).toBe(1);
  });

  it('a failed async call leaves the cell idle and its history unchanged', async () => {
    const failing: Backend = {
      ...referenceBackend,
      async recurrentForwardAsync(): Promise<void> {
        throw new Error('engine failure');
      },
    };
    const cell = makeCell('gru', { backend: failing });
    await expect(cell.forwardAsync(zeros([1, I]))).rejects.toThrow('engine failure');
    expect(cell.historyLength).toBe(0);
    await expect(cell.forwardAsync(zeros([1, I + 1]))).rejects.toBeInstanceOf(RangeError);
    cell.forward(zeros([1, I]));
    expect(cell.historyLength).toBe(1);
  });
});
