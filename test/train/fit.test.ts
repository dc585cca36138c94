// fit and evaluate: the step order (one epoch equals the hand-written loop), seeding, early stopping with
// best-weights restore, abort between batches, non-finite batches (throw / skip), async-iterable data,
// ordered models, callbacks, the progress output, and option checks.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SequenceClassifier, type ClassifierBatch } from '../../src/models/classifier.js';
import { fit, evaluate, NonFiniteError, type FitOptions } from '../../src/train/fit.js';
import { Adam } from '../../src/train/optim/adam.js';
import { SGD } from '../../src/train/optim/sgd.js';
import { padSequences } from '../../src/data/batching.js';
import { Rng } from '../../src/random.js';
import type { StateDict } from '../../src/parameter.js';
import { expectError } from '../helpers/errors.js';

function examples(n: number, seed: number): { ids: number[]; label: number }[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const ids = Array.from({ length: 2 + rng.int(5) }, () => 1 + rng.int(5));
    return { ids, label: ids.includes(3) ? 1 : 0 };
  });
}
const DATA = examples(40, 1); // 5 batches of 8

const make = (seed = 1): SequenceClassifier =>
  new SequenceClassifier({ vocabSize: 6, embeddingDim: 4, hiddenSize: 6, numClasses: 2, cell: 'gru', seed, backend: 'reference' });

/** A classifier whose chosen trainBatch calls (0-based, over the run) return a NaN gradient or loss. */
class Faulty extends SequenceClassifier {
  calls = 0;
  constructor(readonly faults: Map<number, 'grad' | 'loss'>) {
    super({ vocabSize: 6, embeddingDim: 4, hiddenSize: 6, numClasses: 2, cell: 'gru', seed: 1, backend: 'reference' });
  }
  override async trainBatch(batch: ClassifierBatch): Promise<{ loss: number; count: number }> {
    const result = await super.trainBatch(batch);
    const fault = this.faults.get(this.calls++);
    if (fault === 'grad') this.head.weight.grad.data[1] = Infinity;
    return fault === 'loss' ? { ...result, loss: NaN } : result;
  }
}

const quiet = (o: FitOptions): FitOptions => ({ verbose: false, seed: 3, batchSize: 8, ...o });

afterEach(() => vi.restoreAllMocks());

describe('fit: the training step', () => {
  it('one epoch without shuffling equals the hand-written zeroGrad → forward/backward → clip → step loop, bit for bit', async () => {
    const a = make();
    const b = make();
    const history = await fit(a, DATA, quiet({ shuffle: false, clipGradNorm: 0.5, optimizer: new SGD(a.parameters(), { lr: 0.3, momentum: 0.9 }) }));
    const opt = new SGD(b.parameters(), { lr: 0.3, momentum: 0.9 });
    let lossSum = 0;
    for (let i = 0; i < DATA.length; i += 8) {
      const chunk = DATA.slice(i, i + 8);
      const { ids, lengths } = padSequences(chunk.map((e) => e.ids), 0);
      lossSum += b.trainStep(ids, lengths, chunk.map((e) => e.label), opt, { clipNorm: 0.5 }).loss * chunk.length;
    }
    expect(a.stateDict()).toEqual(b.stateDict());
    expect(history.metrics.loss[0]).toBeCloseTo(lossSum / DATA.length, 12);
  });

  it('is seeded: the same seed gives the same weights and history; another seed another batch order', async () => {
    const run = async (seed: number) => {
      const m = make();
      const h = await fit(m, DATA, quiet({ epochs: 2, seed, validationSplit: 0.25 }));
      return { w: m.stateDict(), loss: h.metrics.loss, val: h.metrics.val_loss };
    };
    const [x, y, z] = [await run(5), await run(5), await run(6)];
    expect(y).toEqual(x);
    expect(z.w).not.toEqual(x.w);
  });

  it('returns a History with per-epoch arrays, the best epoch, and restores the model\'s mode', async () => {
    const m = make().eval();
    const h = await fit(m, DATA, quiet({ epochs: 3, validationData: examples(12, 9), optimizer: { name: 'adam', lr: 0.05 } }));
    expect(m.training).toBe(false);
    expect(h.epochs).toBe(3);
    for (const column of [h.lr, h.seconds, h.sequencesPerSecond, h.skippedBatches, ...Object.values(h.metrics)]) expect(column).toHaveLength(3);
    expect(h.lr).toEqual([0.05, 0.05, 0.05]);
    expect(h.skippedBatches).toEqual([0, 0, 0]);
    expect(h.sequencesPerSecond.every((v) => v > 0)).toBe(true);
    expect(h.monitor).toBe('val_loss');
    const best = h.metrics.val_loss.indexOf(Math.min(...h.metrics.val_loss));
    expect(h.bestEpoch).toBe(best);
    expect(h.bestValue).toBe(h.metrics.val_loss[best]);
    expect(h).toMatchObject({ stoppedEarly: false, aborted: false });
  });

  it('calls onBatchEnd per batch and awaits an async onEpochEnd before going on', async () => {
    const events: string[] = [];
    await fit(make(), DATA, quiet({
      epochs: 2,
      onBatchEnd: ({ epoch, batch, batches, count, skipped }) => void events.push(`b${epoch}.${batch}/${batches}:${count}${skipped ? '!' : ''}`),
      onEpochEnd: async ({ epoch, logs }) => {
        await new Promise((r) => setTimeout(r, 5));
        events.push(`e${epoch}:${Object.keys(logs).join(',')}`);
      },
    }));
    expect(events).toEqual([
      'b0.0/5:8', 'b0.1/5:8', 'b0.2/5:8', 'b0.3/5:8', 'b0.4/5:8', 'e0:loss',
      'b1.0/5:8', 'b1.1/5:8', 'b1.2/5:8', 'b1.3/5:8', 'b1.4/5:8', 'e1:loss',
    ]);
  });

  it('keeps an ordered model\'s batches in order, unshuffled, and calls onEpochStart each epoch', async () => {
    let starts = 0;
    const m = Object.assign(make(), { ordered: true, onEpochStart: () => void starts++ });
    const seen: number[] = [];
    const collate = m.collate.bind(m);
    m.collate = (group) => {
      seen.push(group[0].ids.length * 1000 + group[0].ids[0]);
      return collate(group);
    };
    await fit(m, DATA, quiet({ epochs: 2 }));
    const firsts = [0, 8, 16, 24, 32].map((i) => DATA[i].ids.length * 1000 + DATA[i].ids[0]);
    expect(seen).toEqual([...firsts, ...firsts]);
    expect(starts).toBe(2);
  });
});

