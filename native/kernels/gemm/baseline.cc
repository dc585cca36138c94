// Portable path: plain C++ the compiler vectorises for the baseline ISA (SSE2 on x86-64, NEON on arm64).
// A 4 x 8 register tile; tanh from the C library. Always available; the fallback everywhere.
#include <cmath>

#include "gemm/driver.h"
#include "gemm/gemm.h"

namespace {

using fastrnn::i64;

struct BaselineKernel {
  static constexpr int MR = 4;
  static constexpr int NR = 8;
  static constexpr int KC = 256;
  static constexpr fastrnn::gated::Isa ISA = fastrnn::gated::Isa::Baseline;

  // A is packed ([k][MR]) when lda == 0, else row-major with row stride lda.
#if defined(__GNUC__)
  // GCC/Clang vector extensions: 4-wide on SSE2 and NEON alike, no ISA-specific intrinsics.
  typedef float v4 __attribute__((vector_size(16), aligned(4)));

  template <int R>
  static void tile_rows(i64 kc, const float* A, i64 lda, const float* B, float* C, i64 ldc, int nr, bool acc) {
    v4 c0[R], c1[R];
    _Pragma("GCC unroll 16")
    for (int i = 0; i < R; i++) c0[i] = c1[i] = v4{0, 0, 0, 0};
    const i64 rs = lda == 0 ? 1 : lda, cs = lda == 0 ? MR : 1;
    for (i64 k = 0; k < kc; k++) {
      v4 b0, b1;
      __builtin_memcpy(&b0, B + k * NR, sizeof b0);
      __builtin_memcpy(&b1, B + k * NR + 4, sizeof b1);
      const float* a = A + k * cs;
      _Pragma("GCC unroll 16")
      for (int i = 0; i < R; i++) {
        const float av = a[i * rs];
        const v4 va = {av, av, av, av};
        c0[i] += va * b0;
        c1[i] += va * b1;
      }
    }
    _Pragma("GCC unroll 16")
    for (int i = 0; i < R; i++) {
      float t[NR];
      __builtin_memcpy(t, &c0[i], sizeof c0[i]);
      __builtin_memcpy(t + 4, &c1[i], sizeof c1[i]);
      float* cr = C + i * ldc;
      for (int j = 0; j < nr; j++) cr[j] = acc ? cr[j] + t[j] : t[j];
    }
  }
#else
  template <int R>
  static void tile_rows(i64 kc, const float* A, i64 lda, const float* B, float* C, i64 ldc, int nr, bool acc) {
    float c[R][NR] = {};
    const i64 rs = lda == 0 ? 1 : lda, cs = lda == 0 ? MR : 1;
    for (i64 k = 0; k < kc; k++) {
      const float* b = B + k * NR;
      const float* a = A + k * cs;
      for (int i = 0; i < R; i++) {
        const float av = a[i * rs];
        for (int j = 0; j < NR; j++) c[i][j] += av * b[j];
      }
    }
    for (int i = 0; i < R; i++) {
      float* cr = C + i * ldc;
      for (int j = 0; j < nr; j++) cr[j] = acc ? cr[j] + c[i][j] : c[i][j];
    }
  }
#endif

  static void tile(i64 kc, const float* A, i64 lda, const float* B, float* C, i64 ldc, int mr, int nr, bool acc) {
    switch (mr) {
      case 4: return tile_rows<4>(kc, A, lda, B, C, ldc, nr, acc);
      case 3: return tile_rows<3>(kc, A, lda, B, C, ldc, nr, acc);
      case 2: return tile_rows<2>(kc, A, lda, B, C, ldc, nr, acc);
      default: return tile_rows<1>(kc, A, lda, B, C, ldc, nr, acc);
    }
  }
};

void tanh_inplace(float* x, i64 n) {
  for (i64 i = 0; i < n; i++) x[i] = std::tanh(x[i]);
}

using Driver = GemmDriver<BaselineKernel>;

const fastrnn::SimdOps kOps = {"baseline", BaselineKernel::MR, BaselineKernel::NR, BaselineKernel::KC,
                               &Driver::pack_b, &Driver::pack_b_rows, &Driver::gemm, &tanh_inplace};

}  // namespace

const fastrnn::SimdOps* fastrnn::baseline_ops() { return &kOps; }
