/**
 * The recurrent-layer contract shared by RNN, LSTM and GRU: stacked layers, both directions, dropout
 * between layers, batch-first or time-major input, initial and final states with PyTorch's shapes, and
 * PyTorch's parameter names. The arithmetic lives in the backend; this file only arranges the calls.
 *
 * Forward and backward are written once, as generators that yield kernel calls; `forward` runs them
 * synchronously and `forwardAsync` awaits the engine's async variant, so the two can never drift apart.
 *
 * Shapes: x [B, T, I] (batchFirst) or [T, B, I]; output [B, T, D·H]; h0/hN/c0/cN [L·D, B, H].
 */
import type { Backend, CellKind, RecurrentBackwardArgs, RecurrentForwardArgs } from '../backend/backend.js';
import { cacheSize, gateCount } from '../backend/backend.js';
import { resolveBackend, type BackendChoice } from '../backend/select.js';
import { referenceBackend } from '../backend/reference/index.js';
import type { Parameter } from '../parameter.js';
import type { DType, FloatArray, Tensor } from '../tensor.js';
import { allocate, dtypeOf, zeros } from '../tensor.js';
import { checkBoolean, checkInt, checkNumber, checkOneOf, checkTensor, describe } from '../errors.js';
import { Rng } from '../random.js';
import { Module } from './module.js';
import { readColumnBlock, swapLeadingDims, writeColumnBlock } from './sequence.js';

export interface RecurrentOptions {
  inputSize: number;
  hiddenSize: number;
  numLayers?: number;
  bias?: boolean;
  batchFirst?: boolean;
  dropout?: number;
  bidirectional?: boolean;
  backend?: BackendChoice | Backend;
  threads?: number;
  seed?: number;
  dtype?: DType;
}

export interface RecurrentOutput {
  output: Tensor;
  hN: Tensor;
  cN?: Tensor;
}

export interface RecurrentGradients {
  dOutput?: Tensor | null;
  dhN?: Tensor | null;
  dcN?: Tensor | null;
}

export interface RecurrentInputGradients {
  dInput: Tensor;
  dh0: Tensor;
  dc0?: Tensor;
}

/** Thrown when a layer is called while an async call on it is still running. */
export class LayerBusyError extends Error {
  override name = 'LayerBusyError';
}

type KernelCall =
  | { op: 'forward'; args: RecurrentForwardArgs }
  | { op: 'backward'; args: RecurrentBackwardArgs };

/** One layer and direction's parameters, in PyTorch's order. */
interface DirectionParams {
  weightIh: Parameter;
  weightHh: Parameter;
  biasIh: Parameter | null;
  biasHh: Parameter | null;
}

/** What a training forward keeps for backward. */
interface SavedForward {
  T: number;
  B: number;
  /** time-major input of each layer (after dropout for k > 0) */
  inputs: FloatArray[];
  /** dropout masks (already scaled by 1/(1−p)) for the input of layer k > 0, or null */
  masks: (FloatArray | null)[];
  /** per layer·direction: output, cache, initial states */
  ys: FloatArray[];
  caches: (FloatArray | null)[];
  h0s: (FloatArray | null)[];
  c0s: (FloatArray | null)[];
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
  readonly dtype: DType;
  readonly backend: Backend;
  private readonly directionParams: DirectionParams[] = [];
  private readonly rng: Rng;
  private saved: SavedForward | null = null;
  private busy = false;

