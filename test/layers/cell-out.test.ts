// The one-step cells' opt-in { out: { h?, c? } }: a decode loop alternating two pairs of caller-owned buffers
// gives the same bits as fresh arrays on both engines (eval and training, backward included, and async), and a
// bad out is rejected — naming out.h / out.c and what was expected — before anything is written or kept.
import { describe, expect, it } from 'vitest';
import { GRUCell, LSTMCell, RNNCell } from '../../src/index.js';
import type { Tensor } from '../../src/tensor.js';
import { testBackends } from '../helpers/backends.js';
import { randomArray, seeded } from '../helpers/random.js';

const I = 6, H = 70, B = 3, STEPS = 5;
const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));
const stale = (): Tensor => ({ data: new Float32Array(B * H).fill(NaN), shape: [B, H] });
type AnyCell = RNNCell | LSTMCell | GRUCell;

const KINDS = {
  rnn: (backend: never) => new RNNCell({ inputSize: I, hiddenSize: H, seed: 4, backend }),
  lstm: (backend: never) => new LSTMCell({ inputSize: I, hiddenSize: H, seed: 4, backend }),
  gru: (backend: never) => new GRUCell({ inputSize: I, hiddenSize: H, seed: 4, backend }),
};

describe.each(testBackends().map((b) => [b.name, b] as const))('cell { out } on the %s engine', (_name, backend) => {
  const r = seeded(2);
  const xs = Array.from({ length: STEPS }, () => ({ data: randomArray(r, B * I), shape: [B, I] }));

  for (const [kind, make] of Object.entries(KINDS)) {
    const lstm = kind === 'lstm';
    const step = (cell: AnyCell, x: Tensor, s: { h?: Tensor; c?: Tensor }, out?: { h: Tensor; c?: Tensor }) =>
      (cell as LSTMCell).forward(x, s.h ?? null, s.c ?? null, out ? { out } : undefined) as { h: Tensor; c?: Tensor };

    it.each([['eval'], ['training']])(`${kind}: a loop over two alternating out pairs matches fresh arrays (%s)`, (mode) => {
      const plain = make(backend as never), reused = make(backend as never);
      if (mode === 'eval') { plain.eval(); reused.eval(); }
      const pairs = [0, 1].map(() => ({ h: stale(), ...(lstm ? { c: stale() } : {}) }));
      let a: { h?: Tensor; c?: Tensor } = {}, b: { h?: Tensor; c?: Tensor } = {};
      for (let t = 0; t < STEPS; t++) {
        a = step(plain, xs[t], a);
        const out = pairs[t % 2];
        b = step(reused, xs[t], b, out);
        expect(b.h).toBe(out.h);
        expect(same(b.h!.data, a.h!.data)).toBe(true);
        if (lstm) expect(same(b.c!.data, a.c!.data)).toBe(true);
      }
      if (mode === 'training') {
        for (let t = 0; t < STEPS; t++) {
          const g = { dh: { data: new Float32Array(B * H).fill(0.1 * (t + 1)), shape: [B, H] } };
          const ga = plain.backward(g), gb = reused.backward(g);
          expect(same(gb.dInput.data, ga.dInput.data)).toBe(true);
        }
        expect(same(reused.weight_hh.grad.data, plain.weight_hh.grad.data)).toBe(true);
      }
    });

    it(`${kind}: forwardAsync honours out`, async () => {
      const plain = make(backend as never).eval(), cell = make(backend as never).eval();
      const out = { h: stale(), ...(lstm ? { c: stale() } : {}) };
      const expected = step(plain, xs[0], {});
      const got = await (cell as LSTMCell).forwardAsync(xs[0], null, null, { out });
      expect(got.h).toBe(out.h);
      expect(same(out.h.data, expected.h.data)).toBe(true);
    });

    it(`${kind}: a bad out is rejected before anything is written or kept`, () => {
      const cell = make(backend as never);
      const first = step(cell, xs[0], {});
      const kept = cell.historyLength;
      const out = stale();
      const call = (o: unknown) => () => (cell as LSTMCell).forward(xs[1], first.h, first.c ?? null, o as never);
      expect(call({ out: { h: { data: new Float32Array(B * (H + 1)), shape: [B, H + 1] } } })).toThrow(/out\.h: expected shape \[B, hiddenSize\] = \[3, 70\]/);
      expect(call({ out: { h: { data: new Float64Array(B * H), shape: [B, H] } } })).toThrow(TypeError);
      expect(call({ out: { h: first.h } })).toThrow(/out\.h: expected memory of its own, received an array that shares memory with h/);
      expect(call({ out: { h: { data: cell.weight_ih.value.data.subarray(0, B * H), shape: [B, H] } } })).toThrow(/shares memory with weight_ih/);
      expect(call({ outt: { h: out } })).toThrow(/unknown key "outt"/);
      if (lstm) {
        const shared = new Float32Array(2 * B * H);
        expect(call({ out: { h: { data: shared.subarray(0, B * H + 1).subarray(0, B * H), shape: [B, H] }, c: { data: shared.subarray(B * H - 1, 2 * B * H - 1), shape: [B, H] } } }))
          .toThrow(/out\.c: expected memory of its own, received an array that shares memory with out\.h/);
      } else {
        expect(call({ out: { h: out, c: stale() } })).toThrow(/only LSTMCell has a cell state/);
      }
      expect(cell.historyLength).toBe(kept);
      expect(out.data.every((v) => Number.isNaN(v))).toBe(true);
    });
  }
});
