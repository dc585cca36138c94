// The non-inline helpers of gated.h: packing the gate-interleaved W_hh, the input projection, the combined
// biases, and the products over all T·B rows after the BPTT loop (with a cache-friendly transpose).
#include "gated.h"

#include <vector>

#if defined(FASTRNN_GATED_X86)
// GCC 12 warns (falsely) inside its own avx512fintrin.h undefined-vector idiom.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#endif

namespace fastrnn {
namespace gated {

void pack_interleaved(const Context& ctx, const float* w_hh, i64 K, const Interleave& L, float* tmp, float* out) {
  const i64 H = L.H;
  for (i64 p = 0; p < L.panels; p++) {
    const i64 nu = H - p * L.q < L.q ? H - p * L.q : L.q;
    for (i64 j = 0; j < L.nr; j++) {
      float* dst = tmp + (p * L.nr + j) * K;
      const i64 g = j / L.q, k = j % L.q;
      if (g < L.G && k < nu) std::memcpy(dst, w_hh + (g * H + p * L.q + k) * K, sizeof(float) * K);
      else std::memset(dst, 0, sizeof(float) * K);
    }
  }
  ctx.ops->pack_b(ctx, MatView{tmp, 1, K}, K, L.np, out);
}

void input_projection(const Context& ctx, const Plan& plan, i64 I, i64 GH, const float* x, const float* w_ih,
                      float* gates) {
  const SimdOps& ops = *ctx.ops;
  const i64 TB = plan.rows;
  if (plan.packed) {
    float* xw = scratch(kScratchGather, static_cast<std::size_t>(TB * I));
    gather_rows(ctx, plan, x, I, 0, I, xw);
    x = xw;
  }
  if (TB <= kSmallRows) {
    small_abt(ctx, TB, GH, I, x, I, w_ih, gates, GH, false);
    return;
  }
  float* wih = scratch(kSlotWeightIh, packed_b_size(ops, I, GH));
  ops.pack_b(ctx, MatView{w_ih, 1, I}, I, GH, wih);  // W_ihᵀ as B[K=I, N=GH]: (i, g) = W_ih[g·I + i]
  ops.gemm(ctx, TB, GH, I, MatView{x, I, 1}, wih, gates, GH, false, nullptr);
}

bool combine_biases(const float* b_ih, const float* b_hh, i64 GH, i64 hh_cols, float* out) {
  if (!b_ih && !b_hh) return false;
  for (i64 j = 0; j < GH; j++) {
    const float a = b_ih ? b_ih[j] : 0.0f;
    out[j] = (b_hh && j < hh_cols) ? a + b_hh[j] : a;
  }
  return true;
}

namespace {

// ---- transpose of one block of ≤ 16 columns over all rows, with double column sums ----
//
// Full cache lines in, full cache lines out: rows of a [T·B, GH] gradient are a power-of-two stride
// apart, so walking a column directly would keep hitting the same few cache sets.

constexpr i64 kCols = 16;

// Rows [r, rows) one element at a time (the tail of the vector builds, and the whole baseline build).
void transpose_rows_scalar(const float* src, i64 r, i64 rows, i64 cols, i64 c0, i64 w, float* dst, double* sum) {
  float tile[kCols][kCols];
  for (; r < rows; r += kCols) {
    const i64 n = rows - r < kCols ? rows - r : kCols;
    for (i64 i = 0; i < n; i++) {
      const float* s = src + (r + i) * cols + c0;
      for (i64 c = 0; c < w; c++) {
        tile[i][c] = s[c];
        sum[c] += s[c];
      }
    }
    for (i64 c = 0; c < w; c++) {
      float* d = dst + (c0 + c) * rows + r;
      for (i64 i = 0; i < n; i++) d[i] = tile[i][c];
    }
  }
}

#if defined(FASTRNN_GATED_X86)
__attribute__((target("avx512f"))) void transpose_block_avx512(const float* src, i64 rows, i64 cols, i64 c0, i64 w,
                                                               float* dst, double* sum) {
  const __mmask16 m = w >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << w) - 1u);
  __m512d lo = _mm512_setzero_pd(), hi = _mm512_setzero_pd();
  i64 r = 0;
  for (; r + 16 <= rows; r += 16) {
    __m512 v[16], t[16];
    for (int i = 0; i < 16; i++) {
      v[i] = _mm512_maskz_loadu_ps(m, src + (r + i) * cols + c0);
      lo = _mm512_add_pd(lo, _mm512_cvtps_pd(_mm512_castps512_ps256(v[i])));
      hi = _mm512_add_pd(hi, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v[i]), 1))));
    }
    for (int i = 0; i < 16; i += 2) {
      t[i] = _mm512_unpacklo_ps(v[i], v[i + 1]);
      t[i + 1] = _mm512_unpackhi_ps(v[i], v[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
      v[i] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
      v[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
      v[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
      v[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int i = 0; i < 16; i += 8) {
      for (int j = 0; j < 4; j++) {
        t[i + j] = _mm512_shuffle_f32x4(v[i + j], v[i + j + 4], 0x88);
        t[i + j + 4] = _mm512_shuffle_f32x4(v[i + j], v[i + j + 4], 0xdd);
      }
    }
    for (int j = 0; j < 8; j++) {
      v[j] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0x88);
      v[j + 8] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0xdd);
    }
    for (i64 c = 0; c < w; c++) _mm512_storeu_ps(dst + (c0 + c) * rows + r, v[c]);
  }
  _mm512_storeu_pd(sum, lo);
  _mm512_storeu_pd(sum + 8, hi);
  transpose_rows_scalar(src, r, rows, cols, c0, w, dst, sum);
}

__attribute__((target("avx2,fma"))) void transpose_block_avx2(const float* src, i64 rows, i64 cols, i64 c0, i64 w,
                                                              float* dst, double* sum) {
  // Two halves of 8 columns, rows 8 at a time.
  alignas(32) static const int kLane[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  i64 done = rows;
  for (i64 h0 = 0; h0 < w; h0 += 8) {
    const i64 hw = w - h0 < 8 ? w - h0 : 8;
    const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kLane + 8 - hw));
    __m256d lo = _mm256_loadu_pd(sum + h0), hi = _mm256_loadu_pd(sum + h0 + 4);
    i64 r = 0;
    for (; r + 8 <= rows; r += 8) {
      __m256 v[8], t[8];
      for (int i = 0; i < 8; i++) {
        v[i] = _mm256_maskload_ps(src + (r + i) * cols + c0 + h0, m);
        lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm256_castps256_ps128(v[i])));
        hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm256_extractf128_ps(v[i], 1)));
      }
      for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(v[i], v[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(v[i], v[i + 1]);
      }
      for (int i = 0; i < 8; i += 4) {
        v[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        v[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        v[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        v[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
      }
      for (int j = 0; j < 4; j++) {
        t[j] = _mm256_permute2f128_ps(v[j], v[j + 4], 0x20);
        t[j + 4] = _mm256_permute2f128_ps(v[j], v[j + 4], 0x31);
      }
      for (i64 c = 0; c < hw; c++) _mm256_storeu_ps(dst + (c0 + h0 + c) * rows + r, t[c]);
    }
    _mm256_storeu_pd(sum + h0, lo);
    _mm256_storeu_pd(sum + h0 + 4, hi);
    done = r;
  }
  transpose_rows_scalar(src, done, rows, cols, c0, w, dst, sum);
}
#endif

using BlockFn = void (*)(const float*, i64, i64, i64, i64, float*, double*);

void transpose_block_baseline(const float* src, i64 rows, i64 cols, i64 c0, i64 w, float* dst, double* sum) {
  transpose_rows_scalar(src, 0, rows, cols, c0, w, dst, sum);
}

BlockFn pick_block(Isa isa) {
#if defined(FASTRNN_GATED_X86)
  if (isa == Isa::Avx512) return &transpose_block_avx512;
  if (isa == Isa::Avx2) return &transpose_block_avx2;
#endif
  (void)isa;
  return &transpose_block_baseline;
}

}  // namespace

namespace {
struct ColumnSums {
  static FASTRNN_GATED_INLINE void run(const float* __restrict src, i64 rows, i64 cols, i64 c0, i64 w, double* __restrict sum) {
    for (i64 r = 0; r < rows; r++) {
      const float* __restrict s = src + r * cols + c0;
      for (i64 c = 0; c < w; c++) sum[c] += s[c];
    }
  }
};
}  // namespace

void column_sums(const Context& ctx, const float* src, i64 rows, i64 cols, float* db_a, float* db_b) {
  if (!db_a && !db_b) return;
  using Fn = void (*)(const float*, i64, i64, i64, i64, double*);
  const Fn fn = Variants<ColumnSums, const float*, i64, i64, i64, i64, double*>::pick(isa_of(*ctx.ops));
  const i64 blocks = (cols + kCols - 1) / kCols;
  ctx.pool->parallel_for(blocks, rows * cols < (1 << 16) ? 1 : ctx.threads, [&](i64 b) {
    const i64 c0 = b * kCols, w = cols - c0 < kCols ? cols - c0 : kCols;
    alignas(64) double sum[kCols] = {};
    fn(src, rows, cols, c0, w, sum);
    for (i64 c = 0; c < w; c++) {
      if (db_a) db_a[c0 + c] = static_cast<float>(db_a[c0 + c] + sum[c]);
      if (db_b) db_b[c0 + c] = static_cast<float>(db_b[c0 + c] + sum[c]);
    }
  });
}

void transpose_sum(const Context& ctx, const float* src, i64 rows, i64 cols, float* dst, float* db_a, float* db_b) {
  const BlockFn fn = pick_block(isa_of(*ctx.ops));
  const i64 blocks = (cols + kCols - 1) / kCols;
  auto block = [&](i64 b) {
    const i64 c0 = b * kCols, w = cols - c0 < kCols ? cols - c0 : kCols;
    alignas(64) double sum[kCols] = {};
    fn(src, rows, cols, c0, w, dst, sum);
    for (i64 c = 0; c < w; c++) {
      if (db_a) db_a[c0 + c] = static_cast<float>(db_a[c0 + c] + sum[c]);
      if (db_b) db_b[c0 + c] = static_cast<float>(db_b[c0 + c] + sum[c]);
    }
  };
  ctx.pool->parallel_for(blocks, rows * cols < (1 << 16) ? 1 : ctx.threads, block);
}

}  // namespace gated

