// Which rows one kernel call visits, in which order, and where each lives — the ragged-batch machinery
// shared by rnn.cc, lstm.cc and gru.cc (the native side of backend.ts's "ragged batches").
//
// Shape legend: T steps, B batch, I input, H hidden; s = processing step (0 … steps−1), j = a sequence's
// rank in processing order. Natural rows are the rows of the caller's x/y/dx/dy: row (t, b) is b·T + t
// when batch-first, t·B + b when time-major.
//
// Two modes, chosen per call:
//   natural — no lengths (or all equal T): rank j is batch row j, every step visits all B rows, and the
//             "work rows" of the per-step buffers (cache, gradients) are the natural rows themselves, so the
//             kernels read x, y, dy and write dx in place. Step s's rows are base[s] + j·stride, a uniform
//             stride (1 time-major, T batch-first).
//   packed  — ragged lengths: ranks are batch rows sorted by length, longest first (stable), so step s
//             visits the first count[s] ranks only — padded steps cost nothing. Work rows are packed:
//             step s occupies rows base[s] … base[s] + count[s) − 1 (PyTorch's PackedSequence order);
//             nat[] maps each work row to its natural row.
// In both modes, rank j at step s−1 is the same sequence as rank j at step s, so per-step state kept in
// rank order ([B, H] rows) needs no reshuffling.
#pragma once

#include <cstdint>
#include <vector>

#include "common.h"

namespace fastrnn {

// The sequence part of every kernel call's arguments (backend.ts RecurrentSizes).
struct SeqArgs {
  i64 T, B, I, H;
  i64 P;                        // size of h: H, or an LSTM's projection size (< H, with w_hr)
  bool reverse;
  bool batch_first;
  const std::int32_t* lengths;  // B values in 1..T, or null (all T)
  i64 y_stride;                 // floats per row of y and dy
  i64 y_offset;                 // this direction's first column in y and dy
};

struct Plan {
  i64 T = 0, B = 0;
  i64 steps = 0;               // processing steps: the longest length (T in natural mode)
  i64 rows = 0;                // work rows: T·B (natural) or Σ lengths (packed)
  bool packed = false;
  i64 stride = 1;              // work rows between rank j and j + 1 within a step
  std::vector<i64> count;      // [steps] ranks still running at step s
  std::vector<i64> base;       // [steps] work row of rank 0 at step s
  std::vector<i64> batch;      // [B] rank → batch row
  std::vector<i64> last;       // [B] rank → its last processing step (length − 1)
  std::vector<i64> nat;        // [rows] work row → natural row (packed mode only)

  i64 work(i64 s, i64 j) const { return base[s] + j * stride; }
  i64 natural(i64 w) const { return packed ? nat[w] : w; }
};

Plan make_plan(const SeqArgs& a);

// Rows of one step, by rank: row(j) = p + index(base + j·stride)·ld, where index maps work rows to the
// array's own rows (nat for natural-row arrays in packed mode, identity otherwise). p null = absent.
struct StepRows {
  float* p = nullptr;
  i64 ld = 0;
  i64 base = 0;
  i64 stride = 1;
  const i64* nat = nullptr;

  float* row(i64 j) const {
    const i64 w = base + j * stride;
    return p + (nat ? nat[w] : w) * ld;
  }
};

// Work-row view of step s: `natural_rows` selects the natural-row mapping (arrays shaped like x/y).
inline StepRows step_rows(const Plan& plan, i64 s, const float* p, i64 ld, bool natural_rows) {
  StepRows r;
  r.p = const_cast<float*>(p);
  r.ld = ld;
  r.base = plan.base[s];
  r.stride = plan.stride;
  r.nat = natural_rows && plan.packed ? plan.nat.data() : nullptr;
  return r;
}

// Rank-ordered [B, ·] view (the kernels' per-step state buffers).
inline StepRows rank_rows(const float* p, i64 ld) {
  StepRows r;
  r.p = const_cast<float*>(p);
  r.ld = ld;
  return r;
}

// dst[j] = src[batch[j]] for j < B, rows of n floats (src null → zeros).
void gather_ranks(const Plan& plan, const float* src, i64 n, float* dst);
// dst[batch[j]] = src[j] for j < B, rows of n floats.
void scatter_ranks(const Plan& plan, const float* src, i64 n, float* dst);
// Packed mode: dst[w] = x[nat[w]] for every work row (rows of n floats, source row stride ld, column c0).
void gather_rows(const Context& ctx, const Plan& plan, const float* src, i64 ld, i64 c0, i64 n, float* dst);
// Packed mode: dst[nat[w]] (+)= src[w] for every work row; accumulate adds, else overwrites.
void scatter_rows(const Context& ctx, const Plan& plan, const float* src, i64 n, float* dst, i64 ld, i64 c0,
                  bool accumulate);
// Packed mode: zeros columns [c0, c0 + n) of every natural row past its sequence's length.
void zero_padding(const Plan& plan, const SeqArgs& a, float* y, i64 ld, i64 c0, i64 n);
// Pointers to h_{t−1} for every work row, in work-row order (the B operand rows of dW_hh += dpreᵀ·h_prev):
// the previous step's row of y (natural rows, row stride ld, column c0), or rank j's row of h0r
// (rank-ordered h0, may be null → null pointer = zeros) at the first step.
std::vector<const float*> previous_rows(const Plan& plan, const float* y, i64 ld, i64 c0, const float* h0r, i64 H);

}  // namespace fastrnn
