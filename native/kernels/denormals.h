// Denormal (subnormal) floats: x86 handles them in microcode, 50-120x slower than ordinary ones, and a
// recurrence fed tiny values stays in that range step after step. The engine therefore runs with
// flush-to-zero (FTZ: a denormal result becomes 0) and denormals-are-zero (DAZ: a denormal input reads as 0):
// set for good in the pool's worker threads (ours alone), and for the duration of each kernel call on the
// calling thread (the JS thread or a libuv worker), whose previous mode is restored afterwards. NaN and
// infinities are unaffected. Other architectures keep their default mode.
#pragma once

#if defined(__x86_64__) || defined(__i386__) || defined(_M_X64)
#include <xmmintrin.h>
#define FASTRNN_HAS_MXCSR 1
#endif

namespace fastrnn {

#ifdef FASTRNN_HAS_MXCSR
constexpr unsigned kFtzDaz = 0x8040;  // MXCSR bit 15 (FTZ) | bit 6 (DAZ)
inline void flush_denormals() { _mm_setcsr(_mm_getcsr() | kFtzDaz); }
#else
inline void flush_denormals() {}
#endif

// FTZ/DAZ while alive, then the thread's previous mode.
class ScopedFlushDenormals {
 public:
#ifdef FASTRNN_HAS_MXCSR
  ScopedFlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kFtzDaz); }
  ~ScopedFlushDenormals() { _mm_setcsr(saved_); }

 private:
  unsigned saved_;
#else
  ScopedFlushDenormals() {}
#endif
  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;
};

}  // namespace fastrnn
