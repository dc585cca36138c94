/**
 * Issue-7 rows of `npm run bench:kernels`: what a user runs, next to the kernel.
 *
 *   user path  — one training step through the public API: batch-first RNN/LSTM/GRU layer, Linear head on
 *                hN, crossEntropy, backward, SGD step (zeroGrad included); B32 T64 I=H=128. Two ways:
 *                'defaults' (forward(x), backward({ dhN })) and 'lean', which says what a many-to-one step
 *                does not need: forward(x, null, null, { returnOutput: false }) and
 *                backward({ dhN }, { inputGradient: false }).
 *   kernel     — the same layer's work at kernel level: recurrentForward (with cache) + recurrentBackward,
 *                batch-first, gradient on hN only, no h0 — with dx for 'defaults', dx = null for 'lean'.
 *   ragged     — the user-path step with lengths averaging T/2 vs the same batch without lengths.
 * Runs alternate between the compared variants (medians), so slow spells of a shared machine hit all alike.
 */
import type { Backend, CellKind } from '../src/backend/backend.js';
import { createRecurrentLayer } from '../src/layers/factory.js';
import type { RecurrentLayer } from '../src/layers/recurrent.js';
import { Linear } from '../src/layers/linear.js';
import { SGD } from '../src/train/optim/sgd.js';
import { crossEntropy } from '../src/train/losses.js';
import { fmt, table } from './table.js';
import { median } from './timing.js';
import { makeStep, trainStep, uniform, type StepConfig } from './workload.js';

export interface UserPathRow { cell: CellKind; size: string; threads: number; api: 'defaults' | 'lean'; kernelSeqPerS: number; userSeqPerS: number; ratio: number }
export interface RaggedRow { cell: CellKind; size: string; threads: number; paddedSeqPerS: number; raggedSeqPerS: number; meanLength: number; speedup: number; kernelSpeedup: number }

/** A user's training step: layer → head on hN → cross-entropy → backward → SGD. */
function userStep(cell: CellKind, B: number, T: number, H: number, backend: Backend, lengths: Int32Array | null, lean = false) {
  const layer: RecurrentLayer = createRecurrentLayer(cell, { inputSize: H, hiddenSize: H, batchFirst: true, backend, seed: 1 });
  const head = new Linear({ inFeatures: H, outFeatures: 10, seed: 2 });
  const opt = new SGD([...layer.parameters(), ...head.parameters()], { lr: 1e-3 });
  const x = { data: uniform(B * T * H, 1, 3), shape: [B, T, H], lengths };
  const targets = Array.from({ length: B }, (_, b) => b % 10);
  return () => {
    opt.zeroGrad();
    const { hN } = lean ? layer.forward(x, null, null, { returnOutput: false }) : layer.forward(x);
    const logits = head.forward({ data: hN.data, shape: [B, H] });
    const { grad } = crossEntropy(logits, targets);
    const dhN = { data: head.backward(grad).data, shape: [1, B, H] };
    if (lean) layer.backward({ dhN }, { inputGradient: false });
    else layer.backward({ dhN });
    opt.step();
  };
}

/** Times alternating runs of several steps; returns each one's run times (ms). */
function alternate(steps: (() => void)[], runs: number, warmup = 3): number[][] {
  for (const f of steps) for (let i = 0; i < warmup; i++) f();
  const times: number[][] = steps.map(() => []);
  for (let r = 0; r < runs; r++) {
    steps.forEach((f, i) => {
      const t = performance.now();
      f();
      times[i].push(performance.now() - t);
    });
  }
  return times;
}

/** Lengths spread over 1..T (mean ≈ T/2), in a scrambled order. */
export function halfLengths(B: number, T: number): Int32Array {
  return Int32Array.from({ length: B }, (_, b) => 1 + ((b * 37 + 11) % T));
}

export function benchUserPath(engines: { threads: number; backend: Backend }[], quick: boolean) {
  const B = 32, T = 64, H = 128, size = 'B32 T64 H128';
  const runs = quick ? 9 : 25;
  const userRows: UserPathRow[] = [];
  const raggedRows: RaggedRow[] = [];
  const lengths = halfLengths(B, T);
  const meanLength = lengths.reduce((a, b) => a + b, 0) / B;
  for (const { threads, backend } of engines) {
    for (const cell of ['rnn_tanh', 'lstm', 'gru'] as CellKind[]) {
      const c: StepConfig = { cell, B, T, I: H, H, batchFirst: true, headOnHN: true, withH0: false };
      const cLean: StepConfig = { ...c, withDx: false };
      const cRagged: StepConfig = { ...c, lengths };
      const k = makeStep(c), kLean = makeStep(cLean), kRagged = makeStep(cRagged);
      const [kernel, user, kernelLean, userLean, ragged, kernelRagged] = alternate([
        () => trainStep(backend, c, k), userStep(cell, B, T, H, backend, null),
        () => trainStep(backend, cLean, kLean), userStep(cell, B, T, H, backend, null, true),
        userStep(cell, B, T, H, backend, lengths), () => trainStep(backend, cRagged, kRagged),
      ], runs);
      const perS = (times: number[]) => B / (median(times) / 1000);
      const userSeqPerS = perS(user), raggedSeqPerS = perS(ragged);
      userRows.push({ cell, size, threads, api: 'defaults', kernelSeqPerS: perS(kernel), userSeqPerS, ratio: userSeqPerS / perS(kernel) });
      userRows.push({ cell, size, threads, api: 'lean', kernelSeqPerS: perS(kernelLean), userSeqPerS: perS(userLean), ratio: perS(userLean) / perS(kernelLean) });
      raggedRows.push({
        cell, size, threads, paddedSeqPerS: userSeqPerS, raggedSeqPerS, meanLength,
        speedup: median(user.map((t, i) => t / ragged[i])), kernelSpeedup: median(kernel.map((t, i) => t / kernelRagged[i])),
      });
    }
  }
  console.log('\nUser path vs kernel (issue 7): one training step, batch-first, Linear head on hN, cross-entropy, SGD; medians of alternating runs:');
  console.log(table(['cell', 'size', 'thr', 'api', 'kernel seq/s', 'user path seq/s', 'user/kernel', '≥ 90%'], userRows.map((r) => [
    r.cell, r.size, r.threads, r.api, fmt(r.kernelSeqPerS, 0), fmt(r.userSeqPerS, 0), fmt(100 * r.ratio, 0) + '%', r.ratio >= 0.9 ? 'yes' : 'NO',
  ])));
  console.log(`\nRagged batches (issue 7): lengths averaging ${fmt(meanLength, 1)} of T = ${T} vs no lengths — the kernel step, and the user-path step (defaults):`);
  console.log(table(['cell', 'size', 'thr', 'kernel speed-up', '≥ 1.6×', 'user padded seq/s', 'user ragged seq/s', 'user speed-up'], raggedRows.map((r) => [
    r.cell, r.size, r.threads, fmt(r.kernelSpeedup, 2) + '×', r.kernelSpeedup >= 1.6 ? 'yes' : 'NO', fmt(r.paddedSeqPerS, 0), fmt(r.raggedSeqPerS, 0), fmt(r.speedup, 2) + '×',
  ])));
  return { userPath: userRows, ragged: raggedRows };
}
