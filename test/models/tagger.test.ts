// The many-to-many tagger: it learns context rules (previous token; next token, bidirectional) on every engine;
// padding never changes a token's logits, loss, gradients or metrics; F1 is what a hand count gives; bad
// examples name their field; config() rebuilds the same model.
import { describe, expect, it } from 'vitest';
import { SequenceTagger, TAG_IGNORE_INDEX, type TaggerExample, type TaggerOptions } from '../../src/models/tagger.js';
import { tagCounts, taggerMetrics } from '../../src/models/tagger-metrics.js';
import { addSums, type MetricSums } from '../../src/train/trainable.js';
import { crossEntropy } from '../../src/train/losses.js';
import { Adam } from '../../src/train/optim/adam.js';
import { LayerBusyError } from '../../src/layers/recurrent.js';
import { padSequences } from '../../src/data/batching.js';
import { Rng } from '../../src/random.js';
import { numericGradient, relativeError } from '../helpers/gradcheck.js';
import { testBackends } from '../helpers/backends.js';
import { expectError } from '../helpers/errors.js';

const tiny = (o: Partial<TaggerOptions> = {}): SequenceTagger =>
  new SequenceTagger({ vocabSize: 7, embeddingDim: 3, hiddenSize: 4, numTags: 3, paddingIdx: 0, seed: 5, dtype: 'float64', backend: 'reference', ...o });

/** Random examples over tokens 1..8 tagged by `rule(ids, t)`. */
function synthetic(rng: Rng, n: number, rule: (ids: number[], t: number) => number): { ids: number[]; tags: number[] }[] {
  return Array.from({ length: n }, () => {
    const ids = Array.from({ length: 3 + rng.int(10) }, () => 1 + rng.int(8));
    return { ids, tags: ids.map((_, t) => rule(ids, t)) };
  });
}

/** A fit-free loop (src/train/fit.ts is not written yet): shuffled batches, zeroGrad, trainBatch, step. */
async function train(model: SequenceTagger, data: TaggerExample[], epochs: number, rng: Rng): Promise<void> {
  const opt = new Adam(model.parameters(), { lr: 0.02 });
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = rng.shuffle(data.map((_, i) => i));
    for (let i = 0; i < order.length; i += 16) {
      opt.zeroGrad();
      await model.trainBatch(model.collate(order.slice(i, i + 16).map((j) => data[j])));
      opt.step();
    }
  }
}

async function evaluate(model: SequenceTagger, data: TaggerExample[]): Promise<Record<string, number>> {
  const total: MetricSums = {};
  for (let i = 0; i < data.length; i += 32) addSums(total, await model.evaluateBatch(model.collate(data.slice(i, i + 32))));
  return model.metrics(total);
}

