// LSTM, one layer, one direction, whole sequence. Mirrors src/backend/reference/lstm.ts (lstmForward /
// lstmBackward) one-to-one; see lstm.cc for the equations and how the work is laid out.
//
// Shapes: T steps, B batch, I input, H hidden, G = 4 gates (i, f, g, o — PyTorch's order).
// x [T,B,I], y [T,B,H], h0/hN/c0/cN [B,H], W_ih [4H,I], W_hh [4H,H], b_ih/b_hh [4H].
// Training cache (backend.ts cacheSize, indexed by t): gate activations i, f, g, o [T,B,4H], then the cell
// states c_t [T,B,H] — T·B·5H floats. Null pointers: h0/c0 → zeros, bias → no bias, dy/dhN/dcN → zero
// upstream gradient, cN/dc0 → not wanted, db → no bias gradient, cache (forward) → not training.
// Outputs are overwritten, parameter gradients accumulated (+=). The backward needs the forward's cache.
#pragma once

#include "common.h"

namespace fastrnn {

struct LstmForwardArgs {
  i64 T, B, I, H;
  bool reverse;
  float* y;
  float* hN;
  float* cN;     // may be null
  float* cache;  // may be null (inference)
  const float* x;
  const float* h0;
  const float* c0;
  const float* w_ih;
  const float* w_hh;
  const float* b_ih;
  const float* b_hh;
};

struct LstmBackwardArgs {
  i64 T, B, I, H;
  bool reverse;
  float* dx;
  float* dh0;
  float* dc0;  // may be null
  float* dw_ih;
  float* dw_hh;
  float* db_ih;
  float* db_hh;
  const float* dy;
  const float* dhN;
  const float* dcN;
  const float* x;
  const float* h0;
  const float* c0;
  const float* w_ih;
  const float* w_hh;
  const float* y;
  const float* cache;  // required: T·B·5H floats from lstm_forward
};

void lstm_forward(const Context& ctx, const LstmForwardArgs& a);
void lstm_backward(const Context& ctx, const LstmBackwardArgs& a);

}  // namespace fastrnn
