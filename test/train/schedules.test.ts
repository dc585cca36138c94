// Learning-rate schedules against PyTorch's formulas (torch.optim.lr_scheduler, values worked out by hand
// in the comments), their saved state, their option checks, and how fit applies them (per epoch / batch).
import { describe, expect, it } from 'vitest';
import { CosineWarmupLR, ExponentialLR, ReduceLROnPlateau, StepLR, createSchedule, type LrSchedule } from '../../src/train/schedules.js';
import { SequenceClassifier } from '../../src/models/classifier.js';
import { fit } from '../../src/train/fit.js';
import { Rng } from '../../src/random.js';
import { expectError } from '../helpers/errors.js';

/** lr before step 0, then after each of n steps. */
function run(s: LrSchedule, base: number, n: number, metrics: number[] = [], total?: number): number[] {
  const out = [s.start(base, total)];
  for (let i = 0; i < n; i++) out.push(s.step(metrics[i]));
  return out;
}

function expectClose(actual: number[], expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => expect(v, `t = ${i}: ${actual.join(', ')}`).toBeCloseTo(expected[i], 12));
}

describe('closed-form schedules', () => {
  it('StepLR: base · γ^⌊t / stepSize⌋', () => {
    // StepLR(step_size=3, gamma=0.5) from lr 0.1: epochs 0-2 0.1, 3-5 0.05, 6-8 0.025, 9 0.0125
    expectClose(run(new StepLR({ stepSize: 3, gamma: 0.5 }), 0.1, 9), [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125]);
    expectClose(run(new StepLR({ stepSize: 1 }), 1, 2), [1, 0.1, 0.01]); // default γ 0.1
  });

  it('ExponentialLR: base · γ^t', () => {
    const lrs = run(new ExponentialLR({ gamma: 0.9 }), 0.1, 5);
    expectClose(lrs, [0.1, 0.09, 0.081, 0.0729, 0.06561, 0.059049]);
  });

  it('CosineWarmupLR: LinearLR warm-up then CosineAnnealingLR (SequentialLR at milestone W)', () => {
    // base 1, W = 4, N = 14, start_factor 0.25, eta_min 0.1:
    //   t < 4: 0.25 + 0.75·t/4;  t in [4, 14]: 0.1 + 0.9·(1 + cos(π(t − 4)/10))/2;  after 14: 0.1
    const s = new CosineWarmupLR({ warmup: 4, total: 14, startFactor: 0.25, minLr: 0.1 });
    const lrs = run(s, 1, 16);
    expectClose([lrs[0], lrs[1], lrs[2], lrs[3], lrs[4]], [0.25, 0.4375, 0.625, 0.8125, 1]);
    expect(lrs[9]).toBeCloseTo(0.55, 12); // half-way: cos(π/2) = 0
    expect(lrs[6]).toBeCloseTo(0.1 + 0.45 * (1 + Math.cos(Math.PI / 5)), 12);
    expectClose(lrs.slice(14), [0.1, 0.1, 0.1]);
    // default start factor 1/W: the first step already learns (base/W), step W reaches base
    expectClose(run(new CosineWarmupLR({ warmup: 2, total: 4 }), 0.5, 4), [0.25, 0.375, 0.5, 0.25, 0]);
    // no warm-up: plain CosineAnnealingLR(T_max = N)
    expectClose(run(new CosineWarmupLR({ total: 2 }), 2, 2), [2, 1, 0]);
  });

  it('CosineWarmupLR takes its total from start() when not given, and needs it', () => {
    expectClose(run(new CosineWarmupLR({ warmup: 1 }), 1, 3, [], 3), [1, 1, 0.5, 0]);
    expectError(() => new CosineWarmupLR({ warmup: 1 }).start(1), RangeError, 'schedule.total', 'async iterable');
    expectError(() => new CosineWarmupLR({ warmup: 5 }).start(1, 5), RangeError, 'schedule.warmup', '5');
  });
});

