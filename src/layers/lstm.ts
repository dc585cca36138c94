/**
 * Long short-term memory, as torch.nn.LSTM: gates i, f, g, o; c_t = f ⊙ c_{t−1} + i ⊙ g;
 * h_t = o ⊙ tanh(c_t). Same options, shapes and parameter names (weight_ih_l0 is [4H, I]); forward takes
 * and returns the cell state too (c0 → cN), backward takes dcN and returns dc0.
 *
 * `projSize` (PyTorch's proj_size, an integer in [0, hiddenSize); 0 = none) projects h: h_t = W_hr · (o ⊙
 * tanh c_t) with weight_hr_l{k}[_reverse] [projSize, hiddenSize]. Then h0/hN, the output's per-direction
 * block and layer k > 0's input use projSize (weight_hh is [4H, projSize]); c0/cN stay [L·D, B, hiddenSize].
 */
import { RecurrentLayer, type RecurrentOptions } from './recurrent.js';

export class LSTM extends RecurrentLayer {
  constructor(options: RecurrentOptions) {
    super('lstm', options);
  }
}
