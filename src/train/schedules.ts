/**
 * Learning-rate schedules with PyTorch's formulas (torch.optim.lr_scheduler), for fit (src/train/fit.ts).
 * A schedule owns a counter t of finished steps — epochs or batches, its `interval` — and hands fit the
 * learning rate for the next one; fit assigns it to `optimizer.lr`:
 *
 *   StepLR             lr(t) = base · γ^⌊t / stepSize⌋                                (per epoch)
 *   ExponentialLR      lr(t) = base · γ^t                                            (per epoch)
 *   CosineWarmupLR     t < W:  base · (s + (1 − s) · t / W)                       (LinearLR warm-up)
 *                      W ≤ t ≤ N: min + (base − min) · (1 + cos(π (t − W) / (N − W))) / 2
 *                      t > N:  min                           (SequentialLR of LinearLR and CosineAnnealingLR;
 *                      per batch by default, N = total steps: fit fills in epochs × batches per epoch)
 *   ReduceLROnPlateau  lr ← max(lr · factor, minLr) after more than `patience` epochs without improvement
 *                      of the monitored metric (PyTorch's rel/abs threshold, cooldown and eps)  (per epoch)
 *
 * The closed forms are used (PyTorch's chainable forms agree up to rounding). Every schedule's state is a
 * small JSON object (stateDict / loadStateDict), so checkpoints resume it exactly.
 */
import { checkInt, checkNumber, checkOneOf, describe } from '../errors.js';

export type ScheduleInterval = 'epoch' | 'batch';

export interface LrSchedule {
  /** When `step` is called: after every epoch (after validation) or after every optimizer step. */
  readonly interval: ScheduleInterval;
  /** True when `step` needs the monitored metric (ReduceLROnPlateau). */
  readonly needsMetric: boolean;
  /** The history key it monitors, e.g. 'val_loss'; undefined: fit's default ('val_loss' with validation data, else 'loss'). */
  readonly monitor?: string;
  /** Starts the schedule from the optimizer's learning rate; `totalSteps` is the run's length in intervals. Returns the first lr. */
  start(baseLr: number, totalSteps?: number): number;
  /** One interval has finished (with the monitored value, for ReduceLROnPlateau); returns the next lr. */
  step(metric?: number): number;
  stateDict(): Record<string, unknown>;
  loadStateDict(state: Record<string, unknown>): void;
}

/** Base of the closed forms: lr is a function of the base lr and the number of finished steps. */
abstract class ClosedFormSchedule implements LrSchedule {
  abstract readonly interval: ScheduleInterval;
  readonly needsMetric = false;
  protected baseLr = NaN;
  protected t = 0;

  start(baseLr: number, _totalSteps?: number): number {
    this.baseLr = checkNumber('baseLr', baseLr, { min: 0 });
    this.t = 0;
    return this.lrAt(0);
  }

  step(): number {
    if (Number.isNaN(this.baseLr)) throw new Error(`${this.constructor.name}.step: call start(baseLr) first`);
    this.t += 1;
    return this.lrAt(this.t);
  }

  /** The learning rate after t finished steps. */
  abstract lrAt(t: number): number;

  stateDict(): Record<string, unknown> {
    return { baseLr: this.baseLr, t: this.t };
  }

  loadStateDict(state: Record<string, unknown>): void {
    const s = checkState(this.constructor.name, state);
    this.baseLr = checkNumber(`${this.constructor.name}.state.baseLr`, s.baseLr, { min: 0 });
    this.t = checkInt(`${this.constructor.name}.state.t`, s.t);
  }
}

export interface StepLROptions {
  stepSize: number;
  gamma?: number;
}

/** torch.optim.lr_scheduler.StepLR: multiply by gamma every stepSize epochs. */
export class StepLR extends ClosedFormSchedule {
  readonly interval = 'epoch';
  readonly stepSize: number;
  readonly gamma: number;

  constructor(options: StepLROptions) {
    super();
    checkObject('StepLR', options);
    this.stepSize = checkInt('schedule.stepSize', options.stepSize, 1);
    this.gamma = checkNumber('schedule.gamma', options.gamma ?? 0.1, { min: 0 });
  }

  lrAt(t: number): number {
    return this.baseLr * this.gamma ** Math.floor(t / this.stepSize);
  }
}

export interface ExponentialLROptions {
  gamma: number;
}

/** torch.optim.lr_scheduler.ExponentialLR: multiply by gamma every epoch. */
export class ExponentialLR extends ClosedFormSchedule {
  readonly interval = 'epoch';
  readonly gamma: number;

