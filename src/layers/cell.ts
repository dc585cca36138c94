/**
 * What RNNCell, LSTMCell and GRUCell share (PyTorch's torch.nn.RNNCellBase): options, the parameters
 * weight_ih [G·H, I], weight_hh [G·H, H], bias_ih, bias_hh [G·H], and one time step as one kernel call of the
 * v2 contract with T = 1 (x [B, I] is a time-major [1, B, I] sequence; y is h_t [B, H]).
 *
 * Backpropagation is LIFO. In training mode every forward pushes one step onto a history: copies of x, h
 * and c as they arrived (so a caller reusing its buffers cannot change what backward sees), h_t as the
 * kernel wrote it, and the engine's cache of cacheSize(cell, 1, B, H) floats. Each `backward({ dh, dc })`
 * pops the most recent step and returns the gradients for the x, h, c that forward received, so T forwards
 * are undone by T backward calls in reverse order; parameter gradients accumulate until zeroGrad().
 *   - Eval mode keeps nothing; backward undoes only steps kept in training mode.
 *   - Each kept step remembers its own batch size B, so B may change between forwards (a batch that
 *     shrinks as short sequences end, say); each backward checks dh/dc against the B of the step it undoes.
 *   - Backward uses the weights as they are when it runs: update parameters only after the steps that used
 *     them were undone, or drop them with clearHistory() (truncated BPTT cuts the graph the same way).
 *   - A failed call changes nothing: arguments are checked and the kernel runs before a step is pushed or
 *     popped.
 *
 * Sync and async calls share one plan (checked arguments + what to do after the kernel), so they cannot
 * drift apart; an async call marks the cell busy, and any call before it settles throws LayerBusyError.
 */
import type { Backend, CellKind, RecurrentBackwardArgs, RecurrentForwardArgs } from '../backend/backend.js';
import { cacheSize, gateCount } from '../backend/backend.js';
import { chooseEngine, type BackendChoice } from '../backend/select.js';
import type { Parameter } from '../parameter.js';
import type { DType, FloatArray, Tensor } from '../tensor.js';
import { allocate, dtypeOf, shapeToString, zeros } from '../tensor.js';
import { checkBoolean, checkInt, checkOneOf, checkTensor, describe } from '../errors.js';
import { checkActivationCount, checkParameterCount, checkSize, recurrentParameterCount } from '../limits.js';
import { Rng } from '../random.js';
import { Module } from './module.js';
import { LayerBusyError } from './recurrent.js';
import { checkOutTensors, optionsObject, type ReadArray } from './out-tensors.js';

export interface CellOptions {
  inputSize: number;
  hiddenSize: number;
  bias?: boolean;
  backend?: BackendChoice | Backend;
  threads?: number;
  seed?: number;
  dtype?: DType;
}

/**
 * forward's opt-in `{ out: { h?, c? } }`: your own [B, H] tensors for h_t and c_t (out-tensors.ts). They may
 * not share memory with the h and c the step reads, so a decode loop alternates two pairs and allocates
 * nothing per step.
 */
export interface CellOut {
  h?: Tensor | null;
  c?: Tensor | null;
}

/** h_t [B, H] (and c_t for LSTMCell): fresh tensors the caller owns (or the `out` tensors given). */
export interface CellOutput {
  h: Tensor;
  c?: Tensor;
}

/** Upstream gradients of the step being undone; missing ones count as zero. */
export interface CellGradients {
  dh?: Tensor | null;
  dc?: Tensor | null;
}

/** Gradients for the x, h (and c) the undone forward received: dInput [B, I], dh0 [B, H], dc0 [B, H]. */
export interface CellInputGradients {
  dInput: Tensor;
  dh0: Tensor;
  dc0?: Tensor;
}

const OPTION_KEYS = ['inputSize', 'hiddenSize', 'bias', 'backend', 'threads', 'seed', 'dtype'];

