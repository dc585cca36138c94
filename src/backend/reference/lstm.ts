/**
 * LSTM, one layer, one direction, whole sequence — PyTorch's torch.nn.LSTM, the specification the native
 * lstm.cc must match.
 *
 *   pre_t = x_t · W_ihᵀ + b_ih + h_{t−1} · W_hhᵀ + b_hh      [B, 4H], columns [i | f | g | o], H each
 *   i_t = σ(pre_i)   f_t = σ(pre_f)   g_t = tanh(pre_g)   o_t = σ(pre_o)
 *   c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
 *   h_t = o_t ⊙ tanh(c_t)
 *
 * BPTT (dh and dc flow backwards; dhN and dcN seed the last step):
 *   dh_t  = dy_t + dpre_{t+1} · W_hh                       (the recurrent path into h_t)
 *   dc_t  = f_{t+1} ⊙ dc_{t+1} + dh_t ⊙ o_t ⊙ (1 − tanh²(c_t))
 *   do_t  = dh_t ⊙ tanh(c_t)     di_t = dc_t ⊙ g_t     dg_t = dc_t ⊙ i_t     df_t = dc_t ⊙ c_{t−1}
 *   dpre_t = [di ⊙ i(1−i) | df ⊙ f(1−f) | dg ⊙ (1−g²) | do ⊙ o(1−o)]
 *   dW_ih += Σ_t dpre_tᵀ · x_t    dW_hh += Σ_t dpre_tᵀ · h_{t−1}    db_ih = db_hh += Σ_t Σ_b dpre_t
 *   dx_t   = dpre_t · W_ih        dh0 = dpre_first · W_hh            dc0 = f_first ⊙ dc_first
 *
 * Shapes: T steps, B batch, I input, H hidden, G = 4H gate columns. x [T,B,I], y [T,B,H], h0/hN/c0/cN [B,H],
 * W_ih [4H,I], W_hh [4H,H]. Training cache (backend.ts cacheSize): gate activations i, f, g, o [T,B,4H],
 * then cell states c_t [T,B,H]. Scratch that never leaves a call is float64 (JS numbers are anyway).
 */
import type { RecurrentBackwardArgs, RecurrentForwardArgs } from '../backend.js';
import type { FloatArray } from '../../tensor.js';
import { matmulAddAB, matmulAddABt, matmulAddAtB } from './matmul.js';
import { addBiasRows, addColumnSums, addRecurrentWeightGrad, keptCache, sigmoid, stepAt } from './common.js';

type Ctor = { new (n: number): FloatArray };

export function lstmForward(a: RecurrentForwardArgs): void {
  const { T, B, I, H, reverse, x, y, hN, cN, cache, h0, c0, weightIh, weightHh, biasIh, biasHh } = a;
  const G = 4 * H;
  const BH = B * H;
  const BG = B * G;
  const make = y.constructor as Ctor;
  // gates holds the input projection first, then (step by step) the activations i, f, g, o.
  const gates = cache ? cache.subarray(0, T * BG) : new make(T * BG);
  const cells = cache ? cache.subarray(T * BG, T * BG + T * BH) : new make(T * BH);
  // Input projection for every step at once: gates ← x · W_ihᵀ + b_ih + b_hh.
  gates.fill(0);
  matmulAddABt(gates, 0, x, 0, weightIh, T * B, G, I);
  addBiasRows(gates, 0, biasIh, T * B, G);
  addBiasRows(gates, 0, biasHh, T * B, G);
  const pre = new Float64Array(BG);
  let hPrev: FloatArray | null = h0;
  let cPrev: FloatArray | null = c0;
  let prevOff = 0;
  for (let s = 0; s < T; s++) {
    const t = stepAt(s, T, reverse);
    const gOff = t * BG;
    const hOff = t * BH;
    for (let j = 0; j < BG; j++) pre[j] = gates[gOff + j];
    if (hPrev) matmulAddABt(pre, 0, hPrev, prevOff, weightHh, B, G, H);
    for (let b = 0; b < B; b++) {
      const p = b * G;
      for (let j = 0; j < H; j++) {
        const ig = sigmoid(pre[p + j]);
        const fg = sigmoid(pre[p + H + j]);
        const gg = Math.tanh(pre[p + 2 * H + j]);
        const og = sigmoid(pre[p + 3 * H + j]);
        const c = fg * (cPrev ? cPrev[prevOff + b * H + j] : 0) + ig * gg;
        gates[gOff + p + j] = ig;
        gates[gOff + p + H + j] = fg;
        gates[gOff + p + 2 * H + j] = gg;
        gates[gOff + p + 3 * H + j] = og;
        cells[hOff + b * H + j] = c;
        y[hOff + b * H + j] = og * Math.tanh(c);
      }
    }
    hPrev = y;
    cPrev = cells;
    prevOff = hOff;
  }
  if (T === 0) {
    if (h0) hN.set(h0.subarray(0, BH));
    else hN.fill(0);
    if (cN) {
      if (c0) cN.set(c0.subarray(0, BH));
      else cN.fill(0);
    }
    return;
  }
  const last = stepAt(T - 1, T, reverse) * BH;
  hN.set(y.subarray(last, last + BH));
  if (cN) cN.set(cells.subarray(last, last + BH));
}

