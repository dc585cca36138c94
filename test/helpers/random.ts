/**
 * Seeded randomness for engine tests: a small PRNG (mulberry32), random float arrays, random picks, and
 * random recurrent-kernel arguments (forward and backward) in the Backend contract's (v2) layout:
 * batch-first or time-major, ragged lengths, this direction's column block of a wider y row, dx and the
 * parameter gradients starting non-zero (to check +=), outputs starting at a sentinel (to check they are
 * written).
 */
import type { CellKind, RecurrentBackwardArgs, RecurrentForwardArgs } from '../../src/backend/backend.js';
import { cacheSize, gateCount } from '../../src/backend/backend.js';

export type Rand = () => number;

/** mulberry32: a fast 32-bit PRNG; same seed → same sequence. Returns numbers in [0, 1). */
export function seeded(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(rand: Rand, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)];
}

/** Uniform(−scale, scale) float32 values. */
export function randomArray(rand: Rand, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rand() * 2 - 1) * scale;
  return a;
}

/**
 * B lengths in 1..T in random order; when B ≥ 2 one of them is 1 and another is T (the extremes), so every
 * batch is ragged unless T = 1.
 */
export function randomLengths(rand: Rand, B: number, T: number): Int32Array {
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) out[b] = 1 + Math.floor(rand() * T);
  if (B >= 2) {
    const i = Math.floor(rand() * B);
    const j = (i + 1 + Math.floor(rand() * (B - 1))) % B;
    out[i] = 1;
    out[j] = T;
  }
  return out;
}

/** Value outputs start at, so a test can tell a written output from an untouched one. */
export const SENTINEL = 7;

/**
 * One layer·direction kernel call. `cell` may be any CellKind (gated cells get a training cache, and LSTM
 * c0/cN/dc0/dcN). The v2 layout fields are optional for brevity: time-major, no lengths (every sequence
 * has T steps), yStride = H and yOffset = 0 when omitted; `layoutOf` resolves them.
 */
export interface RnnConfig {
  cell: CellKind;
  T: number;
  B: number;
  I: number;
  H: number;
  reverse: boolean;
  batchFirst?: boolean;
  lengths?: Int32Array | null;
  yStride?: number;
  yOffset?: number;
  withH0: boolean;
  withBias: boolean;
  withDy: boolean;
  withDhN: boolean;
  /** LSTM only */
  withC0?: boolean;
  withDcN?: boolean;
}

export function layoutOf(c: RnnConfig): { batchFirst: boolean; lengths: Int32Array | null; yStride: number; yOffset: number } {
  return { batchFirst: c.batchFirst ?? false, lengths: c.lengths ?? null, yStride: c.yStride ?? c.H, yOffset: c.yOffset ?? 0 };
}

export function describeConfig(c: RnnConfig): string {
  const l = layoutOf(c);
  const flags = [c.reverse ? 'rev' : 'fwd', l.batchFirst ? 'bf' : 'tm', c.withH0 ? 'h0' : 'no-h0', c.withBias ? 'bias' : 'no-bias', c.withDy ? 'dy' : 'no-dy', c.withDhN ? 'dhN' : 'no-dhN'];
  if (c.cell === 'lstm') flags.push(c.withC0 ? 'c0' : 'no-c0', c.withDcN ? 'dcN' : 'no-dcN');
  if (l.lengths) flags.push(`len[${Array.from(l.lengths.subarray(0, 6)).join(',')}${l.lengths.length > 6 ? ',…' : ''}]`);
  if (l.yStride !== c.H) flags.push(`y${l.yOffset}+${c.H}/${l.yStride}`);
  return `${c.cell} T${c.T} B${c.B} I${c.I} H${c.H} ${flags.join(' ')}`;
}

/** The inputs of one layer·direction: parameters (PyTorch init scale), x, states and upstream gradients. */
export interface RnnInputs {
  x: Float32Array;
  h0: Float32Array | null;
  c0: Float32Array | null;
  weightIh: Float32Array;
  weightHh: Float32Array;
  biasIh: Float32Array | null;
  biasHh: Float32Array | null;
  /** [·, ·, yStride], including columns outside this direction's block and padded rows (must be ignored) */
  dy: Float32Array | null;
  dhN: Float32Array | null;
  dcN: Float32Array | null;
  /** what y starts as: every column, so the kernel must write its block and leave the rest alone */
  y0: Float32Array;
  /** starting value of the accumulated dx (non-zero, to check +=) */
  dx0: Float32Array;
  /** starting values of the accumulated parameter gradients (non-zero, to check +=) */
  dWeightIh0: Float32Array;
  dWeightHh0: Float32Array;
  dBias0: Float32Array;
}

