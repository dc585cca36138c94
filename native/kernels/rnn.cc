// Vanilla RNN kernels: the native twin of src/backend/reference/rnn.ts.
//
//   pre_t = x_t · W_ihᵀ + b_ih + b_hh + h_{t−1} · W_hhᵀ        [B, H]
//   h_t   = f(pre_t),  f = tanh | relu
//
// Forward: one large GEMM for the input projection of all T·B rows (biases added in its epilogue), then
// per step the recurrent GEMM accumulates into y_t and its epilogue applies f — W_hh is packed once.
//
// BPTT:
//   dpre_t = (dh_t + dy_t) ⊙ f'(y_t)         tanh' = 1 − y², relu' = [y > 0]
//   dh_{t−1} = dpre_t · W_hh                  (the GEMM's epilogue turns it straight into dpre_{t−1})
//   dW_ih += dpreᵀ · x,  dW_hh += dpreᵀ · h_prev,  db += Σ_rows dpre,  dx = dpre · W_ih
// where the last four run once over all T·B rows after the loop.
#include "rnn.h"

#include <cstring>

#include "gemm/gemm.h"
#include "threads.h"

namespace fastrnn {

namespace {

inline i64 step_at(i64 i, i64 T, bool reverse) { return reverse ? T - 1 - i : i; }

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

// ---- backward epilogue: C holds dh for step t (C = dpre_t base); turn it into dpre_t in place ----

struct DactCtx {
  RnnAct act;
  const float* dy;  // dy_t base or null
  const float* y;   // y_t base
};

void dact_epilogue(const void* p, float* C, i64 ldc, i64 r0, i64 r1, i64 c0, i64 c1) {
  const DactCtx& d = *static_cast<const DactCtx*>(p);
  for (i64 r = r0; r < r1; r++) {
    float* g = C + r * ldc;
    const float* yr = d.y + r * ldc;
    const float* dyr = d.dy ? d.dy + r * ldc : nullptr;
    if (dyr)
      for (i64 j = c0; j < c1; j++) g[j] = g[j] + dyr[j];
    if (d.act == RnnAct::Tanh) {
      for (i64 j = c0; j < c1; j++) g[j] = g[j] * (1.0f - yr[j] * yr[j]);
    } else {
      for (i64 j = c0; j < c1; j++) g[j] = yr[j] > 0.0f ? g[j] : 0.0f;
    }
  }
}

}  // namespace

void rnn_forward(const Context& ctx, RnnAct act, const RnnForwardArgs& a) {
  const i64 T = a.T, B = a.B, I = a.I, H = a.H, BH = B * H;
  const SimdOps& ops = *ctx.ops;
  if (T == 0) {
    if (a.h0) std::memcpy(a.hN, a.h0, sizeof(float) * BH);
    else std::memset(a.hN, 0, sizeof(float) * BH);
    return;
  }
  // y ← x · W_ihᵀ + b_ih + b_hh for all T·B rows. W_ihᵀ as B[K=I, N=H]: element (i, h) = W_ih[h·I + i].
  {
    AlignedBuf wih(packed_b_size(ops, I, H));
    ops.pack_b(ctx, MatView{a.w_ih, 1, I}, I, H, wih.data());
    const BiasCtx bias{a.b_ih, a.b_hh};
    const Epilogue epi{&bias_epilogue, &bias};
    ops.gemm(ctx, T * B, H, I, MatView{a.x, I, 1}, wih.data(), a.y, H, false,
             (a.b_ih || a.b_hh) ? &epi : nullptr);
  }
  AlignedBuf whh(packed_b_size(ops, H, H));
  ops.pack_b(ctx, MatView{a.w_hh, 1, H}, H, H, whh.data());
  const ActCtx actx{ctx.ops, act};
  const Epilogue epi{&act_epilogue, &actx};
  const float* prev = a.h0;
  for (i64 i = 0; i < T; i++) {
    float* yt = a.y + step_at(i, T, a.reverse) * BH;
    if (prev) ops.gemm(ctx, B, H, H, MatView{prev, H, 1}, whh.data(), yt, H, true, &epi);
    else act_rows(actx, yt, H, 0, B, 0, H);
    prev = yt;
  }
  std::memcpy(a.hN, a.y + step_at(T - 1, T, a.reverse) * BH, sizeof(float) * BH);
}

void rnn_backward(const Context& ctx, RnnAct act, const RnnBackwardArgs& a) {
  const i64 T = a.T, B = a.B, I = a.I, H = a.H, BH = B * H, TB = T * B;
  const SimdOps& ops = *ctx.ops;
  if (T == 0) {
    if (a.dhN) std::memcpy(a.dh0, a.dhN, sizeof(float) * BH);
    else std::memset(a.dh0, 0, sizeof(float) * BH);
    return;
  }
  AlignedBuf dpre(static_cast<std::size_t>(TB * H));
  // dh = dpre · W_hh: W_hh as B[K=H, N=H] row-major.
  AlignedBuf whh(packed_b_size(ops, H, H));
  ops.pack_b(ctx, MatView{a.w_hh, H, 1}, H, H, whh.data());

  // Last processed step: dpre = (dhN + dy) ⊙ f'(y).
  {
    const i64 off = step_at(T - 1, T, a.reverse) * BH;
    float* d = dpre.data() + off;
    if (a.dhN) std::memcpy(d, a.dhN, sizeof(float) * BH);
    else std::memset(d, 0, sizeof(float) * BH);
    const DactCtx dc{act, a.dy ? a.dy + off : nullptr, a.y + off};
    dact_epilogue(&dc, d, H, 0, B, 0, H);
  }
  for (i64 i = T - 1; i >= 1; i--) {
    const i64 off = step_at(i, T, a.reverse) * BH;
    const i64 prev = step_at(i - 1, T, a.reverse) * BH;
    const DactCtx dc{act, a.dy ? a.dy + prev : nullptr, a.y + prev};
    const Epilogue epi{&dact_epilogue, &dc};
    ops.gemm(ctx, B, H, H, MatView{dpre.data() + off, H, 1}, whh.data(), dpre.data() + prev, H, false, &epi);
  }
  ops.gemm(ctx, B, H, H, MatView{dpre.data() + step_at(0, T, a.reverse) * BH, H, 1}, whh.data(), a.dh0, H, false,
           nullptr);
  whh.reset(0);

  // dx = dpre · W_ih (W_ih as B[K=H, N=I] row-major).
  {
    AlignedBuf wih(packed_b_size(ops, H, I));
    ops.pack_b(ctx, MatView{a.w_ih, I, 1}, H, I, wih.data());
    ops.gemm(ctx, TB, I, H, MatView{dpre.data(), H, 1}, wih.data(), a.dx, I, false, nullptr);
  }
  // dW_ih += dpreᵀ · x: A = dpreᵀ [H, TB] (element (h, r) = dpre[r·H + h]), B = x [TB, I].
  const MatView dpre_t{dpre.data(), 1, H};
  {
    AlignedBuf xp(packed_b_size(ops, TB, I));
    ops.pack_b(ctx, MatView{a.x, I, 1}, TB, I, xp.data());
    ops.gemm(ctx, H, I, TB, dpre_t, xp.data(), a.dw_ih, I, true, nullptr);
  }
  // dW_hh += dpreᵀ · h_prev, h_prev row block for step t = y of the previous processed step (h0 or 0 first).
  {
    AlignedBuf hprev(static_cast<std::size_t>(TB * H));
    for (i64 i = 0; i < T; i++) {
      float* dst = hprev.data() + step_at(i, T, a.reverse) * BH;
      if (i == 0) {
        if (a.h0) std::memcpy(dst, a.h0, sizeof(float) * BH);
        else std::memset(dst, 0, sizeof(float) * BH);
      } else {
        std::memcpy(dst, a.y + step_at(i - 1, T, a.reverse) * BH, sizeof(float) * BH);
      }
    }
    AlignedBuf hp(packed_b_size(ops, TB, H));
    ops.pack_b(ctx, MatView{hprev.data(), H, 1}, TB, H, hp.data());
    hprev.reset(0);
    ops.gemm(ctx, H, H, TB, dpre_t, hp.data(), a.dw_hh, H, true, nullptr);
  }
  // db += Σ_rows dpre, summed in double (T·B can be thousands of rows), parallel over column blocks.
  if (a.db_ih || a.db_hh) {
    constexpr i64 kCols = 64;
    const i64 blocks = (H + kCols - 1) / kCols;
    const float* d = dpre.data();
    auto colsum = [&](i64 blk) {
      const i64 c0 = blk * kCols, c1 = c0 + kCols < H ? c0 + kCols : H;
      double s[kCols] = {};
      for (i64 r = 0; r < TB; r++) {
        const float* row = d + r * H;
        for (i64 j = c0; j < c1; j++) s[j - c0] += row[j];
      }
      for (i64 j = c0; j < c1; j++) {
        if (a.db_ih) a.db_ih[j] = static_cast<float>(a.db_ih[j] + s[j - c0]);
        if (a.db_hh) a.db_hh[j] = static_cast<float>(a.db_hh[j] + s[j - c0]);
      }
    };
    ctx.pool->parallel_for(blocks, TB * H < (1 << 16) ? 1 : ctx.threads, colsum);
  }
}

}  // namespace fastrnn
