// The GEMM driver shared by every SIMD path (included once per path, inside an anonymous namespace).
// It is compiled with the baseline flags; only Kern::tile (the register-blocked micro-kernel) carries a
// target attribute, so no AVX code can leak into shared inline functions.
//
// Kern provides: MR, NR, KC (constexpr ints), ISA (its gated::Isa, for the transposes) and
//   static void tile(i64 kc, const float* A, i64 lda, const float* B, float* C, i64 ldc, int mr, int nr, bool acc);
// where A is an MR-row panel ([k][MR]) when lda == 0 or mr rows of a row-major matrix (row stride lda)
// otherwise, B an NR-column panel ([k][NR]), and the tile computes
// C[mr, nr] (acc ? += : =) Σ_k A[k]·B[k] as a float32 FMA chain per element started from zero.
#pragma once

#include <algorithm>
#include <cstring>

#include "gemm/gemm.h"
#include "threads.h"
#include "transpose.h"

template <class Kern>
struct GemmDriver {
  static constexpr int MR = Kern::MR;
  static constexpr int NR = Kern::NR;
  static constexpr int KC = Kern::KC;
  // Preferred block of output handled by one work item (shrunk when threads would idle).
  static constexpr int kMcTiles = std::max(1, 96 / MR);
  static constexpr int kNcPanels = std::max(1, 256 / NR);

  static void pack_b(const fastrnn::Context& ctx, fastrnn::MatView B, fastrnn::i64 K, fastrnn::i64 N, float* out) {
    using fastrnn::i64;
    const i64 panels = (N + NR - 1) / NR;
    auto pack_panel = [&](i64 jp) {
      const i64 j0 = jp * NR;
      const int nr = static_cast<int>(std::min<i64>(NR, N - j0));
      float* o = out + jp * K * NR;
      if (B.cs == 1) {
        for (i64 k = 0; k < K; k++) {
          const float* src = B.p + k * B.rs + j0;
          float* dst = o + k * NR;
          for (int j = 0; j < nr; j++) dst[j] = src[j];
          for (int j = nr; j < NR; j++) dst[j] = 0.0f;
        }
      } else if (B.rs == 1) {
        // Row k of the panel is column k of nr rows of B's transpose (a weight as stored, W_ih in x · W_ihᵀ).
        fastrnn::transpose(Kern::ISA, B.p + j0 * B.cs, B.cs, nr, K, o, NR);
        for (i64 k = 0; k < K && nr < NR; k++)
          for (int j = nr; j < NR; j++) o[k * NR + j] = 0.0f;
      } else {
        for (int j = 0; j < NR; j++) {
          if (j < nr) {
            const float* src = B.p + (j0 + j) * B.cs;
            for (i64 k = 0; k < K; k++) o[k * NR + j] = src[k * B.rs];
          } else {
            for (i64 k = 0; k < K; k++) o[k * NR + j] = 0.0f;
          }
        }
      }
    };
    const int threads = (K * N < (1 << 16)) ? 1 : ctx.threads;
    ctx.pool->parallel_for(panels, threads, pack_panel);
  }

  static void pack_b_rows(const fastrnn::Context& ctx, const float* const* rows, fastrnn::i64 K, fastrnn::i64 N,
                          float* out) {
    using fastrnn::i64;
    const i64 panels = (N + NR - 1) / NR;
    auto pack_panel = [&](i64 jp) {
      const i64 j0 = jp * NR;
      const int nr = static_cast<int>(std::min<i64>(NR, N - j0));
      float* o = out + jp * K * NR;
      for (i64 k = 0; k < K; k++) {
        float* dst = o + k * NR;
        const float* src = rows[k];
        int j = 0;
        if (src)
          for (; j < nr; j++) dst[j] = src[j0 + j];
        for (; j < NR; j++) dst[j] = 0.0f;
      }
    };
    const int threads = (K * N < (1 << 16)) ? 1 : ctx.threads;
    ctx.pool->parallel_for(panels, threads, pack_panel);
  }

