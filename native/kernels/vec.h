// GCC/Clang vector types for code built once per SIMD path (gated::Variants): each lowers to the active
// path's own registers (one zmm, two ymm, four xmm…). Loads and stores are unaligned, through memcpy.
#pragma once

#include "gated.h"

namespace fastrnn {
namespace vec {

typedef float Vec16 __attribute__((vector_size(64), aligned(4)));
typedef float Vec8 __attribute__((vector_size(32), aligned(4)));
typedef float Vec4 __attribute__((vector_size(16), aligned(4)));

template <class V>
FASTRNN_GATED_INLINE V load(const float* p) {
  V v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

template <class V>
FASTRNN_GATED_INLINE void store(float* p, V v) {
  __builtin_memcpy(p, &v, sizeof v);
}

}  // namespace vec
}  // namespace fastrnn
