/**
 * brain.js 1.6 (the current npm release): recurrent.RNNTimeStep / LSTMTimeStep / GRUTimeStep on arrays of
 * H-vectors, the only recurrent nets it has for vector inputs. Not the same model as everyone else's, and
 * the table says so: it learns next-vector regression at every step (an H → H output layer per step, not
 * a head on the last state), one sequence at a time (batch of 1), with its own RMSProp-style update and
 * clipping, in float64 JS arrays; its RNN is ReLU, not tanh. train = what net.train(batch, { iterations: 1 })
 * runs (trainPattern on each of the B sequences);
 * infer = net.run on each of them. Its figures show what a brain.js user gets, not a like-for-like kernel.
 */
import type { Workload } from '../compare/workloads.js';
import { LEARNING_RATE } from '../compare/workloads.js';
import { NotApplicable, peerRequire, uniform, type Runner } from './adapter.js';

interface TimeStepNet {
  train(data: number[][][], options: Record<string, unknown>): unknown;
  formatData(data: number[][][]): unknown[];
  trainPattern(sequence: unknown): unknown;
  run(sequence: number[][]): unknown;
}

export async function prepare(w: Workload): Promise<Runner> {
  if (w.kind === 'sgemm') throw new NotApplicable('not measured for brain.js');
  if (w.kind === 'decode') throw new NotApplicable('brain.js has no one-step cell API with an external state');
  const brain = peerRequire()('brain.js') as { recurrent: Record<string, new (o: object) => TimeStepNet> };
  const Net = brain.recurrent[{ rnn: 'RNNTimeStep', lstm: 'LSTMTimeStep', gru: 'GRUTimeStep' }[w.cell]];
  const net = new Net({ inputSize: w.I, hiddenLayers: [w.H], outputSize: w.I, learningRate: LEARNING_RATE });
  const data = uniform(w.B * w.T * w.I, 3);
  const batch = Array.from({ length: w.B }, (_, b) =>
    Array.from({ length: w.lengths ? w.lengths[b] : w.T }, (_, t) => Array.from(data.subarray((b * w.T + t) * w.I, (b * w.T + t + 1) * w.I))));
  const options = { iterations: 1, errorThresh: 0, log: false, learningRate: LEARNING_RATE };
  net.train([batch[0]], options); // initialises the net (weights sized from the data)
  if (w.kind === 'infer') return { step: () => batch.forEach((s) => net.run(s)) };
  // net.train's own loop (formatData, then trainPattern per sequence), without its NaN check: brain's RNN is
  // ReLU and diverges on this data within a few steps; the time per step is what is measured.
  const formatted = net.formatData(batch);
  return { step: () => formatted.forEach((s) => net.trainPattern(s)) };
}