/** One training forward, as backward needs it. */
interface KeptStep {
  B: number;
  /** copies of what forward received: x [B, I], h [B, H] or null (zeros), c [B, H] or null */
  x: FloatArray;
  h0: FloatArray | null;
  c0: FloatArray | null;
  /** h_t [B, H] as the kernel wrote it, and the engine's cache (null when cacheSize is 0) */
  y: FloatArray;
  cache: FloatArray | null;
}

/** A checked call: the kernel arguments, and what to do once the kernel has run. */
interface Plan<A, R> {
  args: A;
  finish: () => R;
}

/** The layer's engine choice (recurrent.ts): float64 runs on the reference unless a Backend supporting it is given. */
export abstract class RecurrentCell<O extends CellOutput = CellOutput, G extends CellInputGradients = CellInputGradients> extends Module {
  readonly cell: CellKind;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  readonly dtype: DType;
  readonly backend: Backend;
  readonly weight_ih: Parameter;
  readonly weight_hh: Parameter;
  readonly bias_ih: Parameter | null;
  readonly bias_hh: Parameter | null;
  private readonly history: KeptStep[] = [];
  private busy = false;
  /** y of eval-mode sync steps (T = 1: the same values as the returned h), reused: never returned or kept */
  private scratchY: FloatArray | null = null;

  /** `extraKeys`: options a subclass accepts beyond the shared ones (RNNCell's nonlinearity). */
  protected constructor(cell: CellKind, options: CellOptions, extraKeys: readonly string[] = []) {
    super();
    const name = this.constructor.name;
    if (typeof options !== 'object' || options === null) throw new TypeError(`${name}(options): expected an object, received ${describe(options)}`);
    const known = [...OPTION_KEYS, ...extraKeys];
    for (const [key, value] of Object.entries(options)) {
      if (value !== undefined && !known.includes(key)) {
        throw new TypeError(`${name}(options): expected only ${known.join(', ')}, received unknown option ${JSON.stringify(key)}`);
      }
    }
    this.cell = cell;
    this.inputSize = checkSize('inputSize', options.inputSize);
    this.hiddenSize = checkSize('hiddenSize', options.hiddenSize);
    this.bias = checkBoolean('bias', options.bias ?? true);
    checkParameterCount(name, recurrentParameterCount({
      gates: gateCount(cell), inputSize: this.inputSize, hiddenSize: this.hiddenSize, numLayers: 1, directions: 1, projSize: 0, bias: this.bias,
    }), { inputSize: this.inputSize, hiddenSize: this.hiddenSize });
    this.dtype = checkOneOf('dtype', options.dtype ?? 'float32', ['float32', 'float64'] as const);
    const rng = new Rng(options.seed);
    this.backend = chooseEngine(this.dtype, options.backend, options.threads);
    // PyTorch's RNNCellBase.reset_parameters: every parameter uniform(−1/√H, 1/√H), in this order.
    const GH = gateCount(cell) * this.hiddenSize;
    const bound = 1 / Math.sqrt(this.hiddenSize);
    const make = (name: string, shape: number[]): Parameter => {
      const p = { name, value: zeros(shape, this.dtype), grad: zeros(shape, this.dtype) };
      rng.fillUniform(p.value.data, -bound, bound);
      return p;
    };
    this.weight_ih = make('weight_ih', [GH, this.inputSize]);
    this.weight_hh = make('weight_hh', [GH, this.hiddenSize]);
    this.bias_ih = this.bias ? make('bias_ih', [GH]) : null;
    this.bias_hh = this.bias ? make('bias_hh', [GH]) : null;
  }

  protected override ownParameters(): Parameter[] {
    const out = [this.weight_ih, this.weight_hh];
    if (this.bias_ih && this.bias_hh) out.push(this.bias_ih, this.bias_hh);
    return out;
  }

  /** Steps kept for backward (training-mode forwards not yet undone). */
  get historyLength(): number {
    return this.history.length;
  }