  protected constructor(cell: CellKind, options: RecurrentOptions) {
    super();
    const name = this.constructor.name;
    if (typeof options !== 'object' || options === null) throw new TypeError(`${name}(options): expected an object, received ${describe(options)}`);
    this.cell = cell;
    this.inputSize = checkInt('inputSize', options.inputSize, 1);
    this.hiddenSize = checkInt('hiddenSize', options.hiddenSize, 1);
    this.numLayers = checkInt('numLayers', options.numLayers ?? 1, 1);
    this.bias = checkBoolean('bias', options.bias ?? true);
    this.batchFirst = checkBoolean('batchFirst', options.batchFirst ?? true);
    this.dropout = checkNumber('dropout', options.dropout ?? 0, { min: 0, max: 1 });
    if (this.dropout === 1) throw new RangeError('dropout: expected a probability in [0, 1), received 1');
    this.bidirectional = checkBoolean('bidirectional', options.bidirectional ?? false);
    this.dtype = checkOneOf('dtype', options.dtype ?? 'float32', ['float32', 'float64'] as const);
    this.rng = new Rng(options.seed);
    this.backend = this.chooseBackend(options);
    this.initParameters();
  }

  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  private chooseBackend(options: RecurrentOptions): Backend {
    const choice = options.backend;
    if (this.dtype === 'float64') {
      // Only the reference engine computes in float64; 'auto' quietly takes it.
      if (choice === undefined || choice === 'auto' || choice === 'reference') return referenceBackend;
      const backend = resolveBackend(choice, { threads: options.threads });
      if (!backend.supportsFloat64) {
        throw new RangeError(`dtype: 'float64' needs backend 'reference' or 'auto', received backend ${describe(backend.name)}`);
      }
      return backend;
    }
    return resolveBackend(choice, { threads: options.threads });
  }

  private initParameters(): void {
    const G = gateCount(this.cell);
    const H = this.hiddenSize;
    const bound = 1 / Math.sqrt(H);
    for (let k = 0; k < this.numLayers; k++) {
      const inK = k === 0 ? this.inputSize : this.numDirections * H;
      for (let d = 0; d < this.numDirections; d++) {
        const suffix = `_l${k}${d === 1 ? '_reverse' : ''}`;
        const make = (prefix: string, shape: number[]): Parameter => {
          const p = { name: `${prefix}${suffix}`, value: zeros(shape, this.dtype), grad: zeros(shape, this.dtype) };
          this.rng.fillUniform(p.value.data, -bound, bound);
          return p;
        };
        this.directionParams.push({
          weightIh: make('weight_ih', [G * H, inK]),
          weightHh: make('weight_hh', [G * H, H]),
          biasIh: this.bias ? make('bias_ih', [G * H]) : null,
          biasHh: this.bias ? make('bias_hh', [G * H]) : null,
        });
      }
    }
  }

  protected override ownParameters(): Parameter[] {
    const out: Parameter[] = [];
    for (const p of this.directionParams) {
      out.push(p.weightIh, p.weightHh);
      if (p.biasIh && p.biasHh) out.push(p.biasIh, p.biasHh);
    }
    return out;
  }

  /** Runs the whole stack over a sequence. */
  forward(x: Tensor, h0?: Tensor | null, c0?: Tensor | null): RecurrentOutput {
    this.checkIdle();
    const steps = this.forwardCalls(x, h0 ?? null, c0 ?? null);
    for (let r = steps.next(); ; r = steps.next()) {
      if (r.done) return r.value;
      this.backend.recurrentForward(this.cell, r.value.args as RecurrentForwardArgs);
    }
  }

  /** Backpropagation through time; accumulates parameter gradients and returns input gradients. */
  backward(grads: RecurrentGradients = {}): RecurrentInputGradients {
    this.checkIdle();
    const steps = this.backwardCalls(grads);
    for (let r = steps.next(); ; r = steps.next()) {
      if (r.done) return r.value;
      this.backend.recurrentBackward(this.cell, r.value.args as RecurrentBackwardArgs);
    }
  }

  /** Like forward, but long kernels run off the event loop when the engine can (the native one). */
  async forwardAsync(x: Tensor, h0?: Tensor | null, c0?: Tensor | null): Promise<RecurrentOutput> {
    return this.runAsync(() => this.forwardCalls(x, h0 ?? null, c0 ?? null));
  }

