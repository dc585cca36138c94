/**
 * GRU, one layer, one direction, whole sequence — PyTorch's torch.nn.GRU, the specification the native
 * gru.cc must match.
 *
 *   gi_t = x_t · W_ihᵀ + b_ih          gh_t = h_{t−1} · W_hhᵀ + b_hh      [B, 3H], columns [r | z | n], H each
 *   r_t = σ(gi_r + gh_r)     z_t = σ(gi_z + gh_z)
 *   n_t = tanh(gi_n + r_t ⊙ gh_n)                (gh_n = W_hn h_{t−1} + b_hn: b_hn sits inside r ⊙ (…))
 *   h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}
 *
 * BPTT (dhN seeds the last step):
 *   dh_t  = dy_t + z_{t+1} ⊙ dh_{t+1} + dgh_{t+1} · W_hh
 *   dz_t  = dh_t ⊙ (h_{t−1} − n_t)      dn_t = dh_t ⊙ (1 − z_t)      dan_t = dn_t ⊙ (1 − n_t²)
 *   dr_t  = dan_t ⊙ gh_n
 *   dgi_t = [dr ⊙ r(1−r) | dz ⊙ z(1−z) | dan]      dgh_t = [dr ⊙ r(1−r) | dz ⊙ z(1−z) | dan ⊙ r]
 *   dW_ih += Σ_t dgi_tᵀ · x_t    db_ih += Σ_t Σ_b dgi_t    dx_t = dgi_t · W_ih
 *   dW_hh += Σ_t dgh_tᵀ · h_{t−1}    db_hh += Σ_t Σ_b dgh_t    dh0 = z_first ⊙ dh_first + dgh_first · W_hh
 *
 * Shapes: T steps, B batch, I input, H hidden, G = 3H gate columns. x [T,B,I], y [T,B,H], h0/hN [B,H],
 * W_ih [3H,I], W_hh [3H,H]. Training cache (backend.ts cacheSize): gate activations r, z, n [T,B,3H], then
 * gh_n = W_hn·h_{t−1} + b_hn [T,B,H]. Scratch that never leaves a call is float64 (JS numbers are anyway).
 */
import type { RecurrentBackwardArgs, RecurrentForwardArgs } from '../backend.js';
import type { FloatArray } from '../../tensor.js';
import { matmulAddAB, matmulAddABt, matmulAddAtB } from './matmul.js';
import { addBiasRows, addColumnSums, addRecurrentWeightGrad, keptCache, sigmoid, stepAt } from './common.js';

type Ctor = { new (n: number): FloatArray };

export function gruForward(a: RecurrentForwardArgs): void {
  const { T, B, I, H, reverse, x, y, hN, cache, h0, weightIh, weightHh, biasIh, biasHh } = a;
  const G = 3 * H;
  const BH = B * H;
  const BG = B * G;
  const make = y.constructor as Ctor;
  // gates holds the input projection gi first, then (step by step) the activations r, z, n.
  const gates = cache ? cache.subarray(0, T * BG) : new make(T * BG);
  const hns = cache ? cache.subarray(T * BG, T * BG + T * BH) : null;
  // Input projection for every step at once: gates ← x · W_ihᵀ + b_ih (b_hh stays on the recurrent side).
  gates.fill(0);
  matmulAddABt(gates, 0, x, 0, weightIh, T * B, G, I);
  addBiasRows(gates, 0, biasIh, T * B, G);
  const gh = new Float64Array(BG);
  let hPrev: FloatArray | null = h0;
  let prevOff = 0;
  for (let s = 0; s < T; s++) {
    const t = stepAt(s, T, reverse);
    const gOff = t * BG;
    const hOff = t * BH;
    gh.fill(0);
    addBiasRows(gh, 0, biasHh, B, G);
    if (hPrev) matmulAddABt(gh, 0, hPrev, prevOff, weightHh, B, G, H);
    for (let b = 0; b < B; b++) {
      const p = b * G;
      for (let j = 0; j < H; j++) {
        const k = b * H + j;
        const r = sigmoid(gates[gOff + p + j] + gh[p + j]);
        const z = sigmoid(gates[gOff + p + H + j] + gh[p + H + j]);
        const hn = gh[p + 2 * H + j];
        const n = Math.tanh(gates[gOff + p + 2 * H + j] + r * hn);
        const hp = hPrev ? hPrev[prevOff + k] : 0;
        gates[gOff + p + j] = r;
        gates[gOff + p + H + j] = z;
        gates[gOff + p + 2 * H + j] = n;
        if (hns) hns[hOff + k] = hn;
        y[hOff + k] = (1 - z) * n + z * hp;
      }
    }
    hPrev = y;
    prevOff = hOff;
  }
  if (T === 0) {
    if (h0) hN.set(h0.subarray(0, BH));
    else hN.fill(0);
    return;
  }
  const last = stepAt(T - 1, T, reverse) * BH;
  hN.set(y.subarray(last, last + BH));
}

