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

// Columns per tile of transpose_tiles (and of the small path's unit groups, lockstep.h).
constexpr i64 kTileCols = 64;

// A gated W [G·H, K] transposed gate by gate into column tiles (gate g's tiles start at
// g · column_tiles_size(H, K)) in scratch `slot`, when a small-batch call has enough steps to repay it;
// else null.
inline const float* transposed_for_steps(const Context& ctx, i64 steps, i64 G, i64 H, i64 K, const float* W, int slot) {
  if (steps < kTransposeSteps) return nullptr;
  const i64 per_gate = column_tiles_size(H, K);
  float* Wt = scratch(slot, static_cast<std::size_t>(G * per_gate));
  for (i64 g = 0; g < G; g++) transpose_tiles(ctx, H, K, W + g * H * K, Wt + g * per_gate);
  return Wt;
}

// One step's outputs for gate `gate`, units [u0, u1) (u0 a multiple of kTileCols): C[M, u1 − u0] = A ·
// W[gate·H + u0 … gate·H + u1)ᵀ, through the gate's tiles when the call made them, else W as stored.
inline void small_step_units(const Context& ctx, i64 M, i64 H, i64 K, const float* A, i64 lda, const float* W,
                             const float* Wt, i64 gate, i64 u0, i64 u1, float* C, i64 ldc, bool accumulate) {
  if (Wt) {
    const float* tiles = Wt + gate * column_tiles_size(H, K) + u0 / kTileCols * K * kTileCols;
    small_ab_tiles(ctx, M, u1 - u0, K, A, lda, tiles, C, ldc, accumulate);
  } else {
    small_abt(ctx, M, u1 - u0, K, A, lda, W + (gate * H + u0) * K, C, ldc, accumulate);
  }
}

}  // namespace fastrnn
