// Vanilla RNN kernels: the native twin of src/backend/reference/rnn.ts.
//
//   pre_t = x_t · W_ihᵀ + b_ih + b_hh + h_{t−1} · W_hhᵀ        [B, H]
//   h_t   = f(pre_t),  f = tanh | relu
//
// Forward: one large GEMM for the input projection of all work rows (biases in its epilogue) straight into
// y's block (natural mode) or a packed work buffer (ragged, plan.h); then per step the recurrent GEMM over
// the rows still running accumulates into h_t and its epilogue applies f — W_hh is packed once.
//
// BPTT:
//   dpre_t = (dh_t + dy_t) ⊙ f'(y_t)         tanh' = 1 − y², relu' = [y > 0]
//   dh_{t−1} = dpre_t · W_hh                  (the GEMM's epilogue turns it straight into dpre_{t−1})
//   dW_ih += dpreᵀ · x,  dW_hh += dpreᵀ · h_prev,  db += Σ_rows dpre,  dx += dpre · W_ih
// where the last four run once over all work rows after the loop (weight_gradients, gated.cc).
#include <algorithm>
#include <cstring>

#include "batch_split.h"
#include "gated.h"
#include "lockstep.h"
#include "gemm/gemm.h"
#include "recurrent.h"
#include "small.h"
#include "threads.h"

