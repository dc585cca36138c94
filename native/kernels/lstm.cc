// LSTM kernels: the native twin of src/backend/reference/lstm.ts.
//
//   pre_t = x_t · W_ihᵀ + b_ih + b_hh + h_{t−1} · W_hhᵀ      [B, 4H], columns [i | f | g | o]
//   i = σ(pre_i)  f = σ(pre_f)  g = tanh(pre_g)  o = σ(pre_o)
//   c_t = f ⊙ c_{t−1} + i ⊙ g        h_t = o ⊙ tanh(c_t)
//
// Forward: one GEMM projects all T·B input rows into the gates buffer — the training cache itself when
// training. Per step, one product h_{t−1}·W_hhᵀ (W_hh packed once per call, in the gate-interleaved column
// order of gated.h), run in panel groups; after each group, on the same thread, the epilogue adds the
// projection and b_ih + b_hh, applies the gate nonlinearities and updates c and h for those units; the
// activations overwrite the projection, so the cache ends up in the reference layout.
//
// BPTT (dh, dc flow backwards; dhN, dcN seed the last step):
//   dh_t = dy_t + dpre_{t+1} · W_hh          dc_t = f_{t+1} ⊙ dc_{t+1} + dh_t ⊙ o ⊙ (1 − tanh²c_t)
//   dpre_t = [dc·g·i(1−i) | dc·c_{t−1}·f(1−f) | dc·i·(1−g²) | dh·tanh(c_t)·o(1−o)]
// Per step the product dpre_t · W_hh runs in groups of units, each followed by the epilogue that turns
// its block of dh straight into dpre_{t−1} and dc_{t−1}. dx, dW_ih, dW_hh and the bias gradients are
// large products over all T·B rows after the loop (gated.cc).
//
// σ(v) = ½·tanh(v/2) + ½ through the SIMD path's tanh (error a few float32 ulps).
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "gated.h"
#include "gemm/gemm.h"
#include "recurrent.h"
#include "threads.h"

