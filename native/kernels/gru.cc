// GRU kernels: the native twin of src/backend/reference/gru.ts.
//
//   gi_t = x_t · W_ihᵀ + b_ih        gh_t = h_{t−1} · W_hhᵀ + b_hh        [B, 3H], columns [r | z | n]
//   r = σ(gi_r + gh_r)   z = σ(gi_z + gh_z)   n = tanh(gi_n + r ⊙ gh_n)
//   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
//
// Forward: one GEMM projects all T·B input rows into the gates buffer (the training cache when training).
// Per step, one product h_{t−1}·W_hhᵀ (W_hh packed once per call, gate-interleaved as in gated.h), run in
// panel groups; after each group, on the same thread, the epilogue adds b_ih (and b_hh's r and z parts)
// to the projection and b_hn to the recurrent n part — b_hn stays inside r ⊙ (W_hn h + b_hn) — applies
// the gates and writes h_t, the activations (over the projection) and gh_n = W_hn·h_{t−1} + b_hn.
//
// BPTT (dhN seeds the last step):
//   dh_t = dy_t + z_{t+1} ⊙ dh_{t+1} + dgh_{t+1} · W_hh
//   dan = dh ⊙ (1 − z) ⊙ (1 − n²)    dar = dan ⊙ gh_n ⊙ r(1−r)
//   daz = dh ⊙ (h_{t−1} − n) ⊙ z(1−z)
//   dgi_t = [dar | daz | dan]       dgh_t = [dar | daz | dan ⊙ r]
// Per step the product dgh_t · W_hh accumulates onto z ⊙ dh (left in the same buffer by the previous
// epilogue), in groups of units, each followed by the epilogue that turns its block into dgi, dgh of the
// step before. dx, dW_ih, dW_hh and the bias gradients are large products over all T·B rows after the
// loop (gated.cc).
//
// σ(v) = ½·tanh(v/2) + ½ through the SIMD path's tanh (error a few float32 ulps).
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "batch_split.h"
#include "gated.h"
#include "lockstep.h"
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
  const float* bias;   // [3H]: b_ih + b_hh for r and z, b_ih for n; or null
  const float* b_hn;   // [H] or null
  StepRows gates;      // gates_t by rank [·, 3H]: input projection in, activations out
  StepRows hns;        // gh_n at t by rank, or p null (not training)
  StepRows hprev;      // h_{t−1} by rank, or p null (zeros)
  StepRows y;          // h_t by rank (y's block)
  float* hs;           // rank-ordered copy of h_t [B, H] for the next step's GEMM (packed mode), or null
};

// σ fix-ups for r and z (staged tanh outputs a = [r | z] × n) and the n gate's pre-activation.
FASTRNN_GATED_INLINE void gru_gates(float* __restrict a, const float* __restrict gn, const float* __restrict bn,
                                    const float* __restrict hn, float* __restrict nn, i64 n) {
  float* __restrict ar = a;
  float* __restrict az = a + n;
  for (i64 k = 0; k < n; k++) {
    const float rv = 0.5f * ar[k] + 0.5f, zv = 0.5f * az[k] + 0.5f;
    const float gi = bn ? gn[k] + bn[k] : gn[k];
    ar[k] = rv;
    az[k] = zv;
    nn[k] = gi + rv * hn[k];
  }
}

// h = (1 − z) ⊙ n + z ⊙ h_{t−1}, and the activations' write-back.
template <bool HasHprev>
FASTRNN_GATED_INLINE void gru_out(const float* __restrict a, const float* __restrict nn, const float* __restrict hp,
                                  float* __restrict gr, float* __restrict gz, float* __restrict gn,
                                  float* __restrict h, i64 n) {
  const float* __restrict ar = a;
  const float* __restrict az = a + n;
  for (i64 k = 0; k < n; k++) {
    const float nv = nn[k], zv = az[k];
    gr[k] = ar[k];
    gz[k] = zv;
    gn[k] = nv;
    h[k] = HasHprev ? (1.0f - zv) * nv + zv * hp[k] : (1.0f - zv) * nv + zv * 0.0f;
  }
}