export function randomInputs(c: RnnConfig, seed: number): RnnInputs {
  const r = seeded(seed);
  const G = gateCount(c.cell);
  const { yStride } = layoutOf(c);
  const lstm = c.cell === 'lstm';
  const k = 1 / Math.sqrt(c.H);
  return {
    x: randomArray(r, c.T * c.B * c.I),
    h0: c.withH0 ? randomArray(r, c.B * c.H) : null,
    c0: lstm && c.withC0 ? randomArray(r, c.B * c.H) : null,
    weightIh: randomArray(r, G * c.H * c.I, k),
    weightHh: randomArray(r, G * c.H * c.H, k),
    biasIh: c.withBias ? randomArray(r, G * c.H, k) : null,
    biasHh: c.withBias ? randomArray(r, G * c.H, k) : null,
    dy: c.withDy ? randomArray(r, c.T * c.B * yStride) : null,
    dhN: c.withDhN ? randomArray(r, c.B * c.H) : null,
    dcN: lstm && c.withDcN ? randomArray(r, c.B * c.H) : null,
    y0: randomArray(r, c.T * c.B * yStride),
    dx0: randomArray(r, c.T * c.B * c.I, 0.1),
    dWeightIh0: randomArray(r, G * c.H * c.I, 0.1),
    dWeightHh0: randomArray(r, G * c.H * c.H, 0.1),
    dBias0: randomArray(r, G * c.H, 0.1),
  };
}

/** Forward arguments; a gated cell gets a training cache unless `training` is false. */
export function forwardArgs(c: RnnConfig, p: RnnInputs, { training = true }: { training?: boolean } = {}): RecurrentForwardArgs<Float32Array> {
  const size = cacheSize(c.cell, c.T, c.B, c.H);
  const BH = c.B * c.H;
  return {
    T: c.T, B: c.B, I: c.I, H: c.H, reverse: c.reverse, ...layoutOf(c),
    y: p.y0.slice(), hN: new Float32Array(BH).fill(SENTINEL), cN: c.cell === 'lstm' ? new Float32Array(BH).fill(SENTINEL) : null,
    cache: training && size > 0 ? new Float32Array(size) : null,
    x: p.x, h0: p.h0, c0: p.c0, weightIh: p.weightIh, weightHh: p.weightHh, biasIh: p.biasIh, biasHh: p.biasHh,
  };
}

/**
 * Backward arguments after a forward that produced `y` (and `cache`, for a gated cell); dx and the
 * parameter gradients start from the inputs' non-zero values, dh0/dc0 from the sentinel.
 */
export function backwardArgs(c: RnnConfig, p: RnnInputs, y: Float32Array, cache: Float32Array | null = null): RecurrentBackwardArgs<Float32Array> {
  const BH = c.B * c.H;
  return {
    T: c.T, B: c.B, I: c.I, H: c.H, reverse: c.reverse, ...layoutOf(c),
    dx: p.dx0.slice(), dh0: new Float32Array(BH).fill(SENTINEL), dc0: c.cell === 'lstm' ? new Float32Array(BH).fill(SENTINEL) : null,
    dWeightIh: p.dWeightIh0.slice(), dWeightHh: p.dWeightHh0.slice(),
    dBiasIh: p.biasIh ? p.dBias0.slice() : null, dBiasHh: p.biasHh ? p.dBias0.slice() : null,
    dy: p.dy, dhN: p.dhN, dcN: p.dcN,
    x: p.x, h0: p.h0, c0: p.c0, weightIh: p.weightIh, weightHh: p.weightHh, y, cache,
  };
}

/**
 * A random configuration from the parity grid (RNN cells unless `cells` says otherwise): random layout,
 * ragged lengths three times in four (with 1 and T among them), a block of a wider y row half the time.
 */
export function randomConfig(rand: Rand, cells: readonly CellKind[] = ['rnn_tanh', 'rnn_relu']): RnnConfig {
  const T = pick(rand, [1, 7, 64]);
  const B = pick(rand, [1, 3, 32]);
  const H = pick(rand, [1, 3, 17, 64, 129]);
  const wide = rand() < 0.5;
  const yStride = wide ? H + pick(rand, [1, H, 5]) : H;
  return {
    cell: pick(rand, cells),
    T, B, I: pick(rand, [1, 3, 17, 64, 129]), H,
    reverse: rand() < 0.5,
    batchFirst: rand() < 0.5,
    lengths: rand() < 0.75 ? randomLengths(rand, B, T) : null,
    yStride,
    yOffset: Math.floor(rand() * (yStride - H + 1)),
    withH0: rand() < 0.5,
    withBias: rand() < 0.7,
    withDy: rand() < 0.85,
    withDhN: rand() < 0.5,
    withC0: rand() < 0.5,
    withDcN: rand() < 0.5,
  };
}
