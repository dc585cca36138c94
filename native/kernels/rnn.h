// Vanilla RNN (tanh | relu), one layer, one direction, whole sequence. Mirrors src/backend/reference/rnn.ts
// (rnnForward / rnnBackward) one-to-one; see rnn.cc for the equations.
//
// Shapes: T steps, B batch, I input, H hidden. x [T,B,I], y [T,B,H], h0/hN [B,H], W_ih [H,I], W_hh [H,H],
// b_ih/b_hh [H]. Null pointers: h0 → zeros, bias → no bias, dy/dhN → zero upstream gradient,
// db → no bias gradient. Outputs are overwritten, parameter gradients accumulated (+=).
#pragma once

#include "common.h"

namespace fastrnn {

enum class RnnAct { Tanh, Relu };

struct RnnForwardArgs {
  i64 T, B, I, H;
  bool reverse;
  float* y;
  float* hN;
  const float* x;
  const float* h0;
  const float* w_ih;
  const float* w_hh;
  const float* b_ih;
  const float* b_hh;
};

struct RnnBackwardArgs {
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
};

void rnn_forward(const Context& ctx, RnnAct act, const RnnForwardArgs& a);
void rnn_backward(const Context& ctx, RnnAct act, const RnnBackwardArgs& a);

}  // namespace fastrnn