// R: the recurrent product for this step in interleaved order (row stride ldr), or null (h_{t−1} = 0).
// Q: units per panel when known at compile time (0: read it from s.L).
template <int Q>
struct FwdRows {
  static FASTRNN_GATED_INLINE void run(const FwdStep& s, const float* R, i64 ldr, i64 r0, i64 r1, i64 p0, i64 p1) {
    const Interleave& L = s.L;
    const i64 H = L.H, q = Q ? Q : L.q, nr = L.nr;
    const i64 per = kStage / (2 * q) > 0 ? kStage / (2 * q) : 1;  // panels per staging chunk
    alignas(64) float rz[kStage];
    alignas(64) float nn[kStage];
    alignas(64) float hn[kStage];
    for (i64 r = r0; r < r1; r++) {
      float* g = s.gates.row(r);
      const float* rr = R ? R + r * ldr : nullptr;
      for (i64 pa = p0; pa < p1; pa += per) {
        const i64 pb = p1 < pa + per ? p1 : pa + per;
        const i64 u0 = pa * q, n = (pb * q < H ? pb * q : H) - u0;
        // Stage gate-major: r, z (σ: pre-scaled by ½) as [r | z] × n, and gh_n = W_hn·h + b_hn.
        for (i64 gate = 0; gate < 2; gate++) {
          float* dst = rz + gate * n;
          const float* src = g + gate * H + u0;
          if (rr) gated::gather_gate<Q>(dst, src, rr + pa * nr + gate * q, nr, q, n);
          else gated::copy_to(dst, src, n);
          gated::bias_scale(dst, s.bias ? s.bias + gate * H + u0 : nullptr, 0.5f, n);
        }
        if (rr) gated::gather_gate<Q>(hn, nullptr, rr + pa * nr + 2 * q, nr, q, n);
        else std::memset(hn, 0, sizeof(float) * n);
        gated::bias_scale(hn, s.b_hn ? s.b_hn + u0 : nullptr, 1.0f, n);
        s.ops->tanh_inplace(rz, 2 * n);
        gru_gates(rz, g + 2 * H + u0, s.bias ? s.bias + 2 * H + u0 : nullptr, hn, nn, n);
        s.ops->tanh_inplace(nn, n);
        float* h = s.y.row(r) + u0;
        if (s.hprev.p) gru_out<true>(rz, nn, s.hprev.row(r) + u0, g + u0, g + H + u0, g + 2 * H + u0, h, n);
        else gru_out<false>(rz, nn, nullptr, g + u0, g + H + u0, g + 2 * H + u0, h, n);
        if (s.hns.p) gated::copy_to(s.hns.row(r) + u0, hn, n);
        if (s.hs) gated::copy_to(s.hs + r * H + u0, h, n);
      }
    }
  }
};

template <int Q>
using FwdVariants = Variants<FwdRows<Q>, const FwdStep&, const float*, i64, i64, i64, i64, i64>;

FwdRowsFn pick_fwd_rows(Isa isa, i64 q) {
  if (q == 10) return FwdVariants<10>::pick(isa);
  if (q == 5) return FwdVariants<5>::pick(isa);
  if (q == 2) return FwdVariants<2>::pick(isa);
  return FwdVariants<0>::pick(isa);
}

// ---- backward: turn a block of dh (rows [r0, r1), units [c0, c1)) into dgi_t, dgh_t and z ⊙ dh_t ----

struct BwdStep;
using BwdRowsFn = void (*)(const BwdStep&, float*, i64, i64, i64, i64, i64);

struct BwdStep {
  BwdRowsFn rows;      // BwdRows compiled for the active path
  i64 H;
  StepRows dy;         // dy_t by rank, or p null
  StepRows gates;      // activations at t by rank [·, 3H]
  StepRows hns;        // gh_n at t by rank
  StepRows hprev;      // h_{t−1} by rank, or p null (zeros)
  StepRows dgi;        // dgi_t by rank [·, 3H] out
  StepRows dgh;        // dgh_t by rank [·, 3H] out
};

