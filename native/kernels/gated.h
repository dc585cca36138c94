// Helpers shared by the gated cells (lstm.cc, gru.cc): the gate-interleaved layout of the per-step
// recurrent product, the input-projection bias epilogue, and the after-the-loop gradient products.
//
// Shape legend: T steps, B batch, I input, H hidden, G gates (LSTM 4, GRU 3), GH = G·H gate columns.
//
// Why interleave: the GEMM hands its epilogue finished blocks of whole NR-wide column panels, and which
// panels form a block depends on the thread count. A cell's nonlinearity needs all G gates of a unit at
// once, so the per-step product h_{t−1}·W_hhᵀ is computed in a column order where every panel holds
// complete units: panel p carries units [p·q, p·q + q) with q = ⌊NR/G⌋, as G chunks of q columns
// (gate g of unit p·q + k sits at column p·NR + g·q + k); columns a panel does not fill are zero.
#pragma once

#include <cstring>

#include "common.h"
#include "gemm/gemm.h"
#include "threads.h"

namespace fastrnn {
namespace gated {

// Scratch slots of common.h reused by the gated kernels (one kernel call at a time; a slot holds one
// live buffer per call).
constexpr int kSlotWeightIh = kScratchWeightIh;  // packed W_ih (or W_ih for dx)
constexpr int kSlotWeightHh = kScratchWeightHh;  // packed W_hh (interleaved in the forward)
constexpr int kSlotSteps = kScratchSteps;        // [T,B,GH]: input projection (inference) / dpre, dgi
constexpr int kSlotBigB = kScratchBigB;          // packed x or y for the weight gradients
constexpr int kSlotStep = 4;                     // one step's [B, ·] product
constexpr int kSlotAux = 5;                      // W_hh reordered before packing / dc / cell-state ring
constexpr int kSlotSteps2 = 6;                   // [T,B,GH]: dgh (GRU)
static_assert(kSlotSteps2 < kScratchSlots, "common.h has too few scratch slots for the gated kernels");

inline i64 step_at(i64 i, i64 T, bool reverse) { return reverse ? T - 1 - i : i; }

// The gate-interleaved column order described above.
struct Interleave {
  i64 G, H, nr, q, panels, np;
  // Needs panel_width ≥ gates (every SIMD path has NR ≥ 8).
  Interleave(i64 gates, i64 hidden, int panel_width)
      : G(gates), H(hidden), nr(panel_width), q(panel_width / gates),
        panels((hidden + q - 1) / q), np(panels * panel_width) {}
  // Units held by panel p.
  i64 units(i64 p) const { return H - p * q < q ? H - p * q : q; }
};

// Packs W_hh [GH, H] as the B operand [K = H, N = np] of h·W_hhᵀ in interleaved column order.
// tmp: np·H floats (W_hh's rows reordered); out: packed_b_size(ops, H, np) floats.
inline void pack_interleaved(const Context& ctx, const float* w_hh, const Interleave& L, float* tmp, float* out) {
  const i64 H = L.H;
  for (i64 p = 0; p < L.panels; p++) {
    const i64 nu = L.units(p);
    for (i64 j = 0; j < L.nr; j++) {
      float* dst = tmp + (p * L.nr + j) * H;
      const i64 g = j / L.q, k = j % L.q;
      if (g < L.G && k < nu) std::memcpy(dst, w_hh + (g * H + p * L.q + k) * H, sizeof(float) * H);
      else std::memset(dst, 0, sizeof(float) * H);
    }
  }
  ctx.ops->pack_b(ctx, MatView{tmp, 1, H}, H, L.np, out);
}

// Input projection epilogue: row[j] += b_ih[j] for every column, then += b_hh[j] for columns < hh_cols
// (LSTM folds all of b_hh in; GRU only its r and z parts — b_hn stays inside r ⊙ (W_hn h + b_hn)).
struct BiasCtx {
  const float* b_ih;
  const float* b_hh;
  i64 hh_cols;
};

inline void bias_epilogue(const void* p, float* C, i64 ldc, i64 r0, i64 r1, i64 c0, i64 c1) {
  const BiasCtx& b = *static_cast<const BiasCtx*>(p);
  const i64 h1 = c1 < b.hh_cols ? c1 : b.hh_cols;
  for (i64 r = r0; r < r1; r++) {
    float* row = C + r * ldc;
    if (b.b_ih)
      for (i64 j = c0; j < c1; j++) row[j] = row[j] + b.b_ih[j];
    if (b.b_hh)
      for (i64 j = c0; j < h1; j++) row[j] = row[j] + b.b_hh[j];
  }
}

// Input projection for all T·B rows: gates[TB, GH] = x · W_ihᵀ + b_ih (+ b_hh on columns < hh_cols).
inline void input_projection(const Context& ctx, i64 TB, i64 I, i64 GH, const float* x, const float* w_ih,
                             const float* b_ih, const float* b_hh, i64 hh_cols, float* gates) {
  const SimdOps& ops = *ctx.ops;
  float* wih = scratch(kSlotWeightIh, packed_b_size(ops, I, GH));
  ops.pack_b(ctx, MatView{w_ih, 1, I}, I, GH, wih);  // W_ihᵀ as B[K=I, N=GH]: (i, g) = W_ih[g·I + i]
  const BiasCtx bias{b_ih, b_hh, hh_cols};
  const Epilogue epi{&bias_epilogue, &bias};
  ops.gemm(ctx, TB, GH, I, MatView{x, I, 1}, wih, gates, GH, false, (b_ih || b_hh) ? &epi : nullptr);
}

// dst[j] += Σ_r d[r·n + j] over `rows` rows, summed in double, for each non-null dst; parallel over
// column blocks (each column's sum runs in one fixed order, whatever the thread count).
inline void add_column_sums(const Context& ctx, const float* d, i64 rows, i64 n, float* dst_a, float* dst_b) {
  if (!dst_a && !dst_b) return;
  constexpr i64 kCols = 64;
  const i64 blocks = (n + kCols - 1) / kCols;
  auto colsum = [&](i64 blk) {
    const i64 c0 = blk * kCols, c1 = c0 + kCols < n ? c0 + kCols : n;
    double s[kCols] = {};
    for (i64 r = 0; r < rows; r++) {
      const float* row = d + r * n;
      for (i64 j = c0; j < c1; j++) s[j - c0] += row[j];
    }
    for (i64 j = c0; j < c1; j++) {
      if (dst_a) dst_a[j] = static_cast<float>(dst_a[j] + s[j - c0]);
      if (dst_b) dst_b[j] = static_cast<float>(dst_b[j] + s[j - c0]);
    }
  };
  ctx.pool->parallel_for(blocks, rows * n < (1 << 16) ? 1 : ctx.threads, colsum);
}

// The products over all T·B rows after the BPTT loop, given the pre-activation gradients on the input
// side (dgi) and the recurrent side (dgh) — the same array for LSTM, different for GRU — both [T,B,GH]:
//   dx = dgi · W_ih      dW_ih += dgiᵀ · x      dW_hh += Σ_t dgh_tᵀ · h_{t−1}
// h_{t−1} is y of the previous processed step, or h0 for the first (nothing when h0 is null): in memory
// that is y shifted by one step, so dW_hh is one large product plus one B-row product for h0.
struct WeightGradArgs {
  i64 T, B, I, H, GH;
  bool reverse;
  const float* dgi;
  const float* dgh;
  const float* x;
  const float* y;
  const float* h0;
  const float* w_ih;
  float* dx;
  float* dw_ih;
  float* dw_hh;
};

inline void weight_gradients(const Context& ctx, const WeightGradArgs& a) {
  const SimdOps& ops = *ctx.ops;
  const i64 TB = a.T * a.B, BH = a.B * a.H, I = a.I, H = a.H, GH = a.GH;
  {
    float* wih = scratch(kSlotWeightIh, packed_b_size(ops, GH, I));
    ops.pack_b(ctx, MatView{a.w_ih, I, 1}, GH, I, wih);  // W_ih as B[K=GH, N=I]
    ops.gemm(ctx, TB, I, GH, MatView{a.dgi, GH, 1}, wih, a.dx, I, false, nullptr);
  }
  {
    float* xp = scratch(kSlotBigB, packed_b_size(ops, TB, I));
    ops.pack_b(ctx, MatView{a.x, I, 1}, TB, I, xp);
    ops.gemm(ctx, GH, I, TB, MatView{a.dgi, 1, GH}, xp, a.dw_ih, I, true, nullptr);
  }
  const i64 K = TB - a.B;
  if (K > 0) {
    const float* dp = a.reverse ? a.dgh : a.dgh + a.B * GH;
    const float* hp = a.reverse ? a.y + BH : a.y;
    float* packed = scratch(kSlotBigB, packed_b_size(ops, K, H));
    ops.pack_b(ctx, MatView{hp, H, 1}, K, H, packed);
    ops.gemm(ctx, GH, H, K, MatView{dp, 1, GH}, packed, a.dw_hh, H, true, nullptr);
  }
  if (a.h0) {
    const float* dp = a.dgh + step_at(0, a.T, a.reverse) * a.B * GH;
    float* packed = scratch(kSlotBigB, packed_b_size(ops, a.B, H));
    ops.pack_b(ctx, MatView{a.h0, H, 1}, a.B, H, packed);
    ops.gemm(ctx, GH, H, a.B, MatView{dp, 1, GH}, packed, a.dw_hh, H, true, nullptr);
  }
}

}  // namespace gated
}  // namespace fastrnn
