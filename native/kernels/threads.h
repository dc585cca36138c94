// A small persistent worker pool. parallel_for hands out item indices [0, n) dynamically to the caller
// plus up to threads−1 workers. Work is split over independent outputs only (see gemm.h), so which thread
// computes an item never changes a result.
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

#include "common.h"

namespace fastrnn {

// One spin-wait pause (x86 pause, arm yield): spinning threads let the core's other work run meanwhile.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#else
  std::this_thread::yield();
#endif
}

class ThreadPool {
 public:
  static constexpr int kMaxThreads = 256;

  // The process-wide pool (never destroyed: workers sleep until the process exits).
  static ThreadPool& global();

  // One kernel call at a time uses the pool; callers hold this lock for the whole call.
  std::mutex& call_mutex() { return call_mutex_; }

  // Runs fn(ctx, item) for every item in [0, n) on up to `threads` threads, the caller included.
  // Blocks until all items are done; rethrows the first exception an item threw.
  void run(i64 n, int threads, void (*fn)(void*, i64), void* ctx);

  template <class F>
  void parallel_for(i64 n, int threads, F&& f) {
    using Fn = std::remove_reference_t<F>;
    run(n, threads, [](void* c, i64 i) { (*static_cast<Fn*>(c))(i); }, const_cast<void*>(static_cast<const void*>(&f)));
  }

  int workers() const { return static_cast<int>(workers_.size()); }

 private:
  ThreadPool() = default;
  void grow(int total_threads);
  void worker_main(std::uint64_t seen_generation);
  void work();
  enum class Join { Joined, Closed, Full };
  Join try_join(std::uint64_t generation);

  std::mutex call_mutex_;
  std::vector<std::thread> workers_;
  std::mutex m_;
  std::condition_variable cv_work_;
  std::condition_variable cv_done_;
  // The current job: generation (bits 63–32) | workers allowed to join (31–16) | open (15) | joined (14–0).
  // A worker joins with a compare-and-swap while the job is open; the caller closes it once it has run out
  // of items and then waits only for the workers that joined — never for one still waking up.
  std::atomic<std::uint64_t> job_{0};
  std::atomic<int> finished_{0};
  void (*fn_)(void*, i64) = nullptr;
  void* fn_ctx_ = nullptr;
  i64 n_ = 0;
  std::atomic<i64> next_{0};
  std::mutex error_m_;
  std::exception_ptr error_;
};

}  // namespace fastrnn