describe.each(testBackends().map((b) => [b.name, b] as const))('SequenceTagger on the %s engine', (_name, backend) => {
  it.each([
    { what: 'tag 1 after token 5 (unidirectional GRU)', cell: 'gru' as const, bidirectional: false, rule: (s: number[], t: number) => (t > 0 && s[t - 1] === 5 ? 1 : 0) },
    {
      what: 'tag 2 before token 5, 1 after it (bidirectional LSTM)', cell: 'lstm' as const, bidirectional: true,
      rule: (s: number[], t: number) => (s[t + 1] === 5 ? 2 : t > 0 && s[t - 1] === 5 ? 1 : 0),
    },
  ])('learns a context rule to ≥ 95 % held-out token accuracy: $what', async ({ cell, bidirectional, rule }) => {
    const rng = new Rng(11);
    const model = new SequenceTagger({ vocabSize: 9, embeddingDim: 8, hiddenSize: 16, numTags: 3, cell, bidirectional, paddingIdx: 0, seed: 3, backend });
    const check = (e: unknown, i: number): TaggerExample => model.checkExample(e, i);
    const trainSet = synthetic(rng, 320, rule).map(check);
    const heldOut = synthetic(rng, 200, rule).map(check);
    const before = await evaluate(model, heldOut);
    const started = performance.now();
    await train(model, trainSet, 8, rng);
    const after = await evaluate(model, heldOut);
    console.log(`tagger ${cell}${bidirectional ? ' bidirectional' : ''} on ${backend.name}: token accuracy ${before.tokenAccuracy.toFixed(3)} → ${after.tokenAccuracy.toFixed(3)}, f1 ${after.f1.toFixed(3)}, 8 epochs in ${((performance.now() - started) / 1000).toFixed(2)} s`);
    expect(after.tokenAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(after.f1).toBeGreaterThan(0.9);
    expect(after.loss).toBeLessThan(before.loss / 4);
    expect(model.training).toBe(true);
  });

  it.each(['rnn', 'lstm', 'gru'] as const)('padding never changes a token\'s logits or prediction (%s, 2 layers, bidirectional)', (cell) => {
    const model = new SequenceTagger({ vocabSize: 9, embeddingDim: 4, hiddenSize: 5, numTags: 4, numLayers: 2, bidirectional: true, cell, seed: 2, backend }).eval();
    const examples = [[3, 4, 5], [1, 2, 3, 4, 5, 6, 7, 8], [6], [2, 8, 8, 1, 4]];
    const { ids, lengths } = padSequences(examples, 0);
    const T = ids.shape[1];
    const batch = model.forward(ids, lengths).data;
    const C = model.numTags;
    examples.forEach((e, b) => {
      const alone = model.forward(padSequences([e], 0).ids).data;
      const rows = batch.subarray(b * T * C, (b * T + e.length) * C);
      expect(relativeError(rows, alone), `example ${b}`).toBeLessThanOrEqual(1e-6);
    });
    // What sits past a length is never read: junk tokens there change nothing.
    const junk = { data: Int32Array.from(ids.data, (v, i) => (i % T < lengths[Math.floor(i / T)] ? v : 1 + (i % 8))), shape: ids.shape };
    expect(Array.from(model.forward(junk, lengths).data)).toEqual(Array.from(batch));
    expect(model.predict(examples)).toEqual(examples.map((e) => model.predict(e)));
  });

  it('trainBatch (async) gives the same loss and gradients as forward + crossEntropy + backward', async () => {
    const make = (): SequenceTagger => new SequenceTagger({ vocabSize: 9, embeddingDim: 4, hiddenSize: 5, numTags: 3, cell: 'gru', bidirectional: true, numLayers: 2, seed: 8, backend });
    const a = make();
    const b = make();
    const batch = a.collate([{ ids: [1, 2, 3, 4], tags: [0, 1, 2, 0] }, { ids: [5, 6], tags: [2, 2] }].map((e, i) => a.checkExample(e, i)));
    const { loss, count } = await a.trainBatch(batch);
    const logits = b.forward(batch.ids, batch.lengths);
    const ce = crossEntropy({ data: logits.data, shape: [8, 3] }, batch.tags, { ignoreIndex: TAG_IGNORE_INDEX });
    b.backward({ data: ce.grad.data, shape: [2, 4, 3] });
    expect(count).toBe(6);
    expect(loss).toBeCloseTo(ce.loss, 6);
    for (const [k, g] of Object.entries(a.gradients())) expect(relativeError(g.data, b.gradients()[k].data), k).toBeLessThanOrEqual(1e-5);
  });
});

describe('SequenceTagger: loss, gradients and metrics ignore padding', () => {
  const examples = [{ ids: [1, 2, 3, 4], tags: [0, 1, 2, 1] }, { ids: [5, 6], tags: [2, 0] }, { ids: [2], tags: [1] }];

  it('evaluateBatch sums = a hand computation over real tokens; trainBatch returns their mean', async () => {
    const model = tiny({ bidirectional: true, cell: 'lstm' });
    const checked = examples.map((e, i) => model.checkExample(e, i));
    const batch = model.collate(checked);
    expect(Array.from(batch.tags)).toEqual([0, 1, 2, 1, 2, 0, -100, -100, 1, -100, -100, -100]);
    let loss = 0;
    let correct = 0;
    const gold: number[] = [];
    const pred: number[] = [];
    model.eval();
    for (const e of examples) { // each example alone: no padding anywhere
      const logits = model.forward(padSequences([e.ids], 0).ids).data;
      e.tags.forEach((tag, t) => {
        const row = Array.from(logits.subarray(t * 3, t * 3 + 3));
        const max = Math.max(...row);
        loss += max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) - row[tag];
        const p = row.indexOf(max);
        correct += p === tag ? 1 : 0;
        gold.push(tag);
        pred.push(p);
      });
    }
    model.train();
    const sums = await model.evaluateBatch(batch);
    expect(model.training).toBe(true);
    expect(sums.count).toBe(7);
    expect(sums.correct).toBe(correct);
    expect(sums.loss).toBeCloseTo(loss, 12);
    for (let k = 0; k < 3; k++) {
      const tp = gold.filter((g, i) => g === k && pred[i] === k).length;
      const fp = gold.filter((g, i) => g !== k && pred[i] === k).length;
      const fn = gold.filter((g, i) => g === k && pred[i] !== k).length;
      expect([sums[`tp:${k}`] ?? 0, sums[`fp:${k}`] ?? 0, sums[`fn:${k}`] ?? 0], `tag ${k}`).toEqual([tp, fp, fn]);
      if (tp + fp + fn > 0) expect(model.metrics(sums)[`f1:${k}`]).toBeCloseTo((2 * tp) / (2 * tp + fp + fn), 12);
    }
    expect(model.metrics(sums).loss).toBeCloseTo(loss / 7, 12);
    expect(model.metrics(sums).tokenAccuracy).toBeCloseTo(correct / 7, 12);
    expect(model.predict(examples.map((e) => e.ids)).flat()).toEqual(pred);
    const step = await model.trainBatch(batch);
    expect(step.count).toBe(7);
    expect(step.loss).toBeCloseTo(loss / 7, 12);
  });

  it('the batch gradient is exact (float64) and is the token-weighted mean of the per-example gradients', async () => {
    const model = tiny({ bidirectional: true, numLayers: 2, cell: 'gru' });
    const checked = examples.map((e, i) => model.checkExample(e, i));
    const batch = model.collate(checked);
    model.zeroGrad();
    await model.trainBatch(batch);
    const grads = model.gradients();
    const lossOf = (): number => {
      const logits = model.forward(batch.ids, batch.lengths);
      return crossEntropy({ data: logits.data, shape: [logits.shape[0] * logits.shape[1], 3] }, batch.tags, { ignoreIndex: TAG_IGNORE_INDEX }).loss;
    };
    for (const p of model.parameters()) {
      const numeric = numericGradient(lossOf, p.value.data as Float64Array);
      if (p.name === 'embedding.weight') numeric.fill(0, 0, 3); // the padding row gets no gradient
      expect(relativeError(grads[p.name].data, numeric), p.name).toBeLessThanOrEqual(1e-6);
    }
    const mean = Object.fromEntries(Object.entries(grads).map(([k, v]) => [k, new Float64Array(v.data.length)]));
    for (const e of checked) {
      model.zeroGrad();
      await model.trainBatch(model.collate([e]));
      for (const [k, v] of Object.entries(model.gradients())) v.data.forEach((g, i) => (mean[k][i] += (g * e.ids.length) / 7));
    }
    for (const [k, v] of Object.entries(grads)) expect(relativeError(v.data, mean[k]), k).toBeLessThanOrEqual(1e-10);
    // Gradients accumulate across trainBatch calls; the fit loop zeroes them.
    model.zeroGrad();
    await model.trainBatch(batch);
    await model.trainBatch(batch);
    for (const [k, v] of Object.entries(model.gradients())) expect(relativeError(v.data, grads[k].data.map((g) => 2 * g)), k).toBeLessThanOrEqual(1e-12);
  });
});

