/**
 * Property-based fuzz of the models (classifier, tagger, language model, seq2seq) and of fit: hostile
 * options, ids out of range, empty and length-1 sequences, wrong types, and hostile fit options. Every call
 * succeeds with finite, correctly shaped output or throws a documented error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LanguageModel, Seq2Seq, SequenceClassifier, SequenceTagger, fit } from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { expectFinite, hostileSize, params, probe, probeAsync, reportTally } from './fuzz-helpers.js';

reportTally('fuzz-models');
const engines = testBackends().map((b) => b.name);

const id = fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 0, max: 5 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, 6, 99, 1.5, NaN, '2', null, 2 ** 40) });
const seq = fc.oneof(
  { weight: 10, arbitrary: fc.array(id, { minLength: 1, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>([], [1], 'abc', null, 3, {}, new Int32Array([1, 2]), new Float32Array([1, 2])) },
);
const modelOptions = fc.record({
  vocabSize: fc.oneof({ weight: 6, arbitrary: fc.constant(6) }, { weight: 1, arbitrary: hostileSize }),
  embeddingDim: hostileSize,
  hiddenSize: hostileSize,
  cell: fc.constantFrom<unknown>('rnn', 'lstm', 'gru', 'gru', 'lstm', 'RNN', 5),
  numLayers: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(1, 2) }, { weight: 1, arbitrary: hostileSize }),
  bidirectional: fc.oneof({ weight: 6, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constant<unknown>('no') }),
  backend: fc.constantFrom(...engines),
  seed: fc.integer({ min: 0, max: 99 }),
  threads: fc.constant(1),
});

function finiteRows(where: string, rows: unknown): void {
  const flat = (rows as unknown[]).flat(2) as number[];
  for (const v of flat) if (!Number.isFinite(v)) throw new Error(`${where}: non-finite ${v}`);
}

describe('fuzz: models', () => {
  it('constructors and inference entry points', () => {
    fc.assert(fc.property(modelOptions, fc.array(seq, { minLength: 1, maxLength: 4 }), fc.constantFrom('mean', 'last', 'max'), (o, seqs, pooling) => {
      const { bidirectional, ...uni } = o;
      const cls = probe('SequenceClassifier constructor', () => new SequenceClassifier({ ...o, numClasses: 3, pooling } as never));
      if (cls) {
        probe('SequenceClassifier.predictProba', () => {
          const ids = seqs[0] as number[];
          const T = ids !== null && typeof ids === 'object' && 'length' in ids ? (ids as unknown[]).length : 1;
          return cls.predictProba({ data: ids, shape: [1, T] });
        }, (r) => {
          expect(r.shape).toEqual([1, 3]);
          expectFinite('predictProba', r.data);
        });
      }
      const tagger = probe('SequenceTagger constructor', () => new SequenceTagger({ ...o, numTags: 3 } as never));
      if (tagger) probe('SequenceTagger.predict', () => tagger.predict(seqs as never), (r) => finiteRows('predict', r));
      const lm = probe('LanguageModel constructor', () => new LanguageModel(uni as never));
      if (lm) {
        probe('LanguageModel.generate', () => lm.generate({ prompt: seqs[0] as never, maxLength: 3, seed: 1 }), (r) => expect(r.length).toBeLessThanOrEqual(3));
        probe('LanguageModel.logProb', () => lm.logProb(seqs[0] as never), (r) => expect(r).toBeLessThanOrEqual(0));
      }
      const s2s = probe('Seq2Seq constructor', () => new Seq2Seq({
        sourceVocabSize: o.vocabSize, targetVocabSize: 6, embeddingDim: o.embeddingDim, hiddenSize: o.hiddenSize, cell: o.cell, numLayers: o.numLayers,
        bidirectional: o.bidirectional, bosId: 1, eosId: 2, backend: o.backend, seed: o.seed, threads: 1,
      } as never));
      if (s2s) {
        probe('Seq2Seq.translate', () => s2s.translate(seqs[0] as never, { maxLength: 4, beamSize: 1 + (o.seed % 3) }), (r) => finiteRows('translate', r));
        probe('Seq2Seq.logProbability', () => s2s.logProbability(seqs[0] as never, seqs[seqs.length - 1] as never), (r) => expect(r).toBeLessThanOrEqual(0));
      }
    }), params(250));
  });
});

// A huge epoch count is honoured (an endless run is what was asked for), so it is not among the hostile values.
const fitOptions = fc.record({
  epochs: fc.oneof({ weight: 6, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -1, 1.5, NaN, '1', Infinity) }),
  batchSize: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -2, 2 ** 40, NaN) }),
  optimizer: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom<unknown>({ name: 'adam', lr: 0.01 }, { name: 'sgd', lr: 0.1 }) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>({ name: 'adam', lr: -1 }, { name: 'nope' }, 'adam', null) },
  ),
  clipGradNorm: fc.oneof({ weight: 6, arbitrary: fc.constantFrom<unknown>(undefined, 1) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -1, NaN) }),
  validationSplit: fc.oneof({ weight: 6, arbitrary: fc.constantFrom<unknown>(undefined, 0.25) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(1, -0.1, 2) }),
  seed: fc.integer({ min: 0, max: 99 }),
  verbose: fc.constant(false),
});

describe('fuzz: fit', () => {
  it('hostile examples and options on every model kind', async () => {
    const example = fc.oneof(
      { weight: 40, arbitrary: fc.record({ ids: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 6 }), label: fc.integer({ min: 0, max: 2 }) }) },
      { weight: 2, arbitrary: fc.record({ ids: seq, label: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.constantFrom<unknown>(3, -1, 'a', null)) }) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 5, 'x', [], { ids: [1] }, { label: 1 }) },
    );
    await fc.assert(fc.asyncProperty(fc.constantFrom('classifier', 'tagger', 'lm', 's2s'), fc.array(example, { minLength: 0, maxLength: 8 }), fitOptions, fc.constantFrom(...engines), async (kind, examples, options, backend) => {
      const base = { vocabSize: 6, embeddingDim: 3, hiddenSize: 4, cell: 'gru' as const, seed: 1, backend, threads: 1 };
      const model = kind === 'classifier' ? new SequenceClassifier({ ...base, numClasses: 3 })
        : kind === 'tagger' ? new SequenceTagger({ ...base, numTags: 3 })
          : kind === 'lm' ? new LanguageModel(base)
            : new Seq2Seq({ sourceVocabSize: 6, targetVocabSize: 6, embeddingDim: 3, hiddenSize: 4, cell: 'gru', bosId: 1, eosId: 2, seed: 1, backend, threads: 1 });
      // Shape each kind's examples from the same generated ids.
      const shaped = examples.map((e) => {
        if (typeof e !== 'object' || e === null || !('ids' in e)) return e;
        const { ids, label } = e as { ids: unknown; label: unknown };
        if (kind === 'classifier') return { ids, label };
        if (kind === 'tagger') return { ids, tags: Array.isArray(ids) ? ids.map(() => label) : label };
        if (kind === 'lm') return { ids };
        return { source: ids, target: Array.isArray(ids) ? ids.filter((v) => v !== 1 && v !== 2) : ids };
      });
      const history = await probeAsync(`fit(${kind})`, () => fit(model as never, shaped, options as never));
      if (history) {
        for (const v of history.metrics.loss ?? []) expect(Number.isFinite(v)).toBe(true);
        for (const p of model.parameters()) expectFinite(`fit(${kind}) ${p.name}`, p.value.data);
      }
    }), params(400));
  });
});