  constructor(options: ExponentialLROptions) {
    super();
    checkObject('ExponentialLR', options);
    this.gamma = checkNumber('schedule.gamma', options.gamma, { min: 0 });
  }

  lrAt(t: number): number {
    return this.baseLr * this.gamma ** t;
  }
}

export interface CosineWarmupOptions {
  /** warm-up steps W (0 = none) */
  warmup?: number;
  /** total steps N including warm-up; fit fills in epochs × batches per epoch (or epochs) for array data */
  total?: number;
  /** the floor the cosine ends at (PyTorch's eta_min), default 0 */
  minLr?: number;
  /** warm-up starts at startFactor · base (PyTorch's LinearLR start_factor, in (0, 1]), default 1 / W */
  startFactor?: number;
  /** default 'batch' */
  interval?: ScheduleInterval;
}

/**
 * Linear warm-up then cosine annealing: SequentialLR([LinearLR(start_factor, total_iters=W),
 * CosineAnnealingLR(T_max=N − W, eta_min)], milestones=[W]). startFactor defaults to 1 / W, so the first
 * warm-up step uses base / W and step W reaches base.
 */
export class CosineWarmupLR extends ClosedFormSchedule {
  readonly interval: ScheduleInterval;
  readonly warmup: number;
  readonly minLr: number;
  readonly startFactor: number;
  private totalSteps: number | undefined;

  constructor(options: CosineWarmupOptions = {}) {
    super();
    checkObject('CosineWarmupLR', options);
    this.warmup = checkInt('schedule.warmup', options.warmup ?? 0);
    this.totalSteps = options.total === undefined ? undefined : checkInt('schedule.total', options.total, 1);
    if (this.totalSteps !== undefined && this.totalSteps <= this.warmup) {
      throw new RangeError(`schedule.total: expected more steps than warmup (${this.warmup}), received ${this.totalSteps}`);
    }
    this.minLr = checkNumber('schedule.minLr', options.minLr ?? 0, { min: 0 });
    this.startFactor = checkNumber('schedule.startFactor', options.startFactor ?? (this.warmup > 0 ? 1 / this.warmup : 1), { min: 0, max: 1, minExclusive: true });
    this.interval = checkOneOf('schedule.interval', options.interval ?? 'batch', ['epoch', 'batch'] as const);
  }

  /** The total steps, given or filled in by start(). */
  get total(): number | undefined {
    return this.totalSteps;
  }

  override start(baseLr: number, totalSteps?: number): number {
    if (this.totalSteps === undefined) {
      if (totalSteps === undefined) throw new RangeError('schedule.total: expected the number of steps (needed when the data is an async iterable), received undefined');
      this.totalSteps = checkInt('schedule.total', totalSteps, 1);
      if (this.totalSteps <= this.warmup) throw new RangeError(`schedule.warmup: expected fewer steps than the run's ${this.totalSteps} ${this.interval}es, received ${this.warmup}`);
    }
    return super.start(baseLr);
  }

  lrAt(t: number): number {
    const W = this.warmup;
    const N = this.totalSteps!;
    if (t < W) return this.baseLr * (this.startFactor + ((1 - this.startFactor) * t) / W);
    if (t > N) return this.minLr;
    return this.minLr + ((this.baseLr - this.minLr) * (1 + Math.cos((Math.PI * (t - W)) / (N - W)))) / 2;
  }

  override stateDict(): Record<string, unknown> {
    return { ...super.stateDict(), total: this.totalSteps };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    super.loadStateDict(state);
    this.totalSteps = checkInt('CosineWarmupLR.state.total', state.total, 1);
  }
}

export interface ReduceLROnPlateauOptions {
  /** the history key watched, default 'val_loss' when there is validation data, else 'loss' */
  monitor?: string;
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number;
  eps?: number;
}

