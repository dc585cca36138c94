// Run-time choice of the SIMD path: CPU features from CPUID/XGETBV, read once; the best supported path
// is active unless FASTRNN_SIMD=avx512|avx2|baseline names another (an error if the CPU lacks it).
#pragma once

#include <string>
#include <vector>

#include "gemm/gemm.h"

namespace fastrnn {

struct CpuFeatures {
  bool x86 = false;
  bool sse2 = false;
  bool avx = false;
  bool fma = false;
  bool avx2 = false;
  bool avx512f = false;
  bool os_avx = false;     // XCR0 enables XMM+YMM state
  bool os_avx512 = false;  // XCR0 enables opmask+ZMM state
};

const CpuFeatures& cpu_features();

// Paths this CPU and this build can run, best first (always ends with "baseline").
std::vector<std::string> supported_paths();

// The active path (never null).
const SimdOps* active_ops();

// Makes `name` the active path. Returns false and sets *error when the name is unknown or unsupported.
bool select_path(const std::string& name, std::string* error);

// Applies FASTRNN_SIMD if set (else the best path). Returns false and sets *error on a bad value.
bool init_paths_from_env(std::string* error);

}  // namespace fastrnn
