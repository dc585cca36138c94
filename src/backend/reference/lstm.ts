/**
 * LSTM, one layer, one direction, whole sequence — PyTorch's torch.nn.LSTM (with its proj_size), the
 * specification the native lstm.cc must match.
 *
 *   pre_t = x_t · W_ihᵀ + b_ih + h_{t−1} · W_hhᵀ + b_hh      [B, 4H], columns [i | f | g | o], H each
 *   i_t = σ(pre_i)   f_t = σ(pre_f)   g_t = tanh(pre_g)   o_t = σ(pre_o)
 *   c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t
 *   h̃_t = o_t ⊙ tanh(c_t)                                    [B, H]
 *   h_t = h̃_t  (P = H),   or   h_t = h̃_t · W_hrᵀ  (projection, P < H: W_hr [P, H], h_t [B, P])
 *
 * BPTT (dh and dc flow backwards; dhN and dcN seed each sequence's last step):
 *   dh_t  = dy_t + dpre_{t+1} · W_hh                       (size P: the gradient into h_t)
 *   dh̃_t  = dh_t  (P = H),   or   dh̃_t = dh_t · W_hr,  dW_hr += Σ_t dh_tᵀ · h̃_t  (projection)
 *   dc_t  = f_{t+1} ⊙ dc_{t+1} + dh̃_t ⊙ o_t ⊙ (1 − tanh²(c_t))
 *   do_t  = dh̃_t ⊙ tanh(c_t)     di_t = dc_t ⊙ g_t     dg_t = dc_t ⊙ i_t     df_t = dc_t ⊙ c_{t−1}
 *   dpre_t = [di ⊙ i(1−i) | df ⊙ f(1−f) | dg ⊙ (1−g²) | do ⊙ o(1−o)]
 *   dW_ih += Σ_t dpre_tᵀ · x_t    dW_hh += Σ_t dpre_tᵀ · h_{t−1}    db_ih = db_hh += Σ_t Σ_b dpre_t
 *   dx_t  += dpre_t · W_ih        dh0 = dpre_first · W_hh            dc0 = f_first ⊙ dc_first
 *
 * Shapes: T steps, B batch, I input, H hidden, P size of h (H, or projSize < H), G = 4H gate columns.
 * x [B,T,I] or [T,B,I], y [·,·,yStride] (this direction's P columns at yOffset), h0/hN [B,P], c0/cN [B,H],
 * W_ih [4H,I], W_hh [4H,P], W_hr [P,H]. "t" runs over each sequence's own steps (common.ts, the step plan).
 * Training cache (this engine's layout, first N rows used): row m of [N, 5H] (cacheSize T·B·5H) holds plan
 * entry m's gate activations i, f, g, o (after σ/tanh) and its cell state c_t; with a projection, row m of
 * [N, 6H] (cacheSize T·B·6H) holds the same followed by h̃_t = o_t ⊙ tanh(c_t). Scratch: pre [B, 4H] and
 * h̃ [H] per step, dpre [N, 4H] and (projection) dh [N, P] by plan entry, in float64.
 */
import type { RecurrentBackwardArgs, RecurrentForwardArgs } from '../backend.js';
import { cacheSize } from '../backend.js';
import { gatherMatmulABt, gatherMatmulAtB, scatterMatmulAB } from './matmul.js';
import { addWeightAndInputGradients, biasRow, checkedCache, fillRows, gradientState, initialState, sigmoid, stepPlan, zeroPaddedSteps } from './common.js';

