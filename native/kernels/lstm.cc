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
// Projection (PyTorch's proj_size, P < H): the epilogue writes h̃_t = o ⊙ tanh c_t (kept in the cache) and
// one more per-step product h_t = h̃_t · W_hrᵀ [n, P] follows; the recurrence reads h of size P (W_hh is
// [4H, P]). Backward folds dy into dh_t (size P, kept per work row for dW_hr += Σ dh_tᵀ · h̃_t), turns it
// into dh̃ = dh_t · W_hr, runs the usual cell gradient, and dh_{t−1} = dpre_t · W_hh.
//
// σ(v) = ½·tanh(v/2) + ½ through the SIMD path's tanh (error a few float32 ulps).
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "batch_split.h"
#include "gated.h"
#include "lockstep.h"
#include "lstm_steps.h"
#include "gemm/gemm.h"
#include "recurrent.h"
#include "threads.h"

namespace fastrnn {

using namespace lstm_steps;
using gated::Interleave;
using gated::Variants;

void lstm_forward(const Context& ctx, const ForwardArgs& a) {
  const SeqArgs& q = a.seq;
  const i64 T = q.T, B = q.B, I = q.I, H = q.H, P = q.P, BH = B * H, BP = B * P, G4 = 4 * H;
  const bool proj = P < H;
  const SimdOps& ops = *ctx.ops;
  if (T == 0) {
    copy_or_zero(a.hN, a.h0, BP);
    if (a.cN) copy_or_zero(a.cN, a.c0, BH);
    return;
  }
  const Plan plan = make_plan(q);
  // Training: the cache holds the gates (projection first, then activations), the cell states and, with a
  // projection, h̃ = o ⊙ tanh c — by work row.
  float* gates = a.cache ? a.cache : scratch(gated::kSlotSteps, static_cast<std::size_t>(plan.rows * G4));
  float* cells = a.cache ? a.cache + plan.rows * G4 : nullptr;
  gated::input_projection(ctx, plan, I, G4, a.x, a.w_ih, gates);
  // (after the projection: in packed mode it used the gather slot for x)
  float* htil = !proj ? nullptr : a.cache ? a.cache + plan.rows * 5 * H : scratch(kScratchGather, static_cast<std::size_t>(BH));

  // Small batches read W_hh (and W_hr) as stored or as per-gate column tiles (small.h) and write each step's
  // product in groups of kTileCols units (panel g of R holds units [64g, 64g + 64) of all four gates);
  // larger ones pack W_hh once, gate-interleaved in the GEMM's panel width.
  const bool small = B <= kSmallRows;
  const Interleave L = small ? Interleave(4, H, 4 * kTileCols) : Interleave(4, H, ops.nr);
  float* whh = small ? nullptr : scratch(gated::kSlotWeightHh, packed_b_size(ops, P, L.np));
  if (!small) gated::pack_interleaved(ctx, a.w_hh, P, L, scratch(gated::kSlotAux, static_cast<std::size_t>(L.np * P)), whh);
  const float* wht = small ? transposed_for_steps(ctx, plan.steps, 4, H, P, a.w_hh, gated::kSlotWeightHh) : nullptr;
  float* whr = proj && !small ? scratch(kScratchWeightIh, packed_b_size(ops, H, P)) : nullptr;
  if (whr) ops.pack_b(ctx, MatView{a.w_hr, 1, H}, H, P, whr);  // W_hrᵀ as B[K=H, N=P]
  float* R = scratch(gated::kSlotStep, static_cast<std::size_t>(B * L.np + G4));
  float* bias = R + B * L.np;
  if (!gated::combine_biases(a.b_ih, a.b_hh, G4, G4, bias)) bias = nullptr;
  const FwdRowsFn rows = pick_fwd_rows(gated::isa_of(ops), L.q);
  // Rank-ordered h0 [B,P], c0 [B,H] and (packed mode) the ring of the last two h_t the GEMM reads.
  float* ranks = scratch(kScratchRanks, static_cast<std::size_t>(4 * BH));
  float* h0r = a.h0 ? ranks : nullptr;
  float* c0r = a.c0 ? ranks + BH : nullptr;
  float* hring = plan.packed ? ranks + 2 * BH : nullptr;
  if (h0r) gather_ranks(plan, a.h0, P, h0r);
  if (c0r) gather_ranks(plan, a.c0, H, c0r);
  // Inference keeps only two cell states (a ring, by rank), training all of them (in the cache).
  float* cring = cells ? nullptr : scratch(gated::kSlotAux, static_cast<std::size_t>(2 * BH));
  auto cell_rows = [&](i64 s) {
    return cells ? step_rows(plan, s, cells, H, false) : rank_rows(cring + (s & 1) * BH, H);
  };
  // Where the epilogue writes its output: h_t itself, or h̃_t when a projection follows.
  auto out_rows = [&](i64 s) {
    if (!proj) return step_rows(plan, s, a.y + q.y_offset, q.y_stride, true);
    return a.cache ? step_rows(plan, s, htil, H, false) : rank_rows(htil, H);
  };

  const float* y = a.y + q.y_offset;
  auto step_of = [&](i64 s) {
    return FwdStep{ctx.ops, rows, L, bias, step_rows(plan, s, gates, G4, false), cell_rows(s),
                   s == 0 ? rank_rows(c0r, H) : cell_rows(s - 1), out_rows(s),
                   hring && !proj ? hring + (s & 1) * BP : nullptr};
  };
  auto hprev_of = [&](i64 s) { return s == 0 ? h0r : hring ? hring + ((s - 1) & 1) * BP : y + plan.base[s - 1] * q.y_stride; };
  auto ldh_of = [&](i64 s) { return s == 0 || hring ? P : plan.stride * q.y_stride; };
  // Small batches: units [64g, 64g + 64) of step s — their four gates' products into R's panel g, then
  // their epilogue (c runs the products; lockstep.h runs the groups on one thread each).
  const Context one{ctx.ops, ctx.pool, 1};
  auto small_group = [&](i64 s, i64 g) {
    const i64 n = plan.count[s], u0 = g * kTileCols, u1 = std::min(H, u0 + kTileCols);
    const float* hprev = hprev_of(s);
    if (hprev) {
      for (i64 gate = 0; gate < 4; gate++)
        small_step_units(one, n, H, P, hprev, ldh_of(s), a.w_hh, wht, gate, u0, u1, R + g * L.nr + gate * kTileCols, L.np, false);
    }
    rows(step_of(s), hprev ? R : nullptr, L.np, 0, n, g, g + 1);
  };
  // Ranks [j0, j1) through every step (batch_split.h); c splits each step's columns when it has threads.
  auto run_ranks = [&](const Context& c, i64 j0, i64 j1) {
    for (i64 s = 0; s < plan.steps; s++) {
      const i64 r1 = ranks_end(plan, s, j0, j1), n = r1 - j0;
      if (n == 0) break;  // ranks run longest first: none of this range is left
      const FwdStep st = step_of(s);
      const float* hprev = hprev_of(s);
      const i64 ldh = ldh_of(s);
      if (small) {
        c.pool->parallel_for(L.panels, c.threads, [&](i64 g) { small_group(s, g); });
      } else if (hprev) {
        const auto before = [&](i64 c0, i64 c1) {
          const i64 u0 = c0 / L.nr * L.q, u1 = std::min(H, c1 / L.nr * L.q);
          for (i64 gate = 0; gate < 4; gate++) gated::prefetch_rows(st.gates, j0, r1, gate * H + u0, gate * H + u1);
        };
        const auto after = [&](i64 c0, i64 c1) { rows(st, R, L.np, j0, r1, c0 / L.nr, (c1 + L.nr - 1) / L.nr); };
        gated::grouped_gemm(c, n, L.np, P, hprev + j0 * ldh, ldh, whh, R + j0 * L.np, L.np, false, before, after);
      } else {
        rows(st, nullptr, 0, j0, r1, 0, L.panels);
      }
      if (proj) {
        // h_t = h̃_t · W_hrᵀ, into y's rows (natural mode) or the ring (packed), then y.
        const float* A = st.y.row(j0);
        const i64 lda = a.cache ? plan.stride * H : H;
        float* C = hring ? hring + (s & 1) * BP + j0 * P : a.y + q.y_offset + plan.base[s] * q.y_stride;
        const i64 ldc = hring ? P : plan.stride * q.y_stride;
        if (!hring) C += j0 * ldc;
        if (small) small_abt(c, n, P, H, A, lda, a.w_hr, C, ldc, false);
        else ops.gemm(c, n, P, H, MatView{A, lda, 1}, whr, C, ldc, false, nullptr);
        if (hring) {
          const StepRows yr = step_rows(plan, s, y, q.y_stride, true);
          for (i64 j = 0; j < n; j++) std::memcpy(yr.row(j0 + j), C + j * P, sizeof(float) * P);
        }
      }
    }
  };
  if (small && !proj) lockstep(ctx, plan.steps, L.panels, small_group);
  else for_each_rank_range(ctx, rank_split(ctx, plan, 4 * H * P + (proj ? P * H : 0)), run_ranks);
  for (i64 j = 0; j < B; j++) {
    const i64 s = plan.last[j], b = plan.batch[j];
    std::memcpy(a.hN + b * P, step_rows(plan, s, y, q.y_stride, true).row(j), sizeof(float) * P);
    if (a.cN) std::memcpy(a.cN + b * H, cell_rows(s).row(j), sizeof(float) * H);
  }
  zero_padding(plan, q, a.y, q.y_stride, q.y_offset, P);
}

void lstm_backward(const Context& ctx, const BackwardArgs& a) {
  const SeqArgs& q = a.seq;
  const i64 T = q.T, B = q.B, H = q.H, P = q.P, BH = B * H, BP = B * P, G4 = 4 * H;
  const bool proj = P < H;
  const SimdOps& ops = *ctx.ops;
  if (T == 0) {
    copy_or_zero(a.dh0, a.dhN, BP);
    if (a.dc0) copy_or_zero(a.dc0, a.dcN, BH);
    return;
  }
  if (!a.cache) throw std::invalid_argument("lstm_backward needs the training cache its forward filled");
  const Plan plan = make_plan(q);
  const i64 S = plan.steps;
  const float* gates = a.cache;
  const float* cells = a.cache + plan.rows * G4;
  const float* htil = proj ? a.cache + plan.rows * 5 * H : nullptr;
  float* dpre = scratch(gated::kSlotSteps, static_cast<std::size_t>(plan.rows * G4));
  const bool small = B <= kSmallRows;  // small batches read the weights as stored (small.h)
  float* whh = small ? nullptr : scratch(gated::kSlotWeightHh, packed_b_size(ops, G4, P));
  if (!small) ops.pack_b(ctx, MatView{a.w_hh, P, 1}, G4, P, whh);  // W_hh as B[K=4H, N=P]
  float* dh = scratch(gated::kSlotStep, static_cast<std::size_t>(BH));  // rank-ordered, P (≤ H) columns used
  float* dc = scratch(gated::kSlotAux, static_cast<std::size_t>(BH));
  float* ranks = scratch(kScratchRanks, static_cast<std::size_t>(2 * BH));
  float* h0r = a.h0 ? ranks : nullptr;
  float* c0r = a.c0 ? ranks + BH : nullptr;
  if (h0r) gather_ranks(plan, a.h0, P, h0r);
  if (c0r) gather_ranks(plan, a.c0, H, c0r);

  const BwdRowsFn rows =
      Variants<BwdRows, const BwdStep&, const float*, i64, i64, i64, i64, i64>::pick(gated::isa_of(ops));
  // Processing step s of the reverse loop: its dpre, from the dh block the GEMM just finished. With a
  // projection, dy is folded into dh_t before dh̃ = dh_t · W_hr, so the epilogue sees no dy.
  const float* dy = a.dy ? a.dy + q.y_offset : nullptr;
  auto step = [&](i64 s) {
    return BwdStep{ctx.ops, rows, H, step_rows(plan, s, proj ? nullptr : dy, q.y_stride, true),
                   step_rows(plan, s, gates, G4, false), step_rows(plan, s, cells, H, false),
                   s > 0 ? step_rows(plan, s - 1, cells, H, false) : rank_rows(c0r, H), dc,
                   step_rows(plan, s, dpre, G4, false)};
  };
  // Ranks [j0, j1) end at their step: dh and dc start from dhN and dcN.
  auto seed = [&](i64 j0, i64 j1) {
    for (i64 j = j0; j < j1; j++) {
      copy_or_zero(dh + j * P, a.dhN ? a.dhN + plan.batch[j] * P : nullptr, P);
      copy_or_zero(dc + j * H, a.dcN ? a.dcN + plan.batch[j] * H : nullptr, H);
    }
  };
  const i64 ldd = plan.stride * G4;
  // Rows [j0, j1) of dh (P columns) = the same rows of dpre_s · W_hh.
  auto times_whh = [&](const Context& c, i64 s, i64 j0, i64 j1) {
    const float* d = dpre + plan.base[s] * G4 + j0 * ldd;
    if (small) small_ab(c, j1 - j0, P, G4, d, ldd, a.w_hh, dh + j0 * P, P, false);
    else ops.gemm(c, j1 - j0, P, G4, MatView{d, ldd, 1}, whh, dh + j0 * P, P, false, nullptr);
  };
  float* dhp = proj ? scratch(kScratchGather, static_cast<std::size_t>(plan.rows * P)) : nullptr;
  float* dht = proj ? scratch(kScratchStepsT, static_cast<std::size_t>(BH)) : nullptr;
  float* whr = proj && !small ? scratch(kScratchWeightIh, packed_b_size(ops, P, H)) : nullptr;
  if (whr) ops.pack_b(ctx, MatView{a.w_hr, H, 1}, P, H, whr);  // W_hr as B[K=P, N=H]
  // Ranks [j0, j1) back through every step (batch_split.h); c splits each step's columns when it has
  // threads. The range's ranks running at step s are [j0, at(s)).
  auto run_ranks = [&](const Context& c, i64 j0, i64 j1) {
    auto at = [&](i64 s) { return ranks_end(plan, s, j0, j1); };
    if (!proj) {
      seed(j0, at(S - 1));
      rows(step(S - 1), dh, H, j0, at(S - 1), 0, H);
      for (i64 s = S - 1; s >= 1; s--) {
        const i64 r1 = at(s - 1), m = at(s);
        if (r1 == j0) continue;
        const BwdStep prev = step(s - 1);
        seed(m, r1);
        const auto before = [&](i64 c0, i64 c1) {
          for (i64 gate = 0; gate < 4; gate++) gated::prefetch_rows(prev.gates, j0, r1, gate * H + c0, gate * H + c1);
          gated::prefetch_rows(prev.cells, j0, r1, c0, c1);
          gated::prefetch_rows(prev.cprev, j0, r1, c0, c1);
          gated::prefetch_rows(prev.dy, j0, r1, c0, c1);
        };
        const auto after = [&](i64 c0, i64 c1) { rows(prev, dh, H, j0, r1, c0, c1); };
        if (small || m == j0) {
          if (m > j0) times_whh(c, s, j0, m);
          after(0, H);
        } else {
          const float* d = dpre + plan.base[s] * G4 + j0 * ldd;
          gated::grouped_gemm(c, m - j0, H, G4, d, ldd, whh, dh + j0 * H, H, false, before, after);
        }
      }
    } else {
      // dh_t (P) = recurrent part + dy_t, kept per work row for dW_hr; dh̃ = dh_t · W_hr (H), then the cell.
      for (i64 s = S - 1; s >= 0; s--) {
        const i64 r1 = at(s), n = r1 - j0;
        if (n == 0) continue;
        seed(at(s + 1), r1);
        const StepRows dyr = step_rows(plan, s, dy, q.y_stride, true);
        const StepRows dhr = step_rows(plan, s, dhp, P, false);
        for (i64 j = j0; j < r1; j++) {
          float* d = dhr.row(j);
          const float* r = dh + j * P;
          if (dy) {
            const float* u = dyr.row(j);
            for (i64 k = 0; k < P; k++) d[k] = r[k] + u[k];
          } else {
            std::memcpy(d, r, sizeof(float) * P);
          }
        }
        const i64 lda = plan.stride * P;
        if (small) small_ab(c, n, H, P, dhr.row(j0), lda, a.w_hr, dht + j0 * H, H, false);
        else ops.gemm(c, n, H, P, MatView{dhr.row(j0), lda, 1}, whr, dht + j0 * H, H, false, nullptr);
        rows(step(s), dht, H, j0, r1, 0, H);
        if (s > 0) times_whh(c, s, j0, r1);
      }
    }
    times_whh(c, 0, j0, j1);  // dh0 (by rank) = dpre_first · W_hh
  };
  for_each_rank_range(ctx, rank_split(ctx, plan, 4 * H * P + (proj ? P * H : 0)), run_ranks);
  if (proj) {
    // dW_hr += Σ_rows dh_tᵀ · h̃_t.
    if (plan.rows <= kSmallRows) {
      std::vector<const float*> hr(static_cast<std::size_t>(plan.rows));
      for (i64 w = 0; w < plan.rows; w++) hr[w] = htil + w * H;
      small_atb(ctx, plan.rows, P, H, dhp, P, hr.data(), a.dw_hr);
    } else {
      float* hp = scratch(gated::kSlotBigB, packed_b_size(ops, plan.rows, H));
      ops.pack_b(ctx, MatView{htil, H, 1}, plan.rows, H, hp);
      ops.gemm(ctx, P, H, plan.rows, MatView{dhp, 1, P}, hp, a.dw_hr, H, true, nullptr);  // dhᵀ as a strided view
    }
  }
  scatter_ranks(plan, dh, P, a.dh0);
  if (a.dc0) scatter_ranks(plan, dc, H, a.dc0);

  weight_gradients(ctx, WeightGradArgs{&plan, &q, G4, dpre, dpre, a.x, a.y, h0r, a.w_ih, a.dx, a.dw_ih, a.dw_hh,
                                       a.db_ih, a.db_hh});
}

}  // namespace fastrnn