describe('fit: early stopping', () => {
  it('stops after `patience` epochs without improvement and restores the best epoch\'s weights', async () => {
    const m = make();
    const saved: StateDict[] = [];
    const h = await fit(m, DATA, quiet({
      epochs: 10, validationSplit: 0.25, optimizer: { name: 'adam', lr: 0.05 },
      earlyStopping: { monitor: 'val_loss', patience: 2, minDelta: 0.05 },
      onEpochEnd: () => void saved.push(m.stateDict()),
    }));
    expect(h.stoppedEarly).toBe(true);
    expect(h.epochs).toBeLessThan(10);
    expect(h.bestEpoch).toBe(h.epochs - 3); // two epochs without an improvement of 0.05 after the best
    const v = h.metrics.val_loss;
    expect(v[h.bestEpoch! + 1]).toBeGreaterThan(v[h.bestEpoch!] - 0.05);
    expect(m.stateDict()).toEqual(saved[h.bestEpoch!]);
    expect(m.stateDict()).not.toEqual(saved.at(-1));
  });

  it('mode max, and restoreBestWeights: false keeps the last weights', async () => {
    const m = make();
    let last: StateDict = {};
    // training loss falls, so in 'max' mode epoch 0 stays best: patience 1 stops after epoch 1
    const h = await fit(m, DATA, quiet({ epochs: 5, earlyStopping: { monitor: 'loss', mode: 'max', patience: 1, restoreBestWeights: false }, onEpochEnd: () => void (last = m.stateDict()) }));
    expect(h).toMatchObject({ epochs: 2, bestEpoch: 0, stoppedEarly: true, monitor: 'loss' });
    expect(m.stateDict()).toEqual(last);
  });
});