  // Packs rows [m0, m1) x columns [k0, k0 + kc) of A into MR-row panels, [k][MR] each, zero padded.
  static void pack_a(fastrnn::MatView A, fastrnn::i64 m0, fastrnn::i64 m1, fastrnn::i64 k0, fastrnn::i64 kc,
                     float* out) {
    using fastrnn::i64;
    for (i64 i0 = m0; i0 < m1; i0 += MR) {
      const int mr = static_cast<int>(std::min<i64>(MR, m1 - i0));
      float* o = out + ((i0 - m0) / MR) * MR * kc;
      if (A.rs == 1) {
        for (i64 k = 0; k < kc; k++) {
          const float* src = A.p + (k0 + k) * A.cs + i0;
          float* dst = o + k * MR;
          for (int i = 0; i < mr; i++) dst[i] = src[i];
          for (int i = mr; i < MR; i++) dst[i] = 0.0f;
        }
      } else {
        for (int i = 0; i < MR; i++) {
          if (i < mr) {
            const float* src = A.p + (i0 + i) * A.rs + k0 * A.cs;
            for (i64 k = 0; k < kc; k++) o[k * MR + i] = src[k * A.cs];
          } else {
            for (i64 k = 0; k < kc; k++) o[k * MR + i] = 0.0f;
          }
        }
      }
    }
  }

  static void gemm(const fastrnn::Context& ctx, fastrnn::i64 M, fastrnn::i64 N, fastrnn::i64 K, fastrnn::MatView A,
                   const float* packedB, float* C, fastrnn::i64 ldc, bool accumulate, const fastrnn::Epilogue* epi) {
    using fastrnn::i64;
    if (M <= 0 || N <= 0) return;
    const i64 mtiles = (M + MR - 1) / MR;
    const i64 npanels = (N + NR - 1) / NR;
    // Small products are not worth waking the pool for.
    const double flops = 2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
    const int threads = flops < 2.0e5 ? 1 : std::max(1, ctx.threads);
    // Row-major A is read in place; any other layout is packed per K chunk, by each item for its rows —
    // so an item then takes every column while there are rows enough to go round (one pack per chunk).
    const bool direct = A.cs == 1;
    i64 mtb = std::min<i64>(mtiles, kMcTiles);
    i64 npb = std::min<i64>(npanels, kNcPanels);
    auto items = [&] { return ((mtiles + mtb - 1) / mtb) * ((npanels + npb - 1) / npb); };
    if (!direct && (mtiles + mtb - 1) / mtb >= 2 * threads) npb = npanels;
    if (threads > 1) {
      while (items() < 4 * threads && npb > 1) npb = (npb + 1) / 2;
      while (items() < 2 * threads && mtb > 1) mtb = (mtb + 1) / 2;
    }
    const i64 nblocks_n = (npanels + npb - 1) / npb;
    const i64 nitems = items();
    auto run_item = [&](i64 item) {
      thread_local fastrnn::AlignedBuf apack;
      const i64 mb = item / nblocks_n, nb = item % nblocks_n;
      const i64 m0 = mb * mtb * MR, m1 = std::min<i64>(M, m0 + mtb * MR);
      const i64 n0 = nb * npb * NR, n1 = std::min<i64>(N, n0 + npb * NR);
      const std::size_t need = static_cast<std::size_t>(mtb * MR * KC);
      if (!direct && apack.size() < need) apack.reset(need);
      if (K <= 0 && !accumulate) {
        for (i64 i = m0; i < m1; i++) std::memset(C + i * ldc + n0, 0, sizeof(float) * (n1 - n0));
      }
      for (i64 pc = 0; pc < K; pc += KC) {
        const i64 kc = std::min<i64>(KC, K - pc);
        if (!direct) pack_a(A, m0, m1, pc, kc, apack.data());
        const bool acc = accumulate || pc > 0;
        for (i64 j0 = n0; j0 < n1; j0 += NR) {
          const int nr = static_cast<int>(std::min<i64>(NR, n1 - j0));
          const float* bp = packedB + (j0 / NR) * K * NR + pc * NR;
          for (i64 i0 = m0; i0 < m1; i0 += MR) {
            const int mr = static_cast<int>(std::min<i64>(MR, m1 - i0));
            if (direct) {
              Kern::tile(kc, A.p + i0 * A.rs + pc, A.rs, bp, C + i0 * ldc + j0, ldc, mr, nr, acc);
            } else {
              const float* ap = apack.data() + ((i0 - m0) / MR) * MR * kc;
              Kern::tile(kc, ap, 0, bp, C + i0 * ldc + j0, ldc, mr, nr, acc);
            }
          }
        }
      }
      if (epi) epi->fn(epi->ctx, C, ldc, m0, m1, n0, n1);
    };
    ctx.pool->parallel_for(nitems, threads, run_item);
  }
};
