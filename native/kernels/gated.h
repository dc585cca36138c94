// Helpers shared by the gated cells (lstm.cc, gru.cc): the gate-interleaved layout of the per-step
// recurrent product, per-ISA builds of the element-wise step code, and the after-the-loop gradient products
// (gated.cc).
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
#include <stdexcept>

#include "common.h"
#include "gemm/gemm.h"
#include "plan.h"
#include "small.h"
#include "threads.h"

namespace fastrnn {
namespace gated {

// Scratch slots of common.h used by the gated kernels (one kernel call at a time; a slot holds one live
// buffer per call). Slots 4–6 are reserved for these kernels in common.h.
constexpr int kSlotWeightIh = kScratchWeightIh;  // packed W_ih (W_ih as B for dx)
constexpr int kSlotWeightHh = kScratchWeightHh;  // packed W_hh (gate-interleaved in the forward)
constexpr int kSlotSteps = kScratchSteps;        // [T,B,GH]: input projection (inference) / dpre, dgi
constexpr int kSlotBigB = kScratchBigB;          // packed x or y for the weight gradients
constexpr int kSlotStep = 4;                     // one step's [B, ·] product (+ the combined bias)
constexpr int kSlotAux = 5;                      // W_hh reordered before packing / dc / cell-state ring
constexpr int kSlotSteps2 = 6;                   // [T,B,GH]: dgh (GRU)
static_assert(kSlotSteps2 < kScratchSlots, "too few scratch slots in common.h");

// Floats staged per call of the path's vector tanh in the step epilogues.
constexpr i64 kStage = 256;

// ---- per-ISA builds of element-wise code ----
//
// The step epilogues are plain C++ loops over __restrict pointers; Variants<K, Args...>::pick returns
// K::run compiled for the active SIMD path (AVX-512F, AVX2, or the baseline flags), so the compiler
// vectorises them to the path's width. No -ffast-math: every build performs the same IEEE operations per
// element, in the same order.
#define FASTRNN_GATED_INLINE inline __attribute__((always_inline))
#if defined(__x86_64__) || defined(_M_X64)
#define FASTRNN_GATED_X86 1
#endif

enum class Isa { Baseline, Avx2, Avx512 };

inline Isa isa_of(const SimdOps& ops) {
  if (std::strcmp(ops.name, "avx512") == 0) return Isa::Avx512;
  if (std::strcmp(ops.name, "avx2") == 0) return Isa::Avx2;
  return Isa::Baseline;
}

template <class K, class... Args>
struct Variants {
  using Fn = void (*)(Args...);
  static void baseline(Args... a) { K::run(a...); }
#ifdef FASTRNN_GATED_X86
  __attribute__((target("avx2,fma"))) static void avx2(Args... a) { K::run(a...); }
  __attribute__((target("avx512f"))) static void avx512(Args... a) { K::run(a...); }
#endif
  static Fn pick(Isa isa) {
#ifdef FASTRNN_GATED_X86
    if (isa == Isa::Avx512) return &avx512;
    if (isa == Isa::Avx2) return &avx2;
#endif
    (void)isa;
    return &baseline;
  }
};

// Small element-wise loops the epilogues share (inlined into each ISA build).
FASTRNN_GATED_INLINE void add_to(float* __restrict dst, const float* __restrict a, const float* __restrict b, i64 n) {
  for (i64 k = 0; k < n; k++) dst[k] = a[k] + b[k];
}
FASTRNN_GATED_INLINE void copy_to(float* __restrict dst, const float* __restrict a, i64 n) {
  for (i64 k = 0; k < n; k++) dst[k] = a[k];
}
// dst = (dst + b) · scale, or dst · scale when b is null.
FASTRNN_GATED_INLINE void bias_scale(float* __restrict dst, const float* __restrict b, float scale, i64 n) {
  if (b) {
    for (i64 k = 0; k < n; k++) dst[k] = (dst[k] + b[k]) * scale;
  } else if (scale != 1.0f) {
    for (i64 k = 0; k < n; k++) dst[k] = dst[k] * scale;
  }
}

// Gathers n values of one gate from the interleaved recurrent row `rec` (panels of nr columns, q units
// per gate chunk, starting at panel pa) and adds the projection `src`: dst[k] = src[k] + rec(k).
// Q: q when known at compile time (0 = runtime).
template <int Q>
FASTRNN_GATED_INLINE void gather_gate(float* __restrict dst, const float* __restrict src, const float* __restrict rec,
                                      i64 nr, i64 q, i64 n) {
  const i64 qq = Q ? Q : q;
  i64 k0 = 0;
  for (; k0 + qq <= n; k0 += qq, rec += nr) {
    if (src) add_to(dst + k0, src + k0, rec, Q ? Q : qq);
    else copy_to(dst + k0, rec, Q ? Q : qq);
  }
  if (k0 < n) {
    if (src) add_to(dst + k0, src + k0, rec, n - k0);
    else copy_to(dst + k0, rec, n - k0);
  }
}

// ---- the gate-interleaved column order described at the top ----

struct Interleave {
  i64 G, H, nr, q, panels, np;
  // Needs panel_width ≥ gates (every SIMD path has NR ≥ 8).
  Interleave(i64 gates, i64 hidden, int panel_width)
      : G(gates), H(hidden), nr(panel_width), q(checked_q(gates, panel_width)),
        panels((hidden + q - 1) / q), np(panels * panel_width) {}

