/**
 * The condition → initial state map of a conditioned LanguageModel. One Linear, `init`, from the condition
 * c (a one-hot row for a class id — so a class picks one column of init.weight, an embedding of the class
 * plus init.bias — or the condition vector itself) to u = W c + b, with W = init.weight [S·L·H, C],
 * b = init.bias [S·L·H], S = 2 for an LSTM (h and c), else 1. For every layer l in 0..L−1 and unit j:
 *
 *   h0[l, ·, j] = tanh(u[l·H + j])            (bounded like the states the cells produce)
 *   c0[l, ·, j] = u[L·H + l·H + j]            (LSTM only; the cell state is unbounded, so no squashing)
 *
 * Backward: ∂u[l·H + j] = dh0[l, ·, j] · (1 − h0²), ∂u[L·H + l·H + j] = dc0[l, ·, j], then init.backward.
 */
import type { Linear } from '../layers/linear.js';
import type { Tensor } from '../tensor.js';
import { allocate, dtypeOf } from '../tensor.js';

export interface InitialState {
  h0: Tensor;
  c0: Tensor | null;
}

/** Rows S·L·H of `init`'s output for a model of L layers, hidden size H. */
export function initOutFeatures(numLayers: number, hiddenSize: number, lstm: boolean): number {
  return (lstm ? 2 : 1) * numLayers * hiddenSize;
}

/** condition rows [B, C] → h0 [L, B, H] (and c0 for an LSTM). In training mode init keeps what backward needs. */
export function conditionForward(init: Linear, condition: Tensor, numLayers: number, hiddenSize: number, lstm: boolean): InitialState {
  const u = init.forward(condition);
  const B = condition.shape[0];
  const L = numLayers;
  const H = hiddenSize;
  const F = u.shape[1];
  const dtype = dtypeOf(u.data);
  const h0 = allocate(dtype, L * B * H);
  const c0 = lstm ? allocate(dtype, L * B * H) : null;
  for (let l = 0; l < L; l++) {
    for (let b = 0; b < B; b++) {
      const row = b * F + l * H;
      const out = (l * B + b) * H;
      for (let j = 0; j < H; j++) h0[out + j] = Math.tanh(u.data[row + j]);
      if (c0) for (let j = 0; j < H; j++) c0[out + j] = u.data[row + L * H + j];
    }
  }
  return { h0: { data: h0, shape: [L, B, H] }, c0: c0 ? { data: c0, shape: [L, B, H] } : null };
}

/** Accumulates init's gradients from dh0 (and dc0) [L, B, H], given the state conditionForward returned. */
export function conditionBackward(init: Linear, state: InitialState, dh0: Tensor, dc0: Tensor | undefined): void {
  const [L, B, H] = state.h0.shape;
  const F = initOutFeatures(L, H, state.c0 !== null);
  const du = allocate(dtypeOf(dh0.data), B * F);
  const h0 = state.h0.data;
  for (let l = 0; l < L; l++) {
    for (let b = 0; b < B; b++) {
      const row = b * F + l * H;
      const at = (l * B + b) * H;
      for (let j = 0; j < H; j++) du[row + j] = dh0.data[at + j] * (1 - h0[at + j] * h0[at + j]);
      if (state.c0 && dc0) for (let j = 0; j < H; j++) du[row + L * H + j] = dc0.data[at + j];
    }
  }
  init.backward({ data: du, shape: [B, F] });
}
