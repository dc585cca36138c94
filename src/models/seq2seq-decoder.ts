/**
 * The Seq2Seq decoder's recurrent part: a stack of L one-step cells (RNNCell / LSTMCell / GRUCell), layer k's
 * h the input of layer k+1, stepped one token at a time; and the bridge from the encoder's final states to
 * the decoder's initial ones.
 *
 * Names: the stack's parameters read as torch.nn.LSTM(num_layers=L)'s (weight_ih_l0, weight_hh_l0, bias_ih_l0,
 * bias_hh_l0, …_l1), so a PyTorch decoder written as an nn.LSTM called one step at a time loads as is.
 *
 * Bridge (encoder hN/cN [L·D, B, H] → decoder h0/c0, one [B, H] per layer):
 *   unidirectional encoder  h0_l = hN_l (and c0_l = cN_l): no parameters
 *   bidirectional, 'sum'    h0_l = hN_{l, forward} + hN_{l, backward} (same for c)
 *   bidirectional, 'linear' h0_l = bridge_h([hN_{l, fwd}; hN_{l, bwd}]), c0_l = bridge_c([cN_{l, fwd}; cN_{l, bwd}]):
 *                           learned affine maps 2H → H shared by the layers (no squashing, as OpenNMT's
 *                           bridge without its ReLU)
 */
import type { Parameter } from '../parameter.js';
import type { DType, FloatArray, Tensor } from '../tensor.js';
import { allocate, zeros } from '../tensor.js';
import { GRUCell, LSTMCell, RNNCell } from '../layers/cells.js';
import type { RecurrentCell } from '../layers/cell.js';
import type { CellOptions } from '../layers/cell.js';
import { Linear } from '../layers/linear.js';
import { Module } from '../layers/module.js';

export type Seq2SeqCell = 'rnn' | 'lstm' | 'gru';
export type Bridge = 'sum' | 'linear';

/** Per-layer decoder states: h[k], c[k] are [B, H] (c null unless LSTM). */
export interface DecoderState {
  h: Tensor[];
  c: (Tensor | null)[];
}

/** What one backward step carries to the step before: dh[k], dc[k] [B, H] (null: zeros). */
export interface DecoderCarry {
  dh: (Tensor | null)[];
  dc: (Tensor | null)[];
}

function addInto(target: FloatArray, source: FloatArray): void {
  for (let i = 0; i < target.length; i++) target[i] += source[i];
}

/** a + b (either may be null = zeros); a new tensor unless one side is null. */
function sum(a: Tensor | null, b: Tensor | null): Tensor | null {
  if (!a) return b;
  if (!b) return a;
  const data = a.data.slice();
  addInto(data, b.data);
  return { data, shape: [...a.shape] };
}

export class DecoderStack extends Module {
  readonly cells: RecurrentCell[];
  readonly isLstm: boolean;

  constructor(cell: Seq2SeqCell, numLayers: number, options: { inputSize: number } & Omit<CellOptions, 'inputSize'>) {
    super();
    this.isLstm = cell === 'lstm';
    this.cells = [];
    for (let k = 0; k < numLayers; k++) {
      const o: CellOptions = { ...options, inputSize: k === 0 ? options.inputSize : options.hiddenSize, seed: options.seed === undefined ? undefined : options.seed + k };
      this.cells.push(cell === 'lstm' ? new LSTMCell(o) : cell === 'gru' ? new GRUCell(o) : new RNNCell(o));
    }
  }

  /** nn.LSTM's names: each cell's weight_ih → weight_ih_l{k}, and so on. */
  protected override ownParameters(): Parameter[] {
    const out: Parameter[] = [];
    this.cells.forEach((cell, k) => {
      for (const p of cell.parameters()) out.push({ name: `${p.name}_l${k}`, value: p.value, grad: p.grad });
    });
    return out;
  }

  override train(mode = true): this {
    super.train(mode);
    for (const cell of this.cells) cell.train(mode);
    return this;
  }

  /** Drops every kept step of every cell (after an aborted training step). */
  clearHistory(): void {
    for (const cell of this.cells) cell.clearHistory();
  }

  /** One step through every layer: x [B, E] → the new states (the top layer's h is the step's output). */
  step(x: Tensor, state: DecoderState): DecoderState {
    const h: Tensor[] = [];
    const c: (Tensor | null)[] = [];
    let input = x;
    this.cells.forEach((cell, k) => {
      const out = cell.forward(input, state.h[k], this.isLstm ? state.c[k] : null);
      h.push(out.h);
      c.push(out.c ?? null);
      input = out.h;
    });
    return { h, c };
  }

  /**
   * Undoes the most recent step (LIFO): dTop is the loss's own gradient for the top layer's h at this step,
   * carry what the step after sent back. Returns dx [B, E] and the carry for the step before.
   */
  stepBackward(dTop: Tensor | null, carry: DecoderCarry): { dInput: Tensor; carry: DecoderCarry } {
    const L = this.cells.length;
    const dh: (Tensor | null)[] = new Array(L).fill(null);
    const dc: (Tensor | null)[] = new Array(L).fill(null);
    let fromAbove: Tensor | null = dTop;
    let dInput: Tensor | null = null;
    for (let k = L - 1; k >= 0; k--) {
      const g = this.cells[k].backward(this.isLstm ? { dh: sum(carry.dh[k], fromAbove), dc: carry.dc[k] } : { dh: sum(carry.dh[k], fromAbove) });
      dh[k] = g.dh0;
      dc[k] = g.dc0 ?? null;
      fromAbove = g.dInput;
      dInput = g.dInput;
    }
    return { dInput: dInput!, carry: { dh, dc } };
  }
}