describe('ReduceLROnPlateau (PyTorch defaults and algorithm)', () => {
  const losses = [10, 9, 9, 9, 9, 8, 8, 8, 8, 8];

  it('reduces by factor after more than `patience` epochs without a rel-threshold improvement', () => {
    // best 10, 9 (bad 0); 9, 9, 9 → bad 1, 2, 3 > 2 → 0.5; 8 better; 8, 8, 8 → bad 3 → 0.25; 8 → bad 1
    expectClose(run(new ReduceLROnPlateau({ patience: 2, factor: 0.5 }), 1, 10, losses).slice(1), [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25]);
  });

  it('cooldown ignores bad epochs after a reduction', () => {
    // cooldown 2 after the reduction at t5: t6 better (cooldown 1), t7 bad then zeroed (cooldown 0), t8-t10 bad 1, 2, 3 → reduce at t10
    expectClose(run(new ReduceLROnPlateau({ patience: 2, factor: 0.5, cooldown: 2 }), 1, 10, losses).slice(1), [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25]);
  });

  it('stops at minLr (eps: a change smaller than 1e-8 is not made), max mode with an abs threshold', () => {
    expectClose(run(new ReduceLROnPlateau({ patience: 0, minLr: 0.05 }), 1, 4, [1, 1, 1, 1]).slice(1), [1, 0.1, 0.05, 0.05]);
    // mode max, abs threshold 0.5: 1 → 1.4 is not better than 1 + 0.5; 2 is
    expectClose(run(new ReduceLROnPlateau({ mode: 'max', thresholdMode: 'abs', threshold: 0.5, patience: 1, factor: 0.5 }), 1, 4, [1, 1.4, 1.45, 2]).slice(1), [1, 1, 0.5, 0.5]);
    // rel threshold in min mode: 9.9995 < 10·(1 − 1e-4) = 9.999 is false → not an improvement
    expectClose(run(new ReduceLROnPlateau({ patience: 0 }), 1, 2, [10, 9.9995]).slice(1), [1, 0.1]);
  });

  it('a NaN metric is a bad epoch; step without a metric is a TypeError', () => {
    expectClose(run(new ReduceLROnPlateau({ patience: 0 }), 1, 2, [1, NaN]).slice(1), [1, 0.1]);
    const s = new ReduceLROnPlateau();
    s.start(1);
    expectError(() => s.step(), TypeError, 'metric');
  });
});