export function lstmForward(a: RecurrentForwardArgs): void {
  const { T, B, I, H, P, x, y, hN, cN, h0, c0, weightIh, weightHh, biasIh, biasHh, weightHr } = a;
  const G = 4 * H;
  const proj = P < H;
  const W = (proj ? 6 : 5) * H; // cache row width
  const plan = stepPlan('lstm', a);
  const cache = checkedCache('lstm', 'forward', a.cache, cacheSize('lstm', T, B, H, P));
  zeroPaddedSteps(y, a);
  const h = initialState(y, B, P, h0); // h_{t−1} [B, P] and c_{t−1} [B, H] of every sequence
  const c = initialState(y, B, H, c0);
  const bias = biasRow(G, biasIh, biasHh);
  const pre = new Float64Array(B * G);
  const ht = new Float64Array(H); // h̃_t of one entry (projection only)
  for (let s = 0; s < T; s++) {
    const m0 = plan.start[s];
    const m1 = plan.start[s + 1];
    fillRows(pre, m1 - m0, bias);
    gatherMatmulABt(pre, x, plan.xRow, weightIh, m0, m1, G, I);
    if (s > 0 || h0) gatherMatmulABt(pre, h, plan.hRow, weightHh, m0, m1, G, P);
    for (let m = m0; m < m1; m++) {
      const p = (m - m0) * G;
      const yo = plan.yRow[m];
      const ho = plan.hRow[m];
      const co = plan.batch[m] * H;
      const k = m * W;
      for (let j = 0; j < H; j++) {
        const ig = sigmoid(pre[p + j]);
        const fg = sigmoid(pre[p + H + j]);
        const gg = Math.tanh(pre[p + 2 * H + j]);
        const og = sigmoid(pre[p + 3 * H + j]);
        const ct = fg * c[co + j] + ig * gg;
        const hj = og * Math.tanh(ct);
        c[co + j] = ct;
        if (proj) {
          ht[j] = hj;
        } else {
          h[ho + j] = hj;
          y[yo + j] = hj;
        }
        if (cache) {
          cache[k + j] = ig;
          cache[k + H + j] = fg;
          cache[k + 2 * H + j] = gg;
          cache[k + 3 * H + j] = og;
          cache[k + 4 * H + j] = ct;
          if (proj) cache[k + 5 * H + j] = hj;
        }
      }
      if (proj) {
        for (let q = 0; q < P; q++) {
          const wr = q * H;
          let sum = 0;
          for (let j = 0; j < H; j++) sum += weightHr![wr + j] * ht[j];
          h[ho + q] = sum;
          y[yo + q] = sum;
        }
      }
    }
  }
  hN.set(h); // each sequence's state after its own last step
  if (cN) cN.set(c);
}

export function lstmBackward(a: RecurrentBackwardArgs): void {
  const { T, B, H, P, c0, weightHh, weightHr, dWeightHr, dh0, dc0, dy, dhN, dcN } = a;
  const G = 4 * H;
  const proj = P < H;
  const W = (proj ? 6 : 5) * H;
  const plan = stepPlan('lstm', a);
  const cache = checkedCache('lstm', 'backward', a.cache, cacheSize('lstm', T, B, H, P));
  const dpre = new Float64Array(plan.N * G);
  const dhAll = proj ? new Float64Array(plan.N * P) : null; // dh_t by entry, for dW_hr
  const dht = new Float64Array(H); // dh̃_t of one entry
  const dh = gradientState(B, P, dhN); // the recurrent paths into h_t [B, P] and c_t [B, H] of every sequence
  const dc = gradientState(B, H, dcN);
  for (let s = T - 1; s >= 0; s--) {
    const m0 = plan.start[s];
    const m1 = plan.start[s + 1];
    for (let m = m0; m < m1; m++) {
      const p = m * G;
      const k = m * W;
      const yo = plan.yRow[m];
      const ho = plan.hRow[m];
      const co = plan.batch[m] * H;
      const kPrev = plan.prev[m] * W + 4 * H; // c_{t−1} in the cache (s > 0)
      if (proj) {
        // dh_t (size P) → dh̃_t = dh_t · W_hr (size H); dh_t is kept for dW_hr.
        dht.fill(0);
        for (let q = 0; q < P; q++) {
          const g = dh[ho + q] + (dy ? dy[yo + q] : 0);
          dhAll![m * P + q] = g;
          if (g === 0) continue;
          const wr = q * H;
          for (let j = 0; j < H; j++) dht[j] += g * weightHr![wr + j];
        }
      } else {
        for (let j = 0; j < H; j++) dht[j] = dh[ho + j] + (dy ? dy[yo + j] : 0);
      }
      for (let j = 0; j < H; j++) {
        const ig = cache[k + j];
        const fg = cache[k + H + j];
        const gg = cache[k + 2 * H + j];
        const og = cache[k + 3 * H + j];
        const tc = Math.tanh(cache[k + 4 * H + j]);
        const cp = s > 0 ? cache[kPrev + j] : c0 ? c0[co + j] : 0;
        const dct = dc[co + j] + dht[j] * og * (1 - tc * tc);
        dpre[p + j] = dct * gg * ig * (1 - ig);
        dpre[p + H + j] = dct * cp * fg * (1 - fg);
        dpre[p + 2 * H + j] = dct * ig * (1 - gg * gg);
        dpre[p + 3 * H + j] = dht[j] * tc * og * (1 - og);
        dc[co + j] = dct * fg;
      }
      dh.fill(0, ho, ho + P);
    }
    scatterMatmulAB(dh, plan.hRow, dpre.subarray(m0 * G), weightHh, m0, m1, P, G);
  }
  dh0.set(dh);
  if (dc0) dc0.set(dc);
  if (proj) {
    // dW_hr += Σ_t dh_tᵀ · h̃_t, h̃_t from the cache (row m, columns [5H, 6H)).
    const htRow = Int32Array.from({ length: plan.N }, (_, m) => m * W + 5 * H);
    gatherMatmulAtB(dWeightHr!, dhAll!, cache, htRow, 0, plan.N, P, H);
  }
  addWeightAndInputGradients(a, plan, dpre, dpre, G);
}