// One row's n units (g, di, dr at unit j0 with gate stride H). dh: dh_t minus dy_t in, z ⊙ dh_t out.
template <bool HasDy, bool HasHprev>
FASTRNN_GATED_INLINE void gru_cell_grad(float* __restrict dh, const float* __restrict dy, const float* __restrict g,
                                        const float* __restrict hn, const float* __restrict hp,
                                        float* __restrict di, float* __restrict dr, i64 H, i64 n) {
  const float* __restrict gr = g;
  const float* __restrict gz = g + H;
  const float* __restrict gn = g + 2 * H;
  float* __restrict dir = di;
  float* __restrict diz = di + H;
  float* __restrict din = di + 2 * H;
  float* __restrict drr = dr;
  float* __restrict drz = dr + H;
  float* __restrict drn = dr + 2 * H;
  for (i64 k = 0; k < n; k++) {
    const float rg = gr[k], z = gz[k], nv = gn[k];
    const float hpv = HasHprev ? hp[k] : 0.0f;
    const float dht = HasDy ? dh[k] + dy[k] : dh[k];
    const float dan = dht * (1.0f - z) * (1.0f - nv * nv);
    const float dar = dan * hn[k] * rg * (1.0f - rg);
    const float daz = dht * (hpv - nv) * z * (1.0f - z);
    dir[k] = dar;
    diz[k] = daz;
    din[k] = dan;
    drr[k] = dar;
    drz[k] = daz;
    drn[k] = dan * rg;
    dh[k] = dht * z;
  }
}

struct BwdRows {
  static FASTRNN_GATED_INLINE void run(const BwdStep& s, float* C, i64 ldc, i64 r0, i64 r1, i64 c0, i64 c1) {
    const i64 H = s.H, n = c1 - c0;
    for (i64 r = r0; r < r1; r++) {
      float* dh = C + r * ldc + c0;
      const float* dy = s.dy.p ? s.dy.row(r) + c0 : nullptr;
      const float* g = s.gates.row(r) + c0;
      const float* hn = s.hns.row(r) + c0;
      const float* hp = s.hprev.p ? s.hprev.row(r) + c0 : nullptr;
      float* di = s.dgi.row(r) + c0;
      float* dr = s.dgh.row(r) + c0;
      if (dy && hp) gru_cell_grad<true, true>(dh, dy, g, hn, hp, di, dr, H, n);
      else if (dy) gru_cell_grad<true, false>(dh, dy, g, hn, hp, di, dr, H, n);
      else if (hp) gru_cell_grad<false, true>(dh, dy, g, hn, hp, di, dr, H, n);
      else gru_cell_grad<false, false>(dh, dy, g, hn, hp, di, dr, H, n);
    }
  }
};

}  // namespace

