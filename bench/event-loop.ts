/** Worst gap between setInterval(1 ms) ticks while async training steps run on the native engine. */
import type { Backend } from '../src/backend/backend.js';
import { makeStep, trainStepAsync, type StepConfig } from './workload.js';

export interface EventLoopResult {
  stepMs: number;
  steps: number;
  ticks: number;
  worstGapMs: number;
}

/**
 * Starts a setInterval(1 ms) ticker and records the largest gap between ticks; `stop()` ends it and
 * returns what it saw. Shared by this bench and the event-loop test.
 */
export function watchEventLoop(): { stop(): { ticks: number; worstGapMs: number } } {
  let last = performance.now();
  let worst = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
    ticks++;
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      return { ticks, worstGapMs: worst };
    },
  };
}

export async function eventLoopGap(backend: Backend, c: StepConfig, steps = 5): Promise<EventLoopResult> {
  const s = makeStep(c);
  await trainStepAsync(backend, c, s); // warm-up
  const watch = watchEventLoop();
  const start = performance.now();
  for (let i = 0; i < steps; i++) await trainStepAsync(backend, c, s);
  const total = performance.now() - start;
  const { ticks, worstGapMs } = watch.stop();
  return { stepMs: total / steps, steps, ticks, worstGapMs };
}
