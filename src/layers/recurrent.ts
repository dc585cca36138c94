/**
 * The recurrent-layer contract shared by RNN, LSTM and GRU: stacked layers, both directions, dropout
 * between layers, batch-first or time-major input, ragged batches (x.lengths), initial and final states
 * with PyTorch's shapes, and PyTorch's parameter names. The arithmetic lives in the backend; the call plans
 * (which kernel call reads and writes which array) live in recurrent-calls.ts, the checks in
 * recurrent-input.ts.
 *
 * Shapes: x [B, T, I] (batchFirst) or [T, B, I]; output [B, T, D·P] or [T, B, D·P]; h0/hN [L·D, B, P],
 * c0/cN [L·D, B, H], where P = H, or an LSTM's projSize (PyTorch's proj_size: h_t = W_hr · (o_t ⊙ tanh c_t),
 * weight_hr_l{k}[_reverse] [P, H], weight_hh [4H, P], layers above the first take D·P inputs).
 *
 * Ragged batches: `forward({ data, shape, lengths }, h0?, c0?)` with lengths B integers in 1..T, any order,
 * gives PyTorch's pack_padded_sequence(enforce_sorted=False) → pad_packed_sequence(total_length=T):
 * padded steps are not computed, output is zero there, the reverse direction starts at each sequence's own
 * last step, hN/cN are each sequence's state after its own last step; dOutput at padded steps is ignored
 * and dInput is zero there. The returned output carries a copy of the lengths.
 *
 * Ownership:
 *   - output, hN, cN (forward) and dInput, dh0, dc0 (backward) are new arrays on every call, owned by the
 *     caller; the layer never writes them again. Opt-in: `{ out: { … } }` names caller-owned tensors to
 *     write them into instead (recurrent-options.ts), so a loop passing the same ones allocates nothing.
 *   - backward reads, in place, the x given to the training forward and the output that forward returned
 *     (the last layer's y): do not modify either between forward and backward. lengths, h0 and c0 are
 *     copied, so those buffers may be reused at once; dOutput, dhN and dcN are only read during backward.
 *   - Reused between calls (grow-only, internal): per layer·direction training caches, the output
 *     sequence when it is not returned, intermediate layers' outputs, and the dInput buffers of layers
 *     above the first. A forward therefore replaces the previous one: backward always undoes the most
 *     recent training forward (repeatable, accumulating). `releaseBuffers()` drops them (workspaceBytes
 *     says how much they hold); a dropped layer's buffers go with it.
 *
 * Forward and backward are written once (generators of kernel calls); `forward` runs them synchronously and
 * `forwardAsync` awaits the engine's async variant of each call, under a busy flag (LayerBusyError).
 */
import type { Backend, CellKind } from '../backend/backend.js';
import { cacheSize, gateCount } from '../backend/backend.js';
import { chooseEngine, type BackendChoice } from '../backend/select.js';
import type { Parameter } from '../parameter.js';
import type { DType, FloatArray, Tensor } from '../tensor.js';
import { allocate, zeros } from '../tensor.js';
import { checkBoolean, checkInt, checkNumber, checkOneOf, describe } from '../errors.js';
import { checkActivationCount, checkParameterCount, checkSize, recurrentParameterCount } from '../limits.js';
import { Rng } from '../random.js';
import { Module } from './module.js';
import { checkForwardInputs, checkUpstream, hSize, type SequenceTensor } from './recurrent-input.js';
import {
  checkBackwardOptions, checkForwardOptions, type BackwardOptions, type BackwardOutTensors, type ForwardOptions, type ForwardOutTensors, type ReadArray,
} from './recurrent-options.js';
import {
  backwardCalls, forwardCalls, Workspace,
  type DirectionParams, type KernelCall, type RecurrentInputGradients, type RecurrentOutput, type RecurrentStateGradients,
  type RecurrentStates, type SavedForward, type Stack,
} from './recurrent-calls.js';

export type { SequenceTensor } from './recurrent-input.js';
export type { BackwardOptions, BackwardOutTensors, ForwardOptions, ForwardOutTensors } from './recurrent-options.js';
export type { RecurrentInputGradients, RecurrentOutput, RecurrentStateGradients, RecurrentStates } from './recurrent-calls.js';

export interface RecurrentOptions {
  inputSize: number;
  hiddenSize: number;
  numLayers?: number;
  bias?: boolean;
  batchFirst?: boolean;
  dropout?: number;
  bidirectional?: boolean;
  /** LSTM only: PyTorch's proj_size, an integer in [0, hiddenSize); 0 (the default) = no projection. */
  projSize?: number;
  backend?: BackendChoice | Backend;
  threads?: number;
  seed?: number;
  dtype?: DType;
}