  /** Drops every kept step (e.g. to cut the graph in truncated BPTT); parameter gradients are untouched. */
  clearHistory(): void {
    this.checkIdle();
    this.history.length = 0;
  }

  /**
   * One step: x [B, I], h [B, H] (missing: zeros), c [B, H] (LSTMCell only; missing: zeros).
   * `{ out: { h?, c? } }` writes h_t (c_t) into your own [B, H] tensors instead of new arrays (cell-out.ts).
   */
  forward(x: Tensor, h?: Tensor | null, c?: Tensor | null, options?: { out?: CellOut }): O {
    this.checkIdle();
    const plan = this.planForward(x, h ?? null, c ?? null, true, options);
    this.backend.recurrentForward(this.cell, plan.args);
    return plan.finish();
  }

  /** Undoes the most recent training forward: accumulates parameter gradients, returns the input gradients. */
  backward(grads: CellGradients = {}): G {
    this.checkIdle();
    const plan = this.planBackward(grads);
    this.backend.recurrentBackward(this.cell, plan.args);
    return plan.finish();
  }

  /** Like forward, on the engine's worker thread when it has one (the native engine). */
  async forwardAsync(x: Tensor, h?: Tensor | null, c?: Tensor | null, options?: { out?: CellOut }): Promise<O> {
    this.checkIdle();
    const plan = this.planForward(x, h ?? null, c ?? null, false, options);
    const b = this.backend;
    return this.runAsync(plan, () => (b.recurrentForwardAsync ? b.recurrentForwardAsync(this.cell, plan.args) : b.recurrentForward(this.cell, plan.args)));
  }

  async backwardAsync(grads: CellGradients = {}): Promise<G> {
    this.checkIdle();
    const plan = this.planBackward(grads);
    const b = this.backend;
    return this.runAsync(plan, () => (b.recurrentBackwardAsync ? b.recurrentBackwardAsync(this.cell, plan.args) : b.recurrentBackward(this.cell, plan.args)));
  }

  /** Busy from the kernel's start until the history is updated, so no other call can slip in between. */
  private async runAsync<A, R>(plan: Plan<A, R>, kernel: () => Promise<void> | void): Promise<R> {
    this.busy = true;
    try {
      await kernel();
      return plan.finish();
    } finally {
      this.busy = false;
    }
  }

  /** The checked `out` tensors of a forward (null where not given). */
  private checkOut(options: unknown, B: number, x: FloatArray, h0: FloatArray | null, c0: FloatArray | null): { h: Tensor | null; c: Tensor | null } {
    const where = `${this.constructor.name}.forward(options)`;
    const o = optionsObject(where, options, null);
    const shape = [B, this.hiddenSize];
    const fixed = this.namedParameters().flatMap((p): ReadArray[] => [[p.name, p.value.data], [`${p.name}.grad`, p.grad.data]]);
    const given = checkOutTensors(where, o.out, { dtype: this.dtype, noun: 'cell' },
      { h: shape, c: this.cell === 'lstm' ? shape : 'only LSTMCell has a cell state' },
      { fixed, call: (): ReadArray[] => [['x', x], ['h', h0], ['c', c0]] }, { h: '[B, hiddenSize]', c: '[B, hiddenSize]' });
    const out = o.out as CellOut;
    return { h: given?.h ? out.h! : null, c: given?.c ? out.c! : null };
  }

  private checkIdle(): void {
    if (this.busy) {
      throw new LayerBusyError(`${this.constructor.name}: an async forward/backward is still running on this cell; await it before the next call`);
    }
  }



  /** A [B, H] state or gradient argument: null, or a tensor of the cell's dtype and exactly that shape. */
  /** True when t is a [d0, d1] tensor of the cell's dtype — the common case, checked without building messages. */
  private isTensor2(t: unknown, d0: number, d1: number): boolean {
    if (typeof t !== 'object' || t === null) return false;
    const { data, shape } = t as Tensor;
    const typed = this.dtype === 'float32' ? data instanceof Float32Array : data instanceof Float64Array;
    return typed && Array.isArray(shape) && shape.length === 2 && shape[0] === d0 && shape[1] === d1 && data.length === d0 * d1;
  }

