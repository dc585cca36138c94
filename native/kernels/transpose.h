// Out-of-place float transposes for the weight reshapes every call makes (packing W_ih as a GEMM's B
// operand, W_hh into the column tiles of small.h): 8×8 blocks moved through vector shuffles, per SIMD path.
// A scalar element-by-element transpose runs near one float a cycle, which made these reshapes half of a
// short inference call. Pure data movement: the bits are the same on every path.
#pragma once

#include "common.h"
#include "gated.h"

namespace fastrnn {

// dst[c·ldd + r] = src[r·lds + c] for r < rows, c < cols.
void transpose(gated::Isa isa, const float* src, i64 lds, i64 rows, i64 cols, float* dst, i64 ldd);

}  // namespace fastrnn
