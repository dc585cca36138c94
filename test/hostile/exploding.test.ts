/**
 * An exploding run — learning rate 10, no clipping — stops with a NonFiniteError that says what to do, and
 * leaves the model with the (finite) weights it had before the bad batch, on both engines.
 */
import { describe, expect, it } from 'vitest';
import { NonFiniteError, SequenceClassifier, fit, type StateDict } from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';

const examples = Array.from({ length: 64 }, (_, i) => ({ ids: Array.from({ length: 4 + (i % 9) }, (_, t) => 1 + ((i * 5 + t * 3) % 19)), label: i % 3 }));

describe.each(testBackends().map((b) => b.name as 'native' | 'reference'))('exploding run (%s)', (backend) => {
  it('lr 10, no clipping: NonFiniteError, weights from before the bad batch', async () => {
    const model = new SequenceClassifier({ vocabSize: 20, embeddingDim: 8, hiddenSize: 32, numClasses: 3, cell: 'rnn', nonlinearity: 'relu', seed: 3, backend, threads: 1 });
    let before: StateDict = model.stateDict();
    let batches = 0;
    const run = fit(model, examples, {
      epochs: 200, batchSize: 8, seed: 1, optimizer: { name: 'sgd', lr: 10 }, verbose: false,
      onBatchEnd: () => {
        before = model.stateDict();
        batches++;
      },
    });
    const error = await run.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteError);
    expect((error as Error).message).toMatch(/non-finite (loss|gradient norm) at epoch \d+ of 200, batch \d+ of 8 .*Lower the learning rate, set clipGradNorm/);
    expect(batches).toBeGreaterThan(0);
    const now = model.stateDict();
    for (const [name, t] of Object.entries(now)) {
      expect(Array.from(t.data), name).toEqual(Array.from(before[name].data));
      expect(t.data.every(Number.isFinite), `${name} finite`).toBe(true);
    }
  }, 120_000);
});
