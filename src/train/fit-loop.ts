/**
 * The training loop fit runs: epochs of chunks of batches, each batch
 *
 *   zeroGrad → trainBatch → non-finite check (loss, gradient norm) → clip → optimizer.step → schedule
 *
 * then, per epoch: validation, history, best epoch / early stopping, the epoch schedule, a checkpoint and
 * onEpochEnd. Everything a resumed run needs lives in `pos` and `sums` (plus the model, optimizer,
 * schedule and Rngs), so a checkpoint taken between any two batches continues bit for bit.
 *
 * Position: `epoch`; `chunkStart`, the examples of this epoch before the current chunk (0 for an array,
 * which is one chunk); `batch`, the batches done in the current chunk; `rngAtChunk`, the data Rng when the
 * chunk's batch order was drawn (null until it is), so a resumed run redraws the same order.
 */
import { performance } from 'node:perf_hooks';
import type { Parameter, StateDict } from '../parameter.js';
import type { Rng } from '../random.js';
import type { ReportRecorder } from '../report/recorder.js';
import { clipGradNorm, clipGradValue, gradNorm } from './clip.js';
import { writeCheckpoint, hasRngStates } from './checkpoint.js';
import { batchOrder, evaluationOrder, type ExampleSource } from './fit-data.js';
import { epochLine, improves, recordEpoch, type EpochRecord, type History } from './fit-history.js';
import type { BatchInfo, ResolvedOptions } from './fit-options.js';
import type { ProgressDisplay } from './fit-progress.js';
import type { Optimizer } from './optim/optimizer.js';
import type { LrSchedule } from './schedules.js';
import { addSums, type MetricSums, type TrainableModel } from './trainable.js';

/** Lets waiting I/O callbacks run between two slices of a batch's JS work (a service keeps answering). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A non-finite loss or gradient norm with nonFinite: 'throw'; the weights are as before that batch. */
export class NonFiniteError extends Error {
  override name = 'NonFiniteError';
  constructor(
    message: string,
    /** 0-based epoch and batch within it */
    readonly epoch: number,
    readonly batch: number,
    readonly loss: number,
    readonly gradNorm: number,
  ) {
    super(message);
  }
}

export interface Position {
  epoch: number;
  chunkStart: number;
  batch: number;
  /** batches done in this epoch (all chunks) */
  batchInEpoch: number;
  rngAtChunk: number[] | null;
  /** batches done in the whole run (for checkpoint.everyBatches) */
  globalBatch: number;
}

/** The running sums of the epoch in progress. */
export interface EpochSums {
  loss: number;
  count: number;
  sequences: number;
  skipped: number;
  trainSeconds: number;
  seconds: number;
  /** lr at the epoch's start */
  lr: number;
}

export function emptySums(lr: number): EpochSums {
  return { loss: 0, count: 0, sequences: 0, skipped: 0, trainSeconds: 0, seconds: 0, lr };
}

/** Fixed for the whole run: what the loop reads. */
export interface RunSetup<E> {
  model: TrainableModel<E, unknown>;
  o: ResolvedOptions;
  seed: number;
  train: ExampleSource<E>;
  validation: ExampleSource<E> | null;
  batchesPerEpoch: number | undefined;
  params: Parameter[];
  optimizer: Optimizer;
  schedule: LrSchedule | null;
  rng: Rng;
  display: ProgressDisplay;
  /** history key judged for the best epoch (and early stopping); mode and minDelta of that judgement */
  monitor: { key: string; mode: 'min' | 'max'; minDelta: number };
  scheduleMonitor: string;
  /** records what the training report needs (options.report), or null */
  report: ReportRecorder | null;
}

/** What changes as the run goes (saved in checkpoints). */
export interface RunState {
  pos: Position;
  sums: EpochSums;
  history: History;
  /** epochs since the best one */
  wait: number;
  stopped: boolean;
  bestWeights: StateDict | null;
}

export class Trainer<E> {
  private epochClock = 0;

  constructor(private readonly s: RunSetup<E>, private readonly st: RunState) {}

  async run(): Promise<History> {
    const { model, display } = this.s;
    const wasTraining = model.training;
    try {
      while (this.st.pos.epoch < this.s.o.epochs && !this.st.stopped) {
        if (!(await this.runEpoch())) return await this.abort();
      }
      const es = this.s.o.earlyStopping;
      if (es?.restoreBestWeights && this.st.bestWeights) model.loadStateDict(this.st.bestWeights);
      return this.st.history;
    } finally {
      display.stop();
      model.train(wasTraining);
      // Also after an error (e.g. a non-finite loss): the report then shows the run up to it. Never throws.
      await this.s.report?.finish(model, this.st.history, () => firstExample(this.s.validation ?? this.s.train));
    }
  }

