// GRU, one layer, one direction, whole sequence. Mirrors src/backend/reference/gru.ts (gruForward /
// gruBackward) one-to-one; see gru.cc for the equations and how the work is laid out.
//
// Shapes: T steps, B batch, I input, H hidden, G = 3 gates (r, z, n — PyTorch's order).
// x [T,B,I], y [T,B,H], h0/hN [B,H], W_ih [3H,I], W_hh [3H,H], b_ih/b_hh [3H].
// Training cache (backend.ts cacheSize, indexed by t): gate activations r, z, n [T,B,3H], then
// W_hn·h_{t−1} + b_hn [T,B,H] — T·B·4H floats. Null pointers: h0 → zeros, bias → no bias, dy/dhN → zero
// upstream gradient, db → no bias gradient, cache (forward) → not training.
// Outputs are overwritten, parameter gradients accumulated (+=). The backward needs the forward's cache.
#pragma once

#include "common.h"

namespace fastrnn {

struct GruForwardArgs {
  i64 T, B, I, H;
  bool reverse;
  float* y;
  float* hN;
  float* cache;  // may be null (inference)
  const float* x;
  const float* h0;
  const float* w_ih;
  const float* w_hh;
  const float* b_ih;
  const float* b_hh;
};

struct GruBackwardArgs {
  i64 T, B, I, H;
  bool reverse;
  float* dx;
  float* dh0;
  float* dw_ih;
  float* dw_hh;
  float* db_ih;
  float* db_hh;
  const float* dy;
  const float* dhN;
  const float* x;
  const float* h0;
  const float* w_ih;
  const float* w_hh;
  const float* y;
  const float* cache;  // required: T·B·4H floats from gru_forward
};

void gru_forward(const Context& ctx, const GruForwardArgs& a);
void gru_backward(const Context& ctx, const GruBackwardArgs& a);

}  // namespace fastrnn
