// CPU feature detection and the active SIMD path (see dispatch.h). No ifunc/target_clones: one atomic
// pointer to a table of functions, set at load and (for tests) by select_path.
#include "dispatch.h"

#include <atomic>
#include <cstdlib>

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif

namespace fastrnn {

namespace {

#if defined(__x86_64__) || defined(_M_X64)
unsigned long long read_xcr0() {
  unsigned eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}
#endif

CpuFeatures detect() {
  CpuFeatures f;
#if defined(__x86_64__) || defined(_M_X64)
  f.x86 = true;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return f;
  const unsigned max_leaf = eax;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  f.sse2 = (edx >> 26) & 1;
  f.fma = (ecx >> 12) & 1;
  f.avx = (ecx >> 28) & 1;
  const bool osxsave = (ecx >> 27) & 1;
  if (osxsave) {
    const unsigned long long xcr0 = read_xcr0();
    f.os_avx = (xcr0 & 0x6) == 0x6;
    f.os_avx512 = (xcr0 & 0xe6) == 0xe6;
  }
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    f.avx2 = (ebx >> 5) & 1;
    f.avx512f = (ebx >> 16) & 1;
  }
#endif
  return f;
}

bool can_run(const std::string& name) {
  const CpuFeatures& f = cpu_features();
  if (name == "baseline") return baseline_ops() != nullptr;
  if (name == "avx2") return avx2_ops() && f.avx && f.avx2 && f.fma && f.os_avx;
  if (name == "avx512") return avx512_ops() && f.avx512f && f.os_avx && f.os_avx512;
  return false;
}

const SimdOps* ops_for(const std::string& name) {
  if (name == "avx512") return avx512_ops();
  if (name == "avx2") return avx2_ops();
  return baseline_ops();
}

std::atomic<const SimdOps*> g_active{nullptr};

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

std::vector<std::string> supported_paths() {
  std::vector<std::string> out;
  for (const char* name : {"avx512", "avx2", "baseline"}) {
    if (can_run(name)) out.emplace_back(name);
  }
  return out;
}

const SimdOps* active_ops() {
  const SimdOps* ops = g_active.load(std::memory_order_acquire);
  if (!ops) {
    ops = ops_for(supported_paths().front());
    g_active.store(ops, std::memory_order_release);
  }
  return ops;
}

bool select_path(const std::string& name, std::string* error) {
  if (name != "avx512" && name != "avx2" && name != "baseline") {
    *error = "unknown SIMD path \"" + name + "\": expected avx512, avx2 or baseline";
    return false;
  }
  if (!can_run(name)) {
    std::string have;
    for (const std::string& p : supported_paths()) have += (have.empty() ? "" : ", ") + p;
    *error = "SIMD path \"" + name + "\" is not supported by this CPU/build (supported: " + have + ")";
    return false;
  }
  g_active.store(ops_for(name), std::memory_order_release);
  return true;
}

bool init_paths_from_env(std::string* error) {
  const char* env = std::getenv("FASTRNN_SIMD");
  if (env && *env) {
    if (!select_path(env, error)) {
      *error = "FASTRNN_SIMD: " + *error;
      return false;
    }
    return true;
  }
  g_active.store(ops_for(supported_paths().front()), std::memory_order_release);
  return true;
}

}  // namespace fastrnn