export function lstmBackward(a: RecurrentBackwardArgs): void {
  const { T, B, I, H, reverse, x, y, h0, c0, weightIh, weightHh, cache, dx, dh0, dc0, dy, dhN, dcN } = a;
  const { dWeightIh, dWeightHh, dBiasIh, dBiasHh } = a;
  const G = 4 * H;
  const BH = B * H;
  const BG = B * G;
  const kept = keptCache('lstm', cache, T * (BG + BH));
  const gates = kept.subarray(0, T * BG);
  const cells = kept.subarray(T * BG, T * BG + T * BH);
  // dpre for every step, kept so the weight gradients become large products after the loop.
  const dpre = new Float64Array(T * BG);
  const dh = new Float64Array(BH);
  const dc = new Float64Array(BH);
  if (dhN) for (let j = 0; j < BH; j++) dh[j] = dhN[j];
  if (dcN) for (let j = 0; j < BH; j++) dc[j] = dcN[j];
  for (let s = T - 1; s >= 0; s--) {
    const t = stepAt(s, T, reverse);
    const gOff = t * BG;
    const hOff = t * BH;
    const prevOff = s > 0 ? stepAt(s - 1, T, reverse) * BH : 0;
    const cPrev = s > 0 ? cells : c0;
    for (let b = 0; b < B; b++) {
      const p = gOff + b * G;
      for (let j = 0; j < H; j++) {
        const k = b * H + j;
        const ig = gates[p + j];
        const fg = gates[p + H + j];
        const gg = gates[p + 2 * H + j];
        const og = gates[p + 3 * H + j];
        const tc = Math.tanh(cells[hOff + k]);
        const dht = dh[k] + (dy ? dy[hOff + k] : 0);
        const dct = dc[k] + dht * og * (1 - tc * tc);
        const cp = cPrev ? cPrev[prevOff + k] : 0;
        dpre[p + j] = dct * gg * ig * (1 - ig);
        dpre[p + H + j] = dct * cp * fg * (1 - fg);
        dpre[p + 2 * H + j] = dct * ig * (1 - gg * gg);
        dpre[p + 3 * H + j] = dht * tc * og * (1 - og);
        dc[k] = dct * fg;
      }
    }
    dh.fill(0);
    matmulAddAB(dh, 0, dpre, gOff, weightHh, B, H, G);
  }
  dh0.set(dh);
  if (dc0) dc0.set(dc);
  // Weight and input gradients over all T·B rows at once.
  dx.fill(0);
  matmulAddAB(dx, 0, dpre, 0, weightIh, T * B, I, G);
  matmulAddAtB(dWeightIh, dpre, 0, x, 0, T * B, G, I);
  addRecurrentWeightGrad(dWeightHh, dpre, y, h0, T, B, G, H, reverse);
  addColumnSums(dBiasIh, dpre, T * B, G);
  addColumnSums(dBiasHh, dpre, T * B, G);
}
