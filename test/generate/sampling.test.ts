// Sampling over one logits row: greedy, temperature, top-k and top-p give the documented distribution, and
// many seeded draws match it; the same seed repeats the same draws; bad arguments are precise errors.
import { describe, expect, it } from 'vitest';
import { argmax, sampleToken, samplingProbabilities } from '../../src/generate/sampling.js';
import { Rng } from '../../src/random.js';
import { expectError } from '../helpers/errors.js';

const logits = [1.0, 3.0, -0.5, 2.0, 0.0, 2.5];

function softmax(row: number[], temperature = 1): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp((v - m) / temperature));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Empirical frequencies of n draws. */
function frequencies(row: number[], options: Parameters<typeof sampleToken>[2], n: number, seed = 1): number[] {
  const rng = new Rng(seed);
  const counts = new Array(row.length).fill(0);
  for (let i = 0; i < n; i++) counts[sampleToken(row, rng, options)]++;
  return counts.map((c) => c / n);
}

/** Every frequency within 4.5 standard errors of its probability (and exactly 0 where p = 0). */
function expectMatches(freq: number[], p: ArrayLike<number>, n: number): void {
  for (let i = 0; i < freq.length; i++) {
    if (p[i] === 0) expect(freq[i], `token ${i}`).toBe(0);
    else expect(Math.abs(freq[i] - p[i]), `token ${i}: ${freq[i]} vs ${p[i]}`).toBeLessThanOrEqual(4.5 * Math.sqrt((p[i] * (1 - p[i])) / n) + 1e-9);
  }
}

describe('samplingProbabilities', () => {
  it('is the softmax at temperature 1, and sharpens / flattens with temperature', () => {
    const exact = softmax(logits);
    const p = samplingProbabilities(logits);
    exact.forEach((v, i) => expect(p[i]).toBeCloseTo(v, 14));
    const cold = samplingProbabilities(logits, { temperature: 0.5 });
    softmax(logits, 0.5).forEach((v, i) => expect(cold[i]).toBeCloseTo(v, 14));
    expect(cold[1]).toBeGreaterThan(p[1]);
    const hot = samplingProbabilities(logits, { temperature: 4 });
    expect(hot[1]).toBeLessThan(p[1]);
  });

  it('temperature 0 and topK 1 are one-hot at the argmax (lowest index among ties)', () => {
    expect(Array.from(samplingProbabilities(logits, { temperature: 0 }))).toEqual([0, 1, 0, 0, 0, 0]);
    expect(Array.from(samplingProbabilities(logits, { topK: 1, temperature: 3 }))).toEqual([0, 1, 0, 0, 0, 0]);
    expect(argmax([2, 5, 5, -Infinity])).toBe(1);
  });

  it('top-k keeps the k most probable tokens, renormalised', () => {
    const p = samplingProbabilities(logits, { topK: 3 }); // tokens 1 (3.0), 5 (2.5), 3 (2.0)
    const kept = softmax([3.0, 2.5, 2.0]);
    expect(p[1]).toBeCloseTo(kept[0], 14);
    expect(p[5]).toBeCloseTo(kept[1], 14);
    expect(p[3]).toBeCloseTo(kept[2], 14);
    expect(p[0] + p[2] + p[4]).toBe(0);
    expect(Array.from(samplingProbabilities(logits, { topK: 100 }))).toEqual(Array.from(samplingProbabilities(logits)));
  });

  it('top-p keeps the smallest most-probable set reaching p, renormalised', () => {
    const full = softmax(logits); // sorted: 1 (.39), 5 (.24), 3 (.14), 0 (.05)…
    const order = [1, 5, 3, 0, 4, 2];
    let cum = 0;
    const nucleus: number[] = [];
    for (const i of order) {
      nucleus.push(i);
      cum += full[i];
      if (cum >= 0.8) break;
    }
    const p = samplingProbabilities(logits, { topP: 0.8 });
    const mass = nucleus.reduce((a, i) => a + full[i], 0);
    for (let i = 0; i < logits.length; i++) expect(p[i]).toBeCloseTo(nucleus.includes(i) ? full[i] / mass : 0, 14);
    expect(Array.from(samplingProbabilities(logits, { topP: 0.01 })).filter((v) => v > 0)).toEqual([1]); // always one token
    // top-p on what top-k left, renormalised first: of tokens 1 and 5, p = 0.5 keeps only token 1
    expect(Array.from(samplingProbabilities(logits, { topK: 2, topP: 0.6 })).filter((v) => v > 0)).toEqual([1]);
  });

  it('a −Infinity logit is masked', () => {
    const p = samplingProbabilities([0, -Infinity, 0]);
    expect(Array.from(p)).toEqual([0.5, 0, 0.5]);
  });
});

