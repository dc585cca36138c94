// Splitting a call's step loop by batch instead of by columns.
//
// One step's product h_{t−1}·W_hhᵀ is small (B rows): split over its columns, every thread waits for the
// others at the end of every step, and at B = 32 those hand-offs cost a fifth of the time on two cores.
// The sequences of a batch are independent, though, so each thread can take a contiguous range of ranks
// and run it through all the steps alone — one hand-off per call — reading all of W_hh (packed once per
// call) from its own cache each step.
//
// Every element of a GEMM result is the same FMA chain whichever rows share the call (gemm.h), and the
// step epilogues work row by row, so the split never changes a result bit.
#pragma once

#include <vector>

#include "common.h"
#include "plan.h"
#include "small.h"
#include "threads.h"

namespace fastrnn {

// Fewest ranks worth a thread of their own: one full AVX-512 register tile (8 rows) per step. An LSTM B16
// H256 on two threads ran 1.23x faster split this way than by columns; thinner ranges were not measured.
constexpr i64 kMinSplitRows = 8;

// Largest recurrent weight (floats) still split by batch: every thread reads all of it each step, which is
// free from its own L2 but not from L3 — an LSTM H1024's 16 MB ran 3 % faster split by columns, H512's
// 4 MB the same either way (2 cores, 2 MB L2 each).
constexpr i64 kMaxSplitWeight = i64{1} << 20;

// Rank bounds [b0 = 0, b1, …, b_parts = B] giving each thread about the same work (Σ lengths: ranks run
// longest first, so in a ragged batch the first range has fewer ranks), or {0, B} when the loop stays on
// the column split: one thread, too few ranks (the small-batch path has its own kernels), or a recurrent
// weight of more than kMaxSplitWeight floats (weight_floats: W_hh's, plus W_hr's with a projection).
inline std::vector<i64> rank_split(const Context& ctx, const Plan& plan, i64 weight_floats) {
  const i64 B = plan.B;
  i64 parts = ctx.threads;
  if (B <= kSmallRows || weight_floats > kMaxSplitWeight) parts = 1;
  if (parts > B / kMinSplitRows) parts = B / kMinSplitRows;
  if (parts <= 1) return {0, B};
  std::vector<i64> bounds{0};
  const i64 total = plan.rows;
  i64 done = 0;
  for (i64 j = 0; j < B && static_cast<i64>(bounds.size()) < parts; j++) {
    done += plan.last[j] + 1;
    // Close range k once its share is reached, leaving at least one rank for each range still to come.
    const i64 k = static_cast<i64>(bounds.size());
    if (done * parts >= k * total && B - (j + 1) >= parts - k) bounds.push_back(j + 1);
  }
  bounds.push_back(B);
  return bounds;
}

// Runs f(c, j0, j1) for every range of `bounds`: with the caller's context when there is one range (the
// kernels then split each step's columns), else one range per thread, each with a one-thread context.
template <class F>
void for_each_rank_range(const Context& ctx, const std::vector<i64>& bounds, F&& f) {
  const i64 parts = static_cast<i64>(bounds.size()) - 1;
  if (parts <= 1) return f(ctx, bounds.front(), bounds.back());
  const Context one{ctx.ops, ctx.pool, 1};
  ctx.pool->parallel_for(parts, static_cast<int>(parts), [&](i64 k) { f(one, bounds[k], bounds[k + 1]); });
}

// Where the ranks of [j0, j1) still running at step s end: they are [j0, ranks_end), none when it is j0
// (a ragged range ends early going forward and starts late going back; no rank runs past the last step).
inline i64 ranks_end(const Plan& plan, i64 s, i64 j0, i64 j1) {
  if (s >= plan.steps) return j0;
  const i64 end = plan.count[s] < j1 ? plan.count[s] : j1;
  return end > j0 ? end : j0;
}

// The same rows seen from rank j0: row(j) of the result is row(j0 + j) of r.
inline StepRows from_rank(StepRows r, i64 j0) {
  r.base += j0 * r.stride;
  return r;
}

}  // namespace fastrnn