describe('fit: stopping and non-finite batches', () => {
  it('an AbortSignal stops between batches: weights as after the last batch, history.aborted', async () => {
    const m = make();
    const controller = new AbortController();
    let afterThird: StateDict = {};
    let batches = 0;
    const h = await fit(m, DATA, quiet({
      epochs: 3,
      signal: controller.signal,
      onBatchEnd: () => {
        if (++batches === 8) {
          afterThird = m.stateDict();
          controller.abort();
        }
      },
    }));
    expect(batches).toBe(8);
    expect(h).toMatchObject({ aborted: true, epochs: 1 });
    expect(m.stateDict()).toEqual(afterThird);
    expect(m.training).toBe(true);
  });

  it('an already aborted signal trains nothing', async () => {
    const m = make();
    const before = m.stateDict();
    const h = await fit(m, DATA, quiet({ signal: AbortSignal.abort() }));
    expect(h).toMatchObject({ aborted: true, epochs: 0 });
    expect(m.stateDict()).toEqual(before);
  });

  it.each(['grad', 'loss'] as const)("nonFinite 'throw' (non-finite %s) names epoch and batch and leaves the weights as before the batch", async (kind) => {
    const m = new Faulty(new Map([[7, kind]])); // epoch 2, batch 3
    let before: StateDict = {};
    const run = fit(m, DATA, quiet({ epochs: 3, clipGradNorm: 1, onBatchEnd: () => void (before = m.stateDict()) }));
    await expect(run).rejects.toThrow(NonFiniteError);
    await expect(run).rejects.toThrow(new RegExp(`non-finite ${kind === 'grad' ? 'gradient norm' : 'loss'} at epoch 2 of 3, batch 3 of 5`));
    const error = await run.catch((e: NonFiniteError) => e);
    expect(error).toMatchObject({ epoch: 1, batch: 2 });
    expect(m.stateDict()).toEqual(before);
  });

  it("nonFinite 'skip' skips the batch (no step) and counts it per epoch", async () => {
    const m = new Faulty(new Map([[1, 'grad'], [6, 'loss'], [8, 'grad']]));
    const snapshots: StateDict[] = [];
    const skipped: boolean[] = [];
    const h = await fit(m, DATA, quiet({ epochs: 2, nonFinite: 'skip', onBatchEnd: (info) => { snapshots.push(m.stateDict()); skipped.push(info.skipped); } }));
    expect(h.skippedBatches).toEqual([1, 2]);
    expect(skipped.map((s, i) => (s ? i : -1)).filter((i) => i >= 0)).toEqual([1, 6, 8]);
    expect(snapshots[1]).toEqual(snapshots[0]);
    expect(snapshots[6]).toEqual(snapshots[5]);
    expect(snapshots[2]).not.toEqual(snapshots[1]);
    expect(Number.isFinite(h.metrics.loss[1])).toBe(true);
  });
});

describe('fit: data', () => {
  const stream = (data: unknown[]) => ({ async *[Symbol.asyncIterator]() { yield* data; } });

  it('trains from an async iterable in arrival order (chunks bucketed on their own), re-reading it every epoch', async () => {
    const m = make();
    let batches = 0;
    const h = await fit(m, stream(DATA), quiet({ epochs: 2, validationData: stream(examples(10, 4)), onBatchEnd: ({ batches: total }) => { batches++; expect(total).toBeUndefined(); } }));
    expect(batches).toBe(10);
    expect(h.metrics.val_accuracy).toHaveLength(2);
  });

  it('checks streamed examples as they arrive, and rejects a stream that cannot start over', async () => {
    await expect(fit(make(), stream([...DATA.slice(0, 3), { ids: [1], label: 7 }]), quiet({}))).rejects.toThrow(/examples\[3\]\.label/);
    async function* once() { yield* DATA; }
    await expect(fit(make(), once(), quiet({ epochs: 2 }))).rejects.toThrow(/starts over/);
    await expect(fit(make(), stream(DATA), quiet({ validationSplit: 0.2 }))).rejects.toThrow(RangeError);
  });

  it('checks every example before training starts (array case), naming the argument', async () => {
    const m = make();
    const before = m.stateDict();
    await expect(fit(m, [...DATA, { ids: [1, 2], label: 2 }], quiet({}))).rejects.toThrow(/examples\[40\]\.label: expected a class id in \[0, 1\]/);
    await expect(fit(m, DATA, quiet({ validationData: [{ ids: [9], label: 0 }] }))).rejects.toThrow(/options\.validationData\[0\]\.ids\[0\]/);
    expect(m.stateDict()).toEqual(before);
  });

  it('evaluate: metrics over an array or a stream, batched, in eval mode', async () => {
    const m = make();
    const a = await evaluate(m, DATA, { batchSize: 7 });
    const b = await evaluate(m, stream(DATA));
    expect(Object.keys(a).sort()).toEqual(['accuracy', 'loss', 'macroF1', 'mcc']);
    expect(b.accuracy).toBe(a.accuracy);
    expect(b.loss).toBeCloseTo(a.loss, 6);
    expect(m.training).toBe(true);
  });
});

