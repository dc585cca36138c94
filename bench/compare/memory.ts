/**
 * Memory of a training loop (issue 10): an LSTM B32 T64 H256 training step (the train workload) repeated
 * many times in a fresh child process per system. "added" is the process's peak RSS minus its RSS after
 * loading the library and before building the model (Node's or Python's own baseline); "growth" is how
 * much higher RSS stands over the last quarter of the steps than over the second quarter (flat when it is
 * within max(2 MB, 5 % of added)). The floor is what training must keep (minimumTrainingBytes).
 *
 * Alone (the rows of `npm run bench`, without the speed workloads), repeated for a median:
 *   npx tsx bench/compare/memory.ts [--steps=200] [--repeat=1] [--systems=fastrnn native 2t,PyTorch 1c]
 */
import { pathToFileURL } from 'node:url';
import { Child } from './child.js';
import { allSystems, type System } from './systems.js';
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

function option(name: string, fallback: string): string {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? arg.slice(name.length + 3) : fallback;
}

async function main(): Promise<void> {
  const steps = Number(option('steps', '200')), repeat = Number(option('repeat', '1'));
  const ids = option('systems', 'fastrnn native 2t,PyTorch 1c').split(',');
  const systems = allSystems().filter((s) => ids.includes(s.id));
  if (!Number.isInteger(steps) || steps < 4 || !Number.isInteger(repeat) || repeat < 1 || systems.length === 0) {
    throw new RangeError(`memory.ts: expected --steps ≥ 4, --repeat ≥ 1 and known --systems, received ${process.argv.slice(2).join(' ')}`);
  }
  console.log(`${steps} steps, ${repeat} run(s) per system; what training must keep: ${minimumMB().toFixed(1)} MB`);
  const added = new Map<string, number[]>();
  for (let i = 0; i < repeat; i++) {
    for (const r of await measureMemory(systems, steps, 600_000)) {
      if (r.status !== 'ok') {
        console.log(`${r.system}: ${r.status} ${r.note ?? ''}`);
        continue;
      }
      added.set(r.system, [...(added.get(r.system) ?? []), r.addedMB!]);
      const f = (x: number) => x.toFixed(1);
      console.log(`${r.system}: baseline ${f(r.baselineMB!)} peak ${f(r.peakMB!)} added ${f(r.addedMB!)} growth ${f(r.growthMB!)} flat ${r.flat ? 'yes' : 'NO'} samples ${r.samplesMB!.map(f).join(' / ')}`);
    }
  }
  for (const [system, xs] of added) {
    const sorted = [...xs].sort((a, b) => a - b);
    console.log(`${system}: added MB median ${sorted[sorted.length >> 1].toFixed(1)} (min ${sorted[0].toFixed(1)}, max ${sorted[sorted.length - 1].toFixed(1)}, ${xs.length} runs)`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