  /** One epoch (or the rest of one); false when the signal stopped it. */
  private async runEpoch(): Promise<boolean> {
    const { model, o, rng, train, display, optimizer } = this.s;
    const { pos } = this.st;
    if (pos.chunkStart === 0 && pos.batch === 0 && pos.rngAtChunk === null) {
      model.onEpochStart?.();
      this.st.sums = emptySums(optimizer.lr);
    }
    this.epochClock = performance.now() - this.st.sums.seconds * 1000;
    model.train();
    display.startEpoch(pos.epoch, o.epochs, this.s.batchesPerEpoch, pos.batchInEpoch);
    for await (const chunk of train.chunks(pos.chunkStart)) {
      if (pos.rngAtChunk) rng.setState(pos.rngAtChunk);
      else pos.rngAtChunk = rng.getState();
      const batches = batchOrder(model, chunk, o.batchSize, o.shuffle, rng);
      while (pos.batch < batches.length) {
        if (o.signal?.aborted) return false;
        const info = await this.runBatch(chunk, batches[pos.batch]);
        pos.batch += 1;
        pos.batchInEpoch += 1;
        pos.globalBatch += 1;
        display.update(pos.batchInEpoch, this.st.sums.count > 0 ? this.st.sums.loss / this.st.sums.count : NaN);
        if (o.checkpoint && o.checkpoint.everyBatches > 0 && pos.globalBatch % o.checkpoint.everyBatches === 0) await this.save();
        await o.onBatchEnd?.(info);
      }
      pos.chunkStart += chunk.length;
      pos.batch = 0;
      pos.rngAtChunk = null;
    }
    if (o.signal?.aborted) return false;
    await this.endEpoch();
    return true;
  }

  private async runBatch(chunk: E[], indices: number[]): Promise<BatchInfo> {
    const { model, o, params, optimizer, schedule } = this.s;
    const { sums, pos } = this.st;
    const batch = model.collate(indices.map((i) => chunk[i]));
    const lr = optimizer.lr;
    const started = performance.now();
    await yieldToEventLoop(); // the previous batch's update and this batch's forward are separate slices
    model.zeroGrad();
    const { report } = this.s;
    const { loss, count } = report ? await report.trainBatch(model, pos.globalBatch, pos.epoch, () => model.trainBatch(batch)) : await model.trainBatch(batch);
    await yieldToEventLoop(); // the model's JS work (embedding, head, loss) and the update below are each a slice
    // clipGradNorm leaves non-finite gradients untouched and returns their norm, so checking after it is
    // checking before clipping.
    const norm = o.clipGradNorm !== undefined ? clipGradNorm(params, o.clipGradNorm) : gradNorm(params);
    const finite = Number.isFinite(loss) && Number.isFinite(norm);
    if (!finite && o.nonFinite === 'throw') {
      const of = this.s.batchesPerEpoch === undefined ? '' : ` of ${this.s.batchesPerEpoch}`;
      throw new NonFiniteError(
        `fit: non-finite ${Number.isFinite(loss) ? 'gradient norm' : 'loss'} at epoch ${pos.epoch + 1} of ${o.epochs}, batch ${pos.batchInEpoch + 1}${of} ` +
          `(loss ${loss}, gradient norm ${norm}); the weights are as they were before this batch. ` +
          `Lower the learning rate, set clipGradNorm, or pass nonFinite: 'skip'.`,
        pos.epoch, pos.batchInEpoch, loss, norm,
      );
    }
    if (finite) {
      if (o.clipGradValue !== undefined) clipGradValue(params, o.clipGradValue);
      await yieldToEventLoop();
      optimizer.step();
      if (schedule?.interval === 'batch') optimizer.lr = schedule.step();
      sums.loss += loss * count;
      sums.count += count;
    } else {
      sums.skipped += 1;
    }
    sums.sequences += indices.length;
    sums.trainSeconds += (performance.now() - started) / 1000;
    const info: BatchInfo = { epoch: pos.epoch, batch: pos.batchInEpoch, batches: this.s.batchesPerEpoch, loss, count, gradNorm: norm, lr, skipped: !finite };
    // clipGradNorm scaled the gradients when maxNorm / (norm + 1e-6) < 1 (clip.ts).
    report?.recordBatch(info, finite && o.clipGradNorm !== undefined && o.clipGradNorm / (norm + 1e-6) < 1);
    return info;
  }

