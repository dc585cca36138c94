/**
 * fit: the one training loop for every model (TrainableModel, src/train/trainable.ts), and evaluate.
 *
 *   const history = await fit(model, examples, { epochs: 10, batchSize: 32, validationSplit: 0.1,
 *     optimizer: { name: 'adam', lr: 1e-3 }, schedule: { name: 'cosine', warmup: 100 },
 *     earlyStopping: { patience: 2 }, checkpoint: { dir: 'ckpt' } });
 *   const { accuracy } = await evaluate(model, testExamples);
 *
 * This file checks the arguments, prepares the data (fit-data.ts), builds the optimizer and schedule,
 * starts fresh or resumes a checkpoint (checkpoint.ts), and hands over to the loop (fit-loop.ts). Options
 * and callbacks are described in fit-options.ts, the returned History in fit-history.ts. With
 * options.report, a ReportRecorder (src/report/recorder.ts) rides along and writes the training report.
 */
import { checkInt, describe } from '../errors.js';
import { LayerBusyError } from '../layers/recurrent.js';
import { Rng } from '../random.js';
import { dtypeOf } from '../tensor.js';
import { hasRngStates, readCheckpoint } from './checkpoint.js';
import { arraySource, checkAll, POOL_BATCHES, splitValidation, streamSource, type ExampleSource } from './fit-data.js';
import { emptyHistory, monitorMode, type History } from './fit-history.js';
import { emptySums, evaluateSource, Trainer, type EpochSums, type Position, type RunState } from './fit-loop.js';
import { buildOptimizer, checkExamplesArgument, checkFitOptions, type FitOptions, type ResolvedOptions } from './fit-options.js';
import { createDisplay } from './fit-progress.js';
import { ReportRecorder } from '../report/recorder.js';
import type { Optimizer, OptimizerStateDict } from './optim/optimizer.js';
import { createSchedule, type LrSchedule } from './schedules.js';
import type { TrainableModel } from './trainable.js';

export { NonFiniteError } from './fit-loop.js';
export type { History } from './fit-history.js';
export type { FitOptions, BatchInfo, EpochInfo, EarlyStoppingOptions, CheckpointOptions, OptimizerSpec } from './fit-options.js';

/** Models inside a fit call: a second fit on one of them would interleave batches with the first. */
const training = new WeakSet<object>();

/**
 * Trains `model` on `examples` (an array, or an async iterable for data larger than memory). A second fit
 * on a model that is still training throws LayerBusyError.
 */
export async function fit<E, B>(model: TrainableModel<E, B>, examples: unknown[] | AsyncIterable<unknown>, options?: FitOptions): Promise<History> {
  checkModel(model);
  // The arguments are checked first: a bad call is reported as such even while the model is busy.
  const data = checkExamplesArgument('examples', examples);
  const o = checkFitOptions(options);
  if (training.has(model)) throw new LayerBusyError('fit: this model is still training in another fit call; await it before starting another');
  training.add(model);
  try {
    return await fitOnce(model, data, o);
  } finally {
    training.delete(model);
  }
}

async function fitOnce<E, B>(model: TrainableModel<E, B>, data: ReturnType<typeof checkExamplesArgument>, o: ResolvedOptions): Promise<History> {
  const m = model as TrainableModel<E, unknown>;
  const params = model.parameters();
  const saved = o.resume === undefined ? null : await readCheckpoint(o.resume, dtypeOf(params[0].value.data));
  const savedSeed = saved?.state.seed as number | undefined;
  if (saved && o.seed !== undefined && o.seed !== savedSeed) {
    throw new RangeError(`options.seed: expected the resumed checkpoint's seed ${savedSeed} (or none), received ${o.seed}`);
  }
  const seed = o.seed ?? savedSeed ?? Math.floor(Math.random() * 2 ** 32);
  const rng = new Rng(seed);

  const { train, validation } = prepareData(m, data, o, rng);
  const batchesPerEpoch = train.size === undefined ? undefined : Math.ceil(train.size / o.batchSize);
  const optimizer = buildOptimizer(o.optimizer, params);
  const schedule = o.schedule === undefined ? null : createSchedule(o.schedule);
  const defaultMonitor = validation ? 'val_loss' : 'loss';
  const es = o.earlyStopping;
  const key = es?.monitor || defaultMonitor;
  const scheduleMonitor = schedule?.monitor ?? defaultMonitor;
  for (const [k, option] of [[key, 'options.earlyStopping.monitor'], [scheduleMonitor, 'options.schedule.monitor']] as const) {
    if (k.startsWith('val_') && !validation) throw new RangeError(`${option}: ${JSON.stringify(k)} needs validationData or validationSplit; without them expected 'loss'`);
  }

  const report = o.report ? new ReportRecorder(o.report, o.clipGradNorm ?? null, batchesPerEpoch === undefined ? undefined : batchesPerEpoch * o.epochs) : null;
  const state: RunState = { pos: startPosition(), sums: emptySums(optimizer.lr), history: emptyHistory(key), wait: 0, stopped: false, bestWeights: null };
  if (saved) {
    restore(m, saved, state, { o, train, optimizer, schedule, rng, batchesPerEpoch });
    report?.restore((saved.state as { report?: unknown }).report ?? null);
  } else if (schedule) {
    optimizer.lr = schedule.start(optimizer.lr, totalSteps(schedule, o.epochs, batchesPerEpoch));
  }

  const trainer = new Trainer(
    {
      model: m, o, seed, train, validation, batchesPerEpoch, params, optimizer, schedule, rng,
      display: createDisplay(o.verbose),
      monitor: { key, mode: monitorMode(key, es?.mode ?? 'auto'), minDelta: es?.minDelta ?? 0 },
      scheduleMonitor,
      report,
    },
    state,
  );
  return trainer.run();
}

