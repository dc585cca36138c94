// Luong attention ('dot', 'general') over ragged encoder outputs: float64 central-difference gradients for the
// query, the memory and W (through context and weights alike); masked positions get weight 0 and gradient 0,
// and nothing stored there is ever read; both engines agree; bad arguments are precise errors.
import { describe, expect, it } from 'vitest';
import { LuongAttention, type AttentionScore } from '../../src/layers/attention.js';
import { Rng } from '../../src/random.js';
import type { Tensor } from '../../src/tensor.js';
import { dot, numericGradient, randomTensor, relativeError } from '../helpers/gradcheck.js';
import { expectError } from '../helpers/errors.js';
import { testBackends } from '../helpers/backends.js';

const TOL = 1e-6;
const B = 3;
const S = 5;
const LENGTHS = [5, 2, 3];

function setup(score: AttentionScore, Q: number, K: number, queryShape: number[], seed = 1) {
  const rng = new Rng(seed);
  const att = new LuongAttention({ querySize: Q, keySize: K, score, dtype: 'float64', backend: 'reference', seed });
  const query = randomTensor(rng, queryShape);
  const memory = { ...randomTensor(rng, [B, S, K]), lengths: LENGTHS };
  const ctxShape = [...queryShape.slice(0, -1), K];
  const wCtx = randomTensor(rng, ctxShape);
  const wAtt = randomTensor(rng, [...queryShape.slice(0, -1), S]);
  // loss = <context, wCtx> + <weights, wAtt>: exercises dContext and dWeights together
  const loss = (): number => {
    const { context, weights } = att.forward(query, memory);
    return dot(context, wCtx) + dot(weights, wAtt);
  };
  return { att, query, memory, wCtx, wAtt, loss };
}

