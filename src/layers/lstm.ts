/**
 * Long short-term memory, as torch.nn.LSTM: gates i, f, g, o; c_t = f ⊙ c_{t−1} + i ⊙ g;
 * h_t = o ⊙ tanh(c_t). Same options, shapes and parameter names (weight_ih_l0 is [4H, I]); forward takes
 * and returns the cell state too (c0 → cN), backward takes dcN and returns dc0.
 */
import { RecurrentLayer, type RecurrentOptions } from './recurrent.js';

export class LSTM extends RecurrentLayer {
  constructor(options: RecurrentOptions) {
    super('lstm', options);
  }
}
