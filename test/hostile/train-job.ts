/** One deterministic training run (the same in a worker thread and in the main thread): workers.test.ts. */
import { SequenceClassifier, fit } from '../../src/index.js';

export interface TrainJob {
  seed: number;
  backend: 'native' | 'reference';
  threads: number;
}

export async function trainJob(job: TrainJob): Promise<Record<string, number[]>> {
  const examples = Array.from({ length: 96 }, (_, i) => {
    const ids = Array.from({ length: 3 + ((i * 7 + job.seed) % 11) }, (_, t) => 1 + ((i * 13 + t * 5 + job.seed) % 29));
    return { ids, label: ids.includes(7) ? 1 : 0 };
  });
  const model = new SequenceClassifier({
    vocabSize: 30, embeddingDim: 16, hiddenSize: 48, numClasses: 2, cell: 'lstm', dropout: 0, seed: job.seed, backend: job.backend, threads: job.threads,
  });
  await fit(model, examples, { epochs: 3, batchSize: 16, seed: job.seed, optimizer: { name: 'adam', lr: 0.01 }, clipGradNorm: 1, verbose: false });
  return Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, Array.from(t.data)]));
}
