/**
 * The workloads of the side-by-side benchmark (issue 10), the same for every system.
 *
 *   train   many-to-one training step: forward over T, Linear head (H → 10) on the last hidden state,
 *           cross-entropy, BPTT, one SGD update (lr 0.01) — batch-first, one layer, I = H
 *   infer   the same model in eval mode: forward over T and the head's logits
 *   decode  one step of the one-step cell (RNNCell / LSTMCell / GRUCell), state carried, eval mode
 *   sgemm   C = A·B with n × n float32 matrices: the machine's matrix-multiply ceiling
 *
 * FLOPs (the count, head and elementwise work left out): one forward is 2·G·H·(I+H) per sequence
 * step, G = 1 (RNN), 4 (LSTM), 3 (GRU); training counts 3 forwards. Ragged batches count the steps that
 * exist (Σ lengths instead of B·T). sgemm counts 2·n³.
 */
export type Cell = 'rnn' | 'lstm' | 'gru';
export type Kind = 'train' | 'infer' | 'decode' | 'sgemm';

export interface Workload {
  id: string;
  kind: Kind;
  cell: Cell;
  B: number;
  T: number;
  H: number;
  I: number;
  /** per-sequence lengths of a ragged batch (packed-sequence semantics); absent: every sequence has T steps */
  lengths?: number[];
  /** what a rep's unit is: a sequence (train/infer), a token (decode: B per step), a GFLOP (sgemm) */
  unit: 'seq/s' | 'tok/s' | 'GFLOP/s';
  /** sequences (or tokens) one step of the workload processes */
  perStep: number;
}

export const CLASSES = 10;
export const LEARNING_RATE = 0.01;

export function gates(cell: Cell): number {
  return cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
}

/** Lengths spread over 1..T (mean ≈ T/2) in a scrambled order — the ragged batch. */
export function halfLengths(B: number, T: number): number[] {
  return Array.from({ length: B }, (_, b) => 1 + ((b * 37 + 11) % T));
}

/** FLOPs one step of the workload does (see the header for the count). */
export function stepFlops(w: Workload): number {
  if (w.kind === 'sgemm') return 2 * w.H ** 3;
  const steps = w.kind === 'decode' ? w.B : w.lengths ? w.lengths.reduce((a, b) => a + b, 0) : w.B * w.T;
  const forward = 2 * gates(w.cell) * w.H * (w.I + w.H) * steps;
  return w.kind === 'train' ? 3 * forward : forward;
}

function make(kind: Kind, cell: Cell, B: number, T: number, H: number, extra: Partial<Workload> = {}): Workload {
  const ragged = extra.lengths ? ' ragged' : '';
  const name = kind === 'sgemm' ? `sgemm ${H}³` : kind === 'decode' ? `decode ${cell.toUpperCase()} B${B} H${H}` : `${kind} ${cell.toUpperCase()} B${B} T${T} H${H}${ragged}`;
  const unit = kind === 'sgemm' ? 'GFLOP/s' : kind === 'decode' ? 'tok/s' : 'seq/s';
  return { id: name, kind, cell, B, T, H, I: H, unit, perStep: kind === 'sgemm' ? 1 : B, ...extra };
}

const CELLS: Cell[] = ['rnn', 'lstm', 'gru'];

/** Every workload of `npm run bench`, small before large (a slow system's cap is learnt on the small ones). */
export function fullWorkloads(): Workload[] {
  const out: Workload[] = [make('sgemm', 'rnn', 1, 1, 1024)];
  for (const kind of ['train', 'infer'] as const) {
    for (const H of [128, 256]) for (const cell of CELLS) out.push(make(kind, cell, 32, 64, H));
  }
  for (const cell of CELLS) out.push(make('infer', cell, 1, 100, 256));
  for (const B of [1, 8]) for (const cell of CELLS) out.push(make('decode', cell, B, 1, 256));
  for (const cell of CELLS) out.push(make('train', cell, 32, 64, 256, { lengths: halfLengths(32, 64) }));
  for (const kind of ['train', 'infer'] as const) {
    for (const cell of CELLS) out.push(make(kind, cell, 64, 100, 512));
    out.push(make(kind, 'lstm', 32, 25, 1024));
  }
  // the ceiling again at the end: a shared machine's load changes during a run, the ceiling is the better one
  out.push(make('sgemm', 'rnn', 1, 1, 1024, { id: 'sgemm 1024³ (end of run)' }));
  return out;
}

/** The ~2-minute subset behind `npm run bench -- --quick`. */
export function quickWorkloads(): Workload[] {
  const keep = new Set([
    'sgemm 1024³', 'sgemm 1024³ (end of run)', 'train RNN B32 T64 H128', 'train LSTM B32 T64 H256', 'infer LSTM B32 T64 H256', 'infer LSTM B1 T100 H256', 'decode LSTM B1 H256', 'train LSTM B32 T64 H256 ragged',
  ]);
  return fullWorkloads().filter((w) => keep.has(w.id));
}

/** The memory workload: an LSTM B32 T64 H256 training loop, run in a fresh process per system. */
export function memoryWorkload(): Workload {
  return make('train', 'lstm', 32, 64, 256);
}

/**
 * Bytes a training step must keep at least: input, output sequence, the LSTM/GRU cache (gate activations
 * and cell states), the input gradient, and weights with their gradients (float32).
 */
export function minimumTrainingBytes(w: Workload): number {
  const G = gates(w.cell);
  const cache = w.cell === 'lstm' ? 5 * w.H : w.cell === 'gru' ? 4 * w.H : 0;
  const perStep = w.I + w.H + cache + w.I;
  const weights = G * w.H * (w.I + w.H) + 2 * G * w.H;
  return 4 * (w.B * w.T * perStep + 2 * weights);
}