describe('schedule state and options', () => {
  it.each([
    ['StepLR', () => new StepLR({ stepSize: 2, gamma: 0.3 }), [] as number[]],
    ['CosineWarmupLR', () => new CosineWarmupLR({ warmup: 3, total: 20, minLr: 0.01 }), []],
    ['ReduceLROnPlateau', () => new ReduceLROnPlateau({ patience: 1, cooldown: 1 }), [5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3]],
  ] as const)('%s: stateDict → JSON → loadStateDict continues the same sequence', (_name, make, metrics) => {
    const a = make();
    const whole = run(a, 0.2, 12, [...metrics]);
    const b = make();
    b.start(0.2);
    for (let i = 0; i < 5; i++) b.step(metrics[i]);
    const c = make();
    c.loadStateDict(JSON.parse(JSON.stringify(b.stateDict(), (_k, v) => (v === Infinity ? 'Infinity' : v)), (_k, v) => (v === 'Infinity' ? Infinity : v)));
    const rest = Array.from({ length: 7 }, (_, i) => c.step(metrics[5 + i]));
    expect(rest).toEqual(whole.slice(6));
  });

  it('createSchedule builds by name and passes instances through', () => {
    expect(createSchedule({ name: 'step', stepSize: 2 })).toBeInstanceOf(StepLR);
    expect(createSchedule({ name: 'exponential', gamma: 0.5 })).toBeInstanceOf(ExponentialLR);
    expect(createSchedule({ name: 'cosine', warmup: 2 })).toBeInstanceOf(CosineWarmupLR);
    expect(createSchedule({ name: 'plateau' })).toBeInstanceOf(ReduceLROnPlateau);
    const s = new StepLR({ stepSize: 1 });
    expect(createSchedule(s)).toBe(s);
  });

  it('bad options name the option', () => {
    expectError(() => createSchedule({ name: 'linear' } as never), RangeError, 'schedule.name', '"cosine"', '"linear"');
    expectError(() => createSchedule(3 as never), TypeError, 'schedule', 'name');
    expectError(() => new StepLR({ stepSize: 0 }), RangeError, 'schedule.stepSize', '>= 1', '0');
    expectError(() => new StepLR({} as never), TypeError, 'schedule.stepSize', 'undefined');
    expectError(() => new ExponentialLR({ gamma: -1 }), RangeError, 'schedule.gamma');
    expectError(() => new CosineWarmupLR({ warmup: 5, total: 5 }), RangeError, 'schedule.total', 'warmup');
    expectError(() => new CosineWarmupLR({ startFactor: 0 }), RangeError, 'schedule.startFactor');
    expectError(() => new CosineWarmupLR({ interval: 'step' as never }), RangeError, 'schedule.interval');
    expectError(() => new ReduceLROnPlateau({ factor: 1 }), RangeError, 'schedule.factor', '< 1');
    expectError(() => new ReduceLROnPlateau({ mode: 'up' as never }), RangeError, 'schedule.mode');
    expectError(() => new ReduceLROnPlateau({ monitor: 3 as never }), TypeError, 'schedule.monitor');
  });
});

describe('schedules inside fit', () => {
  const data = (() => {
    const rng = new Rng(4);
    return Array.from({ length: 40 }, () => {
      const ids = Array.from({ length: 2 + rng.int(4) }, () => 1 + rng.int(5));
      return { ids, label: ids.includes(3) ? 1 : 0 };
    });
  })();
  const model = () => new SequenceClassifier({ vocabSize: 6, embeddingDim: 3, hiddenSize: 4, numClasses: 2, seed: 1, backend: 'reference' });

  it('per-epoch StepLR: history.lr holds each epoch\'s learning rate', async () => {
    const h = await fit(model(), data, { epochs: 5, batchSize: 8, optimizer: { name: 'sgd', lr: 0.1 }, schedule: { name: 'step', stepSize: 2, gamma: 0.5 }, verbose: false, seed: 1 });
    expectClose(h.lr, [0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  it('per-batch cosine: each batch uses lrAt(step), over epochs × batches per epoch steps', async () => {
    const used: number[] = [];
    const schedule = new CosineWarmupLR({ warmup: 3, minLr: 0.001 });
    await fit(model(), data, { epochs: 3, batchSize: 8, optimizer: { name: 'adam', lr: 0.01 }, schedule, onBatchEnd: ({ lr }) => void used.push(lr), verbose: false, seed: 1 });
    expect(schedule.total).toBe(15); // 3 epochs × ⌈40 / 8⌉ batches
    expectClose(used, Array.from({ length: 15 }, (_, t) => schedule.lrAt(t)));
    expect(used[0]).toBeCloseTo(0.01 / 3, 12);
  });

  it('ReduceLROnPlateau watches the monitored history key', async () => {
    // a threshold of 0.9 (rel) counts nothing as an improvement after the first epoch
    const h = await fit(model(), data, {
      epochs: 6, batchSize: 8, optimizer: { name: 'sgd', lr: 0.1 }, validationSplit: 0.25,
      schedule: { name: 'plateau', monitor: 'val_loss', patience: 1, factor: 0.5, threshold: 0.9 }, verbose: false, seed: 1,
    });
    expectClose(h.lr, [0.1, 0.1, 0.1, 0.05, 0.05, 0.025]);
  });
});
