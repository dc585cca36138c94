// Checkpoints: a run interrupted (AbortSignal, or a crash after a periodic checkpoint) and resumed in a
// fresh model ends with weights bit-identical to the uninterrupted run — on both engines, mid-epoch and at
// an epoch boundary, with dropout, a per-batch schedule, a seeded validation split and early-stopping
// state. Also: the directory layout, atomic replacement, and resume checks.
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../../src/backend/backend.js';
import { SequenceClassifier } from '../../src/models/classifier.js';
import { fit, type FitOptions, type History } from '../../src/train/fit.js';
import { hasCheckpoint, readCheckpoint, writeCheckpoint } from '../../src/train/checkpoint.js';
import { Rng } from '../../src/random.js';
import type { StateDict } from '../../src/parameter.js';
import { tensor } from '../../src/tensor.js';
import { testBackends } from '../helpers/backends.js';

const root = mkdtempSync(join(tmpdir(), 'fastrnn-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, `run-${dirs++}`);

const DATA = (() => {
  const rng = new Rng(11);
  return Array.from({ length: 60 }, () => {
    const ids = Array.from({ length: 2 + rng.int(7) }, () => 1 + rng.int(6));
    return { ids, label: ids.includes(3) ? 1 : ids.includes(5) ? 2 : 0 };
  });
})(); // 45 training examples after the split: 6 batches of 8 per epoch, 18 in all

/** Dropout between two GRU layers, so the model's own Rng matters to the result. */
const model = (backend: Backend, seed = 1): SequenceClassifier =>
  new SequenceClassifier({ vocabSize: 7, embeddingDim: 6, hiddenSize: 8, numClasses: 3, cell: 'gru', numLayers: 2, dropout: 0.3, seed, backend });

const options = (extra: FitOptions): FitOptions => ({
  epochs: 3, batchSize: 8, seed: 5, verbose: false, validationSplit: 0.25,
  optimizer: { name: 'adamw', lr: 0.02, weightDecay: 0.01 },
  schedule: { name: 'cosine', warmup: 4, minLr: 1e-4 },
  clipGradNorm: 1,
  earlyStopping: { patience: 10, restoreBestWeights: false },
  ...extra,
});

/** Bytes of every tensor, by name: equal means bit-identical. */
const bits = (sd: StateDict): Record<string, string> =>
  Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex')]));

/** What two runs must agree on: the final weights, each epoch's values (not the timings), the best epoch. */
function outcome(m: SequenceClassifier, h: History) {
  return { weights: bits(m.stateDict()), metrics: h.metrics, lr: h.lr, skipped: h.skippedBatches, best: h.bestEpoch, epochs: h.epochs };
}

describe.each(testBackends())('exact resume ($name engine)', (backend) => {
  let reference: ReturnType<typeof outcome>;
  const copies: Record<string, string> = {};

  it('an uninterrupted run with periodic checkpoints (copied mid-epoch and at an epoch boundary)', async () => {
    const m = model(backend);
    const dir = freshDir();
    const h = await fit(m, DATA, options({
      checkpoint: { dir, everyBatches: 4 },
      onBatchEnd: ({ epoch, batch }) => {
        if (epoch === 0 && batch === 3) cpSync(dir, (copies.batch4 = freshDir()), { recursive: true }); // saved after the 4th batch
        if (epoch === 1 && batch === 1) cpSync(dir, (copies.batch8 = freshDir()), { recursive: true });
      },
      onEpochEnd: ({ epoch }) => {
        if (epoch === 0) cpSync(dir, (copies.epoch1 = freshDir()), { recursive: true });
      },
    }));
    reference = outcome(m, h);
    expect(h.epochs).toBe(3);
  });

  it.each(['batch4', 'batch8', 'epoch1'])('resuming the checkpoint copied at %s in a fresh model ends bit-identical', async (which) => {
    const m = model(backend, 99); // another seed: weights and dropout Rng can only come from the checkpoint
    const h = await fit(m, DATA, options({ resume: copies[which] }));
    expect(outcome(m, h)).toEqual(reference);
  });

  it('aborted after 9 batches (mid-epoch 2), saved at the abort, resumed: bit-identical', async () => {
    const dir = freshDir();
    const controller = new AbortController();
    let n = 0;
    const first = model(backend);
    const h1 = await fit(first, DATA, options({ checkpoint: { dir, everyEpoch: false }, signal: controller.signal, onBatchEnd: () => void (++n === 9 && controller.abort()) }));
    expect(h1).toMatchObject({ aborted: true, epochs: 1 });
    const second = model(backend, 7);
    const h2 = await fit(second, DATA, options({ resume: dir, checkpoint: { dir } }));
    expect(h2.aborted).toBe(false);
    expect(outcome(second, h2)).toEqual(reference);
  });

  it('the dropout Rng is part of it: a resume that skips the model\'s Rng states ends elsewhere', async () => {
    const m = model(backend, 99);
    m.setRngStates = () => undefined;
    const h = await fit(m, DATA, options({ resume: copies.batch4 }));
    expect(outcome(m, h).weights).not.toEqual(reference.weights);
  });
});

describe('checkpoint directory', () => {
  const backend = testBackends()[0];

  it('an async iterable resumes exactly too: the consumed examples are skipped, the chunk\'s order redrawn', async () => {
    // batchSize 1 → chunks of 50 examples: the abort at batch 55 falls in the second chunk of epoch 1
    const stream = { async *[Symbol.asyncIterator]() { yield* DATA; } };
    const streamOptions = (extra: FitOptions) => options({ validationSplit: undefined, batchSize: 1, epochs: 2, schedule: { name: 'cosine', warmup: 4, total: 120 }, ...extra });
    const whole = model(backend);
    const h = await fit(whole, stream, streamOptions({}));
    const dir = freshDir();
    const controller = new AbortController();
    let n = 0;
    await fit(model(backend), stream, streamOptions({ checkpoint: { dir }, signal: controller.signal, onBatchEnd: () => void (++n === 55 && controller.abort()) }));
    expect(JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).pos).toMatchObject({ epoch: 0, chunkStart: 50, batch: 5 });
    const resumed = model(backend, 4);
    const h2 = await fit(resumed, stream, streamOptions({ resume: dir }));
    expect(outcome(resumed, h2)).toEqual(outcome(whole, h));
  });

  it('holds one generation: checkpoint.json pointing at its files, no temporary files left', async () => {
    const dir = freshDir();
    await fit(model(backend), DATA, options({ epochs: 2, checkpoint: { dir, everyBatches: 5 }, earlyStopping: { patience: 10 } }));
    const index = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8'));
    const g = index.generation;
    expect(g).toBe(4); // after batches 5 and 10, and after epochs 1 and 2
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.json', `best-${g}.safetensors`, `model-${g}.safetensors`, `optimizer-${g}.safetensors`].sort());
    expect(index).toMatchObject({ format: 'fastrnn-checkpoint', version: 1, kind: 'classifier', seed: 5, batchSize: 8, pos: { epoch: 2, batch: 0 } });
    expect(index.config).toEqual(model(backend).config());
    expect(hasCheckpoint(dir)).toBe(true);
    expect(hasCheckpoint(freshDir())).toBe(false);
  });

  it('a failed save leaves the previous checkpoint whole; the next save clears the leftovers', async () => {
    const dir = freshDir();
    const weights = { w: tensor([1, 2, 3]) };
    const good = { model: weights, optimizer: { lr: 0.1, state: { w: { step: 3, buffers: { exp_avg: tensor([0.5, NaN, -1]) } } } }, best: null, state: { value: -Infinity, ok: 1 } };
    await writeCheckpoint(dir, good);
    writeFileSync(join(dir, '.model-7.safetensors.123.abc.tmp'), 'junk from a crash');
    const bad = { ...good, model: { w: tensor([9, 9, 9]) }, optimizer: { lr: 0.1, state: { w: { step: 1, buffers: { exp_avg: { data: [1, 2, 3], shape: [3] } } } } } };
    await expect(writeCheckpoint(dir, bad as never)).rejects.toThrow();
    const back = await readCheckpoint(dir, 'float32');
    expect(back.model).toEqual(weights);
    expect(back.optimizer).toEqual(good.optimizer);
    expect(back.state).toEqual(good.state); // -Infinity and NaN survive JSON
    await writeCheckpoint(dir, good);
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.json', 'model-2.safetensors', 'optimizer-2.safetensors']);
  });

  it('resuming a finished run changes nothing; mismatched runs are refused', async () => {
    const dir = freshDir();
    const m = model(backend);
    const h = await fit(m, DATA, options({ epochs: 1, checkpoint: { dir, everyBatches: 4 } }));
    const again = model(backend, 3);
    const h2 = await fit(again, DATA, options({ epochs: 1, resume: dir }));
    expect(bits(again.stateDict())).toEqual(bits(m.stateDict()));
    expect(h2.metrics).toEqual(h.metrics);

    await expect(fit(model(backend), DATA, options({ resume: join(root, 'nothing-here') }))).rejects.toThrow(/options\.resume: expected a checkpoint directory/);
    await expect(fit(model(backend), DATA, options({ resume: dir, seed: 6 }))).rejects.toThrow(/options\.seed: expected the resumed checkpoint's seed 5/);
    const other = new SequenceClassifier({ vocabSize: 7, embeddingDim: 6, hiddenSize: 8, numClasses: 3, backend });
    await expect(fit(other, DATA, options({ resume: dir }))).rejects.toThrow(/loadStateDict/);
  });

  it('a checkpoint taken mid-epoch needs the same batch size and data to continue', async () => {
    const dir = freshDir();
    const controller = new AbortController();
    await fit(model(backend), DATA, options({ checkpoint: { dir }, signal: controller.signal, onBatchEnd: () => controller.abort() }));
    expect(JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')).pos).toMatchObject({ epoch: 0, batch: 1 });
    await expect(fit(model(backend), DATA, options({ resume: dir, batchSize: 4 }))).rejects.toThrow(/mid-epoch with batchSize 8.*received 4/);
    await expect(fit(model(backend), DATA.slice(1), options({ resume: dir }))).rejects.toThrow(/training examples 45.*received 44/);
    expect(existsSync(join(dir, 'checkpoint.json'))).toBe(true);
  });
});
