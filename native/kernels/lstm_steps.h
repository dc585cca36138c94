// The LSTM's per-step epilogues (forward: gates, cell update, h or h̃; backward: dpre and dc from dh), per
// SIMD path — the element-wise half of lstm.cc, which includes this file once. See lstm.cc for the equations.
#pragma once

#include <algorithm>
#include <cstring>

#include "gated.h"

namespace fastrnn {
namespace lstm_steps {


using gated::Interleave;
using gated::Isa;
using gated::Variants;

using gated::kStage;

// ---- forward: one step's epilogue over rows [r0, r1) and interleaved panels [p0, p1) ----

struct FwdStep;
using FwdRowsFn = void (*)(const FwdStep&, const float*, i64, i64, i64, i64, i64);

struct FwdStep {
  const SimdOps* ops;
  FwdRowsFn rows;      // FwdRows compiled for the active path
  Interleave L;
  const float* bias;   // b_ih + b_hh [4H] or null
  StepRows gates;      // gates_t by rank [·, 4H]: input projection in, activations out
  StepRows cells;      // c_t by rank
  StepRows cprev;      // c_{t−1} by rank, or p null (zeros)
  StepRows y;          // h_t by rank (y's block)
  float* hs;           // rank-ordered copy of h_t [B, H] for the next step's GEMM (packed mode), or null
};

// σ fix-ups, the cell update and the activations' write-back for n units (a, the staged tanh outputs).
template <bool HasCprev>
FASTRNN_GATED_INLINE void lstm_cell(float* __restrict a, const float* __restrict cp, float* __restrict gi,
                                    float* __restrict gf, float* __restrict gg, float* __restrict go,
                                    float* __restrict c, float* __restrict tc, i64 n) {
  float* __restrict ai = a;
  float* __restrict af = a + n;
  float* __restrict ag = a + 2 * n;
  float* __restrict ao = a + 3 * n;
  for (i64 k = 0; k < n; k++) {
    const float iv = 0.5f * ai[k] + 0.5f, fv = 0.5f * af[k] + 0.5f, ov = 0.5f * ao[k] + 0.5f, gv = ag[k];
    const float cv = HasCprev ? fv * cp[k] + iv * gv : iv * gv;
    ao[k] = ov;
    gi[k] = iv;
    gf[k] = fv;
    gg[k] = gv;
    go[k] = ov;
    c[k] = cv;
    tc[k] = cv;
  }
}

FASTRNN_GATED_INLINE void mul_to(float* __restrict dst, const float* __restrict a, const float* __restrict b, i64 n) {
  for (i64 k = 0; k < n; k++) dst[k] = a[k] * b[k];
}

// R: the recurrent product for this step in interleaved order (row stride ldr), or null (h_{t−1} = 0).
// Q: units per panel when known at compile time (0: read it from s.L).
template <int Q>
struct FwdRows {
  static FASTRNN_GATED_INLINE void run(const FwdStep& s, const float* R, i64 ldr, i64 r0, i64 r1, i64 p0, i64 p1) {
    const Interleave& L = s.L;
    const i64 H = L.H, q = Q ? Q : L.q, nr = L.nr;
    const i64 per = kStage / (4 * q) > 0 ? kStage / (4 * q) : 1;  // panels per staging chunk
    alignas(64) float pre[kStage];
    alignas(64) float tc[kStage];
    for (i64 r = r0; r < r1; r++) {
      float* g = s.gates.row(r);
      const float* rr = R ? R + r * ldr : nullptr;
      float* h = s.y.row(r);
      for (i64 pa = p0; pa < p1; pa += per) {
        const i64 pb = p1 < pa + per ? p1 : pa + per;
        const i64 u0 = pa * q, n = (pb * q < H ? pb * q : H) - u0;
        // Stage the pre-activations gate-major, [i | f | g | o] × n; σ gates pre-scaled by ½.
        for (i64 gate = 0; gate < 4; gate++) {
          float* dst = pre + gate * n;
          const float* src = g + gate * H + u0;
          if (rr) gated::gather_gate<Q>(dst, src, rr + pa * nr + gate * q, nr, q, n);
          else gated::copy_to(dst, src, n);
          gated::bias_scale(dst, s.bias ? s.bias + gate * H + u0 : nullptr, gate == 2 ? 1.0f : 0.5f, n);
        }
        s.ops->tanh_inplace(pre, 4 * n);
        float* c = s.cells.row(r) + u0;
        float* gu = g + u0;
        if (s.cprev.p) lstm_cell<true>(pre, s.cprev.row(r) + u0, gu, gu + H, gu + 2 * H, gu + 3 * H, c, tc, n);
        else lstm_cell<false>(pre, nullptr, gu, gu + H, gu + 2 * H, gu + 3 * H, c, tc, n);
        s.ops->tanh_inplace(tc, n);
        mul_to(h + u0, pre + 3 * n, tc, n);
        if (s.hs) gated::copy_to(s.hs + r * H + u0, h + u0, n);
      }
    }
  }
};

template <int Q>
using FwdVariants = Variants<FwdRows<Q>, const FwdStep&, const float*, i64, i64, i64, i64, i64>;

FwdRowsFn pick_fwd_rows(Isa isa, i64 q) {
  if (q == 8) return FwdVariants<8>::pick(isa);
  if (q == 4) return FwdVariants<4>::pick(isa);
  if (q == 2) return FwdVariants<2>::pick(isa);
  return FwdVariants<0>::pick(isa);
}

// ---- backward: turn a block of dh_{t} (rows [r0, r1), units [c0, c1)) into dpre_t and dc_{t−1} ----

struct BwdStep;
using BwdRowsFn = void (*)(const BwdStep&, const float*, i64, i64, i64, i64, i64);

struct BwdStep {
  const SimdOps* ops;
  BwdRowsFn rows;      // BwdRows compiled for the active path
  i64 H;
  StepRows dy;         // dy_t by rank, or p null
  StepRows gates;      // activations at t by rank [·, 4H]
  StepRows cells;      // c_t by rank
  StepRows cprev;      // c_{t−1} by rank, or p null (zeros)
  float* dc;           // rank-ordered [B, H]: in, the part of dc_t flowing from t+1; out, f_t ⊙ dc_t
  StepRows dpre;       // dpre_t by rank [·, 4H] out
};

// One row's n units: g = the row's activations at unit j0 (gate stride H), d likewise for dpre.
template <bool HasDy, bool HasCprev>
FASTRNN_GATED_INLINE void lstm_cell_grad(const float* __restrict dh, const float* __restrict dy,
                                         const float* __restrict g, const float* __restrict tc,
                                         const float* __restrict cp, float* __restrict dc, float* __restrict d,
                                         i64 H, i64 n) {
  const float* __restrict gi = g;
  const float* __restrict gf = g + H;
  const float* __restrict gg = g + 2 * H;
  const float* __restrict go = g + 3 * H;
  float* __restrict di = d;
  float* __restrict df = d + H;
  float* __restrict dg = d + 2 * H;
  float* __restrict dout = d + 3 * H;
  for (i64 k = 0; k < n; k++) {
    const float ig = gi[k], fg = gf[k], ggv = gg[k], og = go[k], t = tc[k];
    const float dht = HasDy ? dh[k] + dy[k] : dh[k];
    const float dct = dc[k] + dht * og * (1.0f - t * t);
    const float cpv = HasCprev ? cp[k] : 0.0f;
    di[k] = dct * ggv * ig * (1.0f - ig);
    df[k] = dct * cpv * fg * (1.0f - fg);
    dg[k] = dct * ig * (1.0f - ggv * ggv);
    dout[k] = dht * t * og * (1.0f - og);
    dc[k] = dct * fg;
  }
}

struct BwdRows {
  static FASTRNN_GATED_INLINE void run(const BwdStep& s, const float* C, i64 ldc, i64 r0, i64 r1, i64 c0, i64 c1) {
    const i64 H = s.H;
    alignas(64) float tc[kStage];
    for (i64 r = r0; r < r1; r++) {
      for (i64 j0 = c0; j0 < c1; j0 += kStage) {
        const i64 n = c1 - j0 < kStage ? c1 - j0 : kStage;
        gated::copy_to(tc, s.cells.row(r) + j0, n);
        s.ops->tanh_inplace(tc, n);
        const float* dh = C + r * ldc + j0;
        const float* dy = s.dy.p ? s.dy.row(r) + j0 : nullptr;
        const float* g = s.gates.row(r) + j0;
        const float* cp = s.cprev.p ? s.cprev.row(r) + j0 : nullptr;
        float* dc = s.dc + r * H + j0;
        float* d = s.dpre.row(r) + j0;
        if (dy && cp) lstm_cell_grad<true, true>(dh, dy, g, tc, cp, dc, d, H, n);
        else if (dy) lstm_cell_grad<true, false>(dh, dy, g, tc, cp, dc, d, H, n);
        else if (cp) lstm_cell_grad<false, true>(dh, dy, g, tc, cp, dc, d, H, n);
        else lstm_cell_grad<false, false>(dh, dy, g, tc, cp, dc, d, H, n);
      }
    }
  }
};

}  // namespace lstm_steps
}  // namespace fastrnn