  private checkState(label: string, t: Tensor | null, B: number, batchFrom: string): FloatArray | null {
    if (t === null) return null;
    if (this.isTensor2(t, B, this.hiddenSize)) return (t as Tensor).data;
    const H = this.hiddenSize;
    const shape = checkTensor(label, t, 2);
    if (shape[0] !== B || shape[1] !== H) {
      throw new RangeError(`${label}: expected shape [B, hiddenSize] = [${B}, ${H}] (B from ${batchFrom}), received ${shapeToString(shape)}`);
    }
    this.checkDtype(label, t);
    return t.data;
  }

  private checkDtype(label: string, t: Tensor): void {
    if (dtypeOf(t.data) !== this.dtype) {
      throw new TypeError(`${label}: expected a ${this.dtype === 'float32' ? 'Float32Array' : 'Float64Array'} (the cell's dtype), received ${describe(t.data)}`);
    }
  }

  /** sync: the kernel runs before this call returns (so an eval step may read the caller's arrays in place). */
  private planForward(x: Tensor, h: Tensor | null, c: Tensor | null, sync: boolean, options: unknown): Plan<RecurrentForwardArgs, O> {
    const isLstm = this.cell === 'lstm';
    const { inputSize: I, hiddenSize: H } = this;
    const xShape = (x as Tensor | null)?.shape;
    const B = Array.isArray(xShape) ? xShape[0] : 0;
    if (!(B > 0 && this.isTensor2(x, B, I))) {
      // The slow path builds the precise message.
      const name = this.constructor.name;
      const shape = checkTensor(`${name}.forward(x)`, x, 2);
      if (shape[1] !== I) throw new RangeError(`${name}.forward(x): expected shape [B, inputSize] with inputSize ${I}, received ${shapeToString(shape)}`);
      if (shape[0] === 0) throw new RangeError(`${name}.forward(x): expected a batch of at least 1, received shape ${shapeToString(shape)}`);
      this.checkDtype(`${name}.forward(x)`, x);
    }
    if (B * H > 2 ** 22) checkActivationCount(`${this.constructor.name}.forward(x)`, B * H * (gateCount(this.cell) + 3), `a batch of ${B} with hiddenSize ${H}`);
    const h0 = h === null ? null : this.checkState(`${this.constructor.name}.forward(h)`, h, B, 'x');
    if (c !== null && !isLstm) throw new TypeError(`${this.constructor.name}.forward(c): only LSTMCell has a cell state; expected null or undefined, received ${describe(c)}`);
    const c0 = c === null ? null : this.checkState(`${this.constructor.name}.forward(c)`, c, B, 'x');
    const out = options === undefined ? null : this.checkOut(options, B, x.data, h0, c0);
    const train = this.training;
    const hOut = out?.h?.data ?? allocate(this.dtype, B * H);
    const cOut = isLstm ? (out?.c?.data ?? allocate(this.dtype, B * H)) : null;
    // Kept steps own their y; an eval step's y (the same values as h) goes to a reused scratch array.
    const inPlace = sync && !train;
    if (inPlace && (!this.scratchY || this.scratchY.length < B * H)) this.scratchY = allocate(this.dtype, B * H);
    const y = inPlace ? this.scratchY!.subarray(0, B * H) : allocate(this.dtype, B * H);
    const n = cacheSize(this.cell, 1, B, H);
    const cache = train && n > 0 ? allocate(this.dtype, n) : null;
    // Copies (kept steps and async calls): the engine reads them later, whatever the caller does meanwhile.
    const copy = (a: FloatArray | null): FloatArray | null => (a && !inPlace ? a.slice() : a);
    const step: KeptStep = { B, x: copy(x.data)!, h0: copy(h0), c0: copy(c0), y, cache };
    // Spelled out, not spread from sizes(): a spread into a literal this large is a slow runtime call.
    const args: RecurrentForwardArgs = {
      T: 1, B, I: this.inputSize, H, P: H, reverse: false, batchFirst: false, lengths: null, yStride: H, yOffset: 0,
      y, hN: hOut, cN: cOut, cache,
      x: step.x, h0: step.h0, c0: step.c0,
      weightIh: this.weight_ih.value.data, weightHh: this.weight_hh.value.data, weightHr: null,
      biasIh: this.bias_ih?.value.data ?? null, biasHh: this.bias_hh?.value.data ?? null,
    };
    const finish = (): O => {
      if (train) this.history.push(step);
      const result: CellOutput = { h: out?.h ?? { data: hOut, shape: [B, H] } };
      if (cOut) result.c = out?.c ?? { data: cOut, shape: [B, H] };
      return result as O;
    };
    return { args, finish };
  }

