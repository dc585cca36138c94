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

// dst[c·rows + r] = src[r·cols + c]: [rows, cols] → [cols, rows], in 32 x 32 blocks, parallel over columns.
void transpose(const Context& ctx, const float* src, i64 rows, i64 cols, float* dst) {
  constexpr i64 kB = 32;
  const i64 blocks = (cols + kB - 1) / kB;
  auto block = [&](i64 cb) {
    const i64 c0 = cb * kB, c1 = c0 + kB < cols ? c0 + kB : cols;
    for (i64 r0 = 0; r0 < rows; r0 += kB) {
      const i64 r1 = r0 + kB < rows ? r0 + kB : rows;
      for (i64 c = c0; c < c1; c++)
        for (i64 r = r0; r < r1; r++) dst[c * rows + r] = src[r * cols + c];
    }
  };
  ctx.pool->parallel_for(blocks, rows * cols < (1 << 16) ? 1 : ctx.threads, block);
}

}  // namespace

void rnn_forward(const Context& ctx, RnnAct act, const RnnForwardArgs& a) {
  const i64 T = a.T, B = a.B, I = a.I, H = a.H, BH = B * H;
  const SimdOps& ops = *ctx.ops;
  if (T == 0) {
    copy_or_zero(a.hN, a.h0, BH);
    return;
  }
  // y ← x · W_ihᵀ + b_ih + b_hh for all T·B rows. W_ihᵀ as B[K=I, N=H]: element (i, h) = W_ih[h·I + i].
  {
    float* wih = scratch(kScratchWeightIh, packed_b_size(ops, I, H));
    ops.pack_b(ctx, MatView{a.w_ih, 1, I}, I, H, wih);
    const BiasCtx bias{a.b_ih, a.b_hh};
    const Epilogue epi{&bias_epilogue, &bias};
    ops.gemm(ctx, T * B, H, I, MatView{a.x, I, 1}, wih, a.y, H, false, (a.b_ih || a.b_hh) ? &epi : nullptr);
  }
  float* whh = scratch(kScratchWeightHh, packed_b_size(ops, H, H));
  ops.pack_b(ctx, MatView{a.w_hh, 1, H}, H, H, whh);
  const ActCtx actx{ctx.ops, act};
  const Epilogue epi{&act_epilogue, &actx};
  const float* prev = a.h0;
  for (i64 i = 0; i < T; i++) {
    float* yt = a.y + step_at(i, T, a.reverse) * BH;
    if (prev) ops.gemm(ctx, B, H, H, MatView{prev, H, 1}, whh, yt, H, true, &epi);
    else act_rows(actx, yt, H, 0, B, 0, H);
    prev = yt;
  }
  std::memcpy(a.hN, a.y + step_at(T - 1, T, a.reverse) * BH, sizeof(float) * BH);
}

void rnn_backward(const Context& ctx, RnnAct act, const RnnBackwardArgs& a) {
  const i64 T = a.T, B = a.B, I = a.I, H = a.H, BH = B * H, TB = T * B;
  const SimdOps& ops = *ctx.ops;
  if (T == 0) {
    copy_or_zero(a.dh0, a.dhN, BH);
    return;
  }
  float* dpre = scratch(kScratchSteps, static_cast<std::size_t>(TB * H));
  // dh = dpre · W_hh: W_hh as B[K=H, N=H] row-major.
  float* whh = scratch(kScratchWeightHh, packed_b_size(ops, H, H));
  ops.pack_b(ctx, MatView{a.w_hh, H, 1}, H, H, whh);

  // Last processed step: dpre = (dhN + dy) ⊙ f'(y).
  {
    const i64 off = step_at(T - 1, T, a.reverse) * BH;
    float* d = dpre + off;
    copy_or_zero(d, a.dhN, BH);
    const DactCtx dc{act, a.dy ? a.dy + off : nullptr, a.y + off};
    dact_epilogue(&dc, d, H, 0, B, 0, H);
  }
  for (i64 i = T - 1; i >= 1; i--) {
    const i64 off = step_at(i, T, a.reverse) * BH;
    const i64 prev = step_at(i - 1, T, a.reverse) * BH;
    const DactCtx dc{act, a.dy ? a.dy + prev : nullptr, a.y + prev};
    const Epilogue epi{&dact_epilogue, &dc};
    ops.gemm(ctx, B, H, H, MatView{dpre + off, H, 1}, whh, dpre + prev, H, false, &epi);
  }
  ops.gemm(ctx, B, H, H, MatView{dpre + step_at(0, T, a.reverse) * BH, H, 1}, whh, a.dh0, H, false, nullptr);

  // dx = dpre · W_ih (W_ih as B[K=H, N=I] row-major).
  {
    float* wih = scratch(kScratchWeightIh, packed_b_size(ops, H, I));
    ops.pack_b(ctx, MatView{a.w_ih, I, 1}, H, I, wih);
    ops.gemm(ctx, TB, I, H, MatView{dpre, H, 1}, wih, a.dx, I, false, nullptr);
  }
  // The weight gradients reduce over all T·B rows: dW = dpreᵀ · (x | h_prev). dpre is transposed once
  // ([H, TB], row-major) so the GEMM reads it in place instead of re-packing it for every output block.
  float* dpre_t = scratch(kScratchStepsT, static_cast<std::size_t>(TB * H));
  transpose(ctx, dpre, TB, H, dpre_t);
  // dW_ih += dpreᵀ · x: B = x [TB, I].
  {
    float* xp = scratch(kScratchBigB, packed_b_size(ops, TB, I));
    ops.pack_b(ctx, MatView{a.x, I, 1}, TB, I, xp);
    ops.gemm(ctx, H, I, TB, MatView{dpre_t, TB, 1}, xp, a.dw_ih, I, true, nullptr);
  }
  // dW_hh += Σ_t dpre_tᵀ · h_{t−1}. In memory the previous steps' outputs are y shifted by one step (B rows):
  // forward direction, dpre rows [B, TB) pair with y rows [0, TB−B); reverse, rows [0, TB−B) with y [B, TB).
  // The first processed step pairs with h0 (nothing to add when h0 is null: zeros).
  {
    const i64 K = TB - B;
    if (K > 0) {
      const float* dp = a.reverse ? dpre_t : dpre_t + B;
      const float* hp = a.reverse ? a.y + BH : a.y;
      float* packed = scratch(kScratchBigB, packed_b_size(ops, K, H));
      ops.pack_b(ctx, MatView{hp, H, 1}, K, H, packed);
      ops.gemm(ctx, H, H, K, MatView{dp, TB, 1}, packed, a.dw_hh, H, true, nullptr);
    }
    if (a.h0) {
      const float* dp = dpre_t + step_at(0, T, a.reverse) * B;
      float* packed = scratch(kScratchBigB, packed_b_size(ops, B, H));
      ops.pack_b(ctx, MatView{a.h0, H, 1}, B, H, packed);
      ops.gemm(ctx, H, H, B, MatView{dp, TB, 1}, packed, a.dw_hh, H, true, nullptr);
    }
  }
  // db += Σ_rows dpre, summed in double (T·B can be thousands of rows), parallel over column blocks.
  if (a.db_ih || a.db_hh) {
    constexpr i64 kCols = 64;
    const i64 blocks = (H + kCols - 1) / kCols;
    const float* d = dpre;
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
