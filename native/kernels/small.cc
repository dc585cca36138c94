// The small-batch products of small.h: plain loops over __restrict pointers, vectorised per SIMD path.
// This file's products may fuse each multiply-add where the path has FMA (AVX2, AVX-512; the baseline path
// keeps them separate): twice the arithmetic per instruction on the paths that have it. Each element is
// still one fixed sequence of operations per path, whatever the thread count.
#if defined(__clang__)
#pragma clang fp contract(fast)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=fast")  // before the includes: it must cover the per-path instantiations too
#endif

#include "small.h"

#include "gated.h"
#include "threads.h"
#include "transpose.h"
#include "vec.h"

namespace fastrnn {
namespace {

using gated::Isa;
using gated::Variants;

constexpr int kLanes = 16;  // independent partial sums per dot product (fixed: part of the result)
constexpr i64 kCols = kTileCols;  // output columns per work item (and per tile)

// Rows of A a weight row is used for while it sits in registers (each product's sum sequence is the same
// whatever the blocking, so results are too).
constexpr i64 kRowBlock = 4;

// Sums kept in vector registers (vec.h).
using vec::Vec16;
using vec::Vec8;
using vec::Vec4;

// The 16 lanes of a dot product summed in one fixed tree (halves, quarters, then pairs): a few vector adds
// instead of a 16-long chain of dependent scalar adds, and the same order on every path and thread count.
FASTRNN_GATED_INLINE float reduce16(Vec16 v) {
  const Vec8 h = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
  const Vec4 q = __builtin_shufflevector(h, h, 0, 1, 2, 3) + __builtin_shufflevector(h, h, 4, 5, 6, 7);
  return (q[0] + q[2]) + (q[1] + q[3]);
}

constexpr int kTileVecs = static_cast<int>(kCols / 16);

// MB rows of A times NB rows of W: MB·NB dot products sharing their loads. Each keeps its own lanes and is
// reduced in the same order whatever the block, so blocking never changes a result; it only lets the loads
// and the lane reductions of several products overlap (a lone product waits on its reduction chain).
template <int MB, int NB>
FASTRNN_GATED_INLINE void abt_block(const float* __restrict a, i64 lda, const float* __restrict w, i64 K,
                                    float* __restrict c, i64 ldc, bool acc) {
  static_assert(kLanes == 16, "the lanes are one Vec16");
  Vec16 lane[MB][NB];
  for (int i = 0; i < MB; i++)
    for (int j = 0; j < NB; j++) lane[i][j] = Vec16{};
  i64 k = 0;
  for (; k + kLanes <= K; k += kLanes) {
    Vec16 av[MB];
    for (int i = 0; i < MB; i++) av[i] = vec::load<Vec16>(a + i * lda + k);
    for (int j = 0; j < NB; j++) {
      const Vec16 wv = vec::load<Vec16>(w + j * K + k);
      for (int i = 0; i < MB; i++) lane[i][j] += av[i] * wv;
    }
  }
  for (int i = 0; i < MB; i++) {
    for (int j = 0; j < NB; j++) {
      float s = 0.0f;
      for (i64 t = k; t < K; t++) s += a[i * lda + t] * w[j * K + t];
      s += reduce16(lane[i][j]);
      c[i * ldc + j] = acc ? c[i * ldc + j] + s : s;
    }
  }
}

// Blocks of eight products (eight rows of A on one W row, or one row of A on eight W rows) keep eight
// independent sum chains in flight; blocking never changes a result (abt_block).
struct Abt {
  static FASTRNN_GATED_INLINE void run(i64 M, i64 n0, i64 n1, i64 K, const float* __restrict A, i64 lda,
                                       const float* __restrict W, float* __restrict C, i64 ldc, bool acc) {
    const i64 full8 = M / 8 * 8, full4 = full8 + (M - full8) / 4 * 4;
    for (i64 n = n0; n < n1; n++) {
      for (i64 m = 0; m < full8; m += 8) abt_block<8, 1>(A + m * lda, lda, W + n * K, K, C + m * ldc + n, ldc, acc);
      for (i64 m = full8; m < full4; m += 4) abt_block<4, 1>(A + m * lda, lda, W + n * K, K, C + m * ldc + n, ldc, acc);
    }
    for (i64 m = full4; m < M; m++) {  // the remaining rows: eight W rows at a time
      i64 n = n0;
      for (; n + 8 <= n1; n += 8) abt_block<1, 8>(A + m * lda, lda, W + n * K, K, C + m * ldc + n, ldc, acc);
      for (; n < n1; n++) abt_block<1, 1>(A + m * lda, lda, W + n * K, K, C + m * ldc + n, ldc, acc);
    }
  }
};

// A full tile of kCols columns: the MB·kCols sums live in vector registers (GCC vector types, lowered to
// each path's registers) across the whole k loop, where the generic loop below reloads and stores c for
// every k. Each element still gets the same sequence of operations (c, then + a_k·w_k in k order, fused
// or not as the path's contraction makes both loops), so the results are those of the generic loop.

template <int MB>
FASTRNN_GATED_INLINE void ab_tile(const float* __restrict a, i64 lda, const float* __restrict w, i64 ldw, i64 K,
                                  float* __restrict c, i64 ldc, bool acc) {
  Vec16 s[MB][kTileVecs];
  for (int i = 0; i < MB; i++)
    for (int v = 0; v < kTileVecs; v++) s[i][v] = acc ? vec::load<Vec16>(c + i * ldc + 16 * v) : Vec16{};
  for (i64 k = 0; k < K; k++) {
    const float* __restrict wr = w + k * ldw;
    Vec16 wv[kTileVecs];
    for (int v = 0; v < kTileVecs; v++) wv[v] = vec::load<Vec16>(wr + 16 * v);
    for (int i = 0; i < MB; i++) {
      const float av = a[i * lda + k];
      for (int v = 0; v < kTileVecs; v++) s[i][v] += av * wv[v];
    }
  }
  for (int i = 0; i < MB; i++)
    for (int v = 0; v < kTileVecs; v++) vec::store(c + i * ldc + 16 * v, s[i][v]);
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

// Ab over W in column tiles (small.h, transpose_tiles): the tile of [n0, n0 + kCols) is K·kCols contiguous
// floats, read front to back.
struct AbTiles {
  static FASTRNN_GATED_INLINE void run(i64 M, i64 n0, i64 n1, i64 K, const float* __restrict A, i64 lda,
                                       const float* __restrict Wt, float* __restrict C, i64 ldc, bool acc) {
    const float* __restrict w = Wt + n0 / kCols * K * kCols;
    const i64 N = n1 - n0;
    i64 m = 0;
    for (; m + kRowBlock <= M; m += kRowBlock) ab_rows<kRowBlock>(A + m * lda, lda, w, kCols, K, C + m * ldc + n0, ldc, N, acc);
    for (; m < M; m++) ab_rows<1>(A + m * lda, lda, w, kCols, K, C + m * ldc + n0, ldc, N, acc);
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

void small_ab_tiles(const Context& ctx, i64 M, i64 N, i64 K, const float* A, i64 lda, const float* Wt, float* C, i64 ldc,
                    bool accumulate) {
  const AbtFn fn = Variants<AbTiles, i64, i64, i64, i64, const float*, i64, const float*, float*, i64, bool>::pick(
      gated::isa_of(*ctx.ops));
  over_columns(ctx, N, 2.0 * M * N * K, [&](i64 n0, i64 n1) { fn(M, n0, n1, K, A, lda, Wt, C, ldc, accumulate); });
}

void small_atb(const Context& ctx, i64 M, i64 N, i64 K, const float* A, i64 lda, const float* const* X, float* D) {
  const AtbFn fn = Variants<Atb, i64, i64, i64, i64, const float*, i64, const float* const*, float*>::pick(
      gated::isa_of(*ctx.ops));
  over_columns(ctx, N, 2.0 * M * N * K, [&](i64 n0, i64 n1) { fn(M, n0, n1, K, A, lda, X, D); });
}

i64 column_tiles_size(i64 N, i64 K) { return (N + kCols - 1) / kCols * K * kCols; }

void transpose_tiles(const Context& ctx, i64 N, i64 K, const float* W, float* Wt) {
  // Tile t is rows [n0, n0 + kCols) of W transposed: [K, kCols], its columns past N left as they are
  // (small_ab_tiles never reads them).
  const i64 tiles = (N + kCols - 1) / kCols;
  const Isa isa = gated::isa_of(*ctx.ops);
  ctx.pool->parallel_for(tiles, N * K < 65536 ? 1 : ctx.threads, [&](i64 t) {
    const i64 n0 = t * kCols, n1 = n0 + kCols < N ? n0 + kCols : N;
    transpose(isa, W + n0 * K, K, n1 - n0, K, Wt + t * K * kCols, kCols);
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