namespace fastrnn {

namespace {

// ---- forward epilogues ----

struct BiasCtx {
  const float* b_ih;
  const float* b_hh;
};

void bias_epilogue(const void* p, float* C, i64 ldc, i64 r0, i64 r1, i64 c0, i64 c1) {
  const BiasCtx& b = *static_cast<const BiasCtx*>(p);
  for (i64 r = r0; r < r1; r++) {
    float* row = C + r * ldc;
    if (b.b_ih)
      for (i64 j = c0; j < c1; j++) row[j] = row[j] + b.b_ih[j];
    if (b.b_hh)
      for (i64 j = c0; j < c1; j++) row[j] = row[j] + b.b_hh[j];
  }
}

void relu_inplace(float* x, i64 n) {
  for (i64 i = 0; i < n; i++) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

struct ActCtx {
  const SimdOps* ops;
  RnnAct act;
};

void act_rows(const ActCtx& a, float* C, i64 ldc, i64 r0, i64 r1, i64 c0, i64 c1) {
  for (i64 r = r0; r < r1; r++) {
    float* row = C + r * ldc + c0;
    if (a.act == RnnAct::Tanh) a.ops->tanh_inplace(row, c1 - c0);
    else relu_inplace(row, c1 - c0);
  }
}

void act_epilogue(const void* p, float* C, i64 ldc, i64 r0, i64 r1, i64 c0, i64 c1) {
  act_rows(*static_cast<const ActCtx*>(p), C, ldc, r0, r1, c0, c1);
}

// ---- backward epilogue: C rows (by rank) hold dh for step s; turn them into dpre_s in place ----

struct DactCtx {
  RnnAct act;
  StepRows dy;  // dy_s by rank, or p null
  StepRows y;   // y_s by rank
};

void dact_epilogue(const void* p, float* C, i64 ldc, i64 r0, i64 r1, i64 c0, i64 c1) {
  const DactCtx& d = *static_cast<const DactCtx*>(p);
  for (i64 r = r0; r < r1; r++) {
    float* g = C + r * ldc;
    const float* yr = d.y.row(r);
    if (d.dy.p) {
      const float* dyr = d.dy.row(r);
      for (i64 j = c0; j < c1; j++) g[j] = g[j] + dyr[j];
    }
    if (d.act == RnnAct::Tanh) {
      for (i64 j = c0; j < c1; j++) g[j] = g[j] * (1.0f - yr[j] * yr[j]);
    } else {
      for (i64 j = c0; j < c1; j++) g[j] = yr[j] > 0.0f ? g[j] : 0.0f;
    }
  }
}

}  // namespace

void rnn_forward(const Context& ctx, RnnAct act, const ForwardArgs& a) {
  const SeqArgs& q = a.seq;
  const i64 T = q.T, B = q.B, I = q.I, H = q.H, BH = B * H;
  const SimdOps& ops = *ctx.ops;
  if (T == 0) {
    copy_or_zero(a.hN, a.h0, BH);
    return;
  }
  const Plan plan = make_plan(q);
  // Work buffer for h: y's own block (natural rows) or packed work rows, scattered into y at the end.
  const i64 ld = plan.packed ? H : q.y_stride;
  float* yw = plan.packed ? scratch(kScratchSteps, static_cast<std::size_t>(plan.rows * H)) : a.y + q.y_offset;
  const float* xw = a.x;
  if (plan.packed) {
    float* g = scratch(kScratchGather, static_cast<std::size_t>(plan.rows * I));
    gather_rows(ctx, plan, a.x, I, 0, I, g);
    xw = g;
  }
  // h ← x · W_ihᵀ + b_ih + b_hh for every work row. W_ihᵀ as B[K=I, N=H]: element (i, h) = W_ih[h·I + i].
  const BiasCtx bias{a.b_ih, a.b_hh};
  if (plan.rows <= kSmallRows) {
    small_abt(ctx, plan.rows, H, I, xw, I, a.w_ih, yw, ld, false);
    bias_epilogue(&bias, yw, ld, 0, plan.rows, 0, H);
  } else {
    float* wih = scratch(kScratchWeightIh, packed_b_size(ops, I, H));
    ops.pack_b(ctx, MatView{a.w_ih, 1, I}, I, H, wih);
    const Epilogue epi{&bias_epilogue, &bias};
    ops.gemm(ctx, plan.rows, H, I, MatView{xw, I, 1}, wih, yw, ld, false, (a.b_ih || a.b_hh) ? &epi : nullptr);
  }
  // Small batches read W_hh as stored (small.h); larger ones pack it once for every step.
  const bool small = B <= kSmallRows;
  float* whh = small ? nullptr : scratch(kScratchWeightHh, packed_b_size(ops, H, H));
  if (!small) ops.pack_b(ctx, MatView{a.w_hh, 1, H}, H, H, whh);
  const float* wht = small ? transposed_for_steps(ctx, plan.steps, 1, H, H, a.w_hh, kScratchWeightHh) : nullptr;
  float* h0r = nullptr;
  if (a.h0) {
    h0r = scratch(kScratchRanks, static_cast<std::size_t>(BH));
    gather_ranks(plan, a.h0, H, h0r);
  }
  const ActCtx actx{ctx.ops, act};
  const Epilogue epi{&act_epilogue, &actx};
  const i64 lds = plan.stride * ld;  // between ranks within one step
  if (small) {
    // Units [64g, 64g + 64) of step s: their products, then f; lockstep.h runs the groups, one thread each.
    const Context one{ctx.ops, ctx.pool, 1};
    lockstep(ctx, plan.steps, (H + kTileCols - 1) / kTileCols, [&](i64 s, i64 g) {
      const i64 n = plan.count[s], u0 = g * kTileCols, u1 = std::min(H, u0 + kTileCols);
      float* yt = yw + plan.base[s] * ld;
      const float* prev = s == 0 ? h0r : yw + plan.base[s - 1] * ld;
      if (prev) small_step_units(one, n, H, H, prev, s == 0 ? H : lds, a.w_hh, wht, 0, u0, u1, yt + u0, lds, true);
      act_rows(actx, yt, lds, 0, n, u0, u1);
    });
  }
  // Ranks [j0, j1) through every step (batch_split.h); c splits each step's columns when it has threads.
  auto run_ranks = [&](const Context& c, i64 j0, i64 j1) {
    for (i64 s = 0; s < plan.steps; s++) {
      const i64 n = ranks_end(plan, s, j0, j1) - j0;
      if (n == 0) break;  // ranks run longest first: none of this range is left
      float* yt = yw + plan.base[s] * ld + j0 * lds;
      const i64 ldp = s == 0 ? H : lds;
      const float* prev = s == 0 ? (h0r ? h0r + j0 * H : nullptr) : yw + plan.base[s - 1] * ld + j0 * lds;
      if (prev) ops.gemm(c, n, H, H, MatView{prev, ldp, 1}, whh, yt, lds, true, &epi);  // f in the epilogue
      else act_rows(actx, yt, lds, 0, n, 0, H);
    }
  };
  if (!small) for_each_rank_range(ctx, rank_split(ctx, plan, H * H), run_ranks);
  for (i64 j = 0; j < B; j++) {
    std::memcpy(a.hN + plan.batch[j] * H, yw + plan.work(plan.last[j], j) * ld, sizeof(float) * H);
  }
  if (plan.packed) {
    scatter_rows(ctx, plan, yw, H, a.y, q.y_stride, q.y_offset, false);
    zero_padding(plan, q, a.y, q.y_stride, q.y_offset, H);
  }
}

void rnn_backward(const Context& ctx, RnnAct act, const BackwardArgs& a) {
  const SeqArgs& q = a.seq;
  const i64 T = q.T, B = q.B, H = q.H, BH = B * H;
  const SimdOps& ops = *ctx.ops;
  if (T == 0) {
    copy_or_zero(a.dh0, a.dhN, BH);
    return;
  }
  const Plan plan = make_plan(q);
  const i64 S = plan.steps;
  float* dpre = scratch(kScratchSteps, static_cast<std::size_t>(plan.rows * H));  // work rows
  // dh = dpre · W_hh: W_hh as B[K=H, N=H] row-major.
  const bool small = B <= kSmallRows;
  float* whh = small ? nullptr : scratch(kScratchWeightHh, packed_b_size(ops, H, H));
  if (!small) ops.pack_b(ctx, MatView{a.w_hh, H, 1}, H, H, whh);
  float* h0r = nullptr;
  if (a.h0) {
    h0r = scratch(kScratchRanks, static_cast<std::size_t>(BH));
    gather_ranks(plan, a.h0, H, h0r);
  }
  const i64 lds = plan.stride * H;
  // C (+)= A · W_hh for n rows: straight from W_hh for small batches, else the packed GEMM.
  auto times_whh = [&](const Context& c, i64 n, const float* A, i64 lda, float* C, i64 ldc, const Epilogue* epi) {
    if (!small) return ops.gemm(c, n, H, H, MatView{A, lda, 1}, whh, C, ldc, false, epi);
    small_ab(c, n, H, H, A, lda, a.w_hh, C, ldc, false);
    if (epi) epi->fn(epi->ctx, C, ldc, 0, n, 0, H);
  };
  auto dact = [&](i64 s) {
    return DactCtx{act, step_rows(plan, s, a.dy ? a.dy + q.y_offset : nullptr, q.y_stride, true),
                   step_rows(plan, s, a.y + q.y_offset, q.y_stride, true)};
  };
  // Ranks [j0, j1) end at step s: their dh starts as dhN; then dpre_s = (dh + dy) ⊙ f'.
  auto seed = [&](i64 s, i64 j0, i64 j1) {
    float* d = dpre + plan.base[s] * H;
    for (i64 j = j0; j < j1; j++) copy_or_zero(d + j * lds, a.dhN ? a.dhN + plan.batch[j] * H : nullptr, H);
    const DactCtx dc = dact(s);
    dact_epilogue(&dc, d, lds, j0, j1, 0, H);
  };
  float* dh0r = scratch(kScratchStepsT, static_cast<std::size_t>(BH));
  // Ranks [j0, j1) back through every step (batch_split.h); c splits each step's columns when it has
  // threads. The range's ranks running at step s are [j0, at(s)).
  auto run_ranks = [&](const Context& c, i64 j0, i64 j1) {
    auto at = [&](i64 s) { return ranks_end(plan, s, j0, j1); };
    seed(S - 1, j0, at(S - 1));
    for (i64 s = S - 1; s >= 1; s--) {
      const i64 m = at(s);
      if (m > j0) {
        // The epilogue sees rows from j0 on: its views start there too.
        const DactCtx d = dact(s - 1);
        const DactCtx dc{d.act, d.dy.p ? from_rank(d.dy, j0) : d.dy, from_rank(d.y, j0)};
        const Epilogue epi{&dact_epilogue, &dc};
        times_whh(c, m - j0, dpre + plan.base[s] * H + j0 * lds, lds, dpre + plan.base[s - 1] * H + j0 * lds, lds, &epi);
      }
      seed(s - 1, m, at(s - 1));
    }
    times_whh(c, j1 - j0, dpre + plan.base[0] * H + j0 * lds, lds, dh0r + j0 * H, H, nullptr);
  };
  for_each_rank_range(ctx, rank_split(ctx, plan, H * H), run_ranks);
  scatter_ranks(plan, dh0r, H, a.dh0);
  weight_gradients(ctx, WeightGradArgs{&plan, &q, H, dpre, dpre, a.x, a.y, h0r, a.w_ih, a.dx, a.dw_ih, a.dw_hh,
                                       a.db_ih, a.db_hh});
}

}  // namespace fastrnn