/** The bridge: encoder final states → decoder initial states, and back. */
export class StateBridge extends Module {
  readonly kind: Bridge | 'identity';
  readonly bridge_h: Linear | null;
  readonly bridge_c: Linear | null;
  readonly dtype: DType;
  private lastB = 0;

  constructor(readonly numLayers: number, readonly hiddenSize: number, bidirectional: boolean, bridge: Bridge, isLstm: boolean, o: { seed: number; dtype: DType; backend: CellOptions['backend']; threads?: number }) {
    super();
    this.dtype = o.dtype;
    this.kind = bidirectional ? bridge : 'identity';
    const make = (seed: number): Linear => new Linear({ inFeatures: 2 * hiddenSize, outFeatures: hiddenSize, seed, dtype: o.dtype, backend: o.backend, threads: o.threads });
    this.bridge_h = this.kind === 'linear' ? make(o.seed) : null;
    this.bridge_c = this.kind === 'linear' && isLstm ? make(o.seed + 1) : null;
  }

  protected override children(): Record<string, Module> {
    const out: Record<string, Module> = {};
    if (this.bridge_h) out.bridge_h = this.bridge_h;
    if (this.bridge_c) out.bridge_c = this.bridge_c;
    return out;
  }

  /** hN [L·D, B, H] (and cN) → per-layer [B, H] states. */
  forward(hN: Tensor, cN: Tensor | null): DecoderState {
    const B = hN.shape[1];
    this.lastB = B;
    return { h: this.map(hN, this.bridge_h, B), c: cN ? this.map(cN, this.bridge_c, B) : new Array<null>(this.numLayers).fill(null) };
  }

  /** Gradients for the decoder's initial states → dhN (and dcN) [L·D, B, H]. */
  backward(carry: DecoderCarry, isLstm: boolean): { dhN: Tensor; dcN: Tensor | null } {
    const B = this.lastB;
    return { dhN: this.unmap(carry.dh, this.bridge_h, B), dcN: isLstm ? this.unmap(carry.dc, this.bridge_c, B) : null };
  }

  private map(state: Tensor, linear: Linear | null, B: number): Tensor[] {
    const H = this.hiddenSize;
    const L = this.numLayers;
    const n = B * H;
    const dt = this.dtype;
    if (this.kind === 'identity') return Array.from({ length: L }, (_, l) => ({ data: state.data.slice(l * n, (l + 1) * n), shape: [B, H] }));
    if (this.kind === 'sum') {
      return Array.from({ length: L }, (_, l) => {
        const data = state.data.slice(2 * l * n, (2 * l + 1) * n);
        addInto(data, state.data.subarray((2 * l + 1) * n, (2 * l + 2) * n));
        return { data, shape: [B, H] };
      });
    }
    // 'linear': rows (l, b) = [fwd_l[b]; bwd_l[b]] → one Linear call over L·B rows.
    const x = allocate(dt, L * B * 2 * H);
    for (let l = 0; l < L; l++) {
      for (let b = 0; b < B; b++) {
        const row = (l * B + b) * 2 * H;
        x.set(state.data.subarray((2 * l * B + b) * H, (2 * l * B + b + 1) * H), row);
        x.set(state.data.subarray(((2 * l + 1) * B + b) * H, ((2 * l + 1) * B + b + 1) * H), row + H);
      }
    }
    const y = linear!.forward({ data: x, shape: [L * B, 2 * H] }).data;
    return Array.from({ length: L }, (_, l) => ({ data: y.slice(l * n, (l + 1) * n), shape: [B, H] }));
  }

  private unmap(grads: (Tensor | null)[], linear: Linear | null, B: number): Tensor {
    const H = this.hiddenSize;
    const L = this.numLayers;
    const n = B * H;
    const D = this.kind === 'identity' ? 1 : 2;
    const dt = this.dtype;
    const out = zeros([L * D, B, H], dt);
    if (this.kind === 'identity') {
      grads.forEach((g, l) => g && out.data.set(g.data, l * n));
      return out;
    }
    if (this.kind === 'sum') {
      grads.forEach((g, l) => {
        if (!g) return;
        out.data.set(g.data, 2 * l * n);
        out.data.set(g.data, (2 * l + 1) * n);
      });
      return out;
    }
    const dy = allocate(dt, L * n);
    grads.forEach((g, l) => g && dy.set(g.data, l * n));
    const dx = linear!.backward({ data: dy, shape: [L * B, H] }).data;
    for (let l = 0; l < L; l++) {
      for (let b = 0; b < B; b++) {
        const row = (l * B + b) * 2 * H;
        out.data.set(dx.subarray(row, row + H), (2 * l * B + b) * H);
        out.data.set(dx.subarray(row + H, row + 2 * H), ((2 * l + 1) * B + b) * H);
      }
    }
    return out;
  }
}