export function gruBackward(a: RecurrentBackwardArgs): void {
  const { T, B, I, H, reverse, x, y, h0, weightIh, weightHh, cache, dx, dh0, dy, dhN } = a;
  const { dWeightIh, dWeightHh, dBiasIh, dBiasHh } = a;
  const G = 3 * H;
  const BH = B * H;
  const BG = B * G;
  const kept = keptCache('gru', cache, T * (BG + BH));
  const gates = kept.subarray(0, T * BG);
  const hns = kept.subarray(T * BG, T * BG + T * BH);
  // Pre-activation gradients on the input side (dgi) and the recurrent side (dgh) for every step; they
  // differ only in the n columns. Kept so the weight gradients become large products after the loop.
  const dgi = new Float64Array(T * BG);
  const dgh = new Float64Array(T * BG);
  const dh = new Float64Array(BH);
  if (dhN) for (let j = 0; j < BH; j++) dh[j] = dhN[j];
  for (let s = T - 1; s >= 0; s--) {
    const t = stepAt(s, T, reverse);
    const gOff = t * BG;
    const hOff = t * BH;
    const hPrev = s > 0 ? y : h0;
    const prevOff = s > 0 ? stepAt(s - 1, T, reverse) * BH : 0;
    for (let b = 0; b < B; b++) {
      const p = gOff + b * G;
      for (let j = 0; j < H; j++) {
        const k = b * H + j;
        const r = gates[p + j];
        const z = gates[p + H + j];
        const n = gates[p + 2 * H + j];
        const hp = hPrev ? hPrev[prevOff + k] : 0;
        const dht = dh[k] + (dy ? dy[hOff + k] : 0);
        const dan = dht * (1 - z) * (1 - n * n);
        const dar = dan * hns[hOff + k] * r * (1 - r);
        const daz = dht * (hp - n) * z * (1 - z);
        dgi[p + j] = dar;
        dgi[p + H + j] = daz;
        dgi[p + 2 * H + j] = dan;
        dgh[p + j] = dar;
        dgh[p + H + j] = daz;
        dgh[p + 2 * H + j] = dan * r;
        dh[k] = dht * z;
      }
    }
    matmulAddAB(dh, 0, dgh, gOff, weightHh, B, H, G);
  }
  dh0.set(dh);
  // Weight and input gradients over all T·B rows at once.
  dx.fill(0);
  matmulAddAB(dx, 0, dgi, 0, weightIh, T * B, I, G);
  matmulAddAtB(dWeightIh, dgi, 0, x, 0, T * B, G, I);
  addRecurrentWeightGrad(dWeightHh, dgh, y, h0, T, B, G, H, reverse);
  addColumnSums(dBiasIh, dgi, T * B, G);
  addColumnSums(dBiasHh, dgh, T * B, G);
}