 private:
  static i64 checked_q(i64 gates, int panel_width) {
    if (panel_width < gates) throw std::invalid_argument("gated kernels need GEMM panels at least G columns wide");
    return panel_width / gates;
  }
};

// One step's product C[M, N] = A[M, K] · B (packed in panels of nr columns, gemm.h: panel p is K × nr
// contiguous floats, so a run of panels is a contiguous slice) in groups of whole panels. Each group is
// one single-threaded GEMM followed, on the same thread, by after(c0, c1) (the cell's epilogue for columns
// [c0, c1), while that block of C is hot); before(c0, c1) runs first (prefetches). Groups are chosen here,
// not by the GEMM driver, so no group is narrower than a few panels (tiny blocks make the epilogue's
// vector calls short and put neighbouring threads on the same cache lines). Each element of C is the same
// FMA chain whatever the grouping, so results do not depend on the thread count.
template <class Before, class After>
void grouped_gemm(const Context& ctx, i64 M, i64 N, i64 K, const float* A, i64 lda, const float* packed, float* C,
                  i64 ldc, bool accumulate, Before&& before, After&& after) {
  const SimdOps& ops = *ctx.ops;
  const Context one{ctx.ops, ctx.pool, 1};
  const i64 nr = ops.nr, panels = (N + nr - 1) / nr;
  constexpr i64 kGroupPanels = 8;  // the most one group takes on one thread (its block of C stays in L2)
  const double flops = 2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  const int threads = flops < 2.0e5 ? 1 : ctx.threads;
  i64 groups = (panels + kGroupPanels - 1) / kGroupPanels;
  if (threads > 1 && groups < 2 * threads) groups = 2 * threads;
  if (groups > panels) groups = panels;
  auto item = [&](i64 g) {
    const i64 p0 = g * panels / groups, p1 = (g + 1) * panels / groups;
    const i64 c0 = p0 * nr, c1 = p1 * nr < N ? p1 * nr : N;
    before(c0, c1);
    ops.gemm(one, M, c1 - c0, K, MatView{A, lda, 1}, packed + p0 * K * nr, C + c0, ldc, accumulate, nullptr);
    after(c0, c1);
  };
  ctx.pool->parallel_for(groups, threads, item);
}

// Asks for rows [0, rows) × columns [c0, c1) of a row-major matrix (row stride ld) to be brought into L2:
// the step epilogues read last-touched-long-ago data (the input projection, the training cache) while the
// GEMM before them runs.
inline void prefetch_block(const float* base, i64 ld, i64 rows, i64 c0, i64 c1) {
  if (!base) return;
  for (i64 r = 0; r < rows; r++) {
    const char* p = reinterpret_cast<const char*>(base + r * ld + c0);
    const char* end = reinterpret_cast<const char*>(base + r * ld + c1);
    for (; p < end; p += 64) __builtin_prefetch(p, 0, 2);
  }
}

// Copies rows of a plain-order step product [rows, G·H] into the interleaved order (row stride L.np) the
// step epilogues read (the small-batch path computes the product from the unpacked W_hh).
inline void interleave_rows(const float* plain, i64 rows, const Interleave& L, float* R) {
  const i64 GH = L.G * L.H;
  for (i64 r = 0; r < rows; r++) {
    for (i64 p = 0; p < L.panels; p++) {
      const i64 nu = L.H - p * L.q < L.q ? L.H - p * L.q : L.q;
      for (i64 g = 0; g < L.G; g++) {
        std::memcpy(R + r * L.np + p * L.nr + g * L.q, plain + r * GH + g * L.H + p * L.q, sizeof(float) * nu);
      }
    }
  }
}

// Packs W_hh [GH, K] (K = the size of h) as the B operand [K, N = np] of h·W_hhᵀ in interleaved column order.
// tmp: np·K floats (W_hh's rows reordered); out: packed_b_size(ops, K, np) floats.
void pack_interleaved(const Context& ctx, const float* w_hh, i64 K, const Interleave& L, float* tmp, float* out);

// Input projection for all work rows: gates[rows, GH] = x · W_ihᵀ (the step epilogue adds the biases). In
// packed mode x is first gathered into work rows (plan.h).
void input_projection(const Context& ctx, const Plan& plan, i64 I, i64 GH, const float* x, const float* w_ih,
                      float* gates);

// out[j] = b_ih[j] + b_hh[j] for j < hh_cols, b_ih[j] beyond (a null bias counts as zero); false when
// there is no bias at all. LSTM folds all of b_hh in; GRU only its r and z parts — b_hn stays inside
// r ⊙ (W_hn h + b_hn).
bool combine_biases(const float* b_ih, const float* b_hh, i64 GH, i64 hh_cols, float* out);

// For each non-null db, db[c] += Σ_r src[r, c] of a [rows, cols] matrix, summed in double in row order.
// Parallel over column blocks; the result does not depend on the thread count (nor on the SIMD path).
void column_sums(const Context& ctx, const float* src, i64 rows, i64 cols, float* db_a, float* db_b);

// Rows [r0, r1) × columns [c0, c1) of a step's rows, brought towards L2 while the step's GEMM runs.
inline void prefetch_rows(const StepRows& rows, i64 r0, i64 r1, i64 c0, i64 c1) {
  if (!rows.p) return;
  for (i64 j = r0; j < r1; j++) {
    const char* p = reinterpret_cast<const char*>(rows.row(j) + c0);
    const char* end = reinterpret_cast<const char*>(rows.row(j) + c1);
    for (; p < end; p += 64) __builtin_prefetch(p, 0, 2);
  }
}

}  // namespace gated

// The products over all work rows after the BPTT loop (every cell: RNN passes dgi = dgh = dpre, GH = H),
// given the pre-activation gradients on the input side (dgi) and the recurrent side (dgh) — the same array
// for RNN and LSTM, different for GRU — both [plan.rows, GH] in work-row order (plan.h):
//   dx += dgi · W_ih      dW_ih += dgiᵀ · x      dW_hh += Σ dghᵀ · h_{t−1}
//   db_ih += Σ_rows dgi   db_hh += Σ_rows dgh
struct WeightGradArgs {
  const Plan* plan;
  const SeqArgs* seq;
  i64 GH;
  const float* dgi;
  const float* dgh;
  const float* x;
  const float* y;
  const float* h0r;  // rank-ordered h0 (plan.h), or null
  const float* w_ih;
  float* dx;  // null: not wanted
  float* dw_ih;
  float* dw_hh;
  float* db_ih;
  float* db_hh;
};

void weight_gradients(const Context& ctx, const WeightGradArgs& a);

}  // namespace fastrnn