void gru_forward(const Context& ctx, const ForwardArgs& a) {
  const SeqArgs& q = a.seq;
  const i64 T = q.T, B = q.B, I = q.I, H = q.H, BH = B * H, G3 = 3 * H;
  const SimdOps& ops = *ctx.ops;
  if (T == 0) {
    copy_or_zero(a.hN, a.h0, BH);
    return;
  }
  const Plan plan = make_plan(q);
  // Training: the cache holds the gates (projection first, then activations) and gh_n, by work row.
  float* gates = a.cache ? a.cache : scratch(gated::kSlotSteps, static_cast<std::size_t>(plan.rows * G3));
  float* hns = a.cache ? a.cache + plan.rows * G3 : nullptr;
  gated::input_projection(ctx, plan, I, G3, a.x, a.w_ih, gates);

  // Small batches read W_hh as stored or as per-gate column tiles (small.h) and write each step's product in
  // groups of kTileCols units (panel g of R holds units [64g, 64g + 64) of all three gates); larger ones
  // pack it once, gate-interleaved in the GEMM's panel width.
  const bool small = B <= kSmallRows;
  const Interleave L = small ? Interleave(3, H, 3 * kTileCols) : Interleave(3, H, ops.nr);
  float* whh = small ? nullptr : scratch(gated::kSlotWeightHh, packed_b_size(ops, H, L.np));
  if (!small) gated::pack_interleaved(ctx, a.w_hh, H, L, scratch(gated::kSlotAux, static_cast<std::size_t>(L.np * H)), whh);
  const float* wht = small ? transposed_for_steps(ctx, plan.steps, 3, H, H, a.w_hh, gated::kSlotWeightHh) : nullptr;
  float* R = scratch(gated::kSlotStep, static_cast<std::size_t>(B * L.np + G3));
  float* bias = R + B * L.np;
  if (!gated::combine_biases(a.b_ih, a.b_hh, G3, 2 * H, bias)) bias = nullptr;
  const float* b_hn = a.b_hh ? a.b_hh + 2 * H : nullptr;
  const FwdRowsFn rows = pick_fwd_rows(gated::isa_of(ops), L.q);
  // Rank-ordered h0 and (packed mode) the ring of the last two h_t the GEMM reads.
  float* ranks = scratch(kScratchRanks, static_cast<std::size_t>(3 * BH));
  float* h0r = a.h0 ? ranks : nullptr;
  float* hring = plan.packed ? ranks + BH : nullptr;
  if (h0r) gather_ranks(plan, a.h0, H, h0r);

  const float* y = a.y + q.y_offset;
  auto hprev_of = [&](i64 s) { return s == 0 ? h0r : hring ? hring + ((s - 1) & 1) * BH : y + plan.base[s - 1] * q.y_stride; };
  auto ldh_of = [&](i64 s) { return s == 0 || hring ? H : plan.stride * q.y_stride; };
  auto step_of = [&](i64 s) {
    return FwdStep{ctx.ops, rows, L, bias, b_hn, step_rows(plan, s, gates, G3, false),
                   step_rows(plan, s, hns, H, false), rank_rows(hprev_of(s), ldh_of(s)),
                   step_rows(plan, s, y, q.y_stride, true), hring ? hring + (s & 1) * BH : nullptr};
  };
  if (small) {
    // Units [64g, 64g + 64) of step s: their three gates' products into R's panel g, then their epilogue;
    // lockstep.h runs the groups, one thread each.
    const Context one{ctx.ops, ctx.pool, 1};
    lockstep(ctx, plan.steps, L.panels, [&](i64 s, i64 g) {
      const i64 n = plan.count[s], u0 = g * kTileCols, u1 = std::min(H, u0 + kTileCols);
      const float* hprev = hprev_of(s);
      if (hprev) {
        for (i64 gate = 0; gate < 3; gate++)
          small_step_units(one, n, H, H, hprev, ldh_of(s), a.w_hh, wht, gate, u0, u1, R + g * L.nr + gate * kTileCols, L.np, false);
      }
      rows(step_of(s), hprev ? R : nullptr, L.np, 0, n, g, g + 1);
    });
  }
  // Ranks [j0, j1) through every step (batch_split.h); c splits each step's columns when it has threads.
  auto run_ranks = [&](const Context& c, i64 j0, i64 j1) {
    for (i64 s = 0; s < plan.steps; s++) {
      const i64 r1 = ranks_end(plan, s, j0, j1), n = r1 - j0;
      if (n == 0) break;  // ranks run longest first: none of this range is left
      const float* hprev = hprev_of(s);
      const i64 ldh = ldh_of(s);
      const FwdStep st = step_of(s);
      if (hprev) {
        const auto before = [&](i64 c0, i64 c1) {
          const i64 u0 = c0 / L.nr * L.q, u1 = std::min(H, c1 / L.nr * L.q);
          for (i64 gate = 0; gate < 3; gate++) gated::prefetch_rows(st.gates, j0, r1, gate * H + u0, gate * H + u1);
        };
        const auto after = [&](i64 c0, i64 c1) { rows(st, R, L.np, j0, r1, c0 / L.nr, (c1 + L.nr - 1) / L.nr); };
        gated::grouped_gemm(c, n, L.np, H, hprev + j0 * ldh, ldh, whh, R + j0 * L.np, L.np, false, before, after);
      } else {
        rows(st, nullptr, 0, j0, r1, 0, L.panels);
      }
    }
  };
  if (!small) for_each_rank_range(ctx, rank_split(ctx, plan, 3 * H * H), run_ranks);
  for (i64 j = 0; j < B; j++) {
    const float* h = step_rows(plan, plan.last[j], y, q.y_stride, true).row(j);
    std::memcpy(a.hN + plan.batch[j] * H, h, sizeof(float) * H);
  }
  zero_padding(plan, q, a.y, q.y_stride, q.y_offset, H);
}

