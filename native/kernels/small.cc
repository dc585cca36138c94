// The small-batch products of small.h: plain loops over __restrict pointers, vectorised per SIMD path.
#include "small.h"

#include "gated.h"
#include "threads.h"

namespace fastrnn {
namespace {

using gated::Isa;
using gated::Variants;

constexpr int kLanes = 16;  // independent partial sums per dot product (fixed: part of the result)
constexpr i64 kCols = 64;   // output columns per work item

struct Abt {
  static FASTRNN_GATED_INLINE void run(i64 M, i64 n0, i64 n1, i64 K, const float* __restrict A, i64 lda,
                                       const float* __restrict W, float* __restrict C, i64 ldc, bool acc) {
    for (i64 n = n0; n < n1; n++) {
      const float* __restrict w = W + n * K;
      for (i64 m = 0; m < M; m++) {
        const float* __restrict a = A + m * lda;
        float lane[kLanes] = {};
        i64 k = 0;
        for (; k + kLanes <= K; k += kLanes)
          for (int l = 0; l < kLanes; l++) lane[l] += a[k + l] * w[k + l];
        float s = 0.0f;
        for (; k < K; k++) s += a[k] * w[k];
        for (int l = 0; l < kLanes; l++) s += lane[l];
        C[m * ldc + n] = acc ? C[m * ldc + n] + s : s;
      }
    }
  }
};

struct Ab {
  static FASTRNN_GATED_INLINE void run(i64 M, i64 n0, i64 n1, i64 K, const float* __restrict A, i64 lda,
                                       const float* __restrict W, i64 ldw, float* __restrict C, i64 ldc, bool acc) {
    const i64 N = n1 - n0;
    for (i64 m = 0; m < M; m++) {
      float* __restrict c = C + m * ldc + n0;
      if (!acc)
        for (i64 j = 0; j < N; j++) c[j] = 0.0f;
      for (i64 k = 0; k < K; k++) {
        const float av = A[m * lda + k];
        const float* __restrict w = W + k * ldw + n0;
        for (i64 j = 0; j < N; j++) c[j] += av * w[j];
      }
    }
  }
};

struct Atb {
  static FASTRNN_GATED_INLINE void run(i64 M, i64 n0, i64 n1, i64 K, const float* __restrict A, i64 lda,
                                       const float* const* X, float* __restrict D) {
    for (i64 n = n0; n < n1; n++) {
      float* __restrict d = D + n * K;
      for (i64 m = 0; m < M; m++) {
        const float* __restrict x = X[m];
        if (!x) continue;
        const float g = A[m * lda + n];
        for (i64 k = 0; k < K; k++) d[k] += g * x[k];
      }
    }
  }
};

using AbtFn = void (*)(i64, i64, i64, i64, const float*, i64, const float*, float*, i64, bool);
using AbFn = void (*)(i64, i64, i64, i64, const float*, i64, const float*, i64, float*, i64, bool);
using AtbFn = void (*)(i64, i64, i64, i64, const float*, i64, const float* const*, float*);

template <class F>
void over_columns(const Context& ctx, i64 N, double flops, F&& f) {
  const i64 blocks = (N + kCols - 1) / kCols;
  ctx.pool->parallel_for(blocks, flops < 2.0e5 ? 1 : ctx.threads, [&](i64 b) {
    const i64 n0 = b * kCols, n1 = n0 + kCols < N ? n0 + kCols : N;
    f(n0, n1);
  });
}

}  // namespace

void small_abt(const Context& ctx, i64 M, i64 N, i64 K, const float* A, i64 lda, const float* W, float* C, i64 ldc,
               bool accumulate) {
  const AbtFn fn = Variants<Abt, i64, i64, i64, i64, const float*, i64, const float*, float*, i64, bool>::pick(
      gated::isa_of(*ctx.ops));
  over_columns(ctx, N, 2.0 * M * N * K, [&](i64 n0, i64 n1) { fn(M, n0, n1, K, A, lda, W, C, ldc, accumulate); });
}

void small_ab(const Context& ctx, i64 M, i64 N, i64 K, const float* A, i64 lda, const float* W, float* C, i64 ldc,
              bool accumulate) {
  const AbFn fn = Variants<Ab, i64, i64, i64, i64, const float*, i64, const float*, i64, float*, i64, bool>::pick(
      gated::isa_of(*ctx.ops));
  over_columns(ctx, N, 2.0 * M * N * K, [&](i64 n0, i64 n1) { fn(M, n0, n1, K, A, lda, W, N, C, ldc, accumulate); });
}

void small_atb(const Context& ctx, i64 M, i64 N, i64 K, const float* A, i64 lda, const float* const* X, float* D) {
  const AtbFn fn = Variants<Atb, i64, i64, i64, i64, const float*, i64, const float* const*, float*>::pick(
      gated::isa_of(*ctx.ops));
  over_columns(ctx, N, 2.0 * M * N * K, [&](i64 n0, i64 n1) { fn(M, n0, n1, K, A, lda, X, D); });
}

void small_colsum(i64 M, i64 N, const float* A, i64 lda, float* d1, float* d2) {
  for (i64 n = 0; n < N; n++) {
    double s = 0.0;
    for (i64 m = 0; m < M; m++) s += A[m * lda + n];
    if (d1) d1[n] = static_cast<float>(d1[n] + s);
    if (d2) d2[n] = static_cast<float>(d2[n] + s);
  }
}

}  // namespace fastrnn