/** The model's metrics (model.metrics) over `examples`, in eval mode, batched by similar length. */
export async function evaluate<E, B>(model: TrainableModel<E, B>, examples: unknown[] | AsyncIterable<unknown>, options: { batchSize?: number } = {}): Promise<Record<string, number>> {
  checkModel(model);
  const data = checkExamplesArgument('examples', examples);
  if (typeof options !== 'object' || options === null) throw new TypeError(`options: expected an object { batchSize? }, received ${describe(options)}`);
  for (const k of Object.keys(options)) if (k !== 'batchSize') throw new TypeError(`options.${k}: unknown option; expected batchSize`);
  const batchSize = checkInt('options.batchSize', options.batchSize ?? 32, 1);
  const m = model as TrainableModel<E, unknown>;
  const source = Array.isArray(data) ? arraySource(checkAll(m, data, 'examples')) : streamSource(m, data, batchSize * POOL_BATCHES, 'examples');
  return evaluateSource(m, source, batchSize);
}

const METHODS = ['checkExample', 'exampleLength', 'collate', 'trainBatch', 'evaluateBatch', 'metrics', 'parameters', 'zeroGrad', 'stateDict', 'loadStateDict', 'train', 'config'];

function checkModel(model: unknown): void {
  if (typeof model !== 'object' || model === null) throw new TypeError(`model: expected a TrainableModel (e.g. a SequenceClassifier), received ${describe(model)}`);
  const missing = METHODS.filter((k) => typeof (model as Record<string, unknown>)[k] !== 'function');
  if (missing.length) throw new TypeError(`model: expected a TrainableModel, received ${describe(model)} without ${missing.join(', ')}`);
}

function prepareData<E>(model: TrainableModel<E, unknown>, data: unknown[] | AsyncIterable<unknown>, o: ResolvedOptions, rng: Rng): { train: ExampleSource<E>; validation: ExampleSource<E> | null } {
  const chunk = o.batchSize * POOL_BATCHES;
  const vd = o.validationData;
  const validation = vd === undefined ? null : Array.isArray(vd) ? arraySource(checkAll(model, vd, 'options.validationData')) : streamSource(model, vd, chunk, 'options.validationData');
  if (!Array.isArray(data)) {
    if (o.validationSplit !== undefined) throw new RangeError('options.validationSplit: needs an array of examples; for an async iterable pass validationData instead');
    return { train: streamSource(model, data, chunk, 'examples'), validation };
  }
  const checked = checkAll(model, data, 'examples');
  if (o.validationSplit === undefined) return { train: arraySource(checked), validation };
  const split = splitValidation(checked, o.validationSplit, rng, model.ordered === true);
  return { train: arraySource(split.train), validation: arraySource(split.validation) };
}

function startPosition(): Position {
  return { epoch: 0, chunkStart: 0, batch: 0, batchInEpoch: 0, rngAtChunk: null, globalBatch: 0 };
}

function totalSteps(schedule: LrSchedule, epochs: number, batchesPerEpoch: number | undefined): number | undefined {
  if (schedule.interval === 'epoch') return epochs;
  return batchesPerEpoch === undefined ? undefined : epochs * batchesPerEpoch;
}

interface RestoreTargets<E> {
  o: ResolvedOptions;
  train: ExampleSource<E>;
  optimizer: Optimizer;
  schedule: LrSchedule | null;
  rng: Rng;
  batchesPerEpoch: number | undefined;
}

/** Loads a checkpoint into the model, optimizer, schedule, Rngs and run state, after checking it fits this run. */
function restore<E>(model: TrainableModel<E, unknown>, saved: Awaited<ReturnType<typeof readCheckpoint>>, state: RunState, t: RestoreTargets<E>): void {
  const s = saved.state as {
    kind: string; batchSize: number; shuffle: boolean; trainSize: number | null; pos: Position; rng: number[]; sums: EpochSums;
    history: History; wait: number; stopped: boolean; schedule: Record<string, unknown> | null; modelRng: unknown;
  };
  if (s.kind !== model.kind) throw new RangeError(`options.resume: expected a checkpoint of a ${JSON.stringify(model.kind)} model, received one of a ${JSON.stringify(s.kind)}`);
  const midEpoch = s.pos.chunkStart > 0 || s.pos.batch > 0 || s.pos.rngAtChunk !== null;
  if (midEpoch) {
    const size = t.train.size ?? null;
    for (const [name, now, then] of [['batchSize', t.o.batchSize, s.batchSize], ['shuffle', t.o.shuffle, s.shuffle], ['training examples', size, s.trainSize]] as const) {
      if (now !== then) throw new RangeError(`options.resume: the checkpoint stopped mid-epoch with ${name} ${then}; continuing it exactly needs the same, received ${now}`);
    }
  }
  model.loadStateDict(saved.model);
  t.optimizer.loadStateDict(saved.optimizer as OptimizerStateDict);
  if (t.schedule && s.schedule) t.schedule.loadStateDict(s.schedule);
  else if (t.schedule) t.optimizer.lr = t.schedule.start(t.optimizer.lr, totalSteps(t.schedule, t.o.epochs, t.batchesPerEpoch));
  if (s.modelRng !== null && hasRngStates(model)) model.setRngStates(s.modelRng);
  t.rng.setState(s.rng);
  state.pos = s.pos;
  state.sums = s.sums;
  state.history = { ...s.history, aborted: false };
  state.wait = s.wait;
  state.stopped = s.stopped;
  state.bestWeights = saved.best;
}
