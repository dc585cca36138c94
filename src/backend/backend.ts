/**
 * The one kernel contract. The reference engine (pure TS) and the native engine (C++ addon) implement
 * these methods with the same names, argument order and layouts; layers never branch on which they hold.
 *
 * Shape legend (as in every kernel file):
 *   T  time steps     B  batch     I  input features     H  hidden units
 *   G  gates per cell: RNN 1, LSTM 4 (i, f, g, o), GRU 3 (r, z, n) — PyTorch's order
 *
 * Layouts are time-major and row-major: x [T, B, I], y [T, B, H], h0/hN/c0/cN [B, H],
 * weightIh [G·H, I], weightHh [G·H, H], biasIh/biasHh [G·H]. One call runs one layer in one direction
 * over the whole sequence; `reverse` walks t = T−1 … 0 (the backward direction of a bidirectional layer).
 *
 * Conventions (llm.c): outputs are overwritten, parameter gradients are accumulated with +=,
 * optional inputs are null (a null h0/c0 means zeros, a null dy/dhN/dcN means zero upstream gradient,
 * a null bias means the layer has no bias).
 */
import type { FloatArray } from '../tensor.js';

export type CellKind = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';

/** Gates per cell (G). */
export function gateCount(cell: CellKind): number {
  return cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
}

/**
 * Floats of training cache a forward keeps for its backward, beyond y itself. Laid out in this order,
 * time-major and indexed by t (not by processing order, so a reverse direction uses the same layout):
 * RNN: nothing (the activation's derivative follows from y).
 * LSTM: gate activations i, f, g, o [T, B, 4H] (after σ/tanh), then cell states c_t [T, B, H].
 * GRU: gate activations r, z, n [T, B, 3H] (after σ/tanh), then W_hn·h_{t−1} + b_hn [T, B, H].
 * The cache only passes from an engine's forward to the same engine's backward.
 */
export function cacheSize(cell: CellKind, T: number, B: number, H: number): number {
  if (cell === 'lstm') return T * B * 5 * H;
  if (cell === 'gru') return T * B * 4 * H;
  return 0;
}

export interface RecurrentSizes {
  T: number;
  B: number;
  I: number;
  H: number;
  reverse: boolean;
}

export interface RecurrentForwardArgs<A extends FloatArray = FloatArray> extends RecurrentSizes {
  /** out [T, B, H] */
  y: A;
  /** out [B, H] */
  hN: A;
  /** out [B, H], LSTM only */
  cN: A | null;
  /** out, cacheSize(cell, T, B, H) floats; null when not training (nothing kept) */
  cache: A | null;
  x: A;
  h0: A | null;
  c0: A | null;
  weightIh: A;
  weightHh: A;
  biasIh: A | null;
  biasHh: A | null;
}

export interface RecurrentBackwardArgs<A extends FloatArray = FloatArray> extends RecurrentSizes {
  /** out [T, B, I], overwritten */
  dx: A;
  /** out [B, H], overwritten */
  dh0: A;
  /** out [B, H], overwritten, LSTM only */
  dc0: A | null;
  /** accumulated += */
  dWeightIh: A;
  dWeightHh: A;
  dBiasIh: A | null;
  dBiasHh: A | null;
  /** upstream gradients; null = zeros */
  dy: A | null;
  dhN: A | null;
  dcN: A | null;
  /** what the forward saw and kept */
  x: A;
  h0: A | null;
  c0: A | null;
  weightIh: A;
  weightHh: A;
  y: A;
  cache: A | null;
}

export interface Backend {
  readonly name: 'reference' | 'native';
  /** Whether this engine can run float64 arrays (the reference can; the native engine is float32 only). */
  readonly supportsFloat64: boolean;
  recurrentForward(cell: CellKind, args: RecurrentForwardArgs): void;
  recurrentBackward(cell: CellKind, args: RecurrentBackwardArgs): void;
  /** Optional: the same work on a worker thread, leaving the event loop free (the native engine). */
  recurrentForwardAsync?(cell: CellKind, args: RecurrentForwardArgs): Promise<void>;
  recurrentBackwardAsync?(cell: CellKind, args: RecurrentBackwardArgs): Promise<void>;
}
