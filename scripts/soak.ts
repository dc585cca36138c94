/**
 * `npm run soak` — the leak soak: 100,000 forward/backward/async layer calls and 1,000 model
 * create/save/load/drop cycles on the native engine; fits the slope of RSS and of external memory and
 * fails (exit 1) above the bounds: 64 bytes per call and 16 KiB per cycle for RSS, 16 bytes per call and
 * 4 KiB per cycle for external memory. Options: --calls N, --cycles N, --backend reference.
 */
import { layerCalls, modelCycles, soak, type Slope } from './soak-lib.js';

const arg = (name: string, fallback: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const calls = Number(arg('--calls', '100000'));
const cycles = Number(arg('--cycles', '1000'));
const backend = arg('--backend', 'native') as 'native' | 'reference';
export const BOUNDS = { callRss: 64, callExternal: 16, cycleRss: 16384, cycleExternal: 4096 };

function line(what: string, s: Slope, rssBound: number, extBound: number): boolean {
  const ok = s.rss <= rssBound && s.external <= extBound;
  console.log(`${what}: ${s.iterations} iterations, ${s.samples} samples after warm-up; RSS ${s.rssMiB[0]} → ${s.rssMiB[1]} MiB, slope ${s.rss.toFixed(2)} B/iteration (bound ${rssBound}); ` +
    `external ${s.externalMiB[0]} → ${s.externalMiB[1]} MiB, slope ${s.external.toFixed(2)} B/iteration (bound ${extBound}); JS heap slope ${s.heap.toFixed(2)} B/iteration — ${ok ? 'ok' : 'LEAK'}`);
  return ok;
}

const start = performance.now();
const a = await soak(calls, Math.max(1, Math.floor(calls / 100)), layerCalls(backend));
const okCalls = line(`layer calls (${backend})`, a, BOUNDS.callRss, BOUNDS.callExternal);
const m = modelCycles(backend);
const b = await soak(cycles, Math.max(1, Math.floor(cycles / 50)), m.step);
m.cleanup();
const okCycles = line(`model create/save/load cycles (${backend})`, b, BOUNDS.cycleRss, BOUNDS.cycleExternal);
console.log(`${((performance.now() - start) / 1000).toFixed(0)} s`);
if (!okCalls || !okCycles) process.exitCode = 1;
