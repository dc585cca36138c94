/**
 * Losses with their gradients, PyTorch semantics. Each returns `{ loss, grad }` where `grad` is
 * dLoss/dInput with the input's shape and dtype. Arithmetic is done in JS numbers (float64) and only the
 * stored gradient is rounded to the input's dtype, so float64 inputs give tight gradient checks.
 *
 * Choice: a mean over zero elements (every target ignored, or an empty batch) is 0 with a zero gradient.
 * PyTorch returns NaN there; 0 lets a batch of pure padding pass through a training loop harmlessly.
 */
import { checkInt, checkOneOf, checkTensor, describe } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { allocate, dtypeOf, shapeToString } from '../tensor.js';

export type Reduction = 'mean' | 'sum';
export interface LossResult {
  loss: number;
  grad: Tensor;
}
export interface CrossEntropyOptions {
  ignoreIndex?: number;
  reduction?: Reduction;
}
export interface ReductionOptions {
  reduction?: Reduction;
}

const REDUCTIONS: readonly Reduction[] = ['mean', 'sum'];

/** A tensor of any rank (checkTensor with the value's own rank), returning its shape. */
function checkAnyTensor(name: string, value: unknown, minRank = 0): number[] {
  const rank = (value as { shape?: unknown } | null)?.shape;
  const shape = checkTensor(name, value, Array.isArray(rank) ? rank.length : 0);
  if (shape.length < minRank) throw new RangeError(`${name}: expected a tensor of rank >= ${minRank}, received shape ${shapeToString(shape)}`);
  return shape;
}

function likeInput(t: Tensor): Tensor {
  return { data: allocate(dtypeOf(t.data), t.data.length), shape: [...t.shape] };
}

/** Numerically stable logistic function. */
function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

let expBuffer = new Float64Array(64);

/** A float64 scratch row of at least c entries, reused across calls (cross-entropy's exponentials). */
function expScratch(c: number): Float64Array {
  if (expBuffer.length < c) expBuffer = new Float64Array(Math.max(c, 2 * expBuffer.length));
  return expBuffer;
}

/** Row-wise softmax over the last dimension (any rank ≥ 1), same shape and dtype as the input. */
export function softmax(logits: Tensor): Tensor {
  checkAnyTensor('logits', logits, 1);
  return softmaxRows(logits);
}

function softmaxRows(logits: Tensor): Tensor {
  const out = likeInput(logits);
  const c = logits.shape[logits.shape.length - 1];
  const rows = c > 0 ? logits.data.length / c : 0;
  for (let r = 0; r < rows; r++) {
    const off = r * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, logits.data[off + j]);
    let sum = 0;
    for (let j = 0; j < c; j++) sum += Math.exp(logits.data[off + j] - max);
    for (let j = 0; j < c; j++) out.data[off + j] = Math.exp(logits.data[off + j] - max) / sum;
  }
  return out;
}

/** Element-wise logistic function, same shape and dtype as the input. */
export function sigmoid(x: Tensor): Tensor {
  checkAnyTensor('x', x);
  const out = likeInput(x);
  for (let i = 0; i < x.data.length; i++) out.data[i] = sigmoidScalar(x.data[i]);
  return out;
}

/**
 * Softmax cross-entropy over classes, as torch.nn.functional.cross_entropy with class-index targets:
 * loss_n = logsumexp(logits_n) − logits_n[target_n]; 'mean' divides by the number of non-ignored targets.
 */
export function crossEntropy(logits: Tensor, targets: ArrayLike<number>, options: CrossEntropyOptions = {}): LossResult {
  const [n, c] = checkTensor('logits', logits, 2);
  if (typeof targets !== 'object' || targets === null || typeof targets.length !== 'number') {
    throw new TypeError(`targets: expected an array or typed array of ${n} class ids, received ${describe(targets)}`);
  }
  if (targets.length !== n) {
    throw new RangeError(`targets: expected length ${n} (one class id per row of logits ${shapeToString(logits.shape)}), received ${targets.length}`);
  }
  const ignoreIndex = checkInt('ignoreIndex', options.ignoreIndex ?? -100, Number.MIN_SAFE_INTEGER);
  const reduction = checkOneOf('reduction', options.reduction ?? 'mean', REDUCTIONS);

  // One pass per row: the exponentials are computed once (float64 scratch) and serve both the loss
  // (logsumexp) and the gradient softmax − onehot, which is scaled as it is stored.
  for (let r = 0; r < n; r++) {
    const t = targets[r];
    if (t !== ignoreIndex && (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t >= c)) {
      throw new RangeError(`targets[${r}]: expected a class id in [0, ${c - 1}] or ignoreIndex ${ignoreIndex}, received ${describe(t)}`);
    }
  }
  let count = 0;
  for (let r = 0; r < n; r++) if (targets[r] !== ignoreIndex) count++;
  const scale = reduction === 'sum' ? 1 : count > 0 ? 1 / count : 0;
  const grad = likeInput(logits);
  const x = logits.data;
  const g = grad.data;
  const e = expScratch(c);
  let total = 0;
  for (let r = 0; r < n; r++) {
    const t = targets[r];
    if (t === ignoreIndex) continue; // its gradient row stays zero
    const off = r * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, x[off + j]);
    let sum = 0;
    for (let j = 0; j < c; j++) {
      const ej = Math.exp(x[off + j] - max);
      e[j] = ej;
      sum += ej;
    }
    total += max + Math.log(sum) - x[off + t];
    for (let j = 0; j < c; j++) g[off + j] = (e[j] / sum - (j === t ? 1 : 0)) * scale;
  }
  return { loss: total * scale, grad };
}

/**
 * Binary cross-entropy on logits, as torch.nn.functional.binary_cross_entropy_with_logits (no weights):
 * ℓ = max(x, 0) − x·y + log(1 + exp(−|x|)), whose gradient is sigmoid(x) − y.
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor, options: ReductionOptions = {}): LossResult {
  const shape = checkAnyTensor('logits', logits);
  checkTensor('targets', targets, shape);
  const reduction = checkOneOf('reduction', options.reduction ?? 'mean', REDUCTIONS);
  const grad = likeInput(logits);
  const len = logits.data.length;
  const scale = reduction === 'sum' ? 1 : len > 0 ? 1 / len : 0;
  let total = 0;
  for (let i = 0; i < len; i++) {
    const x = logits.data[i];
    const y = targets.data[i];
    if (!(y >= 0 && y <= 1)) throw new RangeError(`targets.data[${i}]: expected a value in [0, 1], received ${describe(y)}`);
    total += Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
    grad.data[i] = (sigmoidScalar(x) - y) * scale;
  }
  return { loss: total * scale, grad };
}

/** Mean squared error, as torch.nn.functional.mse_loss; the gradient is 2(input − target) (÷ count for 'mean'). */
export function mseLoss(input: Tensor, target: Tensor, options: ReductionOptions = {}): LossResult {
  const shape = checkAnyTensor('input', input);
  checkTensor('target', target, shape);
  const reduction = checkOneOf('reduction', options.reduction ?? 'mean', REDUCTIONS);
  const grad = likeInput(input);
  const len = input.data.length;
  const scale = reduction === 'sum' ? 1 : len > 0 ? 1 / len : 0;
  let total = 0;
  for (let i = 0; i < len; i++) {
    const d = input.data[i] - target.data[i];
    total += d * d;
    grad.data[i] = 2 * d * scale;
  }
  return { loss: total * scale, grad };
}
