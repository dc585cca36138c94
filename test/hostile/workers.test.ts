/**
 * Threads and workers: four worker_threads, each training its own model with fit at the same time, end
 * with exactly the weights the same four runs give one after another in the main thread (native engine,
 * shared thread pool, and the reference engine). One model used from two async callers at once: the second
 * gets LayerBusyError and the first finishes with the weights it would have had alone.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayerBusyError, SequenceClassifier, fit } from '../../src/index.js';
import { testBackends } from '../helpers/backends.js';
import { trainJob, type TrainJob } from './train-job.js';

const ROOT = resolve(__dirname, '../..');
const cache = join(ROOT, 'node_modules', '.cache', 'fastrnn-worker-test', String(process.pid));
const entry = join(cache, 'worker.mjs');

beforeAll(async () => {
  mkdirSync(cache, { recursive: true });
  await build({ entryPoints: [join(__dirname, 'train-worker.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: entry, logLevel: 'silent' });
}, 60_000);
afterAll(() => rmSync(cache, { recursive: true, force: true }));

function inWorker(job: TrainJob): Promise<Record<string, number[]>> {
  return new Promise((ok, fail) => {
    const w = new Worker(entry, { workerData: job });
    w.once('message', (m: { weights?: Record<string, number[]>; error?: string }) => (m.error ? fail(new Error(m.error)) : ok(m.weights!)));
    w.once('error', fail);
  });
}

describe.each(testBackends().map((b) => b.name as 'native' | 'reference'))('worker threads (%s)', (backend) => {
  it('four workers training at once give the weights of four runs one after another', async () => {
    const jobs: TrainJob[] = [1, 2, 3, 4].map((seed) => ({ seed, backend, threads: seed % 2 === 0 ? 2 : 1 }));
    const parallel = await Promise.all(jobs.map(inWorker));
    for (const [i, job] of jobs.entries()) {
      const alone = await trainJob(job);
      expect(Object.keys(parallel[i])).toEqual(Object.keys(alone));
      for (const name of Object.keys(alone)) expect(parallel[i][name], `job ${i} ${name}`).toEqual(alone[name]);
    }
    // Different seeds, different models: the comparison is not vacuous.
    expect(parallel[0]['head.weight']).not.toEqual(parallel[1]['head.weight']);
  }, 240_000);
});

describe('one model, two async callers', () => {
  const examples = Array.from({ length: 40 }, (_, i) => ({ ids: [1 + (i % 5), 2 + (i % 3), 3], label: i % 2 }));
  const make = () => new SequenceClassifier({ vocabSize: 8, embeddingDim: 4, hiddenSize: 8, numClasses: 2, cell: 'gru', seed: 5, backend: 'native', threads: 1 });
  const options = { epochs: 2, batchSize: 8, seed: 3, optimizer: { name: 'adam' as const, lr: 0.01 }, verbose: false };

  it('a second fit on a model that is training gets LayerBusyError; the first ends as if alone', async () => {
    const alone = make();
    await fit(alone, examples, options);
    const shared = make();
    const first = fit(shared, examples, options);
    await expect(fit(shared, examples, options)).rejects.toBeInstanceOf(LayerBusyError);
    await first;
    expect(shared.stateDict()).toEqual(alone.stateDict());
    // Free again once the first is done.
    await expect(fit(shared, examples.slice(0, 8), { ...options, epochs: 1 })).resolves.toBeDefined();
  });

  it('trainStepAsync twice at once: LayerBusyError for the second, the first step is exact', async () => {
    const ids = { data: [1, 2, 3, 4, 5, 6], shape: [2, 3] };
    const a = make();
    const b = make();
    const optA = (await import('../../src/index.js')).Adam;
    const oa = new optA(a.parameters(), { lr: 0.01 });
    const ob = new optA(b.parameters(), { lr: 0.01 });
    await a.trainStepAsync(ids, undefined, [0, 1], oa);
    const p = b.trainStepAsync(ids, undefined, [0, 1], ob);
    await expect(b.trainStepAsync(ids, undefined, [0, 1], ob)).rejects.toBeInstanceOf(LayerBusyError);
    expect(() => b.predictProba(ids)).toThrow(LayerBusyError);
    await p;
    expect(b.stateDict()).toEqual(a.stateDict());
  });
});
