// Small-batch products straight from the row-major weights, with no packing: a one-step cell (T = 1) or a
// batch of at most kSmallRows rows costs one pass over each weight matrix instead of a pack and a GEMM.
// Every element is one fixed sequence of float32 operations, and work is split over output columns only, so
// results do not depend on the thread count. Per-ISA builds through gated::Variants.
//
//   small_abt: C[M, N] (+)= A[M, K] · W[N, K]ᵀ    x · W_ihᵀ, h · W_hhᵀ (W as stored: [out, in])
//   small_ab:  C[M, N] (+)= A[M, K] · W[K, N]     dpre · W_ih, dpre · W_hh
//   small_atb: D[N, K] += Σ_m A[m, n] · X_m[k]    weight gradients; X rows by pointer (null = zeros)
//   small_colsum: d[n] += Σ_m A[m, n] (in double), for up to two bias gradients
#pragma once

#include "common.h"

namespace fastrnn {

constexpr i64 kSmallRows = 8;

void small_abt(const Context& ctx, i64 M, i64 N, i64 K, const float* A, i64 lda, const float* W, float* C, i64 ldc,
               bool accumulate);
void small_ab(const Context& ctx, i64 M, i64 N, i64 K, const float* A, i64 lda, const float* W, float* C, i64 ldc,
              bool accumulate);
void small_atb(const Context& ctx, i64 M, i64 N, i64 K, const float* A, i64 lda, const float* const* X, float* D);
void small_colsum(i64 M, i64 N, const float* A, i64 lda, float* d1, float* d2);

}  // namespace fastrnn