void gru_backward(const Context& ctx, const BackwardArgs& a) {
  const SeqArgs& q = a.seq;
  const i64 T = q.T, B = q.B, H = q.H, BH = B * H, G3 = 3 * H;
  const SimdOps& ops = *ctx.ops;
  if (T == 0) {
    copy_or_zero(a.dh0, a.dhN, BH);
    return;
  }
  if (!a.cache) throw std::invalid_argument("gru_backward needs the training cache its forward filled");
  const Plan plan = make_plan(q);
  const i64 S = plan.steps;
  const float* gates = a.cache;
  const float* hns = a.cache + plan.rows * G3;
  float* dgi = scratch(gated::kSlotSteps, static_cast<std::size_t>(plan.rows * G3));
  float* dgh = scratch(gated::kSlotSteps2, static_cast<std::size_t>(plan.rows * G3));
  const bool small = B <= kSmallRows;  // small batches read W_hh as stored (small.h)
  float* whh = small ? nullptr : scratch(gated::kSlotWeightHh, packed_b_size(ops, G3, H));
  if (!small) ops.pack_b(ctx, MatView{a.w_hh, H, 1}, G3, H, whh);  // W_hh as B[K=3H, N=H]
  float* dh = scratch(gated::kSlotStep, static_cast<std::size_t>(BH));
  float* h0r = a.h0 ? scratch(kScratchRanks, static_cast<std::size_t>(BH)) : nullptr;
  if (h0r) gather_ranks(plan, a.h0, H, h0r);

  const BwdRowsFn rows = Variants<BwdRows, const BwdStep&, float*, i64, i64, i64, i64, i64>::pick(gated::isa_of(ops));
  const float* y = a.y + q.y_offset;
  auto step = [&](i64 s) {
    return BwdStep{rows, H, step_rows(plan, s, a.dy ? a.dy + q.y_offset : nullptr, q.y_stride, true),
                   step_rows(plan, s, gates, G3, false), step_rows(plan, s, hns, H, false),
                   s > 0 ? step_rows(plan, s - 1, y, q.y_stride, true) : rank_rows(h0r, H),
                   step_rows(plan, s, dgi, G3, false), step_rows(plan, s, dgh, G3, false)};
  };
  // Ranks [j0, j1) end at their step: dh starts from dhN.
  auto seed = [&](i64 j0, i64 j1) {
    for (i64 j = j0; j < j1; j++) copy_or_zero(dh + j * H, a.dhN ? a.dhN + plan.batch[j] * H : nullptr, H);
  };
  const i64 ldd = plan.stride * G3;
  // Rows [j0, j1) of dh += the same rows of dgh_s · W_hh.
  auto times_whh = [&](const Context& c, i64 s, i64 j0, i64 j1) {
    const float* d = dgh + plan.base[s] * G3 + j0 * ldd;
    if (small) small_ab(c, j1 - j0, H, G3, d, ldd, a.w_hh, dh + j0 * H, H, true);
    else ops.gemm(c, j1 - j0, H, G3, MatView{d, ldd, 1}, whh, dh + j0 * H, H, true, nullptr);
  };
  // Ranks [j0, j1) back through every step (batch_split.h); c splits each step's columns when it has
  // threads. The range's ranks running at step s are [j0, at(s)).
  auto run_ranks = [&](const Context& c, i64 j0, i64 j1) {
    auto at = [&](i64 s) { return ranks_end(plan, s, j0, j1); };
    seed(j0, at(S - 1));
    rows(step(S - 1), dh, H, j0, at(S - 1), 0, H);
    for (i64 s = S - 1; s >= 1; s--) {
      const i64 r1 = at(s - 1), m = at(s);
      if (r1 == j0) continue;
      const BwdStep prev = step(s - 1);
      seed(m, r1);
      const auto before = [&](i64 c0, i64 c1) {
        for (i64 gate = 0; gate < 3; gate++) gated::prefetch_rows(prev.gates, j0, r1, gate * H + c0, gate * H + c1);
        gated::prefetch_rows(prev.hns, j0, r1, c0, c1);
        gated::prefetch_rows(prev.hprev, j0, r1, c0, c1);
        gated::prefetch_rows(prev.dy, j0, r1, c0, c1);
      };
      const auto after = [&](i64 c0, i64 c1) { rows(prev, dh, H, j0, r1, c0, c1); };
      if (small || m == j0) {
        if (m > j0) times_whh(c, s, j0, m);
        after(0, H);
      } else {
        const float* d = dgh + plan.base[s] * G3 + j0 * ldd;
        gated::grouped_gemm(c, m - j0, H, G3, d, ldd, whh, dh + j0 * H, H, true, before, after);
      }
    }
    times_whh(c, 0, j0, j1);  // dh0 = z ⊙ dh (left by the last epilogue) + dgh_first · W_hh
  };
  for_each_rank_range(ctx, rank_split(ctx, plan, 3 * H * H), run_ranks);
  scatter_ranks(plan, dh, H, a.dh0);

  weight_gradients(ctx, WeightGradArgs{&plan, &q, G3, dgi, dgh, a.x, a.y, h0r, a.w_ih, a.dx, a.dw_ih, a.dw_hh,
                                       a.db_ih, a.db_hh});
}

}  // namespace fastrnn