describe('tagger metrics', () => {
  it('per-tag and macro F1 match a hand count; padding and absent tags are left out', () => {
    //            gold: 0 1 1 2 0 pad | pred: 0 1 2 2 3 1
    const sums = { loss: 6, ...tagCounts([0, 1, 2, 2, 3, 1], [0, 1, 1, 2, 0, TAG_IGNORE_INDEX], TAG_IGNORE_INDEX) };
    expect(sums).toEqual({ loss: 6, count: 5, correct: 3, 'tp:0': 1, 'fn:0': 1, 'tp:1': 1, 'fn:1': 1, 'fp:2': 1, 'tp:2': 1, 'fp:3': 1 });
    const m = taggerMetrics(sums);
    // tag 0: tp 1 fn 1 → 2/3; tag 1: tp 1 fn 1 → 2/3; tag 2: tp 1 fp 1 → 2/3; tag 3: fp 1 → 0 (predicted, never gold)
    expect(m).toEqual({ loss: 6 / 5, tokenAccuracy: 3 / 5, f1: (2 / 3 + 2 / 3 + 2 / 3 + 0) / 4, 'f1:0': 2 / 3, 'f1:1': 2 / 3, 'f1:2': 2 / 3, 'f1:3': 0 });
    expect(taggerMetrics({ loss: 0, count: 0, correct: 0 })).toEqual({ loss: 0, tokenAccuracy: 0, f1: 0 });
  });

  it('sums from several batches add up to the whole set\'s metrics', () => {
    const a = tagCounts([0, 1], [0, 0], -100);
    const b = tagCounts([1, 1, 0], [1, -100, 1], -100);
    const total: MetricSums = {};
    addSums(total, a);
    addSums(total, b);
    expect(total).toEqual(tagCounts([0, 1, 1, 1, 0], [0, 0, 1, -100, 1], -100));
  });
});

