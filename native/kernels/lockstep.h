// Running a small batch's steps in lockstep: run(s, g) for every step s and group g (a block of hidden units:
// its share of h_{t−1}·W_hhᵀ and its epilogue), each step's groups after all of the previous step's.
//
// With B ≤ 8 a step is a few microseconds of work. Handing each step to the pool as its own job costs a
// wake-up and a join per step, and left the epilogue to one thread; here the threads instead take
// (step, group) tickets in order from one counter and, before starting a ticket of step s, wait only until
// every ticket of step s − 1 is done — a counter, no job hand-off.
//
// Deadlock-free by construction: tickets are taken in order, so every ticket a thread waits for is already
// held by a running thread that waits only for earlier ones; a pool worker that joins late (or never) takes
// tickets from wherever the count has got to, and the caller alone can finish them all. Which thread runs a
// group never changes its arithmetic, so results are the same bits for any thread count.
#pragma once

#include <atomic>
#include <exception>
#include <thread>

#include "common.h"
#include "threads.h"

namespace fastrnn {

constexpr int kLockstepSpins = 1024;  // pauses before a waiting thread starts yielding (5–60 µs by CPU)

template <class F>
void lockstep(const Context& ctx, i64 steps, i64 groups, F&& run) {
  const i64 total = steps * groups;
  if (ctx.threads <= 1 || groups <= 1) {
    for (i64 s = 0; s < steps; s++)
      for (i64 g = 0; g < groups; g++) run(s, g);
    return;
  }
  std::atomic<i64> next{0}, done{0};
  std::exception_ptr error;
  std::atomic<bool> failed{false};
  const int threads = static_cast<int>(groups < ctx.threads ? groups : ctx.threads);
  ctx.pool->parallel_for(threads, threads, [&](i64) {
    for (;;) {
      const i64 t = next.fetch_add(1, std::memory_order_relaxed);
      if (t >= total) return;
      const i64 s = t / groups, g = t % groups;
      // Spin a little (a step is microseconds), then yield: the thread holding the ticket may have lost its
      // core to another process, and spinning would only keep it off longer.
      for (int spins = 0; done.load(std::memory_order_acquire) < s * groups; spins++) {
        if (spins < kLockstepSpins) cpu_relax();
        else std::this_thread::yield();
      }
      // A failed ticket still counts as done (nobody waits forever); the rest are skipped.
      if (!failed.load(std::memory_order_relaxed)) {
        try {
          run(s, g);
        } catch (...) {
          if (!failed.exchange(true)) error = std::current_exception();
        }
      }
      done.fetch_add(1, std::memory_order_release);
    }
  });
  if (error) std::rethrow_exception(error);
}

}  // namespace fastrnn
