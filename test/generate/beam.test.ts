// Beam search: GNMT's length penalty; beamSize 1 is greedy; a beam wide enough to keep everything finds the
// brute-force optimum (so the stopping rule loses nothing); on random tiny Seq2Seq models beam 1 equals the
// batched greedy decode and wider beams never return a sequence the model scores lower than greedy's, with
// log-probabilities that match the model's own teacher-forced score. Bad options are precise errors.
import { describe, expect, it } from 'vitest';
import { beamSearch, greedySearch, lengthPenalty, normalizedScore, type SearchOptions } from '../../src/generate/beam.js';
import { Seq2Seq } from '../../src/models/seq2seq.js';
import { decodeStep, encodeSources, selectRows } from '../../src/models/seq2seq-decoding.js';
import { Rng } from '../../src/random.js';
import { expectError } from '../helpers/errors.js';

/** A random tree model: every prefix has its own next-token distribution (the state is a hash of the prefix). */
function treeModel(V: number, seed: number, eosBias = 0): Pick<SearchOptions<number[]>, 'initial' | 'step' | 'select'> {
  const hash = (h: number, v: number): number => (Math.imul(h ^ (v + 0x9e37), 0x85ebca6b) ^ seed) >>> 0;
  const logits = (h: number): number[] => {
    const rng = new Rng(h);
    return Array.from({ length: V }, (_, v) => 2 * rng.normal() + (v === 0 ? eosBias : 0));
  };
  return {
    initial: [seed],
    step: (tokens, state) => {
      const out: number[] = [];
      const next: number[] = [];
      state.forEach((h, r) => {
        const z = logits(hash(h, tokens[r]));
        const m = Math.max(...z);
        const lse = m + Math.log(z.reduce((a, b) => a + Math.exp(b - m), 0));
        out.push(...z.map((v) => v - lse));
        next.push(hash(h, tokens[r]));
      });
      return { logProbs: out, state: next };
    },
    select: (state, rows) => Array.from(rows, (r) => state[r]),
  };
}

/** Every hypothesis up to maxLength tokens (EOS = 0), scored: the best normalised score. */
function bruteForce(o: SearchOptions<number[]>, alpha: number): number {
  let best = -Infinity;
  const walk = (tokens: number[], state: number[], prev: number, logProb: number): void => {
    const { logProbs, state: next } = o.step(Int32Array.of(prev), state);
    for (let v = 0; v < o.vocabSize; v++) {
      const lp = logProb + logProbs[v];
      if (v === o.eosId) best = Math.max(best, normalizedScore(lp, tokens.length + 1, alpha));
      else if (tokens.length + 1 === o.maxLength) best = Math.max(best, normalizedScore(lp, o.maxLength, alpha));
      else walk([...tokens, v], next, v, lp);
    }
  };
  walk([], o.initial, o.bosId, 0);
  return best;
}

describe('length penalty', () => {
  it("is GNMT's ((5 + |Y|)/6)^α", () => {
    expect(lengthPenalty(1, 0.6)).toBe(1);
    expect(lengthPenalty(7, 1)).toBe(2);
    expect(lengthPenalty(13, 0.5)).toBeCloseTo(Math.sqrt(3), 14);
    expect(lengthPenalty(40, 0)).toBe(1);
    expect(normalizedScore(-4, 7, 1)).toBe(-2);
  });
});

