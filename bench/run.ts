/**
 * `npm run bench` — fastrnn side by side with PyTorch, onnxruntime-node, TensorFlow.js and brain.js (issue 10):
 * the same RNN/LSTM/GRU workloads (bench/compare/workloads.ts) on every system, each in its own child
 * process, repetitions interleaved, medians; the sgemm ceiling and a training-loop memory measurement in
 * the same run; one table with ratios, the targets, and JSON + markdown in bench/results/.
 *
 *   npm run bench                  the full run (~15 min on 2 cores)
 *   npm run bench -- --quick       a ~2-minute subset (fewer workloads and repetitions)
 *   npm run bench -- --only=LSTM   workloads of the full list whose name contains the text (comma-separated: any)
 *   npm run bench -- --systems=fastrnn,PyTorch   systems whose name contains the text
 *   npm run bench:peers            installs the Node peers into bench/peers (PyTorch: apt-get install -y python3-torch)
 *   npm run bench:kernels          the kernel-level tables (engine, SIMD paths, user path vs kernel)
 */
import { join } from 'node:path';
import { formatText, runBenchmark } from './compare/harness.js';
import { FULL, QUICK } from './compare/measure.js';
import { allSystems } from './compare/systems.js';
import { fullWorkloads, quickWorkloads } from './compare/workloads.js';
import { BENCH_DIR } from './systems/adapter.js';

function option(name: string): string[] | null {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? arg.slice(name.length + 3).split(',').filter(Boolean) : null;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const only = option('only'), pick = option('systems');
  const matches = (text: string, wanted: string[] | null) => !wanted || wanted.some((x) => text.toLowerCase().includes(x.toLowerCase()));
  const systems = allSystems().filter((s) => matches(s.id, pick));
  const workloads = (quick && !only ? quickWorkloads() : fullWorkloads()).filter((w) => matches(w.id, only));
  // memory hardly depends on the thread count: one setting each (PyTorch at 1 core, its faster one on this 2-core machine)
  const memorySystems = systems.filter((s) => ['fastrnn native 2t', 'PyTorch 1c'].includes(s.id));
  const result = await runBenchmark({
    workloads, systems, policy: quick ? QUICK : FULL, memorySystems: only ? [] : memorySystems, memorySteps: quick ? 40 : 200,
    outDir: join(BENCH_DIR, 'results'), command: `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
    log: (line) => console.error(line),
  });
  console.log(formatText(result));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
