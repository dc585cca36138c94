// make_plan and the gathers/scatters between natural rows and packed work rows (see plan.h).
#include "plan.h"

#include <algorithm>
#include <cstring>

#include "threads.h"

namespace fastrnn {

Plan make_plan(const SeqArgs& a) {
  Plan p;
  p.T = a.T;
  p.B = a.B;
  const i64 T = a.T, B = a.B;
  bool ragged = false;
  if (a.lengths)
    for (i64 b = 0; b < B; b++) ragged = ragged || a.lengths[b] != T;
  p.packed = ragged;
  p.batch.resize(static_cast<std::size_t>(B));
  p.last.resize(static_cast<std::size_t>(B));
  for (i64 b = 0; b < B; b++) p.batch[b] = b;
  if (!ragged) {
    p.steps = T;
    p.rows = T * B;
    p.stride = a.batch_first ? T : 1;
    p.count.assign(static_cast<std::size_t>(T), B);
    p.base.resize(static_cast<std::size_t>(T));
    for (i64 s = 0; s < T; s++) {
      const i64 t = a.reverse ? T - 1 - s : s;
      p.base[s] = a.batch_first ? t : t * B;
    }
    for (i64 j = 0; j < B; j++) p.last[j] = T - 1;
    return p;
  }
  // Longest first; ties keep batch order, so the plan (and every result) is a function of the lengths.
  std::stable_sort(p.batch.begin(), p.batch.end(), [&](i64 x, i64 y) { return a.lengths[x] > a.lengths[y]; });
  p.steps = a.lengths[p.batch[0]];
  p.stride = 1;
  p.count.assign(static_cast<std::size_t>(p.steps), 0);
  for (i64 j = 0; j < B; j++) {
    const i64 len = a.lengths[p.batch[j]];
    p.last[j] = len - 1;
    for (i64 s = 0; s < len; s++) p.count[s]++;
  }
  p.base.resize(static_cast<std::size_t>(p.steps));
  i64 rows = 0;
  for (i64 s = 0; s < p.steps; s++) {
    p.base[s] = rows;
    rows += p.count[s];
  }
  p.rows = rows;
  p.nat.resize(static_cast<std::size_t>(rows));
  for (i64 s = 0; s < p.steps; s++) {
    for (i64 j = 0; j < p.count[s]; j++) {
      const i64 b = p.batch[j], len = a.lengths[b];
      const i64 t = a.reverse ? len - 1 - s : s;
      p.nat[p.base[s] + j] = a.batch_first ? b * T + t : t * B + b;
    }
  }
  return p;
}

void gather_ranks(const Plan& plan, const float* src, i64 n, float* dst) {
  for (i64 j = 0; j < plan.B; j++) copy_or_zero(dst + j * n, src ? src + plan.batch[j] * n : nullptr, n);
}

void scatter_ranks(const Plan& plan, const float* src, i64 n, float* dst) {
  for (i64 j = 0; j < plan.B; j++) std::memcpy(dst + plan.batch[j] * n, src + j * n, sizeof(float) * n);
}

namespace {
// Work rows in blocks, so a gather or scatter of many rows spreads over the pool.
template <class F>
void for_rows(const Context& ctx, i64 rows, i64 n, F&& f) {
  constexpr i64 kRows = 64;
  const i64 blocks = (rows + kRows - 1) / kRows;
  ctx.pool->parallel_for(blocks, rows * n < (1 << 16) ? 1 : ctx.threads, [&](i64 blk) {
    const i64 r1 = std::min(rows, (blk + 1) * kRows);
    for (i64 w = blk * kRows; w < r1; w++) f(w);
  });
}
}  // namespace

void gather_rows(const Context& ctx, const Plan& plan, const float* src, i64 ld, i64 c0, i64 n, float* dst) {
  for_rows(ctx, plan.rows, n, [&](i64 w) {
    std::memcpy(dst + w * n, src + plan.nat[w] * ld + c0, sizeof(float) * n);
  });
}

void scatter_rows(const Context& ctx, const Plan& plan, const float* src, i64 n, float* dst, i64 ld, i64 c0,
                  bool accumulate) {
  for_rows(ctx, plan.rows, n, [&](i64 w) {
    float* d = dst + plan.nat[w] * ld + c0;
    const float* s = src + w * n;
    if (accumulate) {
      for (i64 k = 0; k < n; k++) d[k] = d[k] + s[k];
    } else {
      std::memcpy(d, s, sizeof(float) * n);
    }
  });
}

void zero_padding(const Plan& plan, const SeqArgs& a, float* y, i64 ld, i64 c0, i64 n) {
  if (!plan.packed) return;
  for (i64 b = 0; b < a.B; b++) {
    for (i64 t = a.lengths[b]; t < a.T; t++) {
      const i64 row = a.batch_first ? b * a.T + t : t * a.B + b;
      std::memset(y + row * ld + c0, 0, sizeof(float) * n);
    }
  }
}

std::vector<const float*> previous_rows(const Plan& plan, const float* y, i64 ld, i64 c0, const float* h0r, i64 H) {
  std::vector<const float*> out(static_cast<std::size_t>(plan.rows));
  for (i64 s = 0; s < plan.steps; s++) {
    for (i64 j = 0; j < plan.count[s]; j++) {
      const float* prev = s == 0 ? (h0r ? h0r + j * H : nullptr) : y + plan.natural(plan.work(s - 1, j)) * ld + c0;
      out[plan.work(s, j)] = prev;
    }
  }
  return out;
}

}  // namespace fastrnn