describe('LuongAttention', () => {
  describe.each([
    { score: 'dot' as const, Q: 4, K: 4 },
    { score: 'general' as const, Q: 3, K: 4 },
    { score: 'general' as const, Q: 4, K: 4 },
  ])('%o', ({ score, Q, K }) => {
    it.each([{ queryShape: [B, 2, Q] }, { queryShape: [B, Q] }])('has exact float64 gradients, query %o', ({ queryShape }) => {
      const { att, query, memory, wCtx, wAtt, loss } = setup(score, Q, K, queryShape);
      att.forward(query, memory);
      const { dQuery, dMemory } = att.backward({ dContext: wCtx, dWeights: wAtt });
      expect(dQuery.shape).toEqual(queryShape);
      expect(dMemory.shape).toEqual([B, S, K]);
      expect(relativeError(dQuery.data, numericGradient(loss, query.data as Float64Array))).toBeLessThanOrEqual(TOL);
      expect(relativeError(dMemory.data, numericGradient(loss, memory.data as Float64Array))).toBeLessThanOrEqual(TOL);
      for (const p of att.parameters()) {
        expect(relativeError(p.grad.data, numericGradient(loss, p.value.data as Float64Array)), p.name).toBeLessThanOrEqual(TOL);
      }
      expect(att.parameters().map((p) => p.name)).toEqual(score === 'general' ? ['linear_in.weight'] : []);
    });

    it('masks padding: weight 0 and gradient 0 there, rows sum to 1, and padded contents are never read', () => {
      const { att, query, memory, wCtx } = setup(score, Q, K, [B, 2, Q]);
      const { context, weights } = att.forward(query, memory);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < 2; t++) {
          let sum = 0;
          for (let s = 0; s < S; s++) {
            const w = weights.data[(b * 2 + t) * S + s];
            if (s >= LENGTHS[b]) expect(w).toBe(0);
            else expect(w).toBeGreaterThan(0);
            sum += w;
          }
          expect(sum).toBeCloseTo(1, 14);
        }
      }
      const { dMemory } = att.backward({ dContext: wCtx });
      for (let b = 0; b < B; b++) {
        for (let s = LENGTHS[b]; s < S; s++) for (let j = 0; j < K; j++) expect(dMemory.data[(b * S + s) * K + j]).toBe(0);
      }
      // junk in the padded rows (even NaN) changes nothing
      const junk = { ...memory, data: memory.data.slice() };
      for (let b = 0; b < B; b++) junk.data.fill(NaN, (b * S + LENGTHS[b]) * K, (b + 1) * S * K);
      const again = att.forward(query, junk);
      expect(Array.from(again.context.data)).toEqual(Array.from(context.data));
      expect(Array.from(again.weights.data)).toEqual(Array.from(weights.data));
    });

    it('without lengths attends to every position', () => {
      const { att, query, memory } = setup(score, Q, K, [B, Q]);
      const { weights } = att.forward(query, { data: memory.data, shape: memory.shape });
      expect(Array.from(weights.data).every((w) => w > 0)).toBe(true);
    });
  });

  it('runs the same on both engines (float32, general)', () => {
    const rng = new Rng(4);
    const q32 = { data: Float32Array.from(randomTensor(rng, [B, 3, 6]).data), shape: [B, 3, 6] };
    const m32 = { data: Float32Array.from(randomTensor(rng, [B, S, 8]).data), shape: [B, S, 8], lengths: LENGTHS };
    const d32 = { data: Float32Array.from(randomTensor(rng, [B, 3, 8]).data), shape: [B, 3, 8] };
    const runs = testBackends().map((backend) => {
      const att = new LuongAttention({ querySize: 6, keySize: 8, score: 'general', backend, seed: 9 });
      const { context } = att.forward(q32, m32);
      const { dQuery, dMemory } = att.backward({ dContext: d32 });
      return [context.data, dQuery.data, dMemory.data, att.linear_in!.weight.grad.data];
    });
    for (const run of runs.slice(1)) run.forEach((a, i) => expect(relativeError(a, runs[0][i])).toBeLessThanOrEqual(1e-5));
  });

  it('rejects bad options and arguments with the field named', () => {
    expectError(() => new LuongAttention({ querySize: 0 }), RangeError, 'querySize');
    expectError(() => new LuongAttention({ querySize: 4, keySize: 6, score: 'dot' }), RangeError, 'keySize', "'dot'", '6');
    expectError(() => new LuongAttention({ querySize: 4, score: 'concat' as AttentionScore }), RangeError, 'score', '"concat"');
    expectError(() => new LuongAttention(null as never), TypeError, 'options');
    const att = new LuongAttention({ querySize: 4, keySize: 4, score: 'dot', dtype: 'float64', backend: 'reference' });
    const rng = new Rng(2);
    const q = randomTensor(rng, [2, 4]);
    const m = randomTensor(rng, [2, 3, 4]);
    expectError(() => att.backward({ dContext: q }), Error, 'forward');
    expectError(() => att.forward(randomTensor(rng, [2, 5]), m), RangeError, 'query', '[2, 5]');
    expectError(() => att.forward(q, randomTensor(rng, [3, 3, 4])), RangeError, 'memory', 'B = 2', '[3, 3, 4]');
    expectError(() => att.forward(q, randomTensor(rng, [2, 3, 5])), RangeError, 'memory', '[2, 3, 5]');
    expectError(() => att.forward(q, { ...m, lengths: [1, 4] }), RangeError, 'memory.lengths[1]', '4');
    expectError(() => att.forward(q, { ...m, lengths: [1] }), RangeError, 'memory.lengths', '2 lengths');
    expectError(() => att.forward(q, { ...m, lengths: 'x' as never }), TypeError, 'memory.lengths');
    expectError(() => att.forward({ data: new Float32Array(8), shape: [2, 4] }, m), TypeError, 'query', 'Float64Array');
    att.forward(q, m);
    expectError(() => att.backward({ dContext: randomTensor(rng, [2, 3]) }), RangeError, 'dContext');
    expectError(() => att.backward({ dContext: q, dWeights: randomTensor(rng, [2, 4]) }), RangeError, 'dWeights');
    expectError(() => att.backward(undefined as never), TypeError, 'grads');
  });

  it('keeps nothing in eval mode', () => {
    const att = new LuongAttention({ querySize: 2, dtype: 'float64', backend: 'reference' }).eval();
    const rng = new Rng(3);
    const t: Tensor = randomTensor(rng, [1, 2]);
    att.forward(t, randomTensor(rng, [1, 2, 2]));
    expectError(() => att.backward({ dContext: t }), Error, 'training mode');
  });
});
