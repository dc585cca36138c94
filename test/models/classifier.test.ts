// The many-to-one classifier: exact gradients through embedding, RNN, pooling and head; padding never changes
// an example's logits or gradients (every pooling, bidirectional 'last' included); it learns; async is guarded.
import { describe, expect, it } from 'vitest';
import { SequenceClassifier } from '../../src/models/classifier.js';
import { crossEntropy } from '../../src/train/losses.js';
import { Adam } from '../../src/train/optim/adam.js';
import { LayerBusyError } from '../../src/layers/recurrent.js';
import { padSequences } from '../../src/data/batching.js';
import { Rng } from '../../src/random.js';
import { numericGradient, relativeError } from '../helpers/gradcheck.js';

describe('SequenceClassifier', () => {
  it.each([
    { pooling: 'last' as const, bidirectional: false, cell: 'rnn' as const },
    { pooling: 'mean' as const, bidirectional: true, cell: 'rnn' as const },
    { pooling: 'max' as const, bidirectional: true, cell: 'rnn' as const },
    { pooling: 'last' as const, bidirectional: false, cell: 'lstm' as const },
    { pooling: 'mean' as const, bidirectional: true, cell: 'gru' as const },
    { pooling: 'last' as const, bidirectional: true, cell: 'rnn' as const },
    { pooling: 'last' as const, bidirectional: true, cell: 'lstm' as const },
    { pooling: 'last' as const, bidirectional: true, cell: 'gru' as const },
    { pooling: 'max' as const, bidirectional: true, cell: 'lstm' as const },
  ])('has exact float64 gradients with padding (%o)', ({ pooling, bidirectional, cell }) => {
    const model = new SequenceClassifier({
      vocabSize: 7, embeddingDim: 3, hiddenSize: 4, numClasses: 3, numLayers: 2, bidirectional, pooling, paddingIdx: 0, cell,
      dtype: 'float64', seed: 5, backend: 'reference',
    });
    const { ids, lengths } = padSequences([[1, 2, 3, 4], [5, 6], [2, 2, 1]], 0);
    const targets = [2, 0, 1];
    const loss = (): number => crossEntropy(model.forward(ids, lengths), targets).loss;
    const { grad } = crossEntropy(model.forward(ids, lengths), targets);
    model.zeroGrad();
    model.backward(grad);
    for (const p of model.parameters()) {
      const numeric = numericGradient(loss, p.value.data as Float64Array);
      if (p.name === 'embedding.weight') numeric.fill(0, 0, 3); // the padding row gets no gradient
      expect(relativeError(p.grad.data, numeric), p.name).toBeLessThanOrEqual(1e-6);
    }
  });

  describe.each(['rnn', 'lstm', 'gru'] as const)('padding never changes an example\'s result (%s, 2 layers)', (cell) => {
    const examples = [[3, 4, 5], [1, 2, 3, 4, 5, 6, 7], [6], [2, 8, 8, 1]];
    const make = (pooling: 'last' | 'mean' | 'max', bidirectional: boolean): SequenceClassifier =>
      new SequenceClassifier({ vocabSize: 9, embeddingDim: 3, hiddenSize: 5, numClasses: 3, numLayers: 2, bidirectional, pooling, cell, paddingIdx: 0, dtype: 'float64', seed: 2, backend: 'reference' });

    it.each([
      { pooling: 'last' as const, bidirectional: true },
      { pooling: 'last' as const, bidirectional: false },
      { pooling: 'mean' as const, bidirectional: true },
      { pooling: 'max' as const, bidirectional: true },
    ])('logits of a padded batch = each example run alone (%o)', ({ pooling, bidirectional }) => {
      const model = make(pooling, bidirectional).eval();
      const { ids, lengths } = padSequences(examples, 0);
      const batch = Array.from(model.forward(ids, lengths).data);
      const alone = examples.flatMap((e) => Array.from(model.forward(padSequences([e], 0).ids).data));
      expect(relativeError(batch, alone)).toBeLessThanOrEqual(1e-12);
      // What sits past a length is never read: junk tokens there change nothing either.
      const junk = { data: Int32Array.from(ids.data, (v, i) => (i % ids.shape[1] < lengths[Math.floor(i / ids.shape[1])] ? v : 1 + (i % 8))), shape: ids.shape };
      expect(Array.from(model.forward(junk, lengths).data)).toEqual(batch);
    });

    it('bidirectional + last: the batch gradient is the mean of the per-example gradients', () => {
      const model = make('last', true);
      const targets = [2, 0, 1, 1];
      const { ids, lengths } = padSequences(examples, 0);
      model.zeroGrad();
      model.backward(crossEntropy(model.forward(ids, lengths), targets).grad);
      const batch = model.gradients();
      const mean = Object.fromEntries(Object.entries(batch).map(([k, v]) => [k, new Float64Array(v.data.length)]));
      examples.forEach((e, b) => {
        model.zeroGrad();
        model.backward(crossEntropy(model.forward(padSequences([e], 0).ids), [targets[b]]).grad);
        for (const [k, v] of Object.entries(model.gradients())) v.data.forEach((g, i) => (mean[k][i] += g / examples.length));
      });
      for (const [k, v] of Object.entries(batch)) expect(relativeError(v.data, mean[k]), k).toBeLessThanOrEqual(1e-10);
    });
  });

  it('learns a toy task: is token 3 in the sequence?', () => {
    const rng = new Rng(9);
    const seqs: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 256; i++) {
      const s = Array.from({ length: 3 + rng.int(6) }, () => 1 + rng.int(5));
      seqs.push(s);
      labels.push(s.includes(3) ? 1 : 0);
    }
    const model = new SequenceClassifier({ vocabSize: 6, embeddingDim: 8, hiddenSize: 16, numClasses: 2, pooling: 'max', paddingIdx: 0, seed: 3, backend: 'reference' });
    const opt = new Adam(model.parameters(), { lr: 0.02 });
    const { ids, lengths } = padSequences(seqs, 0);
    let first = NaN;
    let last = NaN;
    for (let epoch = 0; epoch < 60; epoch++) {
      const { loss } = model.trainStep(ids, lengths, labels, opt, { clipNorm: 5 });
      if (epoch === 0) first = loss;
      last = loss;
    }
    expect(last).toBeLessThan(first / 5);
    const proba = model.predictProba(ids, lengths).data;
    let correct = 0;
    labels.forEach((y, b) => (correct += (proba[b * 2 + 1] > 0.5 ? 1 : 0) === y ? 1 : 0));
    expect(correct / labels.length).toBeGreaterThan(0.95);
    expect(model.training).toBe(true);
  });

  it('trainStepAsync gives the same result as trainStep, and rejects a concurrent call', async () => {
    const make = (): SequenceClassifier => new SequenceClassifier({ vocabSize: 6, embeddingDim: 4, hiddenSize: 4, numClasses: 2, seed: 4, backend: 'reference' });
    const { ids, lengths } = padSequences([[1, 2, 3], [4, 5]], 0);
    const a = make();
    const b = make();
    const ra = a.trainStep(ids, lengths, [0, 1], new Adam(a.parameters()), { clipNorm: 1 });
    const optB = new Adam(b.parameters());
    const pending = b.trainStepAsync(ids, lengths, [0, 1], optB, { clipNorm: 1 });
    expect(() => b.forward(ids, lengths)).toThrow(LayerBusyError);
    await expect(b.trainStepAsync(ids, lengths, [0, 1], optB)).rejects.toThrow(LayerBusyError);
    const rb = await pending;
    expect(rb).toEqual(ra);
    expect(b.stateDict()).toEqual(a.stateDict());
  });
});
