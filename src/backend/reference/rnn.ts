/**
 * Vanilla RNN, one layer, one direction, whole sequence — the specification the native rnn.cc must match.
 *
 *   pre_t = x_t · W_ihᵀ + b_ih + h_{t−1} · W_hhᵀ + b_hh        [B, H]
 *   h_t   = f(pre_t),  f = tanh | relu
 *
 * BPTT (gradients summed over time steps):
 *   dh_t   = dy_t + dpre_{t+1} · W_hh        (dhN seeds each sequence's last step)
 *   dpre_t = dh_t ⊙ f'(pre_t)                tanh' = 1 − h_t², relu' = [h_t > 0]
 *   dW_ih += Σ_t dpre_tᵀ · x_t    dW_hh += Σ_t dpre_tᵀ · h_{t−1}    db += Σ_t Σ_b dpre_t
 *   dx_t  += dpre_t · W_ih        dh0 = dpre_first · W_hh
 *
 * Shapes: T steps, B batch, I input, H hidden. x [B,T,I] or [T,B,I], y [·,·,yStride] (this direction's
 * H columns at yOffset), h0/hN [B,H]. "t" runs over each sequence's own steps (common.ts, the step plan).
 * No projection: P = H and weightHr/dWeightHr are null (checked before the call, index.ts).
 * Training cache: none (f' follows from y). Scratch: pre [B, H] per step, dpre [N, H] by plan entry.
 */
import type { RecurrentBackwardArgs, RecurrentForwardArgs } from '../backend.js';
import { gatherMatmulABt, scatterMatmulAB } from './matmul.js';
import { addWeightAndInputGradients, biasRow, fillRows, gradientState, initialState, stepPlan, zeroPaddedSteps } from './common.js';

export type Activation = 'tanh' | 'relu';

export function rnnForward(act: Activation, a: RecurrentForwardArgs): void {
  const { T, B, I, H, x, y, hN, h0, weightIh, weightHh, biasIh, biasHh } = a;
  const plan = stepPlan(`rnn_${act}`, a);
  zeroPaddedSteps(y, a);
  const h = initialState(y, B, H, h0); // h_{t−1} of every sequence
  const bias = biasRow(H, biasIh, biasHh);
  const pre = new Float64Array(B * H);
  for (let s = 0; s < T; s++) {
    const m0 = plan.start[s];
    const m1 = plan.start[s + 1];
    fillRows(pre, m1 - m0, bias);
    gatherMatmulABt(pre, x, plan.xRow, weightIh, m0, m1, H, I);
    if (s > 0 || h0) gatherMatmulABt(pre, h, plan.hRow, weightHh, m0, m1, H, H);
    for (let m = m0; m < m1; m++) {
      const p = (m - m0) * H;
      const yo = plan.yRow[m];
      const ho = plan.hRow[m];
      for (let j = 0; j < H; j++) {
        const v = pre[p + j];
        const ht = act === 'tanh' ? Math.tanh(v) : v > 0 ? v : 0;
        y[yo + j] = ht;
        h[ho + j] = ht;
      }
    }
  }
  hN.set(h); // each sequence's state after its own last step
}

export function rnnBackward(act: Activation, a: RecurrentBackwardArgs): void {
  const { T, B, H, y, weightHh, dh0, dy, dhN } = a;
  const plan = stepPlan(`rnn_${act}`, a);
  const dpre = new Float64Array(plan.N * H);
  const dh = gradientState(B, H, dhN); // the recurrent path into h_t of every sequence
  for (let s = T - 1; s >= 0; s--) {
    const m0 = plan.start[s];
    const m1 = plan.start[s + 1];
    for (let m = m0; m < m1; m++) {
      const p = m * H;
      const yo = plan.yRow[m];
      const ho = plan.hRow[m];
      for (let j = 0; j < H; j++) {
        const g = dh[ho + j] + (dy ? dy[yo + j] : 0);
        const ht = y[yo + j];
        dpre[p + j] = act === 'tanh' ? g * (1 - ht * ht) : ht > 0 ? g : 0;
      }
      dh.fill(0, ho, ho + H);
    }
    scatterMatmulAB(dh, plan.hRow, dpre.subarray(m0 * H), weightHh, m0, m1, H, H);
  }
  dh0.set(dh);
  addWeightAndInputGradients(a, plan, dpre, dpre, H);
}
