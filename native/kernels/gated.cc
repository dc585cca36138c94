// The non-inline helpers of gated.h: packing the gate-interleaved W_hh, the input projection, the combined
// biases, and the products over all T·B rows after the BPTT loop.
#include "gated.h"

#include <vector>


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
constexpr i64 kCols = 16;  // columns per work item of column_sums

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
// no transposed copy is kept), and the bias gradients are its column sums. The B operands are packed
// straight from where the rows live: x (gathered by pack_b_rows in packed mode) and, for dW_hh, h_{t−1} of
// every work row — y of the previous step or h0 — so one product covers every step (null h0 rows pack as
// zeros).
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