describe('fit: output', () => {
  const spy = () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    return { out, err, log };
  };

  it('verbose: false prints nothing', async () => {
    const { out, err, log } = spy();
    await fit(make(), DATA, { verbose: false, epochs: 2, validationSplit: 0.2, batchSize: 8 });
    expect(out).not.toHaveBeenCalled();
    expect(err).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
  });

  it("verbose: 'lines' prints one line per epoch", async () => {
    const { out } = spy();
    await fit(make(), DATA, { verbose: 'lines', epochs: 2, validationSplit: 0.2, batchSize: 8 });
    const lines = out.mock.calls.map((c) => String(c[0]));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^epoch 1\/2 - loss \d\.\d{4} - val_loss \d\.\d{4} - val_accuracy .* - lr 1\.00e-3 - .*s - \d+ seq\/s\n$/);
    expect(lines[1]).toMatch(/^epoch 2\/2 /);
  });

  it("verbose: 'bar' draws a cli-progress bar and the epoch line", async () => {
    const { out } = spy();
    await fit(make(), DATA, { verbose: 'bar', epochs: 1, batchSize: 8 });
    const text = out.mock.calls.map((c) => String(c[0])).join('');
    expect(text).toMatch(/epoch 1\/1 \[.*\] \d\/5/);
    expect(text).toMatch(/epoch 1\/1 - loss /);
  });
});

describe('fit: bad arguments name the option', () => {
  const m = make();
  it.each([
    [{ epochs: 0 }, RangeError, 'options.epochs', '>= 1', '0'],
    [{ epochs: '2' }, TypeError, 'options.epochs', '"2"'],
    [{ batchSize: 1.5 }, RangeError, 'options.batchSize'],
    [{ epoch: 3 }, TypeError, 'options.epoch', 'unknown option', 'epochs'],
    [{ optimizer: { name: 'lamb' } }, RangeError, 'options.optimizer.name', '"lamb"'],
    [{ optimizer: 'adam' }, TypeError, 'options.optimizer', 'Optimizer'],
    [{ optimizer: { name: 'sgd' } }, TypeError, 'options.optimizer.lr'],
    [{ optimizer: { name: 'adam', lr: -1 } }, RangeError, 'options.optimizer.lr'],
    [{ optimizer: new Adam(make(2).parameters()) }, RangeError, 'options.optimizer', 'model.parameters()'],
    [{ schedule: { name: 'warm' } }, RangeError, 'schedule.name'],
    [{ clipGradNorm: 0 }, RangeError, 'options.clipGradNorm', '> 0'],
    [{ clipGradValue: NaN }, RangeError, 'options.clipGradValue', 'NaN'],
    [{ validationSplit: 1 }, RangeError, 'options.validationSplit', '(0, 1)'],
    [{ validationSplit: 0.5, validationData: DATA }, RangeError, 'options.validationSplit', 'both'],
    [{ validationData: 'data.csv' }, TypeError, 'options.validationData', 'async iterable'],
    [{ earlyStopping: { patience: -1 } }, RangeError, 'options.earlyStopping.patience'],
    [{ earlyStopping: { monitor: 'val_loss' } }, RangeError, 'options.earlyStopping.monitor', 'validationData'],
    [{ earlyStopping: { wait: 2 } }, TypeError, 'options.earlyStopping.wait', 'unknown'],
    [{ earlyStopping: { monitor: 'val_acc' }, validationSplit: 0.2 }, RangeError, 'options.earlyStopping.monitor', 'val_accuracy', '"val_acc"'],
    [{ shuffle: 'yes' }, TypeError, 'options.shuffle', 'boolean'],
    [{ seed: -1 }, RangeError, 'options.seed'],
    [{ onEpochEnd: 'log' }, TypeError, 'options.onEpochEnd', 'function'],
    [{ signal: {} }, TypeError, 'options.signal', 'AbortSignal'],
    [{ verbose: 'loud' }, RangeError, 'options.verbose', '"lines"'],
    [{ nonFinite: 'ignore' }, RangeError, 'options.nonFinite', '"skip"'],
    [{ checkpoint: { dir: '' } }, TypeError, 'options.checkpoint.dir', 'directory'],
    [{ checkpoint: { dir: '/tmp/x', everyBatches: 0 } }, RangeError, 'options.checkpoint.everyBatches'],
    [{ resume: 5 }, TypeError, 'options.resume'],
  ] as [Record<string, unknown>, typeof TypeError, ...string[]][])('%o', async (options, cls, ...fragments) => {
    const error = await fit(m, DATA, { verbose: false, ...options } as FitOptions).then(() => null, (e: unknown) => e);
    expectError(() => { if (error) throw error; }, cls, ...fragments);
  });

  it('model, examples and evaluate options', async () => {
    await expect(fit({} as never, DATA)).rejects.toThrow(/model: expected a TrainableModel.*checkExample/);
    await expect(fit(m, 'data' as never)).rejects.toThrow(TypeError);
    await expect(fit(m, [], { verbose: false })).rejects.toThrow(/examples: expected at least one example/);
    await expect(evaluate(m, DATA, { batchSize: 0 })).rejects.toThrow(RangeError);
    await expect(evaluate(m, DATA, { batch: 4 } as never)).rejects.toThrow(/options\.batch: unknown/);
  });
});
