/**
 * TensorFlow.js 4 through tfjs-layers, on the 'wasm' backend (XNNPACK; one thread: the package enables
 * wasm threads only in browsers) or the pure-JS 'cpu' backend. Same model as everyone's: simpleRNN (tanh) /
 * lstm / gru with H units → dense(10) on the last state (tfjs's GRU applies the reset gate before the
 * recurrent matrix product — it does not support resetAfter, PyTorch's form — same FLOPs);
 * train = tf.train.sgd(0.01).minimize(softmax cross-entropy); infer = apply + dataSync; decode = the
 * layer's cell (simpleRNNCell / lstmCell / gruCell) called on [x, state…]. Keras's LSTM has one bias
 * vector where PyTorch has two (a few hundred additions: no effect on the time). Recurrent kernels start
 * glorotUniform rather than tfjs's orthogonal default, whose QR on the cpu backend can take minutes.
 * Options: backend 'wasm' | 'cpu'.
 */
import type { Workload } from '../compare/workloads.js';
import { CLASSES, LEARNING_RATE } from '../compare/workloads.js';
import { NotApplicable, peerRequire, targetsFor, uniform, type Runner, type SystemOptions } from './adapter.js';

// tfjs is typed loosely here: the peers are not installed when the project type-checks.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Tf = any;
type T = any;

async function loadTf(backend: string): Promise<Tf> {
  const req = peerRequire();
  const tf = req('@tensorflow/tfjs') as Tf;
  if (backend === 'wasm') req('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs: backend '${backend}' did not initialise`);
  await tf.ready();
  return tf;
}

function recurrent(tf: Tf, w: Workload) {
  const o = { units: w.H, recurrentInitializer: 'glorotUniform' as const };
  if (w.cell === 'lstm') return tf.layers.lstm(o);
  if (w.cell === 'gru') return tf.layers.gru(o);
  return tf.layers.simpleRNN({ ...o, activation: 'tanh' });
}

function cellLayer(tf: Tf, w: Workload) {
  const o = { units: w.H, recurrentInitializer: 'glorotUniform' as const };
  if (w.cell === 'lstm') return tf.layers.lstmCell(o);
  if (w.cell === 'gru') return tf.layers.gruCell(o);
  return tf.layers.simpleRNNCell({ ...o, activation: 'tanh' });
}

export async function prepare(w: Workload, options: SystemOptions): Promise<Runner> {
  if (w.kind === 'sgemm') throw new NotApplicable('not measured for TensorFlow.js');
  if (w.lengths) throw new NotApplicable('tfjs has no packed sequences (a mask still computes all T steps)');
  const tf = await loadTf(String(options.backend ?? 'wasm'));
  if (w.kind === 'decode') {
    const cell = cellLayer(tf, w);
    const x = tf.tensor2d(uniform(w.B * w.I, 3), [w.B, w.I]);
    cell.build([w.B, w.I]);
    let state: T[] = (w.cell === 'lstm' ? [0, 1] : [0]).map(() => tf.zeros([w.B, w.H]));
    return {
      step() {
        const next = tf.tidy(() => (cell.call([x, ...state], {}) as T[]).slice(1).map((s) => tf.keep(s)));
        next[0].dataSync();
        state.forEach((s) => s.dispose());
        state = next;
      },
    };
  }
  const layer = recurrent(tf, w);
  const head = tf.layers.dense({ units: CLASSES });
  const x = tf.tensor3d(uniform(w.B * w.T * w.I, 3), [w.B, w.T, w.I]);
  const logits = () => head.apply(layer.apply(x) as T) as T;
  if (w.kind === 'infer') return { step: () => void tf.tidy(() => logits().dataSync()) };
  const y = tf.oneHot(tf.tensor1d(targetsFor(w.B, CLASSES), 'int32'), CLASSES);
  const opt = tf.train.sgd(LEARNING_RATE);
  tf.tidy(() => logits()); // builds the layers' weights
  return {
    step: () => void tf.tidy(() => opt.minimize(() => tf.losses.softmaxCrossEntropy(y, logits()), true)!.dataSync()),
  };
}