export interface RecurrentGradients {
  dOutput?: Tensor | null;
  dhN?: Tensor | null;
  dcN?: Tensor | null;
}

/** Thrown when a layer is called while an async call on it is still running. */
export class LayerBusyError extends Error {
  override name = 'LayerBusyError';
}

export abstract class RecurrentLayer extends Module {
  readonly cell: CellKind;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** PyTorch's proj_size: 0 = none, else the size of h (LSTM only, < hiddenSize). */
  readonly projSize: number;
  readonly dtype: DType;
  readonly backend: Backend;
  private readonly directionParams: DirectionParams[] = [];
  private readonly rng: Rng;
  private readonly workspace: Workspace;
  private saved: SavedForward | null = null;
  private parameterReadList: readonly ReadArray[] | null = null;
  private busy = false;

  protected constructor(cell: CellKind, options: RecurrentOptions) {
    super();
    const name = this.constructor.name;
    if (typeof options !== 'object' || options === null) throw new TypeError(`${name}(options): expected an object, received ${describe(options)}`);
    this.cell = cell;
    this.inputSize = checkSize('inputSize', options.inputSize);
    this.hiddenSize = checkSize('hiddenSize', options.hiddenSize);
    this.numLayers = checkSize('numLayers', options.numLayers ?? 1);
    this.bias = checkBoolean('bias', options.bias ?? true);
    this.batchFirst = checkBoolean('batchFirst', options.batchFirst ?? true);
    this.dropout = checkNumber('dropout', options.dropout ?? 0, { min: 0, max: 1 });
    if (this.dropout === 1) throw new RangeError('dropout: expected a probability in [0, 1), received 1');
    this.bidirectional = checkBoolean('bidirectional', options.bidirectional ?? false);
    this.projSize = checkProjSize(name, cell, options.projSize, this.hiddenSize);
    this.dtype = checkOneOf('dtype', options.dtype ?? 'float32', ['float32', 'float64'] as const);
    const sizes = { inputSize: this.inputSize, hiddenSize: this.hiddenSize, numLayers: this.numLayers, ...(this.projSize ? { projSize: this.projSize } : {}) };
    checkParameterCount(name, recurrentParameterCount({
      gates: gateCount(cell), ...sizes, projSize: this.projSize, directions: this.numDirections, bias: this.bias,
    }), sizes);
    this.rng = new Rng(options.seed);
    this.backend = chooseEngine(this.dtype, options.backend, options.threads);
    this.workspace = new Workspace(this.dtype);
    this.initParameters();
  }

  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** The position of the layer's dropout generator, for checkpoints (restoring it repeats the same masks). */
  rngState(): number[] {
    return this.rng.getState();
  }

  setRngState(state: readonly number[]): void {
    this.rng.setState(state);
  }

  /** The size of h (and of each direction's output block): projSize when set, else hiddenSize. */
  get stateSize(): number {
    return hSize(this);
  }

  private initParameters(): void {
    const G = gateCount(this.cell);
    const H = this.hiddenSize;
    const P = this.stateSize;
    const bound = 1 / Math.sqrt(H);
    for (let k = 0; k < this.numLayers; k++) {
      const inK = k === 0 ? this.inputSize : this.numDirections * P;
      for (let d = 0; d < this.numDirections; d++) {
        const suffix = `_l${k}${d === 1 ? '_reverse' : ''}`;
        const make = (prefix: string, shape: number[]): Parameter => {
          const p = { name: `${prefix}${suffix}`, value: zeros(shape, this.dtype), grad: zeros(shape, this.dtype) };
          this.rng.fillUniform(p.value.data, -bound, bound);
          return p;
        };
        this.directionParams.push({
          weightIh: make('weight_ih', [G * H, inK]),
          weightHh: make('weight_hh', [G * H, P]),
          biasIh: this.bias ? make('bias_ih', [G * H]) : null,
          biasHh: this.bias ? make('bias_hh', [G * H]) : null,
          weightHr: this.projSize > 0 ? make('weight_hr', [P, H]) : null,
        });
      }
    }
  }

  protected override ownParameters(): Parameter[] {
    const out: Parameter[] = [];
    for (const p of this.directionParams) {
      out.push(p.weightIh, p.weightHh);
      if (p.biasIh && p.biasHh) out.push(p.biasIh, p.biasHh);
      if (p.weightHr) out.push(p.weightHr);
    }
    return out;
  }

  /** Bytes the layer keeps between calls in its internal buffers (training caches, hidden outputs, scratch). */
  get workspaceBytes(): number {
    return this.workspace.size * (this.dtype === 'float32' ? 4 : 8);
  }

