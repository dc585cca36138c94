/**
 * GRU, one layer, one direction, whole sequence — PyTorch's torch.nn.GRU, the specification the native
 * gru.cc must match.
 *
 *   gi_t = x_t · W_ihᵀ + b_ih          gh_t = h_{t−1} · W_hhᵀ + b_hh      [B, 3H], columns [r | z | n], H each
 *   r_t = σ(gi_r + gh_r)     z_t = σ(gi_z + gh_z)
 *   n_t = tanh(gi_n + r_t ⊙ gh_n)                (gh_n = W_hn h_{t−1} + b_hn: b_hn sits inside r ⊙ (…))
 *   h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}
 *
 * BPTT (dhN seeds each sequence's last step):
 *   dh_t  = dy_t + z_{t+1} ⊙ dh_{t+1} + dgh_{t+1} · W_hh
 *   dz_t  = dh_t ⊙ (h_{t−1} − n_t)      dn_t = dh_t ⊙ (1 − z_t)      dan_t = dn_t ⊙ (1 − n_t²)
 *   dr_t  = dan_t ⊙ gh_n
 *   dgi_t = [dr ⊙ r(1−r) | dz ⊙ z(1−z) | dan]      dgh_t = [dr ⊙ r(1−r) | dz ⊙ z(1−z) | dan ⊙ r]
 *   dW_ih += Σ_t dgi_tᵀ · x_t    db_ih += Σ_t Σ_b dgi_t    dx_t += dgi_t · W_ih
 *   dW_hh += Σ_t dgh_tᵀ · h_{t−1}    db_hh += Σ_t Σ_b dgh_t    dh0 = z_first ⊙ dh_first + dgh_first · W_hh
 *
 * Shapes: T steps, B batch, I input, H hidden, G = 3H gate columns. x [B,T,I] or [T,B,I], y [·,·,yStride]
 * (this direction's H columns at yOffset), h0/hN [B,H], W_ih [3H,I], W_hh [3H,H]. "t" runs over each
 * sequence's own steps (common.ts, the step plan). No projection: P = H, weightHr/dWeightHr null (index.ts).
 * Training cache (this engine's layout, cacheSize = T·B·4H, first N rows used): row m of [N, 4H] holds plan
 * entry m's gate activations r, z, n (after σ/tanh) and gh_n = W_hn·h_{t−1} + b_hn. Scratch: gi, gh [B, 3H]
 * per step, dgi, dgh [N, 3H] by plan entry, in float64.
 */
import type { RecurrentBackwardArgs, RecurrentForwardArgs } from '../backend.js';
import { cacheSize } from '../backend.js';
import { gatherMatmulABt, scatterMatmulAB } from './matmul.js';
import { addWeightAndInputGradients, biasRow, checkedCache, fillRows, gradientState, initialState, sigmoid, stepPlan, zeroPaddedSteps } from './common.js';

export function gruForward(a: RecurrentForwardArgs): void {
  const { T, B, I, H, x, y, hN, h0, weightIh, weightHh, biasIh, biasHh } = a;
  const G = 3 * H;
  const W = 4 * H; // cache row width
  const plan = stepPlan('gru', a);
  const cache = checkedCache('gru', 'forward', a.cache, cacheSize('gru', T, B, H));
  zeroPaddedSteps(y, a);
  const h = initialState(y, B, H, h0); // h_{t−1} of every sequence
  const bih = biasRow(G, biasIh, null);
  const bhh = biasRow(G, null, biasHh);
  const gi = new Float64Array(B * G);
  const gh = new Float64Array(B * G);
  for (let s = 0; s < T; s++) {
    const m0 = plan.start[s];
    const m1 = plan.start[s + 1];
    fillRows(gi, m1 - m0, bih);
    gatherMatmulABt(gi, x, plan.xRow, weightIh, m0, m1, G, I);
    fillRows(gh, m1 - m0, bhh);
    if (s > 0 || h0) gatherMatmulABt(gh, h, plan.hRow, weightHh, m0, m1, G, H);
    for (let m = m0; m < m1; m++) {
      const p = (m - m0) * G;
      const yo = plan.yRow[m];
      const ho = plan.hRow[m];
      const k = m * W;
      for (let j = 0; j < H; j++) {
        const r = sigmoid(gi[p + j] + gh[p + j]);
        const z = sigmoid(gi[p + H + j] + gh[p + H + j]);
        const hn = gh[p + 2 * H + j];
        const n = Math.tanh(gi[p + 2 * H + j] + r * hn);
        const ht = (1 - z) * n + z * h[ho + j];
        h[ho + j] = ht;
        y[yo + j] = ht;
        if (cache) {
          cache[k + j] = r;
          cache[k + H + j] = z;
          cache[k + 2 * H + j] = n;
          cache[k + 3 * H + j] = hn;
        }
      }
    }
  }
  hN.set(h); // each sequence's state after its own last step
}

export function gruBackward(a: RecurrentBackwardArgs): void {
  const { T, B, H, y, h0, weightHh, dh0, dy, dhN } = a;
  const G = 3 * H;
  const W = 4 * H;
  const plan = stepPlan('gru', a);
  const cache = checkedCache('gru', 'backward', a.cache, cacheSize('gru', T, B, H));
  // Gradients of the input-side (dgi) and recurrent-side (dgh) pre-activations; they differ in the n columns.
  const dgi = new Float64Array(plan.N * G);
  const dgh = new Float64Array(plan.N * G);
  const dh = gradientState(B, H, dhN); // the recurrent path into h_t of every sequence
  for (let s = T - 1; s >= 0; s--) {
    const m0 = plan.start[s];
    const m1 = plan.start[s + 1];
    for (let m = m0; m < m1; m++) {
      const p = m * G;
      const k = m * W;
      const yo = plan.yRow[m];
      const ho = plan.hRow[m];
      const po = plan.prevYRow[m]; // h_{t−1} in y (s > 0)
      for (let j = 0; j < H; j++) {
        const r = cache[k + j];
        const z = cache[k + H + j];
        const n = cache[k + 2 * H + j];
        const hn = cache[k + 3 * H + j];
        const hp = s > 0 ? y[po + j] : h0 ? h0[ho + j] : 0;
        const dht = dh[ho + j] + (dy ? dy[yo + j] : 0);
        const dan = dht * (1 - z) * (1 - n * n);
        const dar = dan * hn * r * (1 - r);
        const daz = dht * (hp - n) * z * (1 - z);
        dgi[p + j] = dar;
        dgi[p + H + j] = daz;
        dgi[p + 2 * H + j] = dan;
        dgh[p + j] = dar;
        dgh[p + H + j] = daz;
        dgh[p + 2 * H + j] = dan * r;
        dh[ho + j] = dht * z;
      }
    }
    scatterMatmulAB(dh, plan.hRow, dgh.subarray(m0 * G), weightHh, m0, m1, H, G);
  }
  dh0.set(dh);
  addWeightAndInputGradients(a, plan, dgi, dgh, G);
}
