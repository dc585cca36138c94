// AVX-512F path: an 8 x 32 register tile (16 zmm accumulators), masked edge columns, and a vector tanh.
// Only functions marked FASTRNN_AVX512 use AVX-512; dispatch.cc calls into this file only after CPUID and
// XGETBV say the CPU and the OS support it.
#include "gemm/gemm.h"

#if defined(__x86_64__) || defined(_M_X64)

// GCC 12 warns (falsely) inside its own avx512fintrin.h undefined-vector idiom.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "gemm/driver.h"

#define FASTRNN_AVX512 __attribute__((target("avx512f")))

namespace {

using fastrnn::i64;

struct Avx512Kernel {
  static constexpr int MR = 8;
  static constexpr int NR = 32;
  static constexpr int KC = 256;
  static constexpr fastrnn::gated::Isa ISA = fastrnn::gated::Isa::Avx512;

  // A is packed ([k][MR]) when lda == 0, else row-major with row stride lda.
  template <int R>
  FASTRNN_AVX512 static void tile_rows(i64 kc, const float* A, i64 lda, const float* B, float* C, i64 ldc, int nr,
                                       bool acc) {
    __m512 c0[R], c1[R];
    _Pragma("GCC unroll 16")
    for (int i = 0; i < R; i++) {
      c0[i] = _mm512_setzero_ps();
      c1[i] = _mm512_setzero_ps();
    }
    if (lda == 0) {
      for (i64 k = 0; k < kc; k++) {
        const __m512 b0 = _mm512_loadu_ps(B + k * NR);
        const __m512 b1 = _mm512_loadu_ps(B + k * NR + 16);
        const float* a = A + k * MR;
        _Pragma("GCC unroll 16")
        for (int i = 0; i < R; i++) {
          const __m512 av = _mm512_set1_ps(a[i]);
          c0[i] = _mm512_fmadd_ps(av, b0, c0[i]);
          c1[i] = _mm512_fmadd_ps(av, b1, c1[i]);
        }
      }
    } else {
      for (i64 k = 0; k < kc; k++) {
        const __m512 b0 = _mm512_loadu_ps(B + k * NR);
        const __m512 b1 = _mm512_loadu_ps(B + k * NR + 16);
        _Pragma("GCC unroll 16")
        for (int i = 0; i < R; i++) {
          const __m512 av = _mm512_set1_ps(A[i * lda + k]);
          c0[i] = _mm512_fmadd_ps(av, b0, c0[i]);
          c1[i] = _mm512_fmadd_ps(av, b1, c1[i]);
        }
      }
    }
    const __mmask16 m0 = nr >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << nr) - 1u);
    const __mmask16 m1 =
        nr >= 32 ? static_cast<__mmask16>(0xffff) : nr <= 16 ? 0 : static_cast<__mmask16>((1u << (nr - 16)) - 1u);
    _Pragma("GCC unroll 16")
    for (int i = 0; i < R; i++) {
      float* cr = C + i * ldc;
      __m512 v0 = c0[i], v1 = c1[i];
      if (acc) {
        v0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, cr), v0);
        v1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, cr + 16), v1);
      }
      _mm512_mask_storeu_ps(cr, m0, v0);
      _mm512_mask_storeu_ps(cr + 16, m1, v1);
    }
  }

  static void tile(i64 kc, const float* A, i64 lda, const float* B, float* C, i64 ldc, int mr, int nr, bool acc) {
    switch (mr) {
      case 8: return tile_rows<8>(kc, A, lda, B, C, ldc, nr, acc);
      case 7: return tile_rows<7>(kc, A, lda, B, C, ldc, nr, acc);
      case 6: return tile_rows<6>(kc, A, lda, B, C, ldc, nr, acc);
      case 5: return tile_rows<5>(kc, A, lda, B, C, ldc, nr, acc);
      case 4: return tile_rows<4>(kc, A, lda, B, C, ldc, nr, acc);
      case 3: return tile_rows<3>(kc, A, lda, B, C, ldc, nr, acc);
      case 2: return tile_rows<2>(kc, A, lda, B, C, ldc, nr, acc);
      default: return tile_rows<1>(kc, A, lda, B, C, ldc, nr, acc);
    }
  }
};

// exp(x) for x in [−88, 88] (Cephes expf: range reduction by ln 2, degree-6 polynomial), ~1 ulp.
FASTRNN_AVX512 inline __m512 exp512(__m512 x) {
  x = _mm512_min_ps(_mm512_set1_ps(88.3762626647949f), x);
  x = _mm512_max_ps(_mm512_set1_ps(-88.3762626647949f), x);
  __m512 fx = _mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504088896341f), _mm512_set1_ps(0.5f));
  fx = _mm512_roundscale_ps(fx, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
  x = _mm512_fnmadd_ps(fx, _mm512_set1_ps(0.693359375f), x);
  x = _mm512_fnmadd_ps(fx, _mm512_set1_ps(-2.12194440e-4f), x);
  const __m512 z = _mm512_mul_ps(x, x);
  __m512 y = _mm512_set1_ps(1.9875691500e-4f);
  y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(1.3981999507e-3f));
  y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(8.3334519073e-3f));
  y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(4.1665795894e-2f));
  y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(1.6666665459e-1f));
  y = _mm512_fmadd_ps(y, x, _mm512_set1_ps(5.0000001201e-1f));
  y = _mm512_fmadd_ps(y, z, x);
  y = _mm512_add_ps(y, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(y, fx);
}

// tanh (Cephes tanhf): odd polynomial for |x| < 0.625, 1 − 2/(e^{2|x|} + 1) above, sign restored.
FASTRNN_AVX512 inline __m512 tanh512(__m512 x) {
  const __m512 sign = _mm512_castsi512_ps(_mm512_set1_epi32(static_cast<int>(0x80000000u)));
  const __m512 ax = _mm512_castsi512_ps(_mm512_andnot_si512(_mm512_castps_si512(sign), _mm512_castps_si512(x)));
  const __m512 z = _mm512_mul_ps(x, x);
  __m512 p = _mm512_set1_ps(-5.70498872745e-3f);
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(2.06390887954e-2f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-5.37397155531e-2f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(1.33314422036e-1f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-3.33332819422e-1f));
  const __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(p, z), x, x);
  const __m512 e = exp512(_mm512_add_ps(ax, ax));
  __m512 large = _mm512_sub_ps(_mm512_set1_ps(1.0f), _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, _mm512_set1_ps(1.0f))));
  large = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(large),
                                               _mm512_and_si512(_mm512_castps_si512(x), _mm512_castps_si512(sign))));
  const __mmask16 use_large = _mm512_cmp_ps_mask(ax, _mm512_set1_ps(0.625f), _CMP_GE_OQ);
  __m512 r = _mm512_mask_blend_ps(use_large, small, large);
  const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
  return _mm512_mask_blend_ps(nan, r, x);
}

FASTRNN_AVX512 void tanh_inplace(float* x, i64 n) {
  i64 i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, tanh512(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1u);
    _mm512_mask_storeu_ps(x + i, m, tanh512(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

using Driver = GemmDriver<Avx512Kernel>;

const fastrnn::SimdOps kOps = {"avx512", Avx512Kernel::MR, Avx512Kernel::NR, Avx512Kernel::KC,
                               &Driver::pack_b, &Driver::pack_b_rows, &Driver::gemm, &tanh_inplace};

}  // namespace

const fastrnn::SimdOps* fastrnn::avx512_ops() { return &kOps; }

#else

const fastrnn::SimdOps* fastrnn::avx512_ops() { return nullptr; }

#endif
