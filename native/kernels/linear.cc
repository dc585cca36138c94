// Linear kernels (see linear.h).
#include "linear.h"

#include <vector>

#include "gemm/gemm.h"
#include "small.h"

namespace fastrnn {

void linear_forward(const Context& ctx, const LinearForwardArgs& a) {
  const SimdOps& ops = *ctx.ops;
  if (a.M <= kSmallRows) {
    small_abt(ctx, a.M, a.N, a.K, a.x, a.K, a.w, a.y, a.N, false);
  } else {
    float* wt = scratch(kScratchWeightIh, packed_b_size(ops, a.K, a.N));
    ops.pack_b(ctx, MatView{a.w, 1, a.K}, a.K, a.N, wt);  // Wᵀ as B[K, N]
    ops.gemm(ctx, a.M, a.N, a.K, MatView{a.x, a.K, 1}, wt, a.y, a.N, false, nullptr);
  }
  if (a.b)
    for (i64 r = 0; r < a.M; r++)
      for (i64 j = 0; j < a.N; j++) a.y[r * a.N + j] = a.y[r * a.N + j] + a.b[j];
}

void linear_backward(const Context& ctx, const LinearBackwardArgs& a) {
  const SimdOps& ops = *ctx.ops;
  small_colsum(a.M, a.N, a.dy, a.N, a.db, nullptr);
  if (a.M <= kSmallRows) {
    std::vector<const float*> xr(static_cast<std::size_t>(a.M));
    for (i64 r = 0; r < a.M; r++) xr[r] = a.x + r * a.K;
    small_atb(ctx, a.M, a.N, a.K, a.dy, a.N, xr.data(), a.dw);
    if (a.dx) small_ab(ctx, a.M, a.K, a.N, a.dy, a.N, a.w, a.dx, a.K, true);
    return;
  }
  // dW += dyᵀ · x: A = dyᵀ (a strided view, packed by the GEMM), B = x [M, K].
  float* xp = scratch(kScratchBigB, packed_b_size(ops, a.M, a.K));
  ops.pack_b(ctx, MatView{a.x, a.K, 1}, a.M, a.K, xp);
  ops.gemm(ctx, a.N, a.K, a.M, MatView{a.dy, 1, a.N}, xp, a.dw, a.K, true, nullptr);
  if (a.dx) {
    float* wp = scratch(kScratchWeightIh, packed_b_size(ops, a.N, a.K));
    ops.pack_b(ctx, MatView{a.w, a.K, 1}, a.N, a.K, wp);  // W as B[N, K]
    ops.gemm(ctx, a.M, a.K, a.N, MatView{a.dy, a.N, 1}, wp, a.dx, a.K, true, nullptr);
  }
}

}  // namespace fastrnn
