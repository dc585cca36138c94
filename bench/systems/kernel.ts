/**
 * fastrnn's kernels alone (internal API, not what a user calls): the recurrent forward with cache and its
 * BPTT backward for one layer — batch-first, gradient on hN only, no input gradient, as bench/workload.ts
 * builds it — and the engine's own GEMM for the sgemm ceiling. Next to the public-API rows it shows what
 * the layer, head, loss and optimizer add. Options: threads.
 */
import { loadNativeAddon, loadNativeBackend } from '../../src/backend/native.js';
import type { Workload } from '../compare/workloads.js';
import { makeStep, trainStep, type StepConfig } from '../workload.js';
import { NotApplicable, uniform, type Runner, type SystemOptions } from './adapter.js';

const CELL_KIND = { rnn: 'rnn_tanh', lstm: 'lstm', gru: 'gru' } as const;

export async function prepare(w: Workload, options: SystemOptions): Promise<Runner> {
  const threads = Number(options.threads ?? 1);
  if (w.kind === 'sgemm') {
    const addon = loadNativeAddon();
    const n = w.H;
    const a = uniform(n * n, 1), b = uniform(n * n, 2), c = new Float32Array(n * n);
    return { step: () => addon.matmul(c, a, b, n, n, n, threads) };
  }
  if (w.kind !== 'train') throw new NotApplicable('kernel-only rows cover training (the public-API rows cover the rest)');
  const backend = loadNativeBackend({ threads });
  const c: StepConfig = {
    cell: CELL_KIND[w.cell], B: w.B, T: w.T, I: w.I, H: w.H, batchFirst: true, headOnHN: true, withH0: false, withDx: false,
    lengths: w.lengths ? Int32Array.from(w.lengths) : null,
  };
  const s = makeStep(c);
  return { step: () => trainStep(backend, c, s) };
}
