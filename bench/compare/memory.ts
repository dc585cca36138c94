/**
 * Memory of a training loop (issue 10): an LSTM B32 T64 H256 training step (the train workload) repeated
 * many times in a fresh child process per system. "added" is the process's peak RSS minus its RSS after
 * loading the library and before building the model (Node's or Python's own baseline); "growth" is how
 * much higher RSS stands over the last quarter of the steps than over the second quarter (flat when it is
 * within max(2 MB, 5 % of added)). The floor is what training must keep (minimumTrainingBytes).
 */
import { Child } from './child.js';
import type { System } from './systems.js';
import { memoryWorkload, minimumTrainingBytes } from './workloads.js';

export interface MemoryRow {
  system: string;
  status: 'ok' | 'skipped' | 'error';
  note?: string;
  steps?: number;
  baselineMB?: number;
  peakMB?: number;
  addedMB?: number;
  growthMB?: number;
  flat?: boolean;
  /** RSS after 1 step, and at each quarter of the loop */
  samplesMB?: number[];
}

export const minimumMB = () => minimumTrainingBytes(memoryWorkload()) / 2 ** 20;

export async function measureMemory(systems: System[], steps: number, timeoutMs: number): Promise<MemoryRow[]> {
  const out: MemoryRow[] = [];
  for (const s of systems) {
    const missing = s.missing();
    if (missing) {
      out.push({ system: s.id, status: 'skipped', note: missing });
      continue;
    }
    const child = new Child(s.launch());
    try {
      const hello = await child.next(timeoutMs);
      const baselineMB = Number(hello.rssMB);
      const ready = await child.request({ cmd: 'setup', workload: memoryWorkload() }, timeoutMs);
      if (ready.type !== 'ready') throw new Error(`setup: ${JSON.stringify(ready).slice(0, 200)}`);
      const trace = await child.request({ cmd: 'trace', steps }, timeoutMs);
      if (trace.type !== 'trace') throw new Error(`trace: ${JSON.stringify(trace).slice(0, 200)}`);
      const rss = trace.rss as number[];
      const peakMB = Number(trace.peakRssMB);
      const q = Math.max(1, Math.floor(rss.length / 4));
      const max = (xs: number[]) => Math.max(...xs);
      const growthMB = max(rss.slice(3 * q)) - max(rss.slice(q, 2 * q));
      const addedMB = peakMB - baselineMB;
      out.push({
        system: s.id, status: 'ok', steps, baselineMB, peakMB, addedMB, growthMB, flat: growthMB <= Math.max(2, 0.05 * addedMB),
        samplesMB: [rss[0], rss[q - 1], rss[2 * q - 1], rss[3 * q - 1], rss[rss.length - 1]],
      });
    } catch (err) {
      out.push({ system: s.id, status: 'error', note: (err as Error).message });
    } finally {
      await child.close();
    }
  }
  return out;
}
