/**
 * One-step cells (issue 7): decode-loop steps/second at B ∈ {1, 8}, H ∈ {256, 512} (I = H), inference, for
 * RNNCell / LSTMCell / GRUCell through the public API, next to the whole-sequence path (the layer's forward
 * over T = 64 steps, per step). "weight GB/s" is the bytes of W_ih and W_hh one step must read divided by
 * the step's time: a step that costs about one pass over the weights runs near the machine's memory/L2
 * bandwidth, one that re-packs them every call at a fraction of it.
 */
import type { Backend, CellKind } from '../src/backend/backend.js';
import { gateCount } from '../src/backend/backend.js';
import { GRUCell, LSTMCell, RNNCell } from '../src/layers/cells.js';
import { createRecurrentLayer } from '../src/layers/factory.js';
import { fmt, table } from './table.js';
import { median } from './timing.js';

export interface StepRow { cell: CellKind; B: number; H: number; threads: number; cellStepsPerS: number; sequenceStepsPerS: number; weightGBps: number }

function filled(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 4294967296) * 2 - 1;
  });
}

function makeCell(cell: CellKind, H: number, backend: Backend) {
  const o = { inputSize: H, hiddenSize: H, backend, seed: 1 };
  if (cell === 'lstm') return new LSTMCell(o);
  if (cell === 'gru') return new GRUCell(o);
  return new RNNCell({ ...o, nonlinearity: cell === 'rnn_relu' ? 'relu' : 'tanh' });
}

export function benchSteps(engines: { threads: number; backend: Backend }[], quick: boolean): StepRow[] {
  const rows: StepRow[] = [];
  const T = 64;
  for (const { threads, backend } of engines) {
    for (const cell of ['rnn_tanh', 'lstm', 'gru'] as CellKind[]) {
      for (const H of [256, 512]) {
        for (const B of [1, 8]) {
          const c = makeCell(cell, H, backend).eval();
          const x = { data: filled(B * H, 1), shape: [B, H] };
          let state = c.forward(x) as { h: { data: Float32Array; shape: number[] }; c?: { data: Float32Array; shape: number[] } };
          const steps = quick ? 200 : 600;
          const loop = () => {
            for (let i = 0; i < steps; i++) state = c.forward(x, state.h, state.c ?? null) as typeof state;
          };
          const layer = createRecurrentLayer(cell, { inputSize: H, hiddenSize: H, batchFirst: true, backend, seed: 1 }).eval();
          const seq = { data: filled(B * T * H, 2), shape: [B, T, H] };
          const whole = () => { layer.forward(seq); };
          const cellTimes: number[] = [], seqTimes: number[] = [];
          loop(); whole();
          for (let r = 0; r < (quick ? 3 : 7); r++) {
            let t = performance.now(); loop(); cellTimes.push((performance.now() - t) / steps);
            t = performance.now(); whole(); seqTimes.push((performance.now() - t) / T);
          }
          const ms = median(cellTimes);
          const weightBytes = 4 * gateCount(cell) * H * (H + H);
          rows.push({ cell, B, H, threads, cellStepsPerS: 1000 / ms, sequenceStepsPerS: 1000 / median(seqTimes), weightGBps: weightBytes / (ms * 1e6) });
        }
      }
    }
  }
  console.log('\nOne-step cells (issue 7): inference steps/s through RNNCell/LSTMCell/GRUCell, next to the layer over T = 64 (per step); medians:');
  console.log(table(['cell', 'B', 'H', 'thr', 'cell steps/s', 'sequence steps/s', 'cell/sequence', 'weight GB/s'], rows.map((r) => [
    r.cell, r.B, r.H, r.threads, fmt(r.cellStepsPerS, 0), fmt(r.sequenceStepsPerS, 0), fmt(r.cellStepsPerS / r.sequenceStepsPerS, 2) + '×', fmt(r.weightGBps, 1),
  ])));
  return rows;
}
