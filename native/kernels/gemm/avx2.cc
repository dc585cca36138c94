// AVX2 + FMA path: a 6 x 16 register tile (12 ymm accumulators) and a vector tanh. Only functions marked
// FASTRNN_AVX2 use AVX; dispatch.cc calls into this file only after CPUID and XGETBV allow it.
#include "gemm/gemm.h"

#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>

#include "gemm/driver.h"

#define FASTRNN_AVX2 __attribute__((target("avx2,fma")))

namespace {

using fastrnn::i64;

struct Avx2Kernel {
  static constexpr int MR = 6;
  static constexpr int NR = 16;
  static constexpr int KC = 256;
  static constexpr fastrnn::gated::Isa ISA = fastrnn::gated::Isa::Avx2;

  // A is packed ([k][MR]) when lda == 0, else row-major with row stride lda.
  template <int R>
  FASTRNN_AVX2 static void tile_rows(i64 kc, const float* A, i64 lda, const float* B, float* C, i64 ldc, int nr,
                                     bool acc) {
    __m256 c0[R], c1[R];
    _Pragma("GCC unroll 16")
    for (int i = 0; i < R; i++) {
      c0[i] = _mm256_setzero_ps();
      c1[i] = _mm256_setzero_ps();
    }
    if (lda == 0) {
      for (i64 k = 0; k < kc; k++) {
        const __m256 b0 = _mm256_loadu_ps(B + k * NR);
        const __m256 b1 = _mm256_loadu_ps(B + k * NR + 8);
        const float* a = A + k * MR;
        _Pragma("GCC unroll 16")
        for (int i = 0; i < R; i++) {
          const __m256 av = _mm256_broadcast_ss(a + i);
          c0[i] = _mm256_fmadd_ps(av, b0, c0[i]);
          c1[i] = _mm256_fmadd_ps(av, b1, c1[i]);
        }
      }
    } else {
      for (i64 k = 0; k < kc; k++) {
        const __m256 b0 = _mm256_loadu_ps(B + k * NR);
        const __m256 b1 = _mm256_loadu_ps(B + k * NR + 8);
        _Pragma("GCC unroll 16")
        for (int i = 0; i < R; i++) {
          const __m256 av = _mm256_broadcast_ss(A + i * lda + k);
          c0[i] = _mm256_fmadd_ps(av, b0, c0[i]);
          c1[i] = _mm256_fmadd_ps(av, b1, c1[i]);
        }
      }
    }
    if (nr == NR) {
      _Pragma("GCC unroll 16")
      for (int i = 0; i < R; i++) {
        float* cr = C + i * ldc;
        __m256 v0 = c0[i], v1 = c1[i];
        if (acc) {
          v0 = _mm256_add_ps(_mm256_loadu_ps(cr), v0);
          v1 = _mm256_add_ps(_mm256_loadu_ps(cr + 8), v1);
        }
        _mm256_storeu_ps(cr, v0);
        _mm256_storeu_ps(cr + 8, v1);
      }
      return;
    }
    // Edge columns: same arithmetic through a small buffer.
    alignas(32) float t[NR];
    _Pragma("GCC unroll 16")
    for (int i = 0; i < R; i++) {
      float* cr = C + i * ldc;
      _mm256_store_ps(t, c0[i]);
      _mm256_store_ps(t + 8, c1[i]);
      for (int j = 0; j < nr; j++) cr[j] = acc ? cr[j] + t[j] : t[j];
    }
  }

  static void tile(i64 kc, const float* A, i64 lda, const float* B, float* C, i64 ldc, int mr, int nr, bool acc) {
    switch (mr) {
      case 6: return tile_rows<6>(kc, A, lda, B, C, ldc, nr, acc);
      case 5: return tile_rows<5>(kc, A, lda, B, C, ldc, nr, acc);
      case 4: return tile_rows<4>(kc, A, lda, B, C, ldc, nr, acc);
      case 3: return tile_rows<3>(kc, A, lda, B, C, ldc, nr, acc);
      case 2: return tile_rows<2>(kc, A, lda, B, C, ldc, nr, acc);
      default: return tile_rows<1>(kc, A, lda, B, C, ldc, nr, acc);
    }
  }
};

// exp(x) for x in [−88, 88] (Cephes expf), ~1 ulp.
FASTRNN_AVX2 inline __m256 exp256(__m256 x) {
  x = _mm256_min_ps(_mm256_set1_ps(88.3762626647949f), x);
  x = _mm256_max_ps(_mm256_set1_ps(-88.3762626647949f), x);
  __m256 fx = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f));
  fx = _mm256_floor_ps(fx);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, z, x);
  y = _mm256_add_ps(y, _mm256_set1_ps(1.0f));
  // 2^fx by building the exponent (fx in [−127, 128]; split in two factors so both are normal floats).
  const __m256i n = _mm256_cvtps_epi32(fx);
  const __m256i n1 = _mm256_srai_epi32(n, 1);
  const __m256i n2 = _mm256_sub_epi32(n, n1);
  const __m256i bias = _mm256_set1_epi32(127);
  const __m256 p1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
  const __m256 p2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
  return _mm256_mul_ps(_mm256_mul_ps(y, p1), p2);
}

// tanh (Cephes tanhf): odd polynomial for |x| < 0.625, 1 − 2/(e^{2|x|} + 1) above, sign restored.
FASTRNN_AVX2 inline __m256 tanh256(__m256 x) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 ax = _mm256_andnot_ps(sign, x);
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(-5.70498872745e-3f);
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954e-2f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531e-2f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036e-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422e-1f));
  const __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
  const __m256 e = exp256(_mm256_add_ps(ax, ax));
  __m256 large = _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
  large = _mm256_or_ps(large, _mm256_and_ps(x, sign));
  const __m256 use_large = _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_GE_OQ);
  const __m256 r = _mm256_blendv_ps(small, large, use_large);
  const __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
  return _mm256_blendv_ps(r, x, nan);
}

FASTRNN_AVX2 void tanh_inplace(float* x, i64 n) {
  i64 i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, tanh256(_mm256_loadu_ps(x + i)));
  if (i < n) {
    alignas(32) float t[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (i64 j = i; j < n; j++) t[j - i] = x[j];
    _mm256_store_ps(t, tanh256(_mm256_load_ps(t)));
    for (i64 j = i; j < n; j++) x[j] = t[j - i];
  }
}

using Driver = GemmDriver<Avx2Kernel>;

const fastrnn::SimdOps kOps = {"avx2", Avx2Kernel::MR, Avx2Kernel::NR, Avx2Kernel::KC,
                               &Driver::pack_b, &Driver::pack_b_rows, &Driver::gemm, &tanh_inplace};

}  // namespace

const fastrnn::SimdOps* fastrnn::avx2_ops() { return &kOps; }

#else

const fastrnn::SimdOps* fastrnn::avx2_ops() { return nullptr; }

#endif