describe('sampleToken', () => {
  const n = 40_000;
  it.each([
    { name: 'temperature 1', options: {} },
    { name: 'temperature 0.7', options: { temperature: 0.7 } },
    { name: 'temperature 2', options: { temperature: 2 } },
    { name: 'top-k 3', options: { topK: 3 } },
    { name: 'top-p 0.8', options: { topP: 0.8 } },
    { name: 'top-k 4 + top-p 0.9 at temperature 1.5', options: { topK: 4, topP: 0.9, temperature: 1.5 } },
  ])('draw frequencies match the renormalised probabilities ($name)', ({ options }) => {
    expectMatches(frequencies(logits, options, n), samplingProbabilities(logits, options), n);
  });

  it('top-k and top-p never draw outside their set', () => {
    const freqK = frequencies(logits, { topK: 2 }, 5000);
    expect(freqK.map((f, i) => (f > 0 ? i : -1)).filter((i) => i >= 0)).toEqual([1, 5]);
    const freqP = frequencies(logits, { topP: 0.5 }, 5000);
    expect(freqP.map((f, i) => (f > 0 ? i : -1)).filter((i) => i >= 0)).toEqual([1, 5]);
  });

  it('greedy always picks the argmax and draws no random number', () => {
    const rng = new Rng(3);
    const before = rng.getState();
    for (let i = 0; i < 20; i++) expect(sampleToken(logits, rng, { temperature: 0 })).toBe(1);
    expect(sampleToken(Float32Array.from(logits), rng, { topK: 1 })).toBe(1);
    expect(rng.getState()).toEqual(before);
  });

  it('the same seed gives the same draws; another seed different ones', () => {
    const draws = (seed: number): number[] => {
      const rng = new Rng(seed);
      return Array.from({ length: 50 }, () => sampleToken(logits, rng, { temperature: 1.3 }));
    };
    expect(draws(7)).toEqual(draws(7));
    expect(draws(8)).not.toEqual(draws(7));
  });

  it('rejects bad arguments with what was expected and what arrived', () => {
    const rng = new Rng(1);
    expectError(() => sampleToken([], rng), RangeError, 'at least one logit');
    expectError(() => sampleToken('abc' as never, rng), TypeError, 'array or typed array', '"abc"');
    expectError(() => sampleToken([1, NaN], rng), RangeError, 'NaN at index 1');
    expectError(() => sampleToken([1, Infinity], rng), RangeError, 'Infinity at index 1');
    expectError(() => sampleToken([-Infinity, -Infinity], rng), RangeError, 'above −Infinity');
    expectError(() => sampleToken(logits, {} as never), TypeError, 'expected an Rng');
    expectError(() => sampleToken(logits, rng, { temperature: -1 }), RangeError, 'temperature', '-1');
    expectError(() => sampleToken(logits, rng, { temperature: '1' as never }), TypeError, 'temperature', 'expected a number');
    expectError(() => sampleToken(logits, rng, { topK: 0 }), RangeError, 'topK', 'received 0');
    expectError(() => sampleToken(logits, rng, { topK: 1.5 }), RangeError, 'topK', '1.5');
    expectError(() => sampleToken(logits, rng, { topP: 0 }), RangeError, 'topP', '> 0');
    expectError(() => sampleToken(logits, rng, { topP: 1.2 }), RangeError, 'topP', '<= 1');
    expectError(() => sampleToken(logits, rng, { top_k: 3 } as never), TypeError, 'unknown option "top_k"');
    expectError(() => samplingProbabilities(logits, 5 as never), TypeError, 'options object', '5');
  });
});