  /**
   * Drops the internal buffers kept between calls (and with them what backward needs: call forward again
   * before the next backward). Parameters and their gradients stay. The next call allocates afresh.
   */
  releaseBuffers(): void {
    this.checkIdle();
    this.saved = null;
    this.workspace.clear();
  }

  /**
   * Runs the whole stack over a (possibly ragged) sequence batch. `{ returnOutput: false }` returns the final
   * states only (a many-to-one model): the output sequence stays in the layer's workspace instead of a
   * fresh array for the caller. `{ out: { output?, hN?, cN? } }` writes the results into those tensors
   * (exact shapes and dtype, memory of their own) instead of new arrays.
   */
  forward(x: SequenceTensor, h0: Tensor | null | undefined, c0: Tensor | null | undefined, options: { returnOutput: false; out?: ForwardOutTensors }): RecurrentStates;
  forward(x: SequenceTensor, h0?: Tensor | null, c0?: Tensor | null, options?: { returnOutput?: true; out?: ForwardOutTensors }): RecurrentOutput;
  forward(x: SequenceTensor, h0: Tensor | null | undefined, c0: Tensor | null | undefined, options: ForwardOptions): RecurrentOutput | RecurrentStates;
  forward(x: SequenceTensor, h0?: Tensor | null, c0?: Tensor | null, options?: ForwardOptions): RecurrentOutput | RecurrentStates {
    this.checkIdle();
    return this.runSync(this.forwardPlan(x, h0 ?? null, c0 ?? null, options));
  }

  /**
   * Backpropagation through time; accumulates parameter gradients and returns input gradients.
   * `{ inputGradient: false }` skips dInput (an input that needs no gradient): it is neither computed nor
   * allocated, and the result holds dh0 (and dc0) only. `{ out: { dInput?, dh0?, dc0? } }` writes the
   * gradients into those tensors instead of new arrays.
   */
  backward(grads: RecurrentGradients | undefined, options: { inputGradient: false; out?: BackwardOutTensors }): RecurrentStateGradients;
  backward(grads?: RecurrentGradients, options?: { inputGradient?: true; out?: BackwardOutTensors }): RecurrentInputGradients;
  backward(grads: RecurrentGradients | undefined, options: BackwardOptions): RecurrentInputGradients | RecurrentStateGradients;
  backward(grads: RecurrentGradients = {}, options?: BackwardOptions): RecurrentInputGradients | RecurrentStateGradients {
    this.checkIdle();
    return this.runSync(this.backwardPlan(grads, options));
  }

  /** Like forward, but long kernels run off the event loop when the engine can (the native one). */
  async forwardAsync(x: SequenceTensor, h0: Tensor | null | undefined, c0: Tensor | null | undefined, options: { returnOutput: false; out?: ForwardOutTensors }): Promise<RecurrentStates>;
  async forwardAsync(x: SequenceTensor, h0?: Tensor | null, c0?: Tensor | null, options?: { returnOutput?: true; out?: ForwardOutTensors }): Promise<RecurrentOutput>;
  async forwardAsync(x: SequenceTensor, h0: Tensor | null | undefined, c0: Tensor | null | undefined, options: ForwardOptions): Promise<RecurrentOutput | RecurrentStates>;
  async forwardAsync(x: SequenceTensor, h0?: Tensor | null, c0?: Tensor | null, options?: ForwardOptions): Promise<RecurrentOutput | RecurrentStates> {
    return this.runAsync(() => this.forwardPlan(x, h0 ?? null, c0 ?? null, options));
  }

  async backwardAsync(grads: RecurrentGradients | undefined, options: { inputGradient: false; out?: BackwardOutTensors }): Promise<RecurrentStateGradients>;
  async backwardAsync(grads?: RecurrentGradients, options?: { inputGradient?: true; out?: BackwardOutTensors }): Promise<RecurrentInputGradients>;
  async backwardAsync(grads: RecurrentGradients | undefined, options: BackwardOptions): Promise<RecurrentInputGradients | RecurrentStateGradients>;
  async backwardAsync(grads: RecurrentGradients = {}, options?: BackwardOptions): Promise<RecurrentInputGradients | RecurrentStateGradients> {
    return this.runAsync(() => this.backwardPlan(grads, options));
  }

  private *forwardPlan(x: SequenceTensor, h0: Tensor | null, c0: Tensor | null, options?: ForwardOptions): Generator<KernelCall, RecurrentOutput | RecurrentStates, void> {
    const name = this.constructor.name;
    const input = checkForwardInputs(name, this, x, h0, c0);
    const { T, B } = input;
    const reads = { fixed: this.parameterReads, call: (): ReadArray[] => [['x', input.x], ['h0', input.h0], ['c0', input.c0]] };
    const { returnOutput, out } = checkForwardOptions(name, options, this, T, B, reads);
    const LD = this.numLayers * this.numDirections;
    checkActivationCount(`${name}.forward(x)`, LD * cacheSize(this.cell, T, B, this.hiddenSize, this.stateSize) + (this.numLayers + 1) * T * B * this.numDirections * this.stateSize,
      `a batch of ${B} × ${T} steps through ${this.numLayers} layer(s) of hiddenSize ${this.hiddenSize}`);
    this.saved = null; // the workspace is about to be overwritten
    const { result, saved } = yield* forwardCalls(this.stack(), input, returnOutput, out);
    this.saved = saved;
    return result;
  }

