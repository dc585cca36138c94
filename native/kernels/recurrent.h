// The recurrent kernels' arguments and entry points: one call runs one layer in one direction over the
// whole sequence. Mirrors src/backend/backend.ts (RecurrentForwardArgs / RecurrentBackwardArgs) field by
// field; the seam (native/seam/) fills these structs by name.
//
// Shapes: T steps, B batch, I input, H hidden, P size of h (H, or an LSTM's projection size < H), G gates
// (RNN 1, LSTM 4, GRU 3). x, dx [B,T,I] (batch-first) or [T,B,I]; y, dy the same order with rows of
// y_stride floats, this direction owning columns [y_offset, y_offset + P); h0/hN [B,P], c0/cN [B,H];
// W_ih [G·H, I], W_hh [G·H, P], b_ih/b_hh [G·H], W_hr [P, H] (LSTM with P < H only).
// Null pointers: h0/c0 → zeros, bias → no bias, dy/dhN/dcN → zero upstream gradient, cN/dc0/dx → not wanted,
// db → no bias gradient, cache (forward) → not training. lengths: see plan.h.
// Outputs are overwritten (y only in its block), dx and parameter gradients accumulated (+=).
// The cache (backend.ts cacheSize floats) is private to these kernels: gate activations then cell states
// (LSTM; then o ⊙ tanh c with a projection) or W_hn·h_{t−1} + b_hn (GRU), in work-row order (plan.h).
// Backward needs the forward's cache.
#pragma once

#include "common.h"
#include "plan.h"

namespace fastrnn {

enum class Cell { RnnTanh, RnnRelu, Lstm, Gru };

inline int gates_of(Cell c) { return c == Cell::Lstm ? 4 : c == Cell::Gru ? 3 : 1; }

struct ForwardArgs {
  SeqArgs seq;
  float* y;
  float* hN;
  float* cN;
  float* cache;
  const float* x;
  const float* h0;
  const float* c0;
  const float* w_ih;
  const float* w_hh;
  const float* b_ih;
  const float* b_hh;
  const float* w_hr;  // null unless P < H
};

struct BackwardArgs {
  SeqArgs seq;
  float* dx;
  float* dh0;
  float* dc0;
  float* dw_ih;
  float* dw_hh;
  float* db_ih;
  float* db_hh;
  float* dw_hr;  // null unless P < H
  const float* dy;
  const float* dhN;
  const float* dcN;
  const float* x;
  const float* h0;
  const float* c0;
  const float* w_ih;
  const float* w_hh;
  const float* w_hr;
  const float* y;
  const float* cache;
};

enum class RnnAct { Tanh, Relu };

void rnn_forward(const Context& ctx, RnnAct act, const ForwardArgs& a);
void rnn_backward(const Context& ctx, RnnAct act, const BackwardArgs& a);
void lstm_forward(const Context& ctx, const ForwardArgs& a);
void lstm_backward(const Context& ctx, const BackwardArgs& a);
void gru_forward(const Context& ctx, const ForwardArgs& a);
void gru_backward(const Context& ctx, const BackwardArgs& a);

inline void recurrent_forward(const Context& ctx, Cell cell, const ForwardArgs& a) {
  switch (cell) {
    case Cell::Lstm: return lstm_forward(ctx, a);
    case Cell::Gru: return gru_forward(ctx, a);
    case Cell::RnnRelu: return rnn_forward(ctx, RnnAct::Relu, a);
    case Cell::RnnTanh: return rnn_forward(ctx, RnnAct::Tanh, a);
  }
}

inline void recurrent_backward(const Context& ctx, Cell cell, const BackwardArgs& a) {
  switch (cell) {
    case Cell::Lstm: return lstm_backward(ctx, a);
    case Cell::Gru: return gru_backward(ctx, a);
    case Cell::RnnRelu: return rnn_backward(ctx, RnnAct::Relu, a);
    case Cell::RnnTanh: return rnn_backward(ctx, RnnAct::Tanh, a);
  }
}

}  // namespace fastrnn
