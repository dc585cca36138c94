/**
 * What fit records for the report while it trains (only when options.report is set): one row per
 * training batch (loss, gradient norm before clipping, learning rate, clipped, skipped) and, every N
 * batches, the per-step gradient norms of that batch (step-gradients.ts). At the end of the run — also
 * when it is aborted or fails — `finish` adds the history, the hidden-state trace and the nearest words
 * and writes the report. Writing never throws: a failure becomes a process warning
 * (FastrnnReportWarning) and training goes on as if no report had been asked for.
 */
import { performance } from 'node:perf_hooks';
import type { History } from '../train/fit-history.js';
import type { BatchInfo } from '../train/fit-options.js';
import type { TrainableModel } from '../train/trainable.js';
import { defaultWords, emptyReport, idsOfExample, nearestView, traceView, type BatchColumns, type ReportData } from './data.js';
import { defaultGradientEvery, type ResolvedReportOptions } from './options.js';
import { watchedLayer, withStepGradients, type StepGradientSample } from './step-gradients.js';

export const REPORT_WARNING = 'FastrnnReportWarning';

/** The recorded state a checkpoint carries, so a resumed run's report covers the whole run. */
export interface RecorderState {
  batches: BatchColumns;
  samples: StepGradientSample[];
}

/** Without an explicit gradientEvery, a due sample is put off while measuring has cost more than this share of the training time. */
export const MEASURE_SHARE = 0.05;

export class ReportRecorder {
  readonly every: number;
  /** true: options.gradientEvery was given, so every N-th batch is sampled whatever it costs */
  private readonly fixed: boolean;
  private trainSeconds = 0;
  private measureSeconds = 0;
  private lastSample = -Infinity;
  private batches: BatchColumns = { epoch: [], loss: [], gradNorm: [], lr: [], clipped: [], skipped: [] };
  private samples: StepGradientSample[] = [];
  private readonly notes: Record<string, string> = {};

  constructor(
    readonly options: ResolvedReportOptions,
    private readonly clipGradNorm: number | null,
    totalBatches: number | undefined,
  ) {
    this.every = options.gradientEvery ?? defaultGradientEvery(totalBatches);
    this.fixed = options.gradientEvery !== null;
  }

  /** Whether this batch is measured: every N-th; by default also only while measuring stays within MEASURE_SHARE. */
  private due(globalBatch: number): boolean {
    if (this.fixed) return globalBatch % this.every === 0;
    return globalBatch - this.lastSample >= this.every && this.measureSeconds <= MEASURE_SHARE * this.trainSeconds;
  }

  /** Runs one trainBatch; on every N-th batch of the run it also measures the per-step gradient norms. */
  async trainBatch<R>(model: TrainableModel<unknown, unknown>, globalBatch: number, epoch: number, step: () => Promise<R>): Promise<R> {
    const layer = this.due(globalBatch) ? watchedLayer(model) : null;
    const started = performance.now();
    if (!layer) {
      const result = await step();
      this.trainSeconds += (performance.now() - started) / 1000;
      return result;
    }
    const { result, norms, error, seconds } = await withStepGradients(layer, this.options.gradientSequences, this.options.gradientSteps, step);
    this.trainSeconds += (performance.now() - started) / 1000 - seconds;
    this.measureSeconds += seconds;
    this.lastSample = globalBatch;
    if (norms) this.samples.push({ batch: globalBatch, epoch, ...norms });
    if (error) this.notes.stepGradients = `a sample failed: ${(error as Error).message ?? String(error)}`;
    return result;
  }

  /** One finished batch (its BatchInfo) and whether clipping scaled its gradients. */
  recordBatch(info: BatchInfo, clipped: boolean): void {
    const b = this.batches;
    b.epoch.push(info.epoch);
    b.loss.push(Number.isFinite(info.loss) ? info.loss : null);
    b.gradNorm.push(Number.isFinite(info.gradNorm) ? info.gradNorm : null);
    b.lr.push(info.lr);
    b.clipped.push(clipped ? 1 : 0);
    b.skipped.push(info.skipped ? 1 : 0);
  }

  state(): RecorderState {
    return { batches: this.batches, samples: this.samples };
  }

  restore(state: unknown): void {
    const s = state as RecorderState | null;
    if (s && typeof s === 'object' && s.batches && Array.isArray(s.samples)) {
      this.batches = s.batches;
      this.samples = s.samples;
    }
  }

  /**
   * Collects the report of a finished (or stopped) run and writes it; never throws. `firstExample` gives
   * the default traced input (the first validation example, else the first training example).
   */
  async finish(model: TrainableModel<unknown, unknown>, history: History, firstExample: () => Promise<unknown>): Promise<void> {
    try {
      const data = await this.collect(model, history, firstExample);
      const { writeReport } = await import('./write.js');
      await writeReport(this.options.dir, data);
    } catch (err) {
      process.emitWarning(`fit: the training report could not be written to ${this.options.dir}: ${(err as Error).message ?? String(err)}`, REPORT_WARNING);
    }
  }

  /** The report's data for this run (trace and nearest words from the model as it is now). */
  async collect(model: TrainableModel<unknown, unknown>, history: History, firstExample: () => Promise<unknown>): Promise<ReportData> {
    const o = this.options;
    const data = emptyReport(model, o.title);
    data.history = history;
    data.clipGradNorm = this.clipGradNorm;
    data.batches = this.batches;
    const layer = watchedLayer(model);
    data.stepGradients = { every: this.every, share: this.fixed ? null : MEASURE_SHARE, sequences: o.gradientSequences, layer: 'top layer, forward direction', samples: this.samples };
    Object.assign(data.notes, this.notes);
    if (!layer) data.notes.stepGradients = 'per-step gradient norms need a model whose input is read by one RNN/LSTM/GRU layer without projection';
    const ids = o.input ?? idsOfExample(await firstExample().catch(() => null));
    const wasTraining = model.training;
    try {
      data.trace = ids ? traceView(model, ids, o.vocab) : null;
      if (!data.trace) data.notes.trace = ids ? 'the model has no embedding and recurrent layer to trace' : 'no input to trace (pass report.input)';
      if (o.nearest && o.vocab) data.nearest = nearestView(model, o.vocab, o.words ?? defaultWords(o.vocab));
      else data.notes.nearest = o.vocab ? 'nearest words are off (report.nearest: false, e.g. a character vocabulary)' : 'nearest words need the vocabulary (report.vocab)';
    } finally {
      model.train(wasTraining);
    }
    return data;
  }
}
