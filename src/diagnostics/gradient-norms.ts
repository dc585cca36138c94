/**
 * Per-step gradient norms: how much of a loss's gradient reaches each hidden state h_t — the seed's lesson
 * on vanishing and exploding gradients, measured on a real layer.
 *
 * A loss L on a recurrent layer's outputs is given by its upstream gradients — the object layer.backward
 * takes: { dOutput?, dhN?, dcN? } (missing ones are zero). ∂L/∂h_t is the TOTAL gradient reaching h_t:
 * its own output's gradient plus everything the future sends back through the recurrence,
 *
 *   ∂L/∂h_t = dOutput_t + (∂h_{t+1}/∂h_t)ᵀ ∂L/∂h_{t+1}          (+ dhN at the sequence's last step)
 *           = Σ_{s ≥ t} (J_{t+1}ᵀ ⋯ J_sᵀ) dOutput_s + …          J_s = ∂h_s/∂h_{s−1}: the product of Jacobians
 *
 * (an LSTM's cell state adds its own path, c_{t−1} → c_t, which is why its gradients last). It is computed
 * exactly by unrolling every layer and direction as one-step cells (RNNCell, LSTMCell, GRUCell) holding
 * copies of the layer's weights, on the layer's own engine: T forward steps, then T LIFO backward steps,
 * reading the dh passed into each step's backward (dOutput_t + the dh0 of step t + 1). Stacked layers:
 * layer k's dOutput is what layer k + 1's steps send back to their input (both directions summed).
 *
 *   const layer = new LSTM({ inputSize: 4, hiddenSize: 8 });
 *   const r = gradientNormsPerStep(layer, x, { dhN });     // a loss on the final state only
 *   r.mean[0] / r.mean[T − 1];                             // how much of it survives to the first step
 *
 * Ragged batches (x.lengths) follow the layer's packed-sequence semantics: sequence b has steps
 * 0 … lengths[b] − 1; dhN/dcN enter at its own last step (the reverse direction: at t = 0); padded steps get
 * NaN. Dropout between layers is not applied (the gradient of the deterministic, eval-mode network), and
 * an LSTM with a projection (projSize > 0) is refused (the cells have none). The layer is not touched: its
 * parameter gradients and the forward its next backward would undo are left as they were.
 */
import type { DType, FloatArray, Tensor } from '../tensor.js';
import { allocate } from '../tensor.js';
import { checkTensor, describe } from '../errors.js';
import { RecurrentLayer, type RecurrentGradients, type SequenceTensor } from '../layers/recurrent.js';
import { checkForwardInputs, checkUpstream } from '../layers/recurrent-input.js';
import type { RecurrentCell } from '../layers/cell.js';
import { GRUCell, LSTMCell, RNNCell } from '../layers/cells.js';
import { Rng } from '../random.js';

const NAME = 'gradientNormsPerStep';

export interface GradientNormOptions {
  /** initial states, as layer.forward takes them: [L·D, B, H] (missing: zeros) */
  h0?: Tensor | null;
  c0?: Tensor | null;
}

/** ‖∂L/∂h_t‖ (Euclidean, over the H units) of one layer and direction. */
export interface StepGradientNorms {
  layer: number;
  direction: 'forward' | 'reverse';
  /** [B][T]: sequence b's norm at time t (t is the time index, whatever the direction); NaN past lengths[b] */
  perSequence: number[][];
  /** [T]: the mean of perSequence[b][t] over the sequences that have step t; NaN where none has */
  mean: number[];
  /** [B]: ‖∂L/∂h0‖, what reaches the initial state (the norm of this row of layer.backward's dh0) */
  initial: number[];
}

/** The last layer's forward direction at the top level; every layer and direction in `all`. */
export interface GradientNorms extends StepGradientNorms {
  /** [B]: each sequence's length (T when x has no lengths) */
  lengths: number[];
  /** every layer and direction, in the row order of hN: index k·D + d (d = 1: reverse) */
  all: StepGradientNorms[];
}

/**
 * ‖∂L/∂h_t‖ for every time step of every sequence, for each layer and direction of `layer` (RNN, LSTM or
 * GRU), where L is the loss whose gradients with respect to the layer's outputs are `upstream`.
 * x is what layer.forward takes ([B, T, I] or [T, B, I], optional x.lengths); upstream and options.h0/c0
 * have the shapes layer.backward and layer.forward use. Returns the top layer's forward direction
 * (perSequence [B][T], mean [T], initial [B]) plus `all` layers and directions.
 */
