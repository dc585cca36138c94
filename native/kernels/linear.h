// Linear (PyTorch's nn.Linear), the native twin of src/backend/reference/linear.ts — the head of every model.
//
// Shapes: M rows, K input features, N outputs. x [M,K], W [N,K], b [N], y [M,N], all row-major.
//   forward:  y = x · Wᵀ + b (overwritten)
//   backward: dW += dyᵀ · x,  db += Σ_rows dy (in double),  dx += dy · W (null dx: not wanted)
// Up to kSmallRows rows read W as stored (small.h); more pack it once for the GEMM.
#pragma once

#include "common.h"

namespace fastrnn {

struct LinearForwardArgs {
  i64 M, N, K;
  float* y;
  const float* x;
  const float* w;
  const float* b;  // may be null
};

struct LinearBackwardArgs {
  i64 M, N, K;
  float* dx;  // may be null
  float* dw;
  float* db;  // may be null
  const float* dy;
  const float* x;
  const float* w;
};

void linear_forward(const Context& ctx, const LinearForwardArgs& a);
void linear_backward(const Context& ctx, const LinearBackwardArgs& a);

}  // namespace fastrnn
