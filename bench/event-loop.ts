/** Worst gap between setInterval(1 ms) ticks while async training steps run on the native engine. */
import type { Backend } from '../src/backend/backend.js';
import { makeStep, trainStepAsync, type StepConfig } from './workload.js';

export interface EventLoopResult {
  stepMs: number;
  steps: number;
  ticks: number;
  worstGapMs: number;
}

export async function eventLoopGap(backend: Backend, c: StepConfig, steps = 5): Promise<EventLoopResult> {
  const s = makeStep(c);
  await trainStepAsync(backend, c, s); // warm-up
  let last = performance.now();
  let worst = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
    ticks++;
  }, 1);
  const start = performance.now();
  for (let i = 0; i < steps; i++) await trainStepAsync(backend, c, s);
  const total = performance.now() - start;
  clearInterval(timer);
  return { stepMs: total / steps, steps, ticks, worstGapMs: worst };
}
