// Shared types for the N-API-free kernels: sizes, aligned scratch buffers, the execution context.
//
// Shape legend (every kernel file): T time steps, B batch, I input features, H hidden units,
// G gates per cell (RNN 1, LSTM 4, GRU 3). Layouts: see recurrent.h and plan.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace fastrnn {

using i64 = std::int64_t;

struct SimdOps;
class ThreadPool;

// What every kernel call runs with: the SIMD path, the worker pool and how many threads it may use.
struct Context {
  const SimdOps* ops;
  ThreadPool* pool;
  int threads;
};

// A 64-byte aligned float buffer (zmm-friendly), freed on scope exit. Throws std::bad_alloc.
class AlignedBuf {
 public:
  AlignedBuf() = default;
  explicit AlignedBuf(std::size_t n) { reset(n); }
  ~AlignedBuf() { std::free(p_); }
  AlignedBuf(const AlignedBuf&) = delete;
  AlignedBuf& operator=(const AlignedBuf&) = delete;
  void reset(std::size_t n) {
    std::free(p_);
    p_ = nullptr;
    n_ = 0;
    if (n == 0) return;
    std::size_t bytes = ((n * sizeof(float)) + 63) / 64 * 64;
    p_ = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (!p_) throw std::bad_alloc();
    n_ = n;
  }
  float* data() const { return p_; }
  std::size_t size() const { return n_; }

 private:
  float* p_ = nullptr;
  std::size_t n_ = 0;
};

// Grow-only scratch buffers reused across kernel calls, so large temporaries do not page-fault afresh on
// every call. Kernel calls are serialized (ThreadPool::call_mutex), so one set of slots suffices; a
// call must not use one slot for two live buffers.
// Slots 4–6 are used by the gated kernels (gated.h); keep these numbers stable.
enum ScratchSlot {
  kScratchWeightIh = 0,
  kScratchWeightHh = 1,
  kScratchSteps = 2,
  kScratchBigB = 3,
  kScratchStepsT = 7,
  kScratchGather = 8,  // packed mode: x gathered into work rows (forward) / dx in work rows (backward)
  kScratchRanks = 9,   // rank-ordered h0, c0 and (packed forward) the ring of the last two h
  kScratchSlots = 10
};

inline float* scratch(int slot, std::size_t n) {
  // Never destroyed: a pool worker may still be running when the process exits.
  static AlignedBuf* const bufs = new AlignedBuf[kScratchSlots];
  AlignedBuf& b = bufs[slot];
  if (b.size() < n) b.reset(n);
  return b.data();
}

// dst ← src, or zeros when src is null (an absent initial state or upstream gradient counts as zero).
inline void copy_or_zero(float* dst, const float* src, i64 n) {
  if (src) std::memcpy(dst, src, sizeof(float) * static_cast<std::size_t>(n));
  else std::memset(dst, 0, sizeof(float) * static_cast<std::size_t>(n));
}

}  // namespace fastrnn
