/**
 * The one kernel contract (v2). The reference engine (pure TS) and the native engine (C++ addon) implement
 * these methods with the same names, argument names and layouts; layers never branch on which they hold.
 *
 * Shape legend (as in every kernel file):
 *   T  time steps     B  batch     I  input features     H  hidden units
 *   P  size of h: H, or an LSTM's projSize (PyTorch's proj_size, 0 < P < H): h_t = W_hr · (o ⊙ tanh c_t)
 *   G  gates per cell: RNN 1, LSTM 4 (i, f, g, o), GRU 3 (r, z, n) — PyTorch's order
 *   D  directions of the layer the call belongs to (1 or 2); one call runs one of them
 *
 * One call runs one layer in one direction over the whole sequence, reading and writing the layer's own
 * arrays in place — no layout copies anywhere:
 *   - x, dx are [B, T, I] when `batchFirst`, else [T, B, I] (row-major, rows of I floats).
 *   - y, dy are [B, T, yStride] or [T, B, yStride] (same order as x); this direction owns the column block
 *     [yOffset, yOffset + P) of every row. A bidirectional layer passes yStride = 2P, yOffset = 0 | P, so
 *     both directions write one output array; other columns are never touched.
 *   - h0/hN/dh0/dhN are [B, P]; c0/cN/dc0/dcN [B, H]; weightIh [G·H, I], weightHh [G·H, P],
 *     biasIh/biasHh [G·H]; weightHr/dWeightHr [P, H] for an LSTM with P < H, else null.
 *
 * Ragged batches (`lengths`, B integers in 1..T, any order; null = every sequence has T steps) have exactly
 * PyTorch's pack_padded_sequence(enforce_sorted=False) → pad_packed_sequence(total_length=T) semantics:
 *   - sequence b runs over t = 0 … lengths[b]−1 (forward) or t = lengths[b]−1 … 0 (`reverse`);
 *   - y rows past a length get zeros in this direction's block; hN/cN hold each sequence's state after its
 *     own last processed step; dy past a length is ignored; dx rows past a length receive nothing;
 *   - padded steps are not computed at all (an engine may sort rows by length to skip them).
 *
 * Conventions (llm.c): outputs are overwritten (y only in its block), dx and parameter gradients are
 * accumulated with += (so both directions add into one dInput), optional inputs are null (a null h0/c0
 * means zeros, a null dy/dhN/dcN means zero upstream gradient, a null bias means the layer has no bias).
 *
 * The training cache is private to an engine: a forward given a cache fills it, and only the same engine's
 * backward, called with the same sizes, lengths and arrays (x, y, h0, c0, weights), reads it. Its length is
 * cacheSize(cell, T, B, H, P); what it holds and in which order is the engine's business.
 */
import type { FloatArray } from '../tensor.js';

export type CellKind = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';

/** Gates per cell (G). */
export function gateCount(cell: CellKind): number {
  return cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
}

/**
 * Floats of training cache a forward keeps for its backward (beyond y, which the backward also reads):
 * RNN nothing (the activation's derivative follows from y); LSTM T·B·5H (gate activations and cell
 * states), T·B·6H with a projection (P < H: also o ⊙ tanh c_t); GRU T·B·4H (gate activations and
 * W_hn·h_{t−1} + b_hn).
 */
export function cacheSize(cell: CellKind, T: number, B: number, H: number, P: number = H): number {
  if (cell === 'lstm') return T * B * (P < H ? 6 : 5) * H;
  if (cell === 'gru') return T * B * 4 * H;
  return 0;
}

export interface RecurrentSizes {
  T: number;
  B: number;
  I: number;
  H: number;
  /** Size of h: H, or an LSTM's projSize (1 ≤ P < H, with weightHr). Other cells: P = H. */
  P: number;
  reverse: boolean;
  /** x, dx, y, dy are [B, T, ·] when true, [T, B, ·] when false. */
  batchFirst: boolean;
  /** B lengths in 1..T (any order), or null: every sequence has T steps. */
  lengths: Int32Array | null;
  /** Floats per row of y and dy (≥ P); D·P for a layer with D directions. */
  yStride: number;
  /** First column of this direction's block in y and dy (0 ≤ yOffset ≤ yStride − P). */
  yOffset: number;
}