describe('beamSearch on a random tree model', () => {
  const V = 4;
  const base = (seed: number, alpha: number, beamSize: number, eosBias = 0): SearchOptions<number[]> => ({
    ...treeModel(V, seed, eosBias), vocabSize: V, bosId: 1, eosId: 0, maxLength: 5, beamSize, lengthPenalty: alpha,
  });

  it('beamSize 1 is greedy search', () => {
    for (let seed = 1; seed <= 20; seed++) expect(beamSearch(base(seed, 0.6, 1))).toEqual(greedySearch(base(seed, 0.6, 1)));
  });

  it.each([0, 0.6, 1.5])('a beam that keeps everything finds the brute-force optimum (α = %s)', (alpha) => {
    for (let seed = 1; seed <= 12; seed++) {
      const o = base(seed, alpha, V ** 5, seed % 3);
      const best = beamSearch(o);
      expect(best.score).toBeCloseTo(bruteForce(o, alpha), 12);
      expect(best.score).toBeCloseTo(normalizedScore(best.logProb, best.tokens.length + (best.finished ? 1 : 0), alpha), 14);
    }
  });

  it('wider beams score at least greedy and at most the optimum', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const optimum = bruteForce(base(seed, 0.6, 1), 0.6);
      const greedy = greedySearch(base(seed, 0.6, 1)).score;
      for (const k of [2, 3, 5]) {
        const s = beamSearch(base(seed, 0.6, k)).score;
        expect(s).toBeGreaterThanOrEqual(greedy);
        expect(s).toBeLessThanOrEqual(optimum + 1e-12);
      }
    }
  });

  it('rejects bad options with the field named', () => {
    const o = base(1, 0.6, 2);
    expectError(() => beamSearch({ ...o, beamSize: 0 }), RangeError, 'beamSize', '0');
    expectError(() => beamSearch({ ...o, beamSize: 1.5 }), RangeError, 'beamSize');
    expectError(() => beamSearch({ ...o, lengthPenalty: -1 }), RangeError, 'lengthPenalty', '-1');
    expectError(() => beamSearch({ ...o, lengthPenalty: '1' as never }), TypeError, 'lengthPenalty');
    expectError(() => beamSearch({ ...o, maxLength: 0 }), RangeError, 'maxLength');
    expectError(() => beamSearch({ ...o, eosId: 4 }), RangeError, 'eosId', '4');
    expectError(() => beamSearch({ ...o, bosId: -1 }), RangeError, 'bosId');
    expectError(() => beamSearch({ ...o, step: 3 as never }), TypeError, 'step');
    expectError(() => beamSearch({ ...o, step: () => ({ logProbs: [0], state: [] }) }), RangeError, 'logProbs', '4');
    expectError(() => beamSearch(null as never), TypeError, 'options');
  });
});

describe('beam search on random tiny Seq2Seq models', () => {
  const configs = [
    { cell: 'lstm' as const, attention: 'general' as const, bidirectional: true },
    { cell: 'gru' as const, attention: 'dot' as const, bidirectional: false },
    { cell: 'rnn' as const, attention: 'none' as const, bidirectional: false, numLayers: 2 },
  ];
  const V = 7;
  const EOS = 2;

  it.each(configs)('beam 1 equals greedy, wider beams never score lower, scores match the model (%o)', (config) => {
    const rng = new Rng(11);
    let improved = 0;
    let cases = 0;
    let checked = 0;
    for (let seed = 1; seed <= 4; seed++) {
      const model = new Seq2Seq({
        sourceVocabSize: 6, targetVocabSize: V, embeddingDim: 3, hiddenSize: 4, bosId: 1, eosId: EOS, paddingIdx: 0, seed,
        dtype: 'float64', backend: 'reference', ...config,
      });
      model.head.out.bias!.value.data[EOS] += 0.3; // a nudge towards EOS: more hypotheses finish, so the model can score them
      const sources = Array.from({ length: 5 }, () => Array.from({ length: 1 + rng.int(5) }, () => 1 + rng.int(5)));
      const greedyBatch = model.translate(sources, { maxLength: 10 });
      model.eval();
      for (const [i, source] of sources.entries()) {
        const search = (beamSize: number) => beamSearch({
          initial: encodeSources(model, [source]), step: (t, s) => decodeStep(model, t, s), select: selectRows,
          vocabSize: V, bosId: 1, eosId: EOS, maxLength: 10, beamSize, lengthPenalty: 0.6,
        });
        const greedy = search(1);
        expect(greedy.tokens).toEqual(greedyBatch[i]);
        expect(model.translate(source, { beamSize: 1, maxLength: 10 })).toEqual(greedyBatch[i]);
        for (const k of [2, 3, 5]) {
          const h = search(k);
          cases++;
          expect(h.score).toBeGreaterThanOrEqual(greedy.score);
          if (h.score > greedy.score + 1e-12) improved++;
          expect(model.translate(source, { beamSize: k, maxLength: 10, lengthPenalty: 0.6 })).toEqual(h.tokens);
          if (h.finished) {
            // the model's own teacher-forced score agrees with what the search accumulated
            expect(model.logProbability(source, h.tokens)).toBeCloseTo(h.logProb, 10);
            checked++;
            expect(normalizedScore(model.logProbability(source, h.tokens), h.tokens.length + 1, 0.6)).toBeGreaterThanOrEqual(greedy.score - 1e-12);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(cases / 2);
    console.log(`beam (${config.cell}, ${config.attention}): better than greedy in ${improved}/${cases} searches, ${checked} rescored by the model`);
  });
});
