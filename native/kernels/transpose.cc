#include "transpose.h"

#include "vec.h"

namespace fastrnn {
namespace {

using vec::Vec8;

// One full 8×8 block: three rounds of pairwise interleaves (rows → pairs → quads → columns).
FASTRNN_GATED_INLINE void block8(const float* __restrict s, i64 lds, float* __restrict d, i64 ldd) {
  Vec8 r[8], t[8], u[8];
  for (int i = 0; i < 8; i++) r[i] = vec::load<Vec8>(s + i * lds);
  for (int i = 0; i < 8; i += 2) {
    t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
    t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = __builtin_shufflevector(t[i], t[i + 2], 0, 1, 8, 9, 4, 5, 12, 13);
    u[i + 1] = __builtin_shufflevector(t[i], t[i + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    u[i + 2] = __builtin_shufflevector(t[i + 1], t[i + 3], 0, 1, 8, 9, 4, 5, 12, 13);
    u[i + 3] = __builtin_shufflevector(t[i + 1], t[i + 3], 2, 3, 10, 11, 6, 7, 14, 15);
  }
  // u[0..3] hold columns 0–3 (low halves) and 4–7 (high halves) of rows 0–3; u[4..7] the same of rows 4–7.
  for (int c = 0; c < 4; c++) {
    vec::store(d + c * ldd, __builtin_shufflevector(u[c], u[c + 4], 0, 1, 2, 3, 8, 9, 10, 11));
    vec::store(d + (c + 4) * ldd, __builtin_shufflevector(u[c], u[c + 4], 4, 5, 6, 7, 12, 13, 14, 15));
  }
}

struct Transpose {
  static FASTRNN_GATED_INLINE void run(const float* src, i64 lds, i64 rows, i64 cols, float* dst, i64 ldd) {
    const i64 r8 = rows / 8 * 8, c8 = cols / 8 * 8;
    for (i64 r = 0; r < r8; r += 8) {
      for (i64 c = 0; c < c8; c += 8) block8(src + r * lds + c, lds, dst + c * ldd + r, ldd);
      for (i64 c = c8; c < cols; c++)
        for (i64 i = r; i < r + 8; i++) dst[c * ldd + i] = src[i * lds + c];
    }
    for (i64 r = r8; r < rows; r++)
      for (i64 c = 0; c < cols; c++) dst[c * ldd + r] = src[r * lds + c];
  }
};

}  // namespace

void transpose(gated::Isa isa, const float* src, i64 lds, i64 rows, i64 cols, float* dst, i64 ldd) {
  gated::Variants<Transpose, const float*, i64, i64, i64, float*, i64>::pick(isa)(src, lds, rows, cols, dst, ldd);
}

}  // namespace fastrnn