  private async endEpoch(): Promise<void> {
    const { model, o, validation, display, monitor, schedule, optimizer } = this.s;
    const st = this.st;
    const { sums } = st;
    const epoch = st.pos.epoch;
    const logs: Record<string, number> = { loss: sums.count > 0 ? sums.loss / sums.count : NaN };
    if (validation) {
      const metrics = await evaluateSource(model, validation, o.batchSize);
      for (const [k, v] of Object.entries(metrics)) logs[`val_${k}`] = v;
    }
    const record: EpochRecord = {
      logs,
      lr: sums.lr,
      seconds: (performance.now() - this.epochClock) / 1000,
      sequencesPerSecond: sums.trainSeconds > 0 ? sums.sequences / sums.trainSeconds : 0,
      skipped: sums.skipped,
    };
    recordEpoch(st.history, record);
    display.endEpoch(epochLine(epoch, o.epochs, record));

    const value = monitored(logs, monitor.key, 'options.earlyStopping.monitor');
    if (improves(value, st.history.bestValue, monitor.mode, monitor.minDelta)) {
      st.history.bestEpoch = epoch;
      st.history.bestValue = value;
      st.wait = 0;
      if (o.earlyStopping?.restoreBestWeights) st.bestWeights = model.stateDict();
    } else {
      st.wait += 1;
      if (o.earlyStopping && st.wait >= o.earlyStopping.patience) st.stopped = st.history.stoppedEarly = true;
    }
    if (schedule?.interval === 'epoch') {
      optimizer.lr = schedule.step(schedule.needsMetric ? monitored(logs, this.s.scheduleMonitor, 'options.schedule.monitor') : undefined);
    }
    st.pos = { epoch: epoch + 1, chunkStart: 0, batch: 0, batchInEpoch: 0, rngAtChunk: null, globalBatch: st.pos.globalBatch };
    st.sums = emptySums(optimizer.lr);
    if (o.checkpoint?.everyEpoch) await this.save();
    await o.onEpochEnd?.({ epoch, epochs: o.epochs, logs, history: st.history });
  }

  private async abort(): Promise<History> {
    this.st.history.aborted = true;
    if (this.s.o.checkpoint) await this.save();
    return this.st.history;
  }

  /** Writes a checkpoint of the current position (between batches). */
  private async save(): Promise<void> {
    const { model, optimizer, schedule, rng, o, seed, train } = this.s;
    const st = this.st;
    const state: Record<string, unknown> = {
      kind: model.kind,
      config: model.config(),
      seed,
      batchSize: o.batchSize,
      shuffle: o.shuffle,
      trainSize: train.size ?? null,
      pos: st.pos,
      rng: rng.getState(),
      sums: { ...st.sums, seconds: (performance.now() - this.epochClock) / 1000 },
      history: st.history,
      wait: st.wait,
      stopped: st.stopped,
      schedule: schedule ? schedule.stateDict() : null,
      modelRng: hasRngStates(model) ? model.rngStates() : null,
      ...(this.s.report ? { report: this.s.report.state() } : {}),
    };
    await writeCheckpoint(o.checkpoint!.dir, { model: model.stateDict(), optimizer: optimizer.stateDict(), best: st.bestWeights, state });
  }
}

/** The model's metrics over a source, batch by batch in eval mode. */
export async function evaluateSource<E>(model: TrainableModel<E, unknown>, source: ExampleSource<E>, batchSize: number): Promise<Record<string, number>> {
  const sums: MetricSums = {};
  for await (const chunk of source.chunks(0)) {
    for (const indices of evaluationOrder(model, chunk, batchSize)) addSums(sums, await model.evaluateBatch(model.collate(indices.map((i) => chunk[i]))));
  }
  return model.metrics(sums);
}

/** The first example of a source (the report's default traced input), or null. */
async function firstExample<E>(source: ExampleSource<E>): Promise<E | null> {
  for await (const chunk of source.chunks(0)) if (chunk.length > 0) return chunk[0];
  return null;
}

function monitored(logs: Record<string, number>, key: string, option: string): number {
  const v = logs[key];
  if (v === undefined) throw new RangeError(`${option}: expected one of ${Object.keys(logs).join(', ')} (this epoch's history keys), received ${JSON.stringify(key)}`);
  return v;
}
