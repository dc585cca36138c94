/**
 * Gated recurrent unit, as torch.nn.GRU: gates r, z, n; n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn));
 * h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}. Same options, shapes and parameter names (weight_ih_l0 is [3H, I]).
 */
import { RecurrentLayer, type RecurrentOptions } from './recurrent.js';

export class GRU extends RecurrentLayer {
  constructor(options: RecurrentOptions) {
    super('gru', options);
  }
}