export function gradientNormsPerStep(layer: RecurrentLayer, x: SequenceTensor, upstream: RecurrentGradients = {}, options: GradientNormOptions = {}): GradientNorms {
  if (!(layer instanceof RecurrentLayer)) throw new TypeError(`${NAME}(layer): expected an RNN, LSTM or GRU layer, received ${describe(layer)}`);
  if (layer.projSize > 0) {
    throw new RangeError(`${NAME}(layer): expected a layer without projection (projSize 0; the unrolled cells have none), received projSize ${layer.projSize}`);
  }
  if (typeof options !== 'object' || options === null) throw new TypeError(`${NAME}(options): expected { h0?, c0? }, received ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (key !== 'h0' && key !== 'c0') throw new TypeError(`${NAME}(options): expected only { h0?, c0? }, received unknown key ${JSON.stringify(key)}`);
  }
  const input = checkForwardInputs(NAME, layer, x, options.h0 ?? null, options.c0 ?? null);
  const up = checkUpstream(NAME, layer, upstream, input.T, input.B);
  const { T, B } = input;
  const lengths = input.lengths ?? new Int32Array(B).fill(T);
  const packing = pack(lengths);
  const L = layer.numLayers;
  const D = layer.numDirections;
  const H = layer.hiddenSize;
  const DH = D * H;

  // Forward, bottom-up: seq[k] is layer k's input, batch-first [B, T, F]; the cells keep their steps.
  const seq: FloatArray[] = [batchFirst(input.x, layer.batchFirst, T, B, layer.inputSize)];
  const cells: RecurrentCell[] = [];
  for (let k = 0; k < L; k++) {
    const F = k === 0 ? layer.inputSize : DH;
    const out = allocate(layer.dtype, B * T * DH);
    for (let d = 0; d < D; d++) {
      const cell = unrolledCell(layer, k, d);
      cells.push(cell);
      const row = (k * D + d) * B * H;
      const h0 = input.h0 ? input.h0.subarray(row, row + B * H) : null;
      const c0 = input.c0 ? input.c0.subarray(row, row + B * H) : null;
      runForward(cell, packing, d === 1, seq[k], F, T, H, h0, c0, out, DH, d * H);
    }
    seq.push(out);
  }

  // Backward, top-down: the top layer's dOutput is the caller's; below, what the layer above sent back.
  const all: StepGradientNorms[] = new Array(L * D);
  let dy: FloatArray | null = up.dOutput ? batchFirst(up.dOutput, layer.batchFirst, T, B, DH) : null;
  for (let k = L - 1; k >= 0; k--) {
    const dx = k > 0 ? allocate(layer.dtype, B * T * DH) : null;
    for (let d = 0; d < D; d++) {
      const row = (k * D + d) * B * H;
      const dhN = up.dhN ? up.dhN.subarray(row, row + B * H) : null;
      const dcN = up.dcN ? up.dcN.subarray(row, row + B * H) : null;
      const perSequence = Array.from({ length: B }, () => new Array<number>(T).fill(NaN));
      const initial = runBackward(cells[k * D + d], packing, d === 1, T, H, dy, DH, d * H, dhN, dcN, dx, perSequence);
      all[k * D + d] = { layer: k, direction: d === 1 ? 'reverse' : 'forward', perSequence, mean: meanOverSequences(perSequence, lengths, T), initial };
    }
    dy = dx;
  }
  return { ...all[(L - 1) * D], lengths: Array.from(lengths), all };
}

/**
 * The spectral norm ‖W‖₂ (largest singular value) of a 2-D weight, by power iteration on WᵀW, in float64.
 * For a vanilla RNN, ‖W_hh‖₂ · max|f′| bounds how much ‖∂L/∂h_t‖ can grow per step back in time
 * (below 1: gradients vanish geometrically).
 */
export function spectralNorm(weight: Tensor, { iterations = 1000, tolerance = 1e-12 }: { iterations?: number; tolerance?: number } = {}): number {
  const [rows, cols] = checkTensor('spectralNorm(weight)', weight, 2);
  const w = weight.data;
  // A fixed pseudo-random start: never orthogonal to the top singular vector except by a fluke.
  const rng = new Rng(1);
  let v = Float64Array.from({ length: cols }, () => rng.uniform(-1, 1));
  const u = new Float64Array(rows);
  let sigma = 0;
  for (let it = 0; it < iterations; it++) {
    scale(v, 1 / norm(v));
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += w[i * cols + j] * v[j];
      u[i] = s;
    }
    const next = norm(u);
    const wtu = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) wtu[j] += w[i * cols + j] * u[i];
    v = wtu;
    if (next === 0) return 0;
    const done = Math.abs(next - sigma) <= tolerance * next;
    sigma = next;
    if (done) break;
  }
  return sigma;
}

/** Sequences sorted by length, longest first (stably), so the ones still running at step s are a prefix. */
interface Packing {
  lengths: Int32Array;
  order: Int32Array;
  /** batchSizes[s]: how many sequences have a step s (s < max length) */
  batchSizes: Int32Array;
}

function pack(lengths: Int32Array): Packing {
  const order = Int32Array.from(Array.from(lengths.keys()).sort((a, b) => lengths[b] - lengths[a] || a - b));
  const steps = lengths[order[0]];
  const batchSizes = new Int32Array(steps);
  for (let s = 0; s < steps; s++) for (const len of lengths) if (len > s) batchSizes[s]++;
  return { lengths, order, batchSizes };
}

/** The time index of sequence b's s-th processed step. */
function timeOf(p: Packing, b: number, s: number, reverse: boolean): number {
  return reverse ? p.lengths[b] - 1 - s : s;
}

/** One layer·direction as a cell of the same kind, with a copy of that direction's weights. */
function unrolledCell(layer: RecurrentLayer, k: number, d: number): RecurrentCell {
  const inputSize = k === 0 ? layer.inputSize : layer.numDirections * layer.hiddenSize;
  const options = { inputSize, hiddenSize: layer.hiddenSize, bias: layer.bias, backend: layer.backend, dtype: layer.dtype, seed: 0 };
  const cell: RecurrentCell =
    layer.cell === 'lstm' ? new LSTMCell(options)
      : layer.cell === 'gru' ? new GRUCell(options)
        : new RNNCell({ ...options, nonlinearity: layer.cell === 'rnn_relu' ? 'relu' : 'tanh' });
  const suffix = `_l${k}${d === 1 ? '_reverse' : ''}`;
  const values = new Map(layer.namedParameters().map((p) => [p.name, p.value.data]));
  for (const p of cell.namedParameters()) {
    const from = values.get(p.name + suffix);
    if (!from || from.length !== p.value.data.length) throw new Error(`${NAME}: internal error, no layer parameter ${p.name + suffix} for the unrolled cell`);
    p.value.data.set(from);
  }
  return cell;
}

/** The first n rows of a [·, H] array, as a cell argument. */
function rows(data: FloatArray, n: number, H: number): Tensor {
  return { data: data.subarray(0, n * H), shape: [n, H] };
}

/**
 * Runs one direction over the packed batch (training mode: every step is kept for runBackward) and writes
 * h_t into the column block [offset, offset + H) of out [B, T, stride]. h0/c0: [B, H] rows of this
 * layer·direction, in the caller's sequence order.
 */
function runForward(
  cell: RecurrentCell, p: Packing, reverse: boolean, seq: FloatArray, F: number, T: number, H: number,
  h0: FloatArray | null, c0: FloatArray | null, out: FloatArray, stride: number, offset: number,
): void {
  const dtype = cell.dtype;
  const B0 = p.batchSizes[0];
  let h = h0 ? gather(h0, p.order, B0, H, dtype) : null;
  let c = c0 ? gather(c0, p.order, B0, H, dtype) : null;
  for (let s = 0; s < p.batchSizes.length; s++) {
    const Bs = p.batchSizes[s];
    const xs = allocate(dtype, Bs * F);
    for (let i = 0; i < Bs; i++) {
      const b = p.order[i];
      const at = (b * T + timeOf(p, b, s, reverse)) * F;
      xs.set(seq.subarray(at, at + F), i * F);
    }
    const next = cell.forward({ data: xs, shape: [Bs, F] }, h && rows(h, Bs, H), c && rows(c, Bs, H));
    h = next.h.data;
    c = next.c ? next.c.data : null;
    for (let i = 0; i < Bs; i++) {
      const b = p.order[i];
      out.set(h.subarray(i * H, i * H + H), (b * T + timeOf(p, b, s, reverse)) * stride + offset);
    }
  }
}

/**
 * Undoes runForward's steps, last first. The dh passed into step s's backward is the total ∂L/∂h_t of each
 * running sequence: its output's gradient (dy's block) plus the carry from step s + 1, or dhN (and dcN) at
 * the sequence's own last step. Records ‖dh‖ in norms[b][t]; adds the input gradients into dx [B, T, F]
 * (when given); returns ‖∂L/∂h0‖ per sequence.
 */
function runBackward(
  cell: RecurrentCell, p: Packing, reverse: boolean, T: number, H: number,
  dy: FloatArray | null, stride: number, offset: number, dhN: FloatArray | null, dcN: FloatArray | null,
  dx: FloatArray | null, norms: number[][],
): number[] {
  const dtype = cell.dtype;
  const lstm = cell.cell === 'lstm';
  const F = cell.inputSize;
  const steps = p.batchSizes.length;
  let carryH: FloatArray | null = null;
  let carryC: FloatArray | null = null;
  for (let s = steps - 1; s >= 0; s--) {
    const Bs = p.batchSizes[s];
    const carried = s + 1 < steps ? p.batchSizes[s + 1] : 0;
    const dh = allocate(dtype, Bs * H);
    const dc = lstm ? allocate(dtype, Bs * H) : null;
    for (let i = 0; i < Bs; i++) {
      const b = p.order[i];
      const t = timeOf(p, b, s, reverse);
      if (i < carried) {
        dh.set(carryH!.subarray(i * H, i * H + H), i * H);
        if (dc) dc.set(carryC!.subarray(i * H, i * H + H), i * H);
      } else {
        if (dhN) dh.set(dhN.subarray(b * H, b * H + H), i * H);
        if (dc && dcN) dc.set(dcN.subarray(b * H, b * H + H), i * H);
      }
      if (dy) {
        const at = (b * T + t) * stride + offset;
        for (let j = 0; j < H; j++) dh[i * H + j] += dy[at + j];
      }
      norms[b][t] = norm(dh.subarray(i * H, i * H + H));
    }
    const g = cell.backward({ dh: { data: dh, shape: [Bs, H] }, dc: dc && { data: dc, shape: [Bs, H] } });
    if (dx) {
      const gi = g.dInput.data;
      for (let i = 0; i < Bs; i++) {
        const b = p.order[i];
        const at = (b * T + timeOf(p, b, s, reverse)) * F;
        for (let j = 0; j < F; j++) dx[at + j] += gi[i * F + j];
      }
    }
    carryH = g.dh0.data;
    carryC = g.dc0 ? g.dc0.data : null;
  }
  const initial = new Array<number>(p.lengths.length);
  for (let i = 0; i < p.order.length; i++) initial[p.order[i]] = norm(carryH!.subarray(i * H, i * H + H));
  return initial;
}

/** Rows of a [B, H] array in packing order. */
function gather(data: FloatArray, order: Int32Array, n: number, H: number, dtype: DType): FloatArray {
  const out = allocate(dtype, n * H);
  for (let i = 0; i < n; i++) out.set(data.subarray(order[i] * H, order[i] * H + H), i * H);
  return out;
}

/** A [B, T, F] copy of a time-major [T, B, F] array (batch-first data is returned as it is: only read). */
function batchFirst(data: FloatArray, isBatchFirst: boolean, T: number, B: number, F: number): FloatArray {
  if (isBatchFirst) return data;
  const out = allocate(data instanceof Float64Array ? 'float64' : 'float32', data.length);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) out.set(data.subarray((t * B + b) * F, (t * B + b + 1) * F), (b * T + t) * F);
  return out;
}

/** Mean over the sequences that have step t (a NaN gradient inside a sequence still counts, as NaN). */
function meanOverSequences(perSequence: number[][], lengths: Int32Array, T: number): number[] {
  const mean = new Array<number>(T);
  for (let t = 0; t < T; t++) {
    let sum = 0;
    let n = 0;
    for (let b = 0; b < perSequence.length; b++) {
      if (t < lengths[b]) {
        sum += perSequence[b][t];
        n++;
      }
    }
    mean[t] = n > 0 ? sum / n : NaN;
  }
  return mean;
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

function scale(v: Float64Array, by: number): void {
  for (let i = 0; i < v.length; i++) v[i] *= by;
}
