/**
 * One time step of a recurrent cell, as torch.nn.RNNCell, LSTMCell and GRUCell: same options (camelCase),
 * parameter names and shapes (weight_ih [G·H, I], weight_hh [G·H, H], bias_ih, bias_hh [G·H]), gate order
 * and initialisation. Each forward is one kernel call with T = 1; backward is LIFO (see cell.ts).
 *
 *   RNNCell   h' = f(W_ih x + b_ih + W_hh h + b_hh), f = tanh | relu                           G = 1
 *   LSTMCell  i, f, g, o gates; c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c')                            G = 4
 *   GRUCell   r, z, n gates; n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)); h' = (1 − z) ⊙ n + z ⊙ h   G = 3
 *
 *   const cell = new LSTMCell({ inputSize, hiddenSize });
 *   let h = null, c = null;
 *   for (const x of xs) ({ h, c } = cell.forward(x, h, c));          // x [B, I] → h, c [B, H]; one kept step each
 *   let dh = null, dc = null;                                         // what step t+1 sent back to h_t, c_t
 *   for (let t = xs.length - 1; t >= 0; t--) {                        // LIFO: the last step first
 *     const g = cell.backward({ dh: add(dLoss_dh[t], dh), dc });      // dh: the loss's own ∂/∂h_t plus the carry
 *     dx[t] = g.dInput; dh = g.dh0; dc = g.dc0;
 *   }
 */
import { checkOneOf } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { RecurrentCell, type CellInputGradients, type CellOptions } from './cell.js';

export interface RNNCellOptions extends CellOptions {
  nonlinearity?: 'tanh' | 'relu';
}

export interface RNNCellOutput {
  h: Tensor;
}

export interface RNNCellInputGradients extends CellInputGradients {
  dc0?: undefined;
}

export interface LSTMCellOutput {
  h: Tensor;
  c: Tensor;
}

export interface LSTMCellInputGradients extends CellInputGradients {
  dc0: Tensor;
}

/** Elman cell: h' = tanh | relu (W_ih x + b_ih + W_hh h + b_hh). forward(x, h?) → { h }. */
export class RNNCell extends RecurrentCell<RNNCellOutput, RNNCellInputGradients> {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(options: RNNCellOptions) {
    const nonlinearity = checkOneOf('nonlinearity', options?.nonlinearity ?? 'tanh', ['tanh', 'relu'] as const);
    super(nonlinearity === 'tanh' ? 'rnn_tanh' : 'rnn_relu', options, ['nonlinearity']);
    this.nonlinearity = nonlinearity;
  }
}

/** LSTM cell: forward(x, h?, c?) → { h, c }; backward({ dh?, dc? }) → { dInput, dh0, dc0 }. */
export class LSTMCell extends RecurrentCell<LSTMCellOutput, LSTMCellInputGradients> {
  constructor(options: CellOptions) {
    super('lstm', options);
  }
}

/** GRU cell: forward(x, h?) → { h }; backward({ dh? }) → { dInput, dh0 }. */
export class GRUCell extends RecurrentCell<RNNCellOutput, RNNCellInputGradients> {
  constructor(options: CellOptions) {
    super('gru', options);
  }
}
