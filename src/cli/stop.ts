/**
 * Stopping a training run between batches: when --time-budget is spent, or on Ctrl-C (SIGINT). Either
 * aborts fit's AbortSignal; fit finishes the batch it is on, saves its checkpoint and returns. A second
 * Ctrl-C quits at once (the checkpoint on disk is the last complete one: fit writes them atomically).
 */
export type StopReason = 'time-budget' | 'interrupt';

export interface Stopper {
  signal: AbortSignal;
  /** why the run was stopped, or null */
  readonly reason: StopReason | null;
  /** Starts the clock of the time budget (call as training starts). */
  start(): void;
  /**
   * Between batches (fit's onBatchEnd): checks the clock, and lets the event loop run so a Ctrl-C is seen
   * even when the kernels run on the main thread (the reference engine).
   */
  tick(): Promise<void>;
  /** Removes the timer and the SIGINT handler. */
  dispose(): void;
}

export function stopper(timeBudgetSeconds: number | undefined, note: (line: string) => void): Stopper {
  const controller = new AbortController();
  let reason: StopReason | null = null;
  let timer: NodeJS.Timeout | null = null;
  let deadline = Infinity;
  const stop = (why: StopReason): void => {
    if (reason) return;
    reason = why;
    controller.abort(why);
  };
  const onSigint = (): void => {
    if (reason === 'interrupt') {
      note('interrupted again: quitting now (the last checkpoint is intact)');
      process.exit(130);
    }
    note('interrupted: stopping after this batch and saving a checkpoint (Ctrl-C again to quit now)');
    stop('interrupt');
  };
  process.on('SIGINT', onSigint);
  return {
    signal: controller.signal,
    get reason() {
      return reason;
    },
    start() {
      if (timeBudgetSeconds !== undefined) {
        deadline = performance.now() + timeBudgetSeconds * 1000;
        timer = setTimeout(() => stop('time-budget'), timeBudgetSeconds * 1000);
        timer.unref();
      }
    },
    async tick() {
      await new Promise((done) => setImmediate(done));
      if (performance.now() >= deadline) stop('time-budget');
    },
    dispose() {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', onSigint);
    },
  };
}
