/**
 * The classifier reuses its training scratch (the embedded batch, the pooling's dOutput) from batch to batch:
 * gradients after batches of other shapes equal a fresh model's, and eval forwards in between change nothing.
 */
import { describe, it, expect } from 'vitest';
import { SequenceClassifier } from '../../src/models/classifier.js';
import { padSequences } from '../../src/data/batching.js';
import { crossEntropy } from '../../src/train/losses.js';

const BATCHES = [
  { seqs: [[1, 2, 3, 4, 5, 6], [7, 8], [2, 2, 9]], targets: [1, 0, 1] }, // T = 6, B = 3
  { seqs: [[3], [4, 5]], targets: [0, 1] }, // T = 2, B = 2: a smaller view of the same memory
  { seqs: [[9, 8, 7, 6, 5, 4, 3, 2], [1, 1, 1], [5, 6, 7, 8], [2]], targets: [1, 1, 0, 0] }, // T = 8, B = 4: grows
];

function make(pooling: 'max' | 'mean' | 'last'): SequenceClassifier {
  return new SequenceClassifier({ vocabSize: 10, embeddingDim: 3, hiddenSize: 4, numClasses: 2, bidirectional: true, pooling, cell: 'gru', paddingIdx: 0, seed: 9, dtype: 'float64', backend: 'reference' });
}

function step(model: SequenceClassifier, b: (typeof BATCHES)[number]): Record<string, number[]> {
  const { ids, lengths } = padSequences(b.seqs, 0);
  model.zeroGrad();
  model.backward(crossEntropy(model.forward(ids, lengths), b.targets).grad);
  return Object.fromEntries(Object.entries(model.gradients()).map(([k, t]) => [k, [...t.data]]));
}

describe('SequenceClassifier training scratch', () => {
  it.each(['max', 'mean', 'last'] as const)('gradients after other batches equal a fresh model\'s (%s pooling)', (pooling) => {
    const reused = make(pooling);
    BATCHES.forEach((b, i) => {
      const grads = step(reused, b);
      const fresh = make(pooling);
      fresh.loadStateDict(reused.stateDict());
      expect(grads, `batch ${i + 1}`).toEqual(step(fresh, b));
    });
  });

  it('eval forwards between training steps (validation) change nothing of the next step', () => {
    const a = make('max');
    const b = make('max');
    const other = padSequences(BATCHES[2].seqs, 0);
    step(a, BATCHES[0]);
    step(b, BATCHES[0]);
    const probs = b.predictProba(other.ids, other.lengths);
    expect(probs.shape).toEqual([4, 2]);
    expect(step(b, BATCHES[1])).toEqual(step(a, BATCHES[1]));
  });
});
