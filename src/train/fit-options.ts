/**
 * fit's options: the types a caller writes and the checks that turn them into a resolved, validated set
 * (every bad value is a TypeError/RangeError naming the option, what was expected and what arrived).
 */
import { checkBoolean, checkInt, checkNumber, checkOneOf, describe } from '../errors.js';
import type { History } from './fit-history.js';
import type { LrSchedule, ScheduleSpec } from './schedules.js';
import { Optimizer } from './optim/optimizer.js';
import { SGD, type SGDOptions } from './optim/sgd.js';
import { Adam, type AdamOptions } from './optim/adam.js';
import { AdamW, type AdamWOptions } from './optim/adamw.js';
import { SparseAdam, type SparseAdamOptions } from './optim/sparse-adam.js';
import { RMSprop, type RMSpropOptions } from './optim/rmsprop.js';
import { Adagrad, type AdagradOptions } from './optim/adagrad.js';
import type { Parameter } from '../parameter.js';
import { checkReportOptions, type ReportOptions, type ResolvedReportOptions } from '../report/options.js';

export type OptimizerSpec =
  | ({ name: 'sgd' } & SGDOptions)
  | ({ name: 'adam' } & AdamOptions)
  | ({ name: 'adamw' } & AdamWOptions)
  | ({ name: 'sparse_adam' } & SparseAdamOptions)
  | ({ name: 'rmsprop' } & RMSpropOptions)
  | ({ name: 'adagrad' } & AdagradOptions);

export interface EarlyStoppingOptions {
  /** history key to watch: 'val_loss' (default with validation data), 'loss' (default without), 'val_accuracy', … */
  monitor?: string;
  /** epochs without improvement before stopping (default 0: stop at the first epoch that does not improve) */
  patience?: number;
  /** the smallest change that counts as an improvement (default 0) */
  minDelta?: number;
  /** 'auto' (default): 'max' for accuracy / f1 / mcc / auc / precision / recall metrics, else 'min' */
  mode?: 'auto' | 'min' | 'max';
  /** when training ends, load the weights of the best epoch (default true) */
  restoreBestWeights?: boolean;
}

export interface CheckpointOptions {
  /** the checkpoint directory (created if missing); each save replaces the previous checkpoint atomically */
  dir: string;
  /** also save after every N batches (counted over the whole run) */
  everyBatches?: number;
  /** save after every epoch (default true) */
  everyEpoch?: boolean;
}

export interface BatchInfo {
  /** 0-based epoch and batch within the epoch */
  epoch: number;
  batch: number;
  /** batches in the epoch (undefined for an async iterable) */
  batches: number | undefined;
  /** the batch's mean loss and the number of loss terms it averaged */
  loss: number;
  count: number;
  /** gradient norm before clipping */
  gradNorm: number;
  /** the learning rate this batch used */
  lr: number;
  /** true when nonFinite: 'skip' skipped this batch (no optimizer step) */
  skipped: boolean;
}

export interface EpochInfo {
  /** 0-based */
  epoch: number;
  epochs: number;
  /** this epoch's values: 'loss', 'val_loss', 'val_accuracy', … */
  logs: Record<string, number>;
  history: History;
}

export interface FitOptions {
  /** total epochs (default 1); a resumed run continues up to this many */
  epochs?: number;
  /** examples per batch (default 32) */
  batchSize?: number;
  /** an Optimizer over model.parameters(), or { name, ...options } (default { name: 'adam' }) */
  optimizer?: Optimizer | OptimizerSpec;
  schedule?: LrSchedule | ScheduleSpec;
  /** clip the total gradient norm to this (clipGradNorm) before each step */
  clipGradNorm?: number;
  /** clamp each gradient element into [−v, v] before each step */
  clipGradValue?: number;
  /** examples to evaluate after every epoch (an array, or an async iterable that starts over each time) */
  validationData?: unknown[] | AsyncIterable<unknown>;
  /** hold out this fraction of an array of examples for validation (seeded; the last fraction if model.ordered) */
  validationSplit?: number;
  earlyStopping?: EarlyStoppingOptions;
  /** shuffle (length-bucketed) every epoch (default true; never for an ordered model) */
  shuffle?: boolean;
  /** seeds the validation split and the batch order (default: random, saved in checkpoints) */
  seed?: number;
  onBatchEnd?: (info: BatchInfo) => void | Promise<void>;
  onEpochEnd?: (info: EpochInfo) => void | Promise<void>;
  /** stop cleanly between batches: the history comes back with aborted: true (a checkpoint is saved if configured) */
  signal?: AbortSignal;
  /** 'auto' (default): a progress bar on a TTY, one line per epoch otherwise; 'bar'; 'lines'; false: silent */
  verbose?: 'auto' | 'bar' | 'lines' | boolean;
  /** a non-finite loss or gradient norm: 'throw' (default; the weights stay as before that batch) or 'skip' the batch */
  nonFinite?: 'throw' | 'skip';
  checkpoint?: CheckpointOptions;
  /** a checkpoint directory to continue from */
  resume?: string;
  /**
   * write a training report (HTML page, one SVG per chart, report.json) to this directory when training
   * ends; or { dir, vocab?, input?, words?, gradientEvery?, … } (src/report/options.ts). A failure to write
   * it is a process warning ('FastrnnReportWarning'), never an error of fit.
   */
  report?: string | ReportOptions;
}

