/**
 * Linear (PyTorch's nn.Linear), the reference twin of native/kernels/linear.cc:
 *   y = x · Wᵀ + b              x [M, K], W [N, K], b [N], y [M, N]
 *   dW += dyᵀ · x    db += Σ_rows dy    dx += dy · W
 * Sums run in JS numbers (float64), so float64 arrays give tight gradient checks.
 */
import type { LinearBackwardArgs, LinearForwardArgs } from '../backend.js';
import { matmulAddAB, matmulAddABt, matmulAddAtB } from './matmul.js';
import { addColumnSums } from './common.js';

export function linearForward(a: LinearForwardArgs): void {
  const { M, N, K, y, x, weight, bias } = a;
  y.fill(0);
  matmulAddABt(y, 0, x, 0, weight, M, N, K);
  if (bias) for (let r = 0; r < M; r++) for (let j = 0; j < N; j++) y[r * N + j] += bias[j];
}

export function linearBackward(a: LinearBackwardArgs): void {
  const { M, N, K, dx, dWeight, dBias, dy, x, weight } = a;
  matmulAddAtB(dWeight, dy, 0, x, 0, M, N, K);
  addColumnSums(dBias, dy, M, N);
  if (dx) matmulAddAB(dx, 0, dy, 0, weight, M, K, N);
}