namespace fastrnn {

namespace {

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

}  // namespace

void lstm_forward(const Context& ctx, const ForwardArgs& a) {
  const SeqArgs& q = a.seq;
  const i64 T = q.T, B = q.B, I = q.I, H = q.H, BH = B * H, G4 = 4 * H;
  const SimdOps& ops = *ctx.ops;
  if (T == 0) {
    copy_or_zero(a.hN, a.h0, BH);
    if (a.cN) copy_or_zero(a.cN, a.c0, BH);
    return;
  }
  const Plan plan = make_plan(q);
  // Training: the cache holds the gates (projection first, then activations) and the cell states, by work row.
  float* gates = a.cache ? a.cache : scratch(gated::kSlotSteps, static_cast<std::size_t>(plan.rows * G4));
  float* cells = a.cache ? a.cache + plan.rows * G4 : nullptr;
  gated::input_projection(ctx, plan, I, G4, a.x, a.w_ih, gates);

  const Interleave L(4, H, ops.nr);
  // Small batches read W_hh as stored (small.h) and interleave each step's product; larger ones pack it once.
  const bool small = B <= kSmallRows;
  float* whh = small ? nullptr : scratch(gated::kSlotWeightHh, packed_b_size(ops, H, L.np));
  if (!small) gated::pack_interleaved(ctx, a.w_hh, L, scratch(gated::kSlotAux, static_cast<std::size_t>(L.np * H)), whh);
  float* plain = small ? scratch(gated::kSlotSteps2, static_cast<std::size_t>(B * G4)) : nullptr;
  float* R = scratch(gated::kSlotStep, static_cast<std::size_t>(B * L.np + G4));
  float* bias = R + B * L.np;
  if (!gated::combine_biases(a.b_ih, a.b_hh, G4, G4, bias)) bias = nullptr;
  const FwdRowsFn rows = pick_fwd_rows(gated::isa_of(ops), L.q);
  // Rank-ordered h0, c0 and (packed mode) the ring of the last two h_t the GEMM reads.
  float* ranks = scratch(kScratchRanks, static_cast<std::size_t>(4 * BH));
  float* h0r = a.h0 ? ranks : nullptr;
  float* c0r = a.c0 ? ranks + BH : nullptr;
  float* hring = plan.packed ? ranks + 2 * BH : nullptr;
  if (h0r) gather_ranks(plan, a.h0, H, h0r);
  if (c0r) gather_ranks(plan, a.c0, H, c0r);
  // Inference keeps only two cell states (a ring, by rank), training all of them (in the cache).
  float* cring = cells ? nullptr : scratch(gated::kSlotAux, static_cast<std::size_t>(2 * BH));
  auto cell_rows = [&](i64 s) {
    return cells ? step_rows(plan, s, cells, H, false) : rank_rows(cring + (s & 1) * BH, H);
  };

  const float* y = a.y + q.y_offset;
  for (i64 s = 0; s < plan.steps; s++) {
    const i64 n = plan.count[s];
    const FwdStep st{ctx.ops, rows, L, bias, step_rows(plan, s, gates, G4, false), cell_rows(s),
                     s == 0 ? rank_rows(c0r, H) : cell_rows(s - 1), step_rows(plan, s, y, q.y_stride, true),
                     hring ? hring + (s & 1) * BH : nullptr};
    const float* hprev = s == 0 ? h0r : hring ? hring + ((s - 1) & 1) * BH : y + plan.base[s - 1] * q.y_stride;
    const i64 ldh = s == 0 || hring ? H : plan.stride * q.y_stride;
    if (hprev && small) {
      small_abt(ctx, n, G4, H, hprev, ldh, a.w_hh, plain, G4, false);
      gated::interleave_rows(plain, n, L, R);
      rows(st, R, L.np, 0, n, 0, L.panels);
    } else if (hprev) {
      const auto before = [&](i64 c0, i64 c1) {
        const i64 u0 = c0 / L.nr * L.q, u1 = std::min(H, c1 / L.nr * L.q);
        for (i64 gate = 0; gate < 4; gate++) gated::prefetch_rows(st.gates, n, gate * H + u0, gate * H + u1);
      };
      const auto after = [&](i64 c0, i64 c1) { rows(st, R, L.np, 0, n, c0 / L.nr, (c1 + L.nr - 1) / L.nr); };
      gated::grouped_gemm(ctx, n, L.np, H, hprev, ldh, whh, R, L.np, false, before, after);
    } else {
      rows(st, nullptr, 0, 0, n, 0, L.panels);
    }
  }
  for (i64 j = 0; j < B; j++) {
    const i64 s = plan.last[j], b = plan.batch[j];
    std::memcpy(a.hN + b * H, step_rows(plan, s, y, q.y_stride, true).row(j), sizeof(float) * H);
    if (a.cN) std::memcpy(a.cN + b * H, cell_rows(s).row(j), sizeof(float) * H);
  }
  zero_padding(plan, q, a.y, q.y_stride, q.y_offset, H);
}

void lstm_backward(const Context& ctx, const BackwardArgs& a) {
  const SeqArgs& q = a.seq;
  const i64 T = q.T, B = q.B, H = q.H, BH = B * H, G4 = 4 * H;
  const SimdOps& ops = *ctx.ops;
  if (T == 0) {
    copy_or_zero(a.dh0, a.dhN, BH);
    if (a.dc0) copy_or_zero(a.dc0, a.dcN, BH);
    return;
  }
  if (!a.cache) throw std::invalid_argument("lstm_backward needs the training cache its forward filled");
  const Plan plan = make_plan(q);
  const i64 S = plan.steps;
  const float* gates = a.cache;
  const float* cells = a.cache + plan.rows * G4;
  float* dpre = scratch(gated::kSlotSteps, static_cast<std::size_t>(plan.rows * G4));
  const bool small = B <= kSmallRows;  // small batches read W_hh as stored (small.h)
  float* whh = small ? nullptr : scratch(gated::kSlotWeightHh, packed_b_size(ops, G4, H));
  if (!small) ops.pack_b(ctx, MatView{a.w_hh, H, 1}, G4, H, whh);  // W_hh as B[K=4H, N=H]
  float* dh = scratch(gated::kSlotStep, static_cast<std::size_t>(BH));
  float* dc = scratch(gated::kSlotAux, static_cast<std::size_t>(BH));
  float* ranks = scratch(kScratchRanks, static_cast<std::size_t>(2 * BH));
  float* h0r = a.h0 ? ranks : nullptr;
  float* c0r = a.c0 ? ranks + BH : nullptr;
  if (h0r) gather_ranks(plan, a.h0, H, h0r);
  if (c0r) gather_ranks(plan, a.c0, H, c0r);

  const BwdRowsFn rows =
      Variants<BwdRows, const BwdStep&, const float*, i64, i64, i64, i64, i64>::pick(gated::isa_of(ops));
  // Processing step s of the reverse loop: its dpre, from the dh block the GEMM just finished.
  auto step = [&](i64 s) {
    return BwdStep{ctx.ops, rows, H, step_rows(plan, s, a.dy ? a.dy + q.y_offset : nullptr, q.y_stride, true),
                   step_rows(plan, s, gates, G4, false), step_rows(plan, s, cells, H, false),
                   s > 0 ? step_rows(plan, s - 1, cells, H, false) : rank_rows(c0r, H), dc,
                   step_rows(plan, s, dpre, G4, false)};
  };
  // Ranks [j0, j1) end at their step: dh and dc start from dhN and dcN.
  auto seed = [&](i64 j0, i64 j1) {
    for (i64 j = j0; j < j1; j++) {
      copy_or_zero(dh + j * H, a.dhN ? a.dhN + plan.batch[j] * H : nullptr, H);
      copy_or_zero(dc + j * H, a.dcN ? a.dcN + plan.batch[j] * H : nullptr, H);
    }
  };
  seed(0, plan.count[S - 1]);
  rows(step(S - 1), dh, H, 0, plan.count[S - 1], 0, H);
  const i64 ldd = plan.stride * G4;
  for (i64 s = S - 1; s >= 1; s--) {
    const BwdStep prev = step(s - 1);
    const i64 n = plan.count[s - 1];
    seed(plan.count[s], n);
    const auto before = [&](i64 c0, i64 c1) {
      for (i64 gate = 0; gate < 4; gate++) gated::prefetch_rows(prev.gates, n, gate * H + c0, gate * H + c1);
      gated::prefetch_rows(prev.cells, n, c0, c1);
      gated::prefetch_rows(prev.cprev, n, c0, c1);
      gated::prefetch_rows(prev.dy, n, c0, c1);
    };
    const auto after = [&](i64 c0, i64 c1) { rows(prev, dh, H, 0, n, c0, c1); };
    const float* d = dpre + plan.base[s] * G4;
    if (small) {
      small_ab(ctx, plan.count[s], H, G4, d, ldd, a.w_hh, dh, H, false);
      after(0, H);
    } else {
      gated::grouped_gemm(ctx, plan.count[s], H, G4, d, ldd, whh, dh, H, false, before, after);
    }
  }
  if (small) small_ab(ctx, B, H, G4, dpre + plan.base[0] * G4, ldd, a.w_hh, dh, H, false);
  else ops.gemm(ctx, B, H, G4, MatView{dpre + plan.base[0] * G4, ldd, 1}, whh, dh, H, false, nullptr);
  scatter_ranks(plan, dh, H, a.dh0);
  if (a.dc0) scatter_ranks(plan, dc, H, a.dc0);

  weight_gradients(ctx, WeightGradArgs{&plan, &q, G4, dpre, dpre, a.x, a.y, h0r, a.w_ih, a.dx, a.dw_ih, a.dw_hh,
                                       a.db_ih, a.db_hh});
}

}  // namespace fastrnn