export interface ResolvedOptions {
  epochs: number;
  batchSize: number;
  optimizer: Optimizer | OptimizerSpec;
  schedule: LrSchedule | ScheduleSpec | undefined;
  clipGradNorm: number | undefined;
  clipGradValue: number | undefined;
  validationData: unknown[] | AsyncIterable<unknown> | undefined;
  validationSplit: number | undefined;
  earlyStopping: Required<EarlyStoppingOptions> | null;
  shuffle: boolean;
  seed: number | undefined;
  onBatchEnd: FitOptions['onBatchEnd'];
  onEpochEnd: FitOptions['onEpochEnd'];
  signal: AbortSignal | undefined;
  verbose: 'auto' | 'bar' | 'lines' | false;
  nonFinite: 'throw' | 'skip';
  checkpoint: Required<CheckpointOptions> | null;
  resume: string | undefined;
  report: ResolvedReportOptions | null;
}

const KEYS = [
  'epochs', 'batchSize', 'optimizer', 'schedule', 'clipGradNorm', 'clipGradValue', 'validationData', 'validationSplit', 'earlyStopping',
  'shuffle', 'seed', 'onBatchEnd', 'onEpochEnd', 'signal', 'verbose', 'nonFinite', 'checkpoint', 'resume', 'report',
] as const;

export function checkFitOptions(options: unknown): ResolvedOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) throw new TypeError(`options: expected an object, received ${describe(options)}`);
  checkKeys('options', options, KEYS);
  const o = options as FitOptions;
  if (o.validationData !== undefined && o.validationSplit !== undefined) {
    throw new RangeError('options.validationSplit: expected either validationData or validationSplit, received both');
  }
  return {
    epochs: checkInt('options.epochs', o.epochs ?? 1, 1),
    batchSize: checkInt('options.batchSize', o.batchSize ?? 32, 1),
    optimizer: checkOptimizerSpec(o.optimizer ?? { name: 'adam' }),
    schedule: o.schedule,
    clipGradNorm: o.clipGradNorm === undefined ? undefined : checkNumber('options.clipGradNorm', o.clipGradNorm, { min: 0, minExclusive: true }),
    clipGradValue: o.clipGradValue === undefined ? undefined : checkNumber('options.clipGradValue', o.clipGradValue, { min: 0, minExclusive: true }),
    validationData: o.validationData === undefined ? undefined : checkExamplesArgument('options.validationData', o.validationData),
    validationSplit: o.validationSplit === undefined ? undefined : checkFraction(o.validationSplit),
    earlyStopping: o.earlyStopping === undefined ? null : checkEarlyStopping(o.earlyStopping),
    shuffle: checkBoolean('options.shuffle', o.shuffle ?? true),
    seed: o.seed === undefined ? undefined : checkInt('options.seed', o.seed, 0, 2 ** 52),
    onBatchEnd: checkCallback('options.onBatchEnd', o.onBatchEnd),
    onEpochEnd: checkCallback('options.onEpochEnd', o.onEpochEnd),
    signal: checkSignal(o.signal),
    verbose: o.verbose === true ? 'auto' : o.verbose === false ? false : checkOneOf('options.verbose', o.verbose ?? 'auto', ['auto', 'bar', 'lines'] as const),
    nonFinite: checkOneOf('options.nonFinite', o.nonFinite ?? 'throw', ['throw', 'skip'] as const),
    checkpoint: o.checkpoint === undefined ? null : checkCheckpoint(o.checkpoint),
    resume: o.resume === undefined ? undefined : checkDir('options.resume', o.resume),
    report: o.report === undefined ? null : checkReportOptions(o.report),
  };
}

/** An array of examples or an async iterable of them. */
export function checkExamplesArgument(name: string, value: unknown): unknown[] | AsyncIterable<unknown> {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    return value as AsyncIterable<unknown>;
  }
  throw new TypeError(`${name}: expected an array of examples or an async iterable of them, received ${describe(value)}`);
}

