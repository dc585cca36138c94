// Small-batch products straight from the row-major weights, with no packing: a one-step cell (T = 1) or a
// batch of at most kSmallRows rows costs one pass over each weight matrix instead of a pack and a GEMM.
// Every element is one fixed sequence of float32 operations, and work is split over output columns only, so
// results do not depend on the thread count. Per-ISA builds through gated::Variants.
//
//   small_abt: C[M, N] (+)= A[M, K] · W[N, K]ᵀ    x · W_ihᵀ, h · W_hhᵀ (W as stored: [out, in])
//   small_ab:  C[M, N] (+)= A[M, K] · W[K, N]     dpre · W_ih, dpre · W_hh
//   small_atb: D[N, K] += Σ_m A[m, n] · X_m[k]    weight gradients; X rows by pointer (null = zeros)
//   small_colsum: d[n] += Σ_m A[m, n] (in double), for up to two bias gradients
//   transpose_tiles: Wᵀ for W [N, K], in column tiles of 64 (each tile K·64 contiguous floats), so that a
//                sequence's steps run x · Wᵀ as small_ab_tiles — broadcast-and-accumulate down each tile, no
//                dot-product reductions, one front-to-back read of the weights per step
//   small_ab_tiles: C[M, N] (+)= A[M, K] · Wᵀ from those tiles
//
// A sequence call with at least kTransposeSteps steps pays one transpose of W_hh and then runs every step
// through small_ab_tiles; shorter calls (one-step cells) read W as stored through small_abt.
#pragma once

#include "common.h"

namespace fastrnn {

constexpr i64 kSmallRows = 8;
constexpr i64 kTransposeSteps = 8;

void small_abt(const Context& ctx, i64 M, i64 N, i64 K, const float* A, i64 lda, const float* W, float* C, i64 ldc,
               bool accumulate);
void small_ab(const Context& ctx, i64 M, i64 N, i64 K, const float* A, i64 lda, const float* W, float* C, i64 ldc,
              bool accumulate);
void small_atb(const Context& ctx, i64 M, i64 N, i64 K, const float* A, i64 lda, const float* const* X, float* D);
void small_colsum(i64 M, i64 N, const float* A, i64 lda, float* d1, float* d2);
i64 column_tiles_size(i64 N, i64 K);
void transpose_tiles(const Context& ctx, i64 N, i64 K, const float* W, float* Wt);
void small_ab_tiles(const Context& ctx, i64 M, i64 N, i64 K, const float* A, i64 lda, const float* Wt, float* C, i64 ldc,
                    bool accumulate);

// One step's C = A · Wᵀ (N outputs from W [N, K] as stored): through the tiles of Wᵀ when the call made them.
inline void small_step(const Context& ctx, i64 M, i64 N, i64 K, const float* A, i64 lda, const float* W, const float* Wt,
                       float* C, i64 ldc, bool accumulate) {
  if (Wt) small_ab_tiles(ctx, M, N, K, A, lda, Wt, C, ldc, accumulate);
  else small_abt(ctx, M, N, K, A, lda, W, C, ldc, accumulate);
}

// W [N, K] transposed into column tiles in scratch `slot` when a small-batch call has enough steps to repay
// it, else null.
inline const float* transposed_for_steps(const Context& ctx, i64 steps, i64 N, i64 K, const float* W, int slot) {
  if (steps < kTransposeSteps) return nullptr;
  float* Wt = scratch(slot, static_cast<std::size_t>(column_tiles_size(N, K)));
  transpose_tiles(ctx, N, K, W, Wt);
  return Wt;
}

}  // namespace fastrnn
