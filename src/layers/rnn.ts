/**
 * The vanilla (Elman) RNN: h_t = f(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh), f = tanh or relu.
 * Same options, shapes and parameter names as torch.nn.RNN (camelCase).
 */
import { checkOneOf } from '../errors.js';
import { RecurrentLayer, type RecurrentOptions } from './recurrent.js';

export interface RNNOptions extends RecurrentOptions {
  nonlinearity?: 'tanh' | 'relu';
}

export class RNN extends RecurrentLayer {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(options: RNNOptions) {
    const nonlinearity = checkOneOf('nonlinearity', options?.nonlinearity ?? 'tanh', ['tanh', 'relu'] as const);
    super(nonlinearity === 'tanh' ? 'rnn_tanh' : 'rnn_relu', options);
    this.nonlinearity = nonlinearity;
  }
}