// weight_gradients for at most kSmallRows work rows: straight from the row-major weights (small.h).
static void small_weight_gradients(const Context& ctx, const WeightGradArgs& a) {
  const Plan& plan = *a.plan;
  const SeqArgs& q = *a.seq;
  const i64 rows = plan.rows, I = q.I, P = q.P, GH = a.GH;
  if (!a.dx) {
    // the input gradient is not wanted
  } else if (!plan.packed) {
    small_ab(ctx, rows, I, GH, a.dgi, GH, a.w_ih, a.dx, I, true);
  } else {
    float* dxw = scratch(kScratchGather, static_cast<std::size_t>(rows * I));
    small_ab(ctx, rows, I, GH, a.dgi, GH, a.w_ih, dxw, I, false);
    scatter_rows(ctx, plan, dxw, I, a.dx, I, 0, true);
  }
  small_colsum(rows, GH, a.dgi, GH, a.db_ih, a.dgi == a.dgh ? a.db_hh : nullptr);
  if (a.dgi != a.dgh) small_colsum(rows, GH, a.dgh, GH, a.db_hh, nullptr);
  std::vector<const float*> xr(static_cast<std::size_t>(rows));
  for (i64 w = 0; w < rows; w++) xr[w] = a.x + plan.natural(w) * I;
  small_atb(ctx, rows, GH, I, a.dgi, GH, xr.data(), a.dw_ih);
  const std::vector<const float*> prev = previous_rows(plan, a.y, q.y_stride, q.y_offset, a.h0r, P);
  small_atb(ctx, rows, GH, P, a.dgh, GH, prev.data(), a.dw_hh);
}

