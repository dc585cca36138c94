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

  // A is packed ([k][MR]) when lda == 0, else row-major with row stride lda.
  template <int R>
  static void tile_rows(i64 kc, const float* A, i64 lda, const float* B, float* C, i64 ldc, int nr, bool acc) {
    float c[R][NR] = {};
    const i64 rs = lda == 0 ? 1 : lda, cs = lda == 0 ? MR : 1;
    for (i64 k = 0; k < kc; k++) {
      const float* b = B + k * NR;
      const float* a = A + k * cs;
      _Pragma("GCC unroll 16")
      for (int i = 0; i < R; i++) {
        const float av = a[i * rs];
        for (int j = 0; j < NR; j++) c[i][j] += av * b[j];
      }
    }
    _Pragma("GCC unroll 16")
    for (int i = 0; i < R; i++) {
      float* cr = C + i * ldc;
      for (int j = 0; j < nr; j++) cr[j] = acc ? cr[j] + c[i][j] : c[i][j];
    }
  }

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
                               &Driver::pack_b, &Driver::gemm, &tanh_inplace};

}  // namespace

const fastrnn::SimdOps* fastrnn::baseline_ops() { return &kOps; }