  async backwardAsync(grads: RecurrentGradients = {}): Promise<RecurrentInputGradients> {
    return this.runAsync(() => this.backwardCalls(grads));
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

  private checkInputs(x: Tensor, h0: Tensor | null, c0: Tensor | null): { T: number; B: number } {
    const name = this.constructor.name;
    const shape = checkTensor(`${name}.forward(x)`, x, 3);
    const [T, B] = this.batchFirst ? [shape[1], shape[0]] : [shape[0], shape[1]];
    const layout = this.batchFirst ? '[B, T, inputSize]' : '[T, B, inputSize]';
    if (shape[2] !== this.inputSize) {
      throw new RangeError(`${name}.forward(x): expected shape ${layout} with inputSize ${this.inputSize}, received [${shape.join(', ')}]`);
    }
    if (T === 0) throw new RangeError(`${name}.forward(x): expected at least one time step, received an empty sequence (shape [${shape.join(', ')}])`);
    if (B === 0) throw new RangeError(`${name}.forward(x): expected a batch of at least 1, received shape [${shape.join(', ')}]`);
    if (dtypeOf(x.data) !== this.dtype) {
      throw new TypeError(`${name}.forward(x): expected ${this.dtype === 'float32' ? 'a Float32Array' : 'a Float64Array'} (the layer's dtype), received ${describe(x.data)}`);
    }
    const stateShape = [this.numLayers * this.numDirections, B, this.hiddenSize];
    for (const [label, s] of [['h0', h0], ['c0', c0]] as const) {
      if (!s) continue;
      checkTensor(`${name}.forward(${label})`, s, stateShape);
      if (dtypeOf(s.data) !== this.dtype) throw new TypeError(`${name}.forward(${label}): expected ${this.dtype} data, received ${describe(s.data)}`);
    }
    if (c0 && this.cell !== 'lstm') throw new TypeError(`${name}.forward(c0): only LSTM has a cell state, received a c0 tensor`);
    return { T, B };
  }

  private *forwardCalls(x: Tensor, h0: Tensor | null, c0: Tensor | null): Generator<KernelCall, RecurrentOutput, void> {
    const { T, B } = this.checkInputs(x, h0, c0);
    const H = this.hiddenSize;
    const D = this.numDirections;
    const L = this.numLayers;
    const isLstm = this.cell === 'lstm';
    const train = this.training;
    const hN = zeros([L * D, B, H], this.dtype);
    const cN = isLstm ? zeros([L * D, B, H], this.dtype) : null;
    const saved: SavedForward = { T, B, inputs: [], masks: [], ys: [], caches: [], h0s: [], c0s: [] };
    let input: FloatArray = this.batchFirst ? swapLeadingDims(x.data, B, T, this.inputSize) : x.data.slice();
    for (let k = 0; k < L; k++) {
      const inK = k === 0 ? this.inputSize : D * H;
      let mask: FloatArray | null = null;
      if (k > 0 && train && this.dropout > 0) {
        mask = this.dropoutMask(input.length);
        // A new array: the previous layer's output is still needed, unmasked, by its own backward.
        const masked = allocate(this.dtype, input.length);
        for (let i = 0; i < input.length; i++) masked[i] = input[i] * mask[i];
        input = masked;
      }
      saved.inputs.push(input);
      saved.masks.push(mask);
      const layerOut = D === 1 ? null : allocate(this.dtype, T * B * D * H);
      let y: FloatArray = input;
      for (let d = 0; d < D; d++) {
        const s = k * D + d;
        const p = this.directionParams[s];
        y = allocate(this.dtype, T * B * H);
        const cache = train && cacheSize(this.cell, T, B, H) > 0 ? allocate(this.dtype, cacheSize(this.cell, T, B, H)) : null;
        const h0s = h0 ? h0.data.subarray(s * B * H, (s + 1) * B * H) : null;
        const c0s = c0 ? c0.data.subarray(s * B * H, (s + 1) * B * H) : null;
        yield {
          op: 'forward',
          args: {
            T, B, I: inK, H, reverse: d === 1,
            y, hN: hN.data.subarray(s * B * H, (s + 1) * B * H), cN: cN ? cN.data.subarray(s * B * H, (s + 1) * B * H) : null, cache,
            x: input, h0: h0s, c0: c0s,
            weightIh: p.weightIh.value.data, weightHh: p.weightHh.value.data,
            biasIh: p.biasIh?.value.data ?? null, biasHh: p.biasHh?.value.data ?? null,
          },
        };
        saved.ys.push(y);
        saved.caches.push(cache);
        // Copies, so a caller reusing its h0 buffer cannot change what backward sees.
        saved.h0s.push(h0s ? h0s.slice() : null);
        saved.c0s.push(c0s ? c0s.slice() : null);
        if (layerOut) writeColumnBlock(layerOut, y, T * B, H, D, d);
      }
      input = layerOut ?? y;
    }
    this.saved = train ? saved : null;
    const outData = this.batchFirst ? swapLeadingDims(input, T, B, D * H) : input === saved.ys[saved.ys.length - 1] ? input.slice() : input;
    const output = { data: outData, shape: this.batchFirst ? [B, T, D * H] : [T, B, D * H] };
    return cN ? { output, hN, cN } : { output, hN };
  }

  private *backwardCalls(grads: RecurrentGradients): Generator<KernelCall, RecurrentInputGradients, void> {
    const name = this.constructor.name;
    const saved = this.saved;
    if (!saved) throw new Error(`${name}.backward: call forward in training mode first (layer.train())`);
    if (typeof grads !== 'object' || grads === null) throw new TypeError(`${name}.backward(grads): expected { dOutput?, dhN?, dcN? }, received ${describe(grads)}`);
    const { T, B } = saved;
    const H = this.hiddenSize;
    const D = this.numDirections;
    const L = this.numLayers;
    const outShape = this.batchFirst ? [B, T, D * H] : [T, B, D * H];
    const stateShape = [L * D, B, H];
    const { dOutput, dhN, dcN } = grads;
    for (const [label, g, shape] of [['dOutput', dOutput, outShape], ['dhN', dhN, stateShape], ['dcN', dcN, stateShape]] as const) {
      if (!g) continue;
      checkTensor(`${name}.backward(${label})`, g, shape);
      if (dtypeOf(g.data) !== this.dtype) throw new TypeError(`${name}.backward(${label}): expected ${this.dtype} data, received ${describe(g.data)}`);
    }
    if (dcN && this.cell !== 'lstm') throw new TypeError(`${name}.backward(dcN): only LSTM has a cell state, received a dcN tensor`);
    const isLstm = this.cell === 'lstm';
    const dh0 = zeros(stateShape, this.dtype);
    const dc0 = isLstm ? zeros(stateShape, this.dtype) : null;
    let dY: FloatArray | null = dOutput ? (this.batchFirst ? swapLeadingDims(dOutput.data, B, T, D * H) : dOutput.data) : null;
    let dX: FloatArray = allocate(this.dtype, 0);
    for (let k = L - 1; k >= 0; k--) {
      const inK = k === 0 ? this.inputSize : D * H;
      dX = allocate(this.dtype, T * B * inK);
      for (let d = 0; d < D; d++) {
        const s = k * D + d;
        const p = this.directionParams[s];
        const dy = dY && D > 1 ? readColumnBlock(dY, T * B, H, D, d) : dY;
        const dx = D === 1 ? dX : allocate(this.dtype, T * B * inK);
        yield {
          op: 'backward',
          args: {
            T, B, I: inK, H, reverse: d === 1,
            dx, dh0: dh0.data.subarray(s * B * H, (s + 1) * B * H), dc0: dc0 ? dc0.data.subarray(s * B * H, (s + 1) * B * H) : null,
            dWeightIh: p.weightIh.grad.data, dWeightHh: p.weightHh.grad.data,
            dBiasIh: p.biasIh?.grad.data ?? null, dBiasHh: p.biasHh?.grad.data ?? null,
            dy,
            dhN: dhN ? dhN.data.subarray(s * B * H, (s + 1) * B * H) : null,
            dcN: dcN ? dcN.data.subarray(s * B * H, (s + 1) * B * H) : null,
            x: saved.inputs[k], h0: saved.h0s[s], c0: saved.c0s[s],
            weightIh: p.weightIh.value.data, weightHh: p.weightHh.value.data,
            y: saved.ys[s], cache: saved.caches[s],
          },
        };
        if (D > 1) for (let i = 0; i < dX.length; i++) dX[i] += dx[i];
      }
      const mask = saved.masks[k];
      if (mask) for (let i = 0; i < dX.length; i++) dX[i] *= mask[i];
      dY = dX;
    }
    const dInputData = this.batchFirst ? swapLeadingDims(dX, T, B, this.inputSize) : dX;
    const dInput = { data: dInputData, shape: this.batchFirst ? [B, T, this.inputSize] : [T, B, this.inputSize] };
    return dc0 ? { dInput, dh0, dc0 } : { dInput, dh0 };
  }

  private dropoutMask(n: number): FloatArray {
    const mask = allocate(this.dtype, n);
    const keep = 1 - this.dropout;
    for (let i = 0; i < n; i++) mask[i] = this.rng.next() < keep ? 1 / keep : 0;
    return mask;
  }
}