// The weight-gradient GEMMs take each gradient [rows, GH] as Aᵀ through a strided view (the GEMM packs it;
// no transposed copy is kept), and the bias gradients are its column sums. The B operands are packed straight from where the rows live: x (gathered by
// pack_b_rows in packed mode) and, for dW_hh, h_{t−1} of every work row — y of the previous step or h0 —
// so one product covers every step (null h0 rows pack as zeros).
void weight_gradients(const Context& ctx, const WeightGradArgs& a) {
  using namespace gated;
  const SimdOps& ops = *ctx.ops;
  const Plan& plan = *a.plan;
  const SeqArgs& q = *a.seq;
  const i64 rows = plan.rows, I = q.I, P = q.P, GH = a.GH;
  const bool shared = a.dgi == a.dgh;
  if (rows <= kSmallRows) {
    small_weight_gradients(ctx, a);
    return;
  }
  if (a.dx) {
    float* wih = scratch(kSlotWeightIh, packed_b_size(ops, GH, I));
    ops.pack_b(ctx, MatView{a.w_ih, I, 1}, GH, I, wih);  // W_ih as B[K=GH, N=I]
    if (!plan.packed) {
      ops.gemm(ctx, rows, I, GH, MatView{a.dgi, GH, 1}, wih, a.dx, I, true, nullptr);
    } else {
      float* dxw = scratch(kScratchGather, static_cast<std::size_t>(rows * I));
      ops.gemm(ctx, rows, I, GH, MatView{a.dgi, GH, 1}, wih, dxw, I, false, nullptr);
      scatter_rows(ctx, plan, dxw, I, a.dx, I, 0, true);
    }
  }
  // The GEMMs read the gradients transposed through a strided view (packed as they go), so no transposed
  // copy is kept; the bias gradients are their column sums.
  column_sums(ctx, a.dgi, rows, GH, a.db_ih, shared ? a.db_hh : nullptr);
  {
    float* xp = scratch(kSlotBigB, packed_b_size(ops, rows, I));
    if (!plan.packed) {
      ops.pack_b(ctx, MatView{a.x, I, 1}, rows, I, xp);
    } else {
      std::vector<const float*> xr(static_cast<std::size_t>(rows));
      for (i64 w = 0; w < rows; w++) xr[w] = a.x + plan.nat[w] * I;
      ops.pack_b_rows(ctx, xr.data(), rows, I, xp);
    }
    ops.gemm(ctx, GH, I, rows, MatView{a.dgi, 1, GH}, xp, a.dw_ih, I, true, nullptr);
  }
  if (!shared) column_sums(ctx, a.dgh, rows, GH, a.db_hh, nullptr);
  {
    const std::vector<const float*> prev = previous_rows(plan, a.y, q.y_stride, q.y_offset, a.h0r, P);
    float* hp = scratch(kSlotBigB, packed_b_size(ops, rows, P));
    ops.pack_b_rows(ctx, prev.data(), rows, P, hp);
    ops.gemm(ctx, GH, P, rows, MatView{a.dgh, 1, GH}, hp, a.dw_hh, P, true, nullptr);
  }
}

}  // namespace fastrnn
