/**
 * fastrnn through its public API, as a user writes it (imports only src/index.ts).
 *   train   layer.forward(x, null, null, { returnOutput: false, out }) → Linear head on hN → crossEntropy →
 *           head.backward → layer.backward({ dhN }, { inputGradient: false, out }) → SGD.step (zeroGrad first);
 *           `out` holds the loop's own hN/cN, dh0/dc0, logits and head gradient, written in place every step (no new arrays)
 *   infer   layer.eval(), forward(x, null, null, { returnOutput: false }), head on hN
 *   decode  RNNCell / LSTMCell / GRUCell in eval mode, state carried between steps
 * The many-to-one calls ask for no output sequence and no input gradient, which is what PyTorch computes
 * for the same model (its input does not require a gradient). Options: engine 'native' | 'reference', threads.
 */
import { createRecurrentLayer, crossEntropy, GRUCell, Linear, LSTMCell, RNNCell, SGD, type Tensor } from '../../src/index.js';
import { CLASSES, LEARNING_RATE, type Workload } from '../compare/workloads.js';
import { NotApplicable, targetsFor, uniform, type Runner, type SystemOptions } from './adapter.js';

const CELL_KIND = { rnn: 'rnn_tanh', lstm: 'lstm', gru: 'gru' } as const;

function engine(options: SystemOptions) {
  const backend = options.engine === 'reference' ? 'reference' : 'native';
  return backend === 'native' ? { backend, threads: Number(options.threads ?? 1) } as const : { backend } as const;
}

function sequenceModel(w: Workload, options: SystemOptions) {
  const e = engine(options);
  const layer = createRecurrentLayer(CELL_KIND[w.cell], { inputSize: w.I, hiddenSize: w.H, batchFirst: true, seed: 1, ...e });
  const head = new Linear({ inFeatures: w.H, outFeatures: CLASSES, seed: 2, ...e });
  const lengths = w.lengths ? Int32Array.from(w.lengths) : null;
  const x = { data: uniform(w.B * w.T * w.I, 3), shape: [w.B, w.T, w.I], lengths };
  return { layer, head, x };
}

function decodeStep(w: Workload, options: SystemOptions): Runner {
  const o = { inputSize: w.I, hiddenSize: w.H, seed: 1, ...engine(options) };
  const x: Tensor = { data: uniform(w.B * w.I, 3), shape: [w.B, w.I] };
  if (w.cell === 'lstm') {
    const cell = new LSTMCell(o).eval();
    let s = cell.forward(x);
    return { step: () => void (s = cell.forward(x, s.h, s.c)) };
  }
  const cell = (w.cell === 'gru' ? new GRUCell(o) : new RNNCell({ ...o, nonlinearity: 'tanh' })).eval();
  let s = cell.forward(x);
  return { step: () => void (s = cell.forward(x, s.h)) };
}

export async function prepare(w: Workload, options: SystemOptions): Promise<Runner> {
  if (w.kind === 'sgemm') throw new NotApplicable('the public API has no matrix multiply (see the fastrnn GEMM rows)');
  if (w.kind === 'decode') return decodeStep(w, options);
  const { layer, head, x } = sequenceModel(w, options);
  const B = w.B, H = w.H;
  if (w.kind === 'infer') {
    layer.eval();
    head.eval();
    return { step: () => void head.forward({ data: layer.forward(x, null, null, { returnOutput: false }).hN.data, shape: [B, H] }) };
  }
  const targets = targetsFor(B, CLASSES);
  const opt = new SGD([...layer.parameters(), ...head.parameters()], { lr: LEARNING_RATE });
  const state = (n: number) => ({ data: new Float32Array(B * n), shape: [1, B, n] });
  const lstm = w.cell === 'lstm';
  const states = { hN: state(H), ...(lstm ? { cN: state(H) } : {}) };
  const stateGrads = { dh0: state(H), ...(lstm ? { dc0: state(H) } : {}) };
  const logits = { data: new Float32Array(B * CLASSES), shape: [B, CLASSES] };
  const dhN = { data: new Float32Array(B * H), shape: [1, B, H] };
  const dLast = { data: dhN.data, shape: [B, H] };
  return {
    step() {
      opt.zeroGrad();
      const { hN } = layer.forward(x, null, null, { returnOutput: false, out: states });
      head.forward({ data: hN.data, shape: [B, H] }, { out: logits });
      const { grad } = crossEntropy(logits, targets);
      head.backward(grad, { out: dLast });
      layer.backward({ dhN }, { inputGradient: false, out: stateGrads });
      opt.step();
    },
  };
}