/** torch.optim.lr_scheduler.ReduceLROnPlateau, with PyTorch's defaults. */
export class ReduceLROnPlateau implements LrSchedule {
  readonly interval = 'epoch';
  readonly needsMetric = true;
  readonly monitor: string | undefined;
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  private lr = NaN;
  private best: number;
  private numBadEpochs = 0;
  private cooldownCounter = 0;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    checkObject('ReduceLROnPlateau', options);
    if (options.monitor !== undefined && typeof options.monitor !== 'string') {
      throw new TypeError(`schedule.monitor: expected a metric name such as 'val_loss', received ${describe(options.monitor)}`);
    }
    this.monitor = options.monitor;
    this.mode = checkOneOf('schedule.mode', options.mode ?? 'min', ['min', 'max'] as const);
    this.factor = checkNumber('schedule.factor', options.factor ?? 0.1, { min: 0 });
    if (this.factor >= 1) throw new RangeError(`schedule.factor: expected a number < 1, received ${this.factor}`);
    this.patience = checkInt('schedule.patience', options.patience ?? 10);
    this.threshold = checkNumber('schedule.threshold', options.threshold ?? 1e-4, { min: 0 });
    this.thresholdMode = checkOneOf('schedule.thresholdMode', options.thresholdMode ?? 'rel', ['rel', 'abs'] as const);
    this.cooldown = checkInt('schedule.cooldown', options.cooldown ?? 0);
    this.minLr = checkNumber('schedule.minLr', options.minLr ?? 0, { min: 0 });
    this.eps = checkNumber('schedule.eps', options.eps ?? 1e-8, { min: 0 });
    this.best = this.worst();
  }

  start(baseLr: number): number {
    this.lr = checkNumber('baseLr', baseLr, { min: 0 });
    this.best = this.worst();
    this.numBadEpochs = 0;
    this.cooldownCounter = 0;
    return this.lr;
  }

  step(metric?: number): number {
    if (Number.isNaN(this.lr)) throw new Error('ReduceLROnPlateau.step: call start(baseLr) first');
    if (typeof metric !== 'number') throw new TypeError(`ReduceLROnPlateau.step(metric): expected the monitored value, received ${describe(metric)}`);
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs during cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      const next = Math.max(this.lr * this.factor, this.minLr);
      if (this.lr - next > this.eps) this.lr = next;
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    return this.lr;
  }

  private worst(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  private isBetter(a: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return this.thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  stateDict(): Record<string, unknown> {
    return { lr: this.lr, best: this.best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter };
  }

  loadStateDict(state: Record<string, unknown>): void {
    const s = checkState('ReduceLROnPlateau', state);
    const lr = checkNumber('ReduceLROnPlateau.state.lr', s.lr, { min: 0 });
    if (typeof s.best !== 'number' || Number.isNaN(s.best)) throw new TypeError(`ReduceLROnPlateau.state.best: expected a number, received ${describe(s.best)}`);
    this.numBadEpochs = checkInt('ReduceLROnPlateau.state.numBadEpochs', s.numBadEpochs);
    this.cooldownCounter = checkInt('ReduceLROnPlateau.state.cooldownCounter', s.cooldownCounter);
    this.lr = lr;
    this.best = s.best;
  }
}

/** A schedule by name, as fit's `schedule` option takes it. */
export type ScheduleSpec =
  | ({ name: 'step' } & StepLROptions)
  | ({ name: 'exponential' } & ExponentialLROptions)
  | ({ name: 'cosine' } & CosineWarmupOptions)
  | ({ name: 'plateau' } & ReduceLROnPlateauOptions);

export const SCHEDULE_NAMES = ['step', 'exponential', 'cosine', 'plateau'] as const;

/** Builds a schedule from `{ name, ...options }`, or returns an LrSchedule instance as it is. */
export function createSchedule(spec: ScheduleSpec | LrSchedule): LrSchedule {
  if (isSchedule(spec)) return spec;
  if (typeof spec !== 'object' || spec === null) {
    throw new TypeError(`schedule: expected { name: ${SCHEDULE_NAMES.map((n) => `'${n}'`).join(' | ')}, ... } or an LrSchedule, received ${describe(spec)}`);
  }
  const { name, ...options } = spec as ScheduleSpec;
  switch (checkOneOf('schedule.name', name, SCHEDULE_NAMES)) {
    case 'step':
      return new StepLR(options as StepLROptions);
    case 'exponential':
      return new ExponentialLR(options as ExponentialLROptions);
    case 'cosine':
      return new CosineWarmupLR(options as CosineWarmupOptions);
    case 'plateau':
      return new ReduceLROnPlateau(options as ReduceLROnPlateauOptions);
  }
}

function isSchedule(value: unknown): value is LrSchedule {
  const s = value as LrSchedule;
  return typeof value === 'object' && value !== null && typeof s.start === 'function' && typeof s.step === 'function' && typeof s.stateDict === 'function';
}

function checkObject(name: string, options: unknown): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${name}(options): expected an object, received ${describe(options)}`);
}

function checkState(name: string, state: unknown): Record<string, unknown> {
  if (typeof state !== 'object' || state === null) throw new TypeError(`${name}.loadStateDict(state): expected an object, received ${describe(state)}`);
  return state as Record<string, unknown>;
}
