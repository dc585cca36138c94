// Matrix products for the recurrent kernels: C[M,N] (= or +=) A[M,K] · B[K,N], then an optional
// element-wise epilogue on each finished block of C (bias, nonlinearity, BPTT gate derivative).
//
// A and B are strided views, so transposed operands (x · Wᵀ, dpreᵀ · x) need no copies: element (r, c)
// of a view lives at p[r·rs + c·cs]. B is packed once into NR-wide column panels (pack_b) and can be
// reused across calls — the recurrent weight is packed once per sequence, not once per step.
//
// Determinism: K is cut into fixed KC-long chunks; every element of C is C0 ⊕ s₀ ⊕ s₁ ⊕ …, where sₚ is
// a float32 FMA chain over chunk p started from zero. How the (M, N) tiles are shared among threads
// never changes that sequence, so results are bit-identical for any thread count.
#pragma once

#include "common.h"

namespace fastrnn {

// Element (r, c) at p[r * rs + c * cs].
struct MatView {
  const float* p;
  i64 rs;
  i64 cs;
};

// Called once per finished block of C: rows [r0, r1), columns [c0, c1) (C is the whole output, ldc its
// row stride). Runs on whichever thread computed the block.
struct Epilogue {
  void (*fn)(const void* ctx, float* C, i64 ldc, i64 r0, i64 r1, i64 c0, i64 c1);
  const void* ctx;
};

// One SIMD path: micro-kernel geometry, the GEMM driver built on it, and vector math (dispatch.cc picks one).
struct SimdOps {
  const char* name;
  int mr;  // rows of the register tile
  int nr;  // columns of the register tile (= packed panel width)
  int kc;  // K chunk (fixed: part of the numerical definition of the result)
  // Packs B[K, N] into ceil(N/nr) panels of K x nr floats (zero padded). out: packed_b_size(K, N) floats.
  void (*pack_b)(const Context& ctx, MatView B, i64 K, i64 N, float* out);
  // The same packing for a B whose row k is rows[k][0 … N) (a null row is zeros): gathers rows for free.
  void (*pack_b_rows)(const Context& ctx, const float* const* rows, i64 K, i64 N, float* out);
  // C[M, N] (accumulate ? += : =) A[M, K] · B[K, N], B packed by pack_b; epi may be null.
  void (*gemm)(const Context& ctx, i64 M, i64 N, i64 K, MatView A, const float* packedB, float* C, i64 ldc,
               bool accumulate, const Epilogue* epi);
  // x ← tanh(x), element-wise; error within a few float32 ulps; NaN stays NaN.
  void (*tanh_inplace)(float* x, i64 n);
};

inline std::size_t packed_b_size(const SimdOps& ops, i64 K, i64 N) {
  i64 panels = (N + ops.nr - 1) / ops.nr;
  return static_cast<std::size_t>(panels * ops.nr * K);
}

// The paths compiled into this build (null when the file was built for another architecture).
const SimdOps* baseline_ops();
const SimdOps* avx2_ops();
const SimdOps* avx512_ops();

}  // namespace fastrnn
