// The worker pool behind every parallel kernel (see threads.h). Workers spin briefly between jobs — the
// recurrent loop issues one small GEMM per time step, and a futex wake-up per step would cost more than
// the step — then sleep on a condition variable. A job never waits for a sleeping worker: workers join a
// job only while it is open, and the caller closes it as soon as every item has been taken, so a burst of
// tiny jobs after a pause runs at the caller's pace instead of paying a wake-up each.
#include "threads.h"

#include "denormals.h"

#include <chrono>

namespace fastrnn {

namespace {

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

namespace {
constexpr std::uint64_t kOpen = std::uint64_t{1} << 15;
constexpr std::uint64_t kJoinedMask = kOpen - 1;
inline std::uint64_t generation_of(std::uint64_t job) { return job >> 32; }
inline std::uint64_t allowed_of(std::uint64_t job) { return (job >> 16) & 0x7fff; }
}  // namespace

void ThreadPool::grow(int total_threads) {
  int want = total_threads - 1;
  if (want > kMaxThreads - 1) want = kMaxThreads - 1;
  while (static_cast<int>(workers_.size()) < want) {
    // The generation is read here, not in the new thread: a job posted right after grow() must count as new.
    const std::uint64_t seen = generation_of(job_.load(std::memory_order_acquire));
    workers_.emplace_back([this, seen] { worker_main(seen); });
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

// Joins the job of `generation` if it is still open and has room: Joined, or Closed (over, or closed by
// its caller) or Full (every place it allows taken).
ThreadPool::Join ThreadPool::try_join(std::uint64_t generation) {
  std::uint64_t job = job_.load(std::memory_order_acquire);
  for (;;) {
    if (generation_of(job) != generation || !(job & kOpen)) return Join::Closed;
    if ((job & kJoinedMask) >= allowed_of(job)) return Join::Full;
    if (job_.compare_exchange_weak(job, job + 1, std::memory_order_acq_rel, std::memory_order_acquire)) return Join::Joined;
  }
}

void ThreadPool::worker_main(std::uint64_t seen) {
  flush_denormals();  // this thread runs only our kernels (denormals.h)
  bool spin = true;
  for (;;) {
    auto changed = [&] { return generation_of(job_.load(std::memory_order_acquire)) != seen; };
    if (!spin || !spin_until(changed)) {
      std::unique_lock<std::mutex> lk(m_);
      cv_work_.wait(lk, changed);
    }
    seen = generation_of(job_.load(std::memory_order_acquire));
    const Join joined = try_join(seen);
    // Left out of a full job (the pool has more workers than calls now ask for): the next jobs will most
    // likely be full too, so wait for them asleep — spinning would take the cores from the threads working.
    spin = joined != Join::Full;
    if (joined != Join::Joined) continue;
    work();
    finished_.fetch_add(1, std::memory_order_acq_rel);
    std::lock_guard<std::mutex> lk(m_);
    cv_done_.notify_all();
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
  // The job's fields are published by the release store of job_ below; joined workers read them after
  // their acquiring compare-and-swap, and nothing rewrites them until every joined worker has finished.
  fn_ = fn;
  fn_ctx_ = ctx;
  n_ = n;
  error_ = nullptr;
  next_.store(0, std::memory_order_relaxed);
  finished_.store(0, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lk(m_);
    const std::uint64_t generation = generation_of(job_.load(std::memory_order_relaxed)) + 1;
    job_.store((generation << 32) | (static_cast<std::uint64_t>(helpers) << 16) | kOpen, std::memory_order_release);
  }
  cv_work_.notify_all();
  work();
  // Every item is taken: close the job. Only the workers that joined before this point can touch it.
  const int joined = static_cast<int>(job_.fetch_and(~kOpen, std::memory_order_acq_rel) & kJoinedMask);
  auto done = [&] { return finished_.load(std::memory_order_acquire) == joined; };
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
