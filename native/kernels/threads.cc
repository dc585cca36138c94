// The worker pool behind every parallel kernel (see threads.h). Workers spin briefly between jobs — the
// recurrent loop issues one small GEMM per time step, and a futex wake-up per step would cost more than
// the step — then sleep on a condition variable.
#include "threads.h"

#include <chrono>

namespace fastrnn {

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#else
  std::this_thread::yield();
#endif
}

// Spin for about this long before blocking.
constexpr auto kSpin = std::chrono::microseconds(200);

template <class Pred>
bool spin_until(Pred pred) {
  auto start = std::chrono::steady_clock::now();
  for (unsigned i = 1;; i++) {
    if (pred()) return true;
    cpu_relax();
    if ((i & 255) == 0 && std::chrono::steady_clock::now() - start > kSpin) return pred();
  }
}

}  // namespace

ThreadPool& ThreadPool::global() {
  static ThreadPool* pool = new ThreadPool();  // intentionally leaked: no joins during process exit
  return *pool;
}

void ThreadPool::grow(int total_threads) {
  int want = total_threads - 1;
  if (want > kMaxThreads - 1) want = kMaxThreads - 1;
  while (static_cast<int>(workers_.size()) < want) {
    int index = static_cast<int>(workers_.size());
    // The generation is read here, not in the new thread: a job posted right after grow() must count as new.
    std::uint64_t seen = state_.load(std::memory_order_acquire);
    workers_.emplace_back([this, index, seen] { worker_main(index, seen); });
    workers_.back().detach();
  }
}

void ThreadPool::work() {
  for (;;) {
    i64 i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= n_) return;
    try {
      fn_(fn_ctx_, i);
    } catch (...) {
      std::lock_guard<std::mutex> lk(error_m_);
      if (!error_) error_ = std::current_exception();
      next_.store(n_, std::memory_order_relaxed);  // skip what is left
    }
  }
}

void ThreadPool::worker_main(int index, std::uint64_t seen) {
  // state_ packs (generation << 16 | participants) so a worker reads both in one load.
  for (;;) {
    auto changed = [&] { return (state_.load(std::memory_order_acquire) >> 16) != (seen >> 16); };
    if (!spin_until(changed)) {
      std::unique_lock<std::mutex> lk(m_);
      cv_work_.wait(lk, changed);
    }
    seen = state_.load(std::memory_order_acquire);
    if (index >= static_cast<int>(seen & 0xffff)) continue;
    work();
    if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lk(m_);
      cv_done_.notify_all();
    }
  }
}

void ThreadPool::run(i64 n, int threads, void (*fn)(void*, i64), void* ctx) {
  if (n <= 0) return;
  if (threads > kMaxThreads) threads = kMaxThreads;
  int helpers = threads - 1;
  if (helpers > n - 1) helpers = static_cast<int>(n - 1);
  if (helpers <= 0) {
    for (i64 i = 0; i < n; i++) fn(ctx, i);
    return;
  }
  grow(helpers + 1);
  fn_ = fn;
  fn_ctx_ = ctx;
  n_ = n;
  error_ = nullptr;
  next_.store(0, std::memory_order_relaxed);
  active_.store(helpers, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lk(m_);
    std::uint64_t gen = (state_.load(std::memory_order_relaxed) >> 16) + 1;
    state_.store((gen << 16) | static_cast<std::uint64_t>(helpers), std::memory_order_release);
  }
  cv_work_.notify_all();
  work();
  auto done = [&] { return active_.load(std::memory_order_acquire) == 0; };
  if (!spin_until(done)) {
    std::unique_lock<std::mutex> lk(m_);
    cv_done_.wait(lk, done);
  }
  if (error_) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);
  }
}

}  // namespace fastrnn
