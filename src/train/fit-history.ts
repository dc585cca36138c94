/**
 * What fit returns, and how it decides which epoch was best (the monitored value, Keras's comparison:
 * an improvement beats the best by more than minDelta in the monitor's direction).
 */

export interface History {
  /** per-epoch values: 'loss' (the training mean) and 'val_' + every metric the model reports on validation data */
  metrics: Record<string, number[]>;
  /** the learning rate at the start of each epoch */
  lr: number[];
  /** wall time of each epoch, validation included */
  seconds: number[];
  /** training sequences per second of training time */
  sequencesPerSecond: number[];
  /** batches skipped by nonFinite: 'skip' */
  skippedBatches: number[];
  /** completed epochs (the length of every array above) */
  epochs: number;
  /** the key bestEpoch is judged by ('val_loss' with validation data, else 'loss', or earlyStopping.monitor) */
  monitor: string;
  /** 0-based index of the best epoch so far (null before the first epoch ends) */
  bestEpoch: number | null;
  bestValue: number | null;
  /** early stopping ended the run */
  stoppedEarly: boolean;
  /** the signal ended the run (between batches; the last epoch may be partial and is not in the arrays) */
  aborted: boolean;
}

export function emptyHistory(monitor: string): History {
  return { metrics: {}, lr: [], seconds: [], sequencesPerSecond: [], skippedBatches: [], epochs: 0, monitor, bestEpoch: null, bestValue: null, stoppedEarly: false, aborted: false };
}

export interface EpochRecord {
  logs: Record<string, number>;
  lr: number;
  seconds: number;
  sequencesPerSecond: number;
  skipped: number;
}

/** Appends one epoch; a key that first appears now is padded with NaN for the earlier epochs. */
export function recordEpoch(history: History, record: EpochRecord): void {
  const n = history.epochs;
  for (const [k, v] of Object.entries(record.logs)) {
    const column = (history.metrics[k] ??= Array<number>(n).fill(NaN));
    column.push(v);
  }
  for (const column of Object.values(history.metrics)) if (column.length === n) column.push(NaN);
  history.lr.push(record.lr);
  history.seconds.push(record.seconds);
  history.sequencesPerSecond.push(record.sequencesPerSecond);
  history.skippedBatches.push(record.skipped);
  history.epochs = n + 1;
}

const MAXIMISED = /acc|f1|mcc|auc|precision|recall/i;

/** 'auto' → 'max' for accuracy-like metrics, else 'min'. */
export function monitorMode(monitor: string, mode: 'auto' | 'min' | 'max'): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  return MAXIMISED.test(monitor) ? 'max' : 'min';
}

/** Keras's test: current beats best by more than minDelta (NaN never improves). */
export function improves(current: number, best: number | null, mode: 'min' | 'max', minDelta: number): boolean {
  if (Number.isNaN(current)) return false;
  if (best === null) return true;
  return mode === 'min' ? current + minDelta < best : current - minDelta > best;
}

/** One line per epoch: "epoch 3/10 - loss 0.4123 - val_loss 0.3921 - lr 1.00e-3 - 1.2s - 840 seq/s". */
export function epochLine(epoch: number, epochs: number, record: EpochRecord): string {
  const parts = [`epoch ${epoch + 1}/${epochs}`];
  for (const [k, v] of Object.entries(record.logs)) parts.push(`${k} ${formatNumber(v)}`);
  parts.push(`lr ${record.lr.toExponential(2)}`, `${record.seconds.toFixed(1)}s`, `${Math.round(record.sequencesPerSecond)} seq/s`);
  if (record.skipped > 0) parts.push(`skipped ${record.skipped}`);
  return parts.join(' - ');
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2);
}
