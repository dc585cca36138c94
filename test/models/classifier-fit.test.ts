// SequenceClassifier as a TrainableModel: it learns small rules with fit (single- and multi-label, both
// engines), its metrics are scikit-learn's (hand-computed cases), examples are checked with messages that
// name the field, and config() rebuilds the same model.
import { describe, expect, it } from 'vitest';
import { SequenceClassifier } from '../../src/models/classifier.js';
import { multiLabelMetrics, singleLabelMetrics, singleLabelSums } from '../../src/models/classifier-metrics.js';
import { fit, evaluate } from '../../src/train/fit.js';
import { crossEntropy } from '../../src/train/losses.js';
import { Rng } from '../../src/random.js';
import { expectError } from '../helpers/errors.js';
import { testBackends } from '../helpers/backends.js';

/** Random sequences over tokens 1..6 (0 is padding), 3–10 long. */
function sequences(n: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: 3 + rng.int(8) }, () => 1 + rng.int(6)));
}

const contains3 = (seed: number, n: number) => sequences(n, seed).map((ids) => ({ ids, label: ids.includes(3) ? 1 : 0 }));

describe('SequenceClassifier with fit', () => {
  it.each(testBackends())('learns "label 1 iff token 3 occurs" to >= 95 percent held-out accuracy ($name engine, GRU, pooling last)', async (backend) => {
    const model = new SequenceClassifier({ vocabSize: 7, embeddingDim: 8, hiddenSize: 16, numClasses: 2, cell: 'gru', paddingIdx: 0, seed: 3, backend });
    const history = await fit(model, contains3(1, 400), { epochs: 12, batchSize: 16, optimizer: { name: 'adam', lr: 0.02 }, validationSplit: 0.2, seed: 7, verbose: false });
    const test = await evaluate(model, contains3(2, 300));
    expect(test.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(test.mcc).toBeGreaterThan(0.9);
    expect(history.metrics.val_accuracy.at(-1)).toBeGreaterThanOrEqual(0.95);
    expect(history.metrics.loss.at(-1)).toBeLessThan(history.metrics.loss[0] / 3);
    expect(Object.keys(history.metrics).sort()).toEqual(['loss', 'val_accuracy', 'val_loss', 'val_macroF1', 'val_mcc']);
  });

  it('learns a multi-label rule (which of tokens 2, 3, 5 occur) with sigmoid + binary cross-entropy', async () => {
    const make = (seed: number, n: number) =>
      sequences(n, seed).map((ids) => ({ ids, labels: [2, 3, 5].flatMap((tok, c) => (ids.includes(tok) ? [c] : [])) }));
    const model = new SequenceClassifier({ vocabSize: 7, embeddingDim: 8, hiddenSize: 24, numClasses: 3, multiLabel: true, pooling: 'max', seed: 4, backend: 'reference' });
    await fit(model, make(1, 400), { epochs: 15, batchSize: 16, optimizer: { name: 'adam', lr: 0.02 }, seed: 1, verbose: false });
    const test = await evaluate(model, make(2, 300));
    expect(Object.keys(test).sort()).toEqual(['accuracy', 'loss', 'microF1']);
    expect(test.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(test.microF1).toBeGreaterThanOrEqual(0.95);
    // predictProba is per-class sigmoid: rows need not sum to 1, and agree with the labels
    const proba = model.predictProba({ data: Int32Array.from([3, 5, 1]), shape: [1, 3] }).data;
    expect(proba[0]).toBeLessThan(0.5);
    expect(proba[1]).toBeGreaterThan(0.5);
    expect(proba[2]).toBeGreaterThan(0.5);
  });

  it('trains from an async iterable (read in chunks in arrival order)', async () => {
    const data = contains3(1, 400);
    const stream = { async *[Symbol.asyncIterator]() { for (const e of data) yield e; } };
    const model = new SequenceClassifier({ vocabSize: 7, embeddingDim: 8, hiddenSize: 16, numClasses: 2, pooling: 'max', seed: 3, backend: 'reference' });
    const history = await fit(model, stream, { epochs: 6, batchSize: 8, optimizer: { name: 'adam', lr: 0.02 }, validationData: contains3(2, 100), verbose: false, seed: 2 });
    expect(history.epochs).toBe(6);
    expect(history.metrics.val_accuracy.at(-1)).toBeGreaterThanOrEqual(0.95);
  });
});

describe('SequenceClassifier metrics (scikit-learn definitions)', () => {
  const sums = (pairs: [number, number][]) => {
    const s: Record<string, number> = { loss: pairs.length, count: pairs.length };
    for (const [t, p] of pairs) s[`cm:${t}:${p}`] = (s[`cm:${t}:${p}`] ?? 0) + 1;
    return s;
  };

  it('binary: accuracy, macro F1 and MCC from TP 3, TN 4, FP 1, FN 2', () => {
    const pairs: [number, number][] = [...Array(3).fill([1, 1]), ...Array(4).fill([0, 0]), [0, 1], [1, 0], [1, 0]];
    const m = singleLabelMetrics(sums(pairs));
    expect(m.accuracy).toBeCloseTo(0.7, 12);
    expect(m.macroF1).toBeCloseTo((6 / 9 + 8 / 11) / 2, 12);
    expect(m.mcc).toBeCloseTo(10 / Math.sqrt(600), 12); // (TP·TN − FP·FN) / √((TP+FP)(TP+FN)(TN+FP)(TN+FN))
    expect(m.loss).toBe(1);
  });

  it('multi-class: macro F1 0.7 and Gorodkin MCC 19/32 for y = [0,0,1,1,2,2,2], ŷ = [0,1,1,1,2,0,2]', () => {
    const y = [0, 0, 1, 1, 2, 2, 2];
    const p = [0, 1, 1, 1, 2, 0, 2];
    const m = singleLabelMetrics(sums(y.map((t, i) => [t, p[i]])));
    expect(m.accuracy).toBeCloseTo(5 / 7, 12);
    expect(m.macroF1).toBeCloseTo(0.7, 12);
    expect(m.mcc).toBeCloseTo(19 / 32, 12);
  });

  it('MCC is 0 when every prediction is one class; sums take the arg-max of each logit row', () => {
    expect(singleLabelMetrics(sums([[0, 1], [1, 1], [1, 1]])).mcc).toBe(0);
    const logits = Float32Array.from([0.1, 2, -1, 3, 0, 0, -5, -4, -6]);
    expect(singleLabelSums(logits, Int32Array.from([1, 0, 2]), 3)).toEqual({ 'cm:1:1': 1, 'cm:0:0': 1, 'cm:2:1': 1 });
  });

  it('multi-label: exact-match accuracy and micro F1', () => {
    const m = multiLabelMetrics({ loss: 3, count: 6, examples: 4, exact: 3, tp: 5, fp: 1, fn: 2 });
    expect(m).toEqual({ loss: 0.5, accuracy: 0.75, microF1: 10 / 13 });
  });

  it('evaluate agrees with predictProba on the same examples', async () => {
    const model = new SequenceClassifier({ vocabSize: 7, embeddingDim: 4, hiddenSize: 5, numClasses: 3, seed: 8, backend: 'reference' });
    const examples = sequences(40, 5).map((ids, i) => ({ ids, label: i % 3 }));
    const m = await evaluate(model, examples, { batchSize: 7 });
    let correct = 0;
    let loss = 0;
    for (const { ids, label } of examples) {
      const p = model.predictProba({ data: ids, shape: [1, ids.length] }).data;
      correct += p.indexOf(Math.max(...p)) === label ? 1 : 0;
      loss -= Math.log(p[label]);
    }
    expect(m.accuracy).toBeCloseTo(correct / 40, 12);
    expect(m.loss).toBeCloseTo(loss / 40, 5);
  });
});

describe('SequenceClassifier as a TrainableModel', () => {
  const model = new SequenceClassifier({ vocabSize: 7, embeddingDim: 4, hiddenSize: 5, numClasses: 3, seed: 8, backend: 'reference', paddingIdx: 6 });

  it('checks examples, naming the example and the field', () => {
    expectError(() => model.checkExample(null, 4), TypeError, 'examples[4]', '{ ids, label }');
    expectError(() => model.checkExample({ ids: [1, 2], label: 3 }, 2), RangeError, 'examples[2].label', '[0, 2]', '3');
    expectError(() => model.checkExample({ ids: [1, 9], label: 0 }, 1), RangeError, 'examples[1].ids[1]', '[0, 6]', '9');
    expectError(() => model.checkExample({ ids: [], label: 0 }, 0), RangeError, 'examples[0].ids', 'at least 1');
    expectError(() => model.checkExample({ ids: 'abc', label: 0 }, 0), TypeError, 'examples[0].ids', 'Int32Array');
    expectError(() => model.checkExample({ ids: [1], labels: [0] }, 5), TypeError, 'examples[5].label', 'multiLabel');
    const multi = new SequenceClassifier({ vocabSize: 7, embeddingDim: 4, hiddenSize: 5, numClasses: 3, multiLabel: true, backend: 'reference' });
    expectError(() => multi.checkExample({ ids: [1], labels: [0, 3] }, 0), RangeError, 'examples[0].labels[1]', '[0, 2]');
    expect(multi.checkExample({ ids: [1], labels: [2, 0, 2] }, 0).labels).toEqual(Int32Array.from([0, 2]));
  });

  it('collates with the padding id and lengths; multi-label targets are multi-hot', () => {
    const batch = model.collate([model.checkExample({ ids: [1, 2, 3], label: 2 }, 0), model.checkExample({ ids: Int32Array.from([4]), label: 0 }, 1)]);
    expect(Array.from(batch.ids.data)).toEqual([1, 2, 3, 4, 6, 6]);
    expect(Array.from(batch.lengths)).toEqual([3, 1]);
    expect(Array.from(batch.targets)).toEqual([2, 0]);
    const multi = new SequenceClassifier({ vocabSize: 7, embeddingDim: 4, hiddenSize: 5, numClasses: 3, multiLabel: true, backend: 'reference' });
    const mb = multi.collate([multi.checkExample({ ids: [1], labels: [0, 2] }, 0), multi.checkExample({ ids: [1, 1], labels: [] }, 1)]);
    expect(Array.from(mb.multiHot!.data)).toEqual([1, 0, 1, 0, 0, 0]);
    expect(Array.from(mb.ids.data)).toEqual([1, 0, 1, 1]); // default pad id 0
  });

  it('trainBatch equals trainStep\'s gradients and loss (count = examples)', async () => {
    const make = () => new SequenceClassifier({ vocabSize: 7, embeddingDim: 4, hiddenSize: 5, numClasses: 3, seed: 2, backend: 'reference', dtype: 'float64', pooling: 'mean' });
    const a = make();
    const b = make();
    const batch = a.collate([a.checkExample({ ids: [1, 2, 3], label: 2 }, 0), a.checkExample({ ids: [4, 5], label: 1 }, 1)]);
    const result = await a.trainBatch(batch);
    b.zeroGrad();
    const { loss, grad } = crossEntropy(b.forward(batch.ids, batch.lengths), [2, 1]);
    b.backward(grad);
    expect(result).toEqual({ loss, count: 2 });
    expect(a.gradients()).toEqual(b.gradients());
  });

  it('config() holds the constructor options and rebuilds the same model', () => {
    const config = model.config();
    expect(config).toEqual({
      vocabSize: 7, embeddingDim: 4, hiddenSize: 5, numClasses: 3, cell: 'rnn', nonlinearity: 'tanh', numLayers: 1, bidirectional: false, dropout: 0,
      paddingIdx: 6, pooling: 'last', multiLabel: false, seed: 8, dtype: 'float32',
    });
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
    expect(new SequenceClassifier({ ...(config as unknown as ConstructorParameters<typeof SequenceClassifier>[0]), backend: 'reference' }).stateDict()).toEqual(model.stateDict());
  });
});
