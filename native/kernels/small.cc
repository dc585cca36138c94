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

// Rows of A a weight row is used for while it sits in registers (each product's sum sequence is the same
// whatever the blocking, so results are too).
constexpr i64 kRowBlock = 4;

// MB rows of A times NB rows of W: MB·NB dot products sharing their loads. Each keeps its own lanes and is
// reduced in the same order whatever the block, so blocking never changes a result; it only lets the loads
// and the lane reductions of several products overlap (a lone product waits on its reduction chain).
template <int MB, int NB>
FASTRNN_GATED_INLINE void abt_block(const float* __restrict a, i64 lda, const float* __restrict w, i64 K,
                                    float* __restrict c, i64 ldc, bool acc) {
  float lane[MB][NB][kLanes] = {};
  i64 k = 0;
  for (; k + kLanes <= K; k += kLanes) {
    for (int l = 0; l < kLanes; l++) {
      for (int j = 0; j < NB; j++) {
        const float wv = w[j * K + k + l];
        for (int i = 0; i < MB; i++) lane[i][j][l] += a[i * lda + k + l] * wv;
      }
    }
  }
  for (int i = 0; i < MB; i++) {
    for (int j = 0; j < NB; j++) {
      float s = 0.0f;
      for (i64 t = k; t < K; t++) s += a[i * lda + t] * w[j * K + t];
      for (int l = 0; l < kLanes; l++) s += lane[i][j][l];
      c[i * ldc + j] = acc ? c[i * ldc + j] + s : s;
    }
  }
}

struct Abt {
  static FASTRNN_GATED_INLINE void run(i64 M, i64 n0, i64 n1, i64 K, const float* __restrict A, i64 lda,
                                       const float* __restrict W, float* __restrict C, i64 ldc, bool acc) {
    const i64 full = M / kRowBlock * kRowBlock;  // rows of A taken four at a time, one W row each
    for (i64 n = n0; n < n1; n++) {
      for (i64 m = 0; m < full; m += kRowBlock)
        abt_block<kRowBlock, 1>(A + m * lda, lda, W + n * K, K, C + m * ldc + n, ldc, acc);
    }
    for (i64 m = full; m < M; m++) {  // the remaining rows: four W rows at a time
      i64 n = n0;
      for (; n + kRowBlock <= n1; n += kRowBlock)
        abt_block<1, kRowBlock>(A + m * lda, lda, W + n * K, K, C + m * ldc + n, ldc, acc);
      for (; n < n1; n++) abt_block<1, 1>(A + m * lda, lda, W + n * K, K, C + m * ldc + n, ldc, acc);
    }
  }
};

// A full tile of kCols columns: the MB·kCols sums are kept in a local block across the whole k loop (the
// generic loop below reloads and stores c for every k). Same sequence of operations per element (c, then
// + a_k·w_k in k order), so the same results.
template <int MB>
FASTRNN_GATED_INLINE void ab_tile(const float* __restrict a, i64 lda, const float* __restrict w, i64 ldw, i64 K,
                                  float* __restrict c, i64 ldc, bool acc) {
  float s[MB][kCols];
  for (int i = 0; i < MB; i++)
    for (i64 j = 0; j < kCols; j++) s[i][j] = acc ? c[i * ldc + j] : 0.0f;
  for (i64 k = 0; k < K; k++) {
    const float* __restrict wr = w + k * ldw;
    for (int i = 0; i < MB; i++) {
      const float av = a[i * lda + k];
      for (i64 j = 0; j < kCols; j++) s[i][j] += av * wr[j];
    }
  }
  for (int i = 0; i < MB; i++)
    for (i64 j = 0; j < kCols; j++) c[i * ldc + j] = s[i][j];
}

template <int MB>
FASTRNN_GATED_INLINE void ab_rows(const float* __restrict a, i64 lda, const float* __restrict w, i64 ldw, i64 K,
                                  float* __restrict c, i64 ldc, i64 N, bool acc) {
  if (N == kCols) return ab_tile<MB>(a, lda, w, ldw, K, c, ldc, acc);
  if (!acc)
    for (int i = 0; i < MB; i++)
      for (i64 j = 0; j < N; j++) c[i * ldc + j] = 0.0f;
  for (i64 k = 0; k < K; k++) {
    const float* __restrict wr = w + k * ldw;
    for (int i = 0; i < MB; i++) {
      const float av = a[i * lda + k];
      for (i64 j = 0; j < N; j++) c[i * ldc + j] += av * wr[j];
    }
  }
}

struct Ab {
  static FASTRNN_GATED_INLINE void run(i64 M, i64 n0, i64 n1, i64 K, const float* __restrict A, i64 lda,
                                       const float* __restrict W, i64 ldw, float* __restrict C, i64 ldc, bool acc) {
    const i64 N = n1 - n0;
    i64 m = 0;
    for (; m + kRowBlock <= M; m += kRowBlock) ab_rows<kRowBlock>(A + m * lda, lda, W + n0, ldw, K, C + m * ldc + n0, ldc, N, acc);
    for (; m < M; m++) ab_rows<1>(A + m * lda, lda, W + n0, ldw, K, C + m * ldc + n0, ldc, N, acc);
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

void transpose_into(const Context& ctx, i64 N, i64 K, const float* W, float* Wt) {
  // Blocks of 64 outputs × 8 inputs: the 8 rows of Wt written at once are N floats apart — often a multiple
  // of 4 KB, so they share L1 sets — and 8 of them stay within the cache's ways (32 would thrash it).
  constexpr i64 kN = 64, kK = 8;
  const i64 blocks = (N + kN - 1) / kN;
  ctx.pool->parallel_for(blocks, N * K < 65536 ? 1 : ctx.threads, [&](i64 b) {
    const i64 n0 = b * kN, n1 = n0 + kN < N ? n0 + kN : N;
    for (i64 k0 = 0; k0 < K; k0 += kK) {
      const i64 k1 = k0 + kK < K ? k0 + kK : K;
      for (i64 n = n0; n < n1; n++)
        for (i64 k = k0; k < k1; k++) Wt[k * N + n] = W[n * K + k];
    }
  });
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
