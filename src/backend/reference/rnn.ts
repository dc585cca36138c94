/**
 * Vanilla RNN, one layer, one direction, whole sequence — the specification the native rnn.cc must match.
 *
 *   pre_t = x_t · W_ihᵀ + b_ih + h_{t−1} · W_hhᵀ + b_hh        [B, H]
 *   h_t   = f(pre_t),  f = tanh | relu
 *
 * BPTT (gradients summed over time steps):
 *   dh_t   = dy_t + dpre_{t+1} · W_hh        (dhN seeds the last step)
 *   dpre_t = dh_t ⊙ f'(pre_t)                tanh' = 1 − h_t², relu' = [h_t > 0]
 *   dW_ih += Σ_t dpre_tᵀ · x_t    dW_hh += Σ_t dpre_tᵀ · h_{t−1}    db += Σ_t Σ_b dpre_t
 *   dx_t   = dpre_t · W_ih        dh0 = dpre_first · W_hh
 *
 * Shapes: T steps, B batch, I input, H hidden. x [T,B,I], y [T,B,H], h0/hN [B,H].
 */
import type { RecurrentBackwardArgs, RecurrentForwardArgs } from '../backend.js';
import type { FloatArray } from '../../tensor.js';
import { matmulAddAB, matmulAddABt, matmulAddAtB } from './matmul.js';
import { addBiasRows, stepAt } from './common.js';

export type Activation = 'tanh' | 'relu';

export function rnnForward(act: Activation, a: RecurrentForwardArgs): void {
  const { T, B, I, H, reverse, x, y, hN, h0, weightIh, weightHh, biasIh, biasHh } = a;
  const BH = B * H;
  y.fill(0);
  // Input projection for every step at once: y ← x · W_ihᵀ + b_ih + b_hh (the recurrent term is added per step).
  matmulAddABt(y, 0, x, 0, weightIh, T * B, H, I);
  addBiasRows(y, 0, biasIh, T * B, H);
  addBiasRows(y, 0, biasHh, T * B, H);
  let prev: FloatArray | null = h0;
  let prevOff = 0;
  for (let i = 0; i < T; i++) {
    const t = stepAt(i, T, reverse);
    const off = t * BH;
    if (prev) matmulAddABt(y, off, prev, prevOff, weightHh, B, H, H);
    for (let j = off; j < off + BH; j++) y[j] = act === 'tanh' ? Math.tanh(y[j]) : y[j] > 0 ? y[j] : 0;
    prev = y;
    prevOff = off;
  }
  if (T === 0) {
    if (h0) hN.set(h0.subarray(0, BH));
    else hN.fill(0);
  } else {
    const last = stepAt(T - 1, T, reverse) * BH;
    hN.set(y.subarray(last, last + BH));
  }
}

export function rnnBackward(act: Activation, a: RecurrentBackwardArgs): void {
  const { T, B, I, H, reverse, x, y, h0, weightIh, weightHh, dx, dh0, dy, dhN } = a;
  const { dWeightIh, dWeightHh, dBiasIh, dBiasHh } = a;
  const BH = B * H;
  const Ctor = y.constructor as { new (n: number): FloatArray };
  // dpre for every step, kept so the weight gradients become two large products after the loop.
  const dpre = new Ctor(T * BH);
  const dh = new Ctor(BH);
  if (dhN) dh.set(dhN.subarray(0, BH));
  for (let i = T - 1; i >= 0; i--) {
    const t = stepAt(i, T, reverse);
    const off = t * BH;
    for (let j = 0; j < BH; j++) {
      const g = dh[j] + (dy ? dy[off + j] : 0);
      const h = y[off + j];
      dpre[off + j] = act === 'tanh' ? g * (1 - h * h) : h > 0 ? g : 0;
    }
    dh.fill(0);
    matmulAddAB(dh, 0, dpre, off, weightHh, B, H, H);
  }
  dh0.set(dh);
  // Weight and input gradients over all T·B rows at once.
  dx.fill(0);
  matmulAddAB(dx, 0, dpre, 0, weightIh, T * B, I, H);
  matmulAddAtB(dWeightIh, dpre, 0, x, 0, T * B, H, I);
  // h_{t−1} for step t: the previous step's y in processing order, h0 (or zeros) for the first.
  for (let i = 0; i < T; i++) {
    const t = stepAt(i, T, reverse);
    if (i === 0) {
      if (h0) matmulAddAtB(dWeightHh, dpre, t * BH, h0, 0, B, H, H);
    } else {
      matmulAddAtB(dWeightHh, dpre, t * BH, y, stepAt(i - 1, T, reverse) * BH, B, H, H);
    }
  }
  for (const db of [dBiasIh, dBiasHh]) {
    if (!db) continue;
    for (let r = 0; r < T * B; r++) for (let j = 0; j < H; j++) db[j] += dpre[r * H + j];
  }
}