describe('SequenceTagger: checks, config, modes', () => {
  const model = tiny();

  it.each([
    [null, TypeError, 'examples[3]: expected { ids, tags }'],
    [[1, 2], TypeError, 'examples[3]: expected { ids, tags }'],
    [{ ids: 'abc', tags: [0] }, TypeError, 'examples[3].ids: expected number[] or Int32Array'],
    [{ ids: [], tags: [] }, RangeError, 'examples[3].ids: expected at least one element, received an empty sequence'],
    [{ ids: [1, 2.5], tags: [0, 0] }, RangeError, 'examples[3].ids[1]: expected an integer in [0, 6], received 2.5'],
    [{ ids: [1, '2'], tags: [0, 0] }, TypeError, 'examples[3].ids[1]: expected an integer, received "2"'],
    [{ ids: [1, 7], tags: [0, 0] }, RangeError, 'examples[3].ids[1]: expected an integer in [0, 6], received 7'],
    [{ ids: [1, 2] }, TypeError, 'examples[3].tags: expected number[] or Int32Array (one tag per id), received undefined'],
    [{ ids: [1, 2], tags: [0] }, RangeError, 'examples[3].tags: expected 2 tags (one per id in examples[3].ids), received an Array of length 1'],
    [{ ids: [1, 2], tags: [0, 3] }, RangeError, 'examples[3].tags[1]: expected an integer in [0, 2], received 3'],
    [{ ids: [1, 2], tags: [-1, 0] }, RangeError, 'examples[3].tags[0]: expected an integer in [0, 2], received -1'],
    [{ ids: [1, 2], tags: new Float32Array(2) }, TypeError, 'examples[3].tags: expected number[] or Int32Array'],
  ])('checkExample rejects %o', (example, cls, message) => {
    expectError(() => model.checkExample(example, 3), cls, message);
  });

  it('checkExample copies and normalises; collate pads ids with paddingIdx and tags with the ignore index', () => {
    const ids = [1, 2, 3];
    const e = model.checkExample({ ids, tags: Int32Array.from([2, 1, 0]) }, 0);
    ids[0] = 6;
    expect(e).toEqual({ ids: Int32Array.from([1, 2, 3]), tags: Int32Array.from([2, 1, 0]) });
    expect(model.exampleLength(e)).toBe(3);
    const batch = model.collate([e, model.checkExample({ ids: [4], tags: [1] }, 1)]);
    expect(Array.from(batch.ids.data)).toEqual([1, 2, 3, 4, 0, 0]);
    expect(batch.ids.shape).toEqual([2, 3]);
    expect(Array.from(batch.lengths)).toEqual([3, 1]);
    expect(Array.from(batch.tags)).toEqual([2, 1, 0, 1, TAG_IGNORE_INDEX, TAG_IGNORE_INDEX]);
  });

  it('rejects bad options and bad predict input, naming them', () => {
    expectError(() => tiny({ numTags: 1 }), RangeError, 'numTags: expected an integer in [2, 2147483647], received 1');
    expectError(() => tiny({ cell: 'lstm', nonlinearity: 'relu' }), RangeError, "nonlinearity: only cell 'rnn' takes one");
    expectError(() => tiny({ cell: 'transformer' as 'rnn' }), RangeError, 'cell: expected one of "rnn", "lstm", "gru", received "transformer"');
    expectError(() => tiny({ vocabSize: 0 }), RangeError, 'vocabSize: expected an integer in [1, 2147483647], received 0');
    expectError(() => new SequenceTagger(null as unknown as TaggerOptions), TypeError, 'SequenceTagger(options): expected an object, received null');
    expectError(() => model.predict([]), RangeError, 'predict(ids): expected at least one element');
    expectError(() => model.predict([[1, 2], [9]]), RangeError, 'predict(ids[1])[0]: expected an integer in [0, 6], received 9');
    expectError(() => model.forward({ data: [1, 2], shape: [2] }), RangeError, 'SequenceTagger.forward(ids): expected ids of shape [B, T], received shape [2]');
    expectError(() => model.forward({ data: [1, 2], shape: [1, 2] }, [3]), RangeError, 'SequenceTagger.forward(lengths[0]): expected an integer in [1, 2], received 3');
  });

  it('config() round-trips through JSON to the same model (names, shapes, values)', () => {
    for (const options of [
      { vocabSize: 11, embeddingDim: 3, hiddenSize: 4, numTags: 5, cell: 'lstm', numLayers: 2, bidirectional: true, dropout: 0.25, paddingIdx: 0, backend: 'reference', seed: 7 },
      { vocabSize: 5, embeddingDim: 2, hiddenSize: 3, numTags: 2, nonlinearity: 'relu', backend: testBackends()[0], threads: 2 },
    ] as TaggerOptions[]) {
      const a = new SequenceTagger(options);
      const config = JSON.parse(JSON.stringify(a.config())) as TaggerOptions;
      expect(config).not.toHaveProperty('backend.recurrentForward');
      const b = new SequenceTagger(config);
      expect(b.config()).toEqual(a.config());
      expect(b.namedParameters().map((p) => [p.name, p.value.shape])).toEqual(a.namedParameters().map((p) => [p.name, p.value.shape]));
      expect(b.stateDict()).toEqual(a.stateDict());
    }
    const names = new SequenceTagger({ vocabSize: 5, embeddingDim: 2, hiddenSize: 3, numTags: 2, bidirectional: true }).namedParameters().map((p) => p.name);
    expect(names).toEqual([
      'embedding.weight', 'rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0',
      'rnn.weight_ih_l0_reverse', 'rnn.weight_hh_l0_reverse', 'rnn.bias_ih_l0_reverse', 'rnn.bias_hh_l0_reverse', 'head.weight', 'head.bias',
    ]);
  });

  it('predict returns one tag per token, restores the mode; async calls are guarded', async () => {
    const m = tiny({ dropout: 0.5, numLayers: 2 });
    expect(m.kind).toBe('tagger');
    const one = m.predict(Int32Array.from([1, 2, 3]));
    expect(one).toHaveLength(3);
    expect(m.training).toBe(true);
    expect(m.predict([[1, 2, 3], [4]])).toEqual([one, m.predict([4])]);
    m.eval();
    const batch = m.collate([m.checkExample({ ids: [1, 2], tags: [0, 1] }, 0)]);
    const pending = m.trainBatch(batch);
    expect(() => m.predict([1])).toThrow(LayerBusyError);
    await expect(m.evaluateBatch(batch)).rejects.toThrow(LayerBusyError);
    await pending;
    expect(m.training).toBe(false); // trainBatch ran in training mode and restored eval
    m.predict([1, 2]); // an eval forward replaces the training one: nothing left to undo
    expect(() => m.backward({ data: new Float64Array(6), shape: [1, 2, 3] })).toThrow('call forward in training mode first');
  });
});