/** Builds the optimizer over the model's parameters (or checks the one given). */
export function buildOptimizer(spec: Optimizer | OptimizerSpec, params: Parameter[]): Optimizer {
  if (spec instanceof Optimizer) {
    const own = new Set(params.map((p) => p.value.data));
    const stranger = spec.params.find((p) => !own.has(p.value.data));
    if (stranger) throw new RangeError(`options.optimizer: expected an optimizer over model.parameters(), received one holding ${describe(stranger.name)}, which is not the model's`);
    return spec;
  }
  const { name, ...rest } = spec;
  try {
    switch (name) {
      case 'sgd':
        return new SGD(params, rest as SGDOptions);
      case 'adam':
        return new Adam(params, rest as AdamOptions);
      case 'adamw':
        return new AdamW(params, rest as AdamWOptions);
      case 'sparse_adam':
        return new SparseAdam(params, rest as SparseAdamOptions);
      case 'rmsprop':
        return new RMSprop(params, rest as RMSpropOptions);
      case 'adagrad':
        return new Adagrad(params, rest as AdagradOptions);
    }
  } catch (e) {
    // The optimizers name their own option ('lr: …'); say where it came from.
    if (e instanceof TypeError || e instanceof RangeError) throw new (e.constructor as typeof TypeError)(`options.optimizer.${e.message}`);
    throw e;
  }
}

const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'sparse_adam', 'rmsprop', 'adagrad'] as const;

function checkOptimizerSpec(value: unknown): Optimizer | OptimizerSpec {
  if (value instanceof Optimizer) return value;
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`options.optimizer: expected an Optimizer or { name: ${OPTIMIZERS.map((n) => `'${n}'`).join(' | ')}, ...options }, received ${describe(value)}`);
  }
  checkOneOf('options.optimizer.name', (value as { name?: unknown }).name, OPTIMIZERS);
  return value as OptimizerSpec;
}

function checkFraction(value: unknown): number {
  const v = checkNumber('options.validationSplit', value, { min: 0, max: 1, minExclusive: true });
  if (v === 1) throw new RangeError('options.validationSplit: expected a fraction in (0, 1), received 1');
  return v;
}

function checkEarlyStopping(value: unknown): Required<EarlyStoppingOptions> {
  if (typeof value !== 'object' || value === null) throw new TypeError(`options.earlyStopping: expected an object { monitor?, patience?, minDelta?, mode?, restoreBestWeights? }, received ${describe(value)}`);
  checkKeys('options.earlyStopping', value, ['monitor', 'patience', 'minDelta', 'mode', 'restoreBestWeights']);
  const e = value as EarlyStoppingOptions;
  if (e.monitor !== undefined && typeof e.monitor !== 'string') throw new TypeError(`options.earlyStopping.monitor: expected a history key such as 'val_loss', received ${describe(e.monitor)}`);
  return {
    monitor: e.monitor ?? '',
    patience: checkInt('options.earlyStopping.patience', e.patience ?? 0),
    minDelta: checkNumber('options.earlyStopping.minDelta', e.minDelta ?? 0, { min: 0 }),
    mode: checkOneOf('options.earlyStopping.mode', e.mode ?? 'auto', ['auto', 'min', 'max'] as const),
    restoreBestWeights: checkBoolean('options.earlyStopping.restoreBestWeights', e.restoreBestWeights ?? true),
  };
}

function checkCheckpoint(value: unknown): Required<CheckpointOptions> {
  if (typeof value !== 'object' || value === null) throw new TypeError(`options.checkpoint: expected an object { dir, everyBatches?, everyEpoch? }, received ${describe(value)}`);
  checkKeys('options.checkpoint', value, ['dir', 'everyBatches', 'everyEpoch']);
  const c = value as CheckpointOptions;
  return {
    dir: checkDir('options.checkpoint.dir', c.dir),
    everyBatches: c.everyBatches === undefined ? 0 : checkInt('options.checkpoint.everyBatches', c.everyBatches, 1),
    everyEpoch: checkBoolean('options.checkpoint.everyEpoch', c.everyEpoch ?? true),
  };
}

function checkDir(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name}: expected a directory path (a non-empty string), received ${describe(value)}`);
  return value;
}

function checkCallback<F>(name: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${name}: expected a function, received ${describe(value)}`);
  return value;
}

function checkSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || typeof (value as AbortSignal).aborted !== 'boolean') {
    throw new TypeError(`options.signal: expected an AbortSignal, received ${describe(value)}`);
  }
  return value as AbortSignal;
}

function checkKeys(name: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new TypeError(`${name}.${key}: unknown option; expected one of ${known.join(', ')}`);
  }
}