  private *backwardPlan(grads: RecurrentGradients, options?: BackwardOptions): Generator<KernelCall, RecurrentInputGradients | RecurrentStateGradients, void> {
    const name = this.constructor.name;
    const saved = this.saved;
    if (!saved) throw new Error(`${name}.backward: call forward in training mode first (layer.train())`);
    const upstream = checkUpstream(name, this, grads, saved.T, saved.B);
    const reads = {
      fixed: this.parameterReads,
      call: (): ReadArray[] => [
        ['dOutput', upstream.dOutput], ['dhN', upstream.dhN], ['dcN', upstream.dcN],
        ['the x of the training forward', saved.inputs[0]], ['the output of the training forward', saved.ys[saved.ys.length - 1]],
      ],
    };
    const { inputGradient, out } = checkBackwardOptions(name, options, this, saved.T, saved.B, reads);
    return yield* backwardCalls(this.stack(), saved, upstream, inputGradient, out);
  }

  /** Parameter values and gradients, which no out tensor may overlap (the arrays are the layer's for good). */
  private get parameterReads(): readonly ReadArray[] {
    this.parameterReadList ??= this.ownParameters().flatMap((p): ReadArray[] => [[p.name, p.value.data], [`${p.name} gradient`, p.grad.data]]);
    return this.parameterReadList;
  }

  private stack(): Stack {
    return {
      cell: this.cell, inputSize: this.inputSize, hiddenSize: this.hiddenSize, projSize: this.projSize, numLayers: this.numLayers,
      numDirections: this.numDirections, batchFirst: this.batchFirst, dtype: this.dtype, dropout: this.dropout,
      training: this.training, params: this.directionParams, workspace: this.workspace,
      dropoutMask: (n) => this.dropoutMask(n),
    };
  }

  private runSync<R>(steps: Generator<KernelCall, R, void>): R {
    for (let r = steps.next(); ; r = steps.next()) {
      if (r.done) return r.value;
      const call = r.value;
      if (call.op === 'forward') this.backend.recurrentForward(this.cell, call.args);
      else this.backend.recurrentBackward(this.cell, call.args);
    }
  }

  private async runAsync<R>(start: () => Generator<KernelCall, R, void>): Promise<R> {
    this.checkIdle();
    this.busy = true;
    try {
      const steps = start();
      for (let r = steps.next(); ; r = steps.next()) {
        if (r.done) return r.value;
        await this.runKernelAsync(r.value);
      }
    } finally {
      this.busy = false;
    }
  }

  private async runKernelAsync(call: KernelCall): Promise<void> {
    const b = this.backend;
    if (call.op === 'forward') {
      if (b.recurrentForwardAsync) await b.recurrentForwardAsync(this.cell, call.args);
      else b.recurrentForward(this.cell, call.args);
    } else if (b.recurrentBackwardAsync) {
      await b.recurrentBackwardAsync(this.cell, call.args);
    } else {
      b.recurrentBackward(this.cell, call.args);
    }
  }

  private checkIdle(): void {
    if (this.busy) {
      throw new LayerBusyError(`${this.constructor.name}: an async forward/backward is still running on this layer; await it before the next call`);
    }
  }

  private dropoutMask(n: number): FloatArray {
    const mask = allocate(this.dtype, n);
    const keep = 1 - this.dropout;
    for (let i = 0; i < n; i++) mask[i] = this.rng.next() < keep ? 1 / keep : 0;
    return mask;
  }
}

/** projSize: 0 (none) or, for an LSTM, an integer in [1, hiddenSize) — PyTorch's proj_size rules. */
function checkProjSize(name: string, cell: CellKind, value: unknown, hiddenSize: number): number {
  if (value === undefined) return 0;
  const n = checkInt('projSize', value, 0);
  if (n === 0) return 0;
  if (cell !== 'lstm') throw new RangeError(`projSize: only LSTM takes a projection (PyTorch's proj_size), received projSize ${n} for ${name}`);
  if (n >= hiddenSize) {
    throw new RangeError(`projSize: expected an integer in [0, hiddenSize) = [0, ${hiddenSize}) (PyTorch's proj_size must be smaller than hidden_size), received ${n}`);
  }
  return n;
}