  private planBackward(grads: CellGradients): Plan<RecurrentBackwardArgs, G> {
    const name = this.constructor.name;
    const isLstm = this.cell === 'lstm';
    const expected = isLstm ? '{ dh?, dc? }' : '{ dh? }';
    if (typeof grads !== 'object' || grads === null) throw new TypeError(`${name}.backward(grads): expected ${expected}, received ${describe(grads)}`);
    for (const [key, value] of Object.entries(grads)) {
      if (value !== undefined && key !== 'dh' && key !== 'dc') {
        throw new TypeError(`${name}.backward(grads): expected ${expected}, received unknown key ${JSON.stringify(key)}`);
      }
    }
    const step = this.history[this.history.length - 1];
    if (!step) {
      throw new RangeError(
        `${name}.backward: nothing to undo — expected a training-mode forward not yet undone, received a backward with an empty history (${this.training ? 'every kept step was undone or cleared' : 'the cell is in eval mode, which keeps nothing'})`,
      );
    }
    const { B } = step;
    const H = this.hiddenSize;
    const dh = this.checkState(`${name}.backward(dh)`, grads.dh ?? null, B, 'the step being undone');
    if (grads.dc != null && !isLstm) throw new TypeError(`${name}.backward(dc): only LSTMCell has a cell state; expected null or undefined, received ${describe(grads.dc)}`);
    const dc = this.checkState(`${name}.backward(dc)`, grads.dc ?? null, B, 'the step being undone');
    const dInput = zeros([B, this.inputSize], this.dtype);
    const dh0 = zeros([B, H], this.dtype);
    const dc0 = isLstm ? zeros([B, H], this.dtype) : null;
    const args: RecurrentBackwardArgs = {
      T: 1, B, I: this.inputSize, H, P: H, reverse: false, batchFirst: false, lengths: null, yStride: H, yOffset: 0,
      dx: dInput.data, dh0: dh0.data, dc0: dc0?.data ?? null,
      dWeightIh: this.weight_ih.grad.data, dWeightHh: this.weight_hh.grad.data, dWeightHr: null,
      dBiasIh: this.bias_ih?.grad.data ?? null, dBiasHh: this.bias_hh?.grad.data ?? null,
      // With T = 1, h_t is both y and hN: the upstream gradient enters once, as dhN.
      dy: null, dhN: dh, dcN: dc,
      x: step.x, h0: step.h0, c0: step.c0,
      weightIh: this.weight_ih.value.data, weightHh: this.weight_hh.value.data, weightHr: null,
      y: step.y, cache: step.cache,
    };
    const finish = (): G => {
      // The busy flag keeps every other call out while an async kernel runs, so the top is still this step.
      if (this.history[this.history.length - 1] !== step) throw new Error(`${name}.backward: internal error, the history changed during the call`);
      this.history.pop();
      return (dc0 ? { dInput, dh0, dc0 } : { dInput, dh0 }) as G;
    };
    return { args, finish };
  }
}
