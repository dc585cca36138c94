/**
 * A benchmark child process for Node systems: `node --import tsx bench/systems/node-child.ts <adapter> <options-json>`.
 * Talks to bench/compare/child.ts over stdin/stdout, one JSON message a line; protocol lines start with
 * TAG so anything a library prints itself is ignored. Commands: setup, warmup, rep, trace, finish, exit.
 */
import { createInterface } from 'node:readline';
import { writeFileSync } from 'node:fs';
import { NotApplicable, type Prepare, type Runner, type SystemOptions } from './adapter.js';
import type { Workload } from '../compare/workloads.js';

export const TAG = '@@bench ';
const send = (msg: Record<string, unknown>) => process.stdout.write(TAG + JSON.stringify(msg) + '\n');
const rssMB = () => process.memoryUsage.rss() / 2 ** 20;
const peakRssMB = () => process.resourceUsage().maxRSS / 1024;
/** Resets the kernel's peak-RSS mark (Linux ≥ 4.0), so each workload's peak is its own. */
function resetPeak(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    /* not Linux: the peak then covers the process so far */
  }
}

const ADAPTERS: Record<string, () => Promise<{ prepare: Prepare }>> = {
  fastrnn: () => import('./fastrnn.js'),
  kernel: () => import('./kernel.js'),
  onnxruntime: () => import('./onnxruntime.js'),
  tfjs: () => import('./tfjs.js'),
  brain: () => import('./brain.js'),
};

async function main(): Promise<void> {
  const [name, optionsJson] = process.argv.slice(2);
  const options = JSON.parse(optionsJson ?? '{}') as SystemOptions;
  const load = ADAPTERS[name];
  if (!load) throw new Error(`node-child: expected an adapter name (${Object.keys(ADAPTERS).join(', ')}), received ${name}`);
  const { prepare } = await load();
  send({ type: 'hello', rssMB: rssMB() });
  let runner: Runner | null = null;
  const step = async () => {
    const r = runner!.step();
    if (r) await r;
  };
  for await (const line of createInterface({ input: process.stdin })) {
    const cmd = JSON.parse(line) as { cmd: string; workload?: Workload; capMs?: number; warmMs?: number; iters?: number; steps?: number };
    try {
      if (cmd.cmd === 'setup') {
        runner?.dispose?.();
        runner = null;
        globalThis.gc?.();
        resetPeak();
        try {
          runner = await prepare(cmd.workload!, options);
          send({ type: 'ready', rssMB: rssMB() });
        } catch (err) {
          if (err instanceof NotApplicable) send({ type: 'na', reason: err.message });
          else throw err;
        }
      } else if (cmd.cmd === 'warmup') {
        let t = performance.now();
        await step();
        const first = performance.now() - t;
        if (first > cmd.capMs!) {
          send({ type: 'capped', stepMs: first });
          continue;
        }
        const times: number[] = [first];
        const start = performance.now();
        while (performance.now() - start < cmd.warmMs! && times.length < 1000) {
          t = performance.now();
          await step();
          times.push(performance.now() - t);
        }
        times.sort((a, b) => a - b);
        send({ type: 'warm', stepMs: times[times.length >> 1], first });
      } else if (cmd.cmd === 'rep') {
        const t = performance.now();
        for (let i = 0; i < cmd.iters!; i++) await step();
        send({ type: 'rep', ms: (performance.now() - t) / cmd.iters! });
      } else if (cmd.cmd === 'trace') {
        const rss: number[] = [];
        for (let i = 0; i < cmd.steps!; i++) {
          await step();
          rss.push(rssMB());
        }
        send({ type: 'trace', rss, peakRssMB: peakRssMB() });
      } else if (cmd.cmd === 'finish') {
        send({ type: 'finished', peakRssMB: peakRssMB(), rssMB: rssMB() });
        runner?.dispose?.();
        runner = null;
      } else if (cmd.cmd === 'exit') {
        process.exit(0);
      } else {
        throw new Error(`node-child: unknown command ${cmd.cmd}`);
      }
    } catch (err) {
      send({ type: 'error', message: (err as Error).message ?? String(err) });
    }
  }
}

main().catch((err) => {
  send({ type: 'error', message: (err as Error).message ?? String(err) });
  process.exit(1);
});