export interface RecurrentForwardArgs<A extends FloatArray = FloatArray> extends RecurrentSizes {
  /** out: this direction's column block of every row of y [·, ·, yStride] */
  y: A;
  /** out [B, P] */
  hN: A;
  /** out [B, H], LSTM only (null: not wanted) */
  cN: A | null;
  /** out, cacheSize(cell, T, B, H, P) floats; null when not training (nothing kept) */
  cache: A | null;
  x: A;
  h0: A | null;
  c0: A | null;
  weightIh: A;
  weightHh: A;
  biasIh: A | null;
  biasHh: A | null;
  /** [P, H] when P < H (LSTM projection), else null */
  weightHr: A | null;
}

export interface RecurrentBackwardArgs<A extends FloatArray = FloatArray> extends RecurrentSizes {
  /** accumulated += [·, ·, I] (rows past a length receive nothing); null: not wanted (its product is skipped) */
  dx: A | null;
  /** out [B, P], overwritten */
  dh0: A;
  /** out [B, H], overwritten, LSTM only (null: not wanted) */
  dc0: A | null;
  /** accumulated += */
  dWeightIh: A;
  dWeightHh: A;
  dBiasIh: A | null;
  dBiasHh: A | null;
  /** accumulated += [P, H] when P < H, else null */
  dWeightHr: A | null;
  /** upstream gradients; null = zeros. dy has y's layout; only this direction's block is read. */
  dy: A | null;
  dhN: A | null;
  dcN: A | null;
  /** what the forward saw and kept */
  x: A;
  h0: A | null;
  c0: A | null;
  weightIh: A;
  weightHh: A;
  weightHr: A | null;
  y: A;
  cache: A | null;
}

/**
 * A fully connected layer over M rows (PyTorch's Linear, the head of every model): y = x · Wᵀ + b.
 * x [M, K], weight [N, K], bias [N] or null, y [M, N] (overwritten).
 */
export interface LinearForwardArgs<A extends FloatArray = FloatArray> {
  M: number;
  N: number;
  K: number;
  y: A;
  x: A;
  weight: A;
  bias: A | null;
}

/** dWeight += dyᵀ · x, dBias += Σ_rows dy (null: no bias), dx += dy · W (null: not wanted). */
export interface LinearBackwardArgs<A extends FloatArray = FloatArray> {
  M: number;
  N: number;
  K: number;
  dx: A | null;
  dWeight: A;
  dBias: A | null;
  dy: A;
  x: A;
  weight: A;
}

export interface Backend {
  readonly name: 'reference' | 'native';
  /** Whether this engine can run float64 arrays (the reference can; the native engine is float32 only). */
  readonly supportsFloat64: boolean;
  recurrentForward(cell: CellKind, args: RecurrentForwardArgs): void;
  recurrentBackward(cell: CellKind, args: RecurrentBackwardArgs): void;
  linearForward(args: LinearForwardArgs): void;
  linearBackward(args: LinearBackwardArgs): void;
  /** Optional: the same work on a worker thread, leaving the event loop free (the native engine). */
  recurrentForwardAsync?(cell: CellKind, args: RecurrentForwardArgs): Promise<void>;
  recurrentBackwardAsync?(cell: CellKind, args: RecurrentBackwardArgs): Promise<void>;
}

/** Row index (in units of rows) of time step t of sequence b in an x/y-shaped array. */
export function rowOf(batchFirst: boolean, T: number, B: number, t: number, b: number): number {
  return batchFirst ? b * T + t : t * B + b;
}

/** Steps sequence b runs for: lengths[b], or T without lengths. */
export function lengthOf(lengths: Int32Array | null, T: number, b: number): number {
  return lengths ? lengths[b] : T;
}
