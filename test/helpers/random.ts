/**
 * Seeded randomness for engine tests: a small PRNG (mulberry32), random float arrays, random picks, and
 * random recurrent-kernel arguments (forward and backward) in the Backend contract's (v2) layout:
 * batch-first or time-major, ragged lengths, this direction's column block of a wider y row, LSTM
 * projections (P < H, weightHr), dx and the parameter gradients starting non-zero (to check +=), outputs
 * starting at a sentinel (to check they are written).
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
 * has T steps), P = H (no projection), yStride = P and yOffset = 0 when omitted; `layoutOf` resolves them.
 * An LSTM may set P in [1, H) for PyTorch's proj_size: then h0/hN/dh0/dhN and y's block are P wide,
 * weightHh is [4H, P], and the call carries weightHr / dWeightHr [P, H].
 */
export interface RnnConfig {
  cell: CellKind;
  T: number;
  B: number;
  I: number;
  H: number;
  /** size of h: H (the default), or an LSTM's projection size in [1, H) */
  P?: number;
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

export function layoutOf(c: RnnConfig): { P: number; batchFirst: boolean; lengths: Int32Array | null; yStride: number; yOffset: number } {
  const P = c.P ?? c.H;
  return { P, batchFirst: c.batchFirst ?? false, lengths: c.lengths ?? null, yStride: c.yStride ?? P, yOffset: c.yOffset ?? 0 };
}

export function describeConfig(c: RnnConfig): string {
  const l = layoutOf(c);
  const flags = [c.reverse ? 'rev' : 'fwd', l.batchFirst ? 'bf' : 'tm', c.withH0 ? 'h0' : 'no-h0', c.withBias ? 'bias' : 'no-bias', c.withDy ? 'dy' : 'no-dy', c.withDhN ? 'dhN' : 'no-dhN'];
  if (c.cell === 'lstm') flags.push(c.withC0 ? 'c0' : 'no-c0', c.withDcN ? 'dcN' : 'no-dcN');
  if (l.lengths) flags.push(`len[${Array.from(l.lengths.subarray(0, 6)).join(',')}${l.lengths.length > 6 ? ',…' : ''}]`);
  if (l.yStride !== l.P) flags.push(`y${l.yOffset}+${l.P}/${l.yStride}`);
  return `${c.cell} T${c.T} B${c.B} I${c.I} H${c.H}${l.P < c.H ? ` P${l.P}` : ''} ${flags.join(' ')}`;
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
  /** [P, H] when P < H (LSTM projection), else null */
  weightHr: Float32Array | null;
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
  /** starting value of the accumulated dWeightHr [P, H] (projection only) */
  dWeightHr0: Float32Array | null;
}

export function randomInputs(c: RnnConfig, seed: number): RnnInputs {
  const r = seeded(seed);
  const G = gateCount(c.cell);
  const { P, yStride } = layoutOf(c);
  const lstm = c.cell === 'lstm';
  const k = 1 / Math.sqrt(c.H);
  const inputs: RnnInputs = {
    x: randomArray(r, c.T * c.B * c.I),
    h0: c.withH0 ? randomArray(r, c.B * P) : null,
    c0: lstm && c.withC0 ? randomArray(r, c.B * c.H) : null,
    weightIh: randomArray(r, G * c.H * c.I, k),
    weightHh: randomArray(r, G * c.H * P, k),
    biasIh: c.withBias ? randomArray(r, G * c.H, k) : null,
    biasHh: c.withBias ? randomArray(r, G * c.H, k) : null,
    weightHr: null,
    dy: c.withDy ? randomArray(r, c.T * c.B * yStride) : null,
    dhN: c.withDhN ? randomArray(r, c.B * P) : null,
    dcN: lstm && c.withDcN ? randomArray(r, c.B * c.H) : null,
    y0: randomArray(r, c.T * c.B * yStride),
    dx0: randomArray(r, c.T * c.B * c.I, 0.1),
    dWeightIh0: randomArray(r, G * c.H * c.I, 0.1),
    dWeightHh0: randomArray(r, G * c.H * P, 0.1),
    dBias0: randomArray(r, G * c.H, 0.1),
    dWeightHr0: null,
  };
  if (P < c.H) {
    // Drawn last, so a configuration without a projection gets exactly the inputs it always had.
    inputs.weightHr = randomArray(r, P * c.H, k);
    inputs.dWeightHr0 = randomArray(r, P * c.H, 0.1);
  }
  return inputs;
}

/** Forward arguments; a gated cell gets a training cache unless `training` is false. */
export function forwardArgs(c: RnnConfig, p: RnnInputs, { training = true }: { training?: boolean } = {}): RecurrentForwardArgs<Float32Array> {
  const l = layoutOf(c);
  const size = cacheSize(c.cell, c.T, c.B, c.H, l.P);
  const BH = c.B * c.H;
  return {
    T: c.T, B: c.B, I: c.I, H: c.H, reverse: c.reverse, ...l,
    y: p.y0.slice(), hN: new Float32Array(c.B * l.P).fill(SENTINEL), cN: c.cell === 'lstm' ? new Float32Array(BH).fill(SENTINEL) : null,
    cache: training && size > 0 ? new Float32Array(size) : null,
    x: p.x, h0: p.h0, c0: p.c0, weightIh: p.weightIh, weightHh: p.weightHh, biasIh: p.biasIh, biasHh: p.biasHh, weightHr: p.weightHr,
  };
}

/**
 * Backward arguments after a forward that produced `y` (and `cache`, for a gated cell); dx and the
 * parameter gradients start from the inputs' non-zero values, dh0/dc0 from the sentinel.
 */
export function backwardArgs(c: RnnConfig, p: RnnInputs, y: Float32Array, cache: Float32Array | null = null): RecurrentBackwardArgs<Float32Array> {
  const l = layoutOf(c);
  const BH = c.B * c.H;
  return {
    T: c.T, B: c.B, I: c.I, H: c.H, reverse: c.reverse, ...l,
    dx: p.dx0.slice(), dh0: new Float32Array(c.B * l.P).fill(SENTINEL), dc0: c.cell === 'lstm' ? new Float32Array(BH).fill(SENTINEL) : null,
    dWeightIh: p.dWeightIh0.slice(), dWeightHh: p.dWeightHh0.slice(),
    dBiasIh: p.biasIh ? p.dBias0.slice() : null, dBiasHh: p.biasHh ? p.dBias0.slice() : null,
    dWeightHr: p.dWeightHr0 ? p.dWeightHr0.slice() : null,
    dy: p.dy, dhN: p.dhN, dcN: p.dcN,
    x: p.x, h0: p.h0, c0: p.c0, weightIh: p.weightIh, weightHh: p.weightHh, weightHr: p.weightHr, y, cache,
  };
}

/**
 * A random configuration from the parity grid (RNN cells unless `cells` says otherwise): random layout,
 * ragged lengths three times in four (with 1 and T among them), a block of a wider y row half the time, and
 * for an LSTM with H ≥ 2 a projection (P random in [1, H−1]) a third of the time. The projection is drawn
 * last, so configurations without one are the ones this function always drew.
 */
export function randomConfig(rand: Rand, cells: readonly CellKind[] = ['rnn_tanh', 'rnn_relu']): RnnConfig {
  const T = pick(rand, [1, 7, 64]);
  const B = pick(rand, [1, 3, 32]);
  const H = pick(rand, [1, 3, 17, 64, 129]);
  const wide = rand() < 0.5;
  const extra = wide ? pick(rand, [1, H, 5]) : 0; // y columns beyond this direction's block
  const c: RnnConfig = {
    cell: pick(rand, cells),
    T, B, I: pick(rand, [1, 3, 17, 64, 129]), H,
    reverse: rand() < 0.5,
    batchFirst: rand() < 0.5,
    lengths: rand() < 0.75 ? randomLengths(rand, B, T) : null,
    yStride: H + extra,
    yOffset: rand(), // a fraction for now: resolved below, once P is known
    withH0: rand() < 0.5,
    withBias: rand() < 0.7,
    withDy: rand() < 0.85,
    withDhN: rand() < 0.5,
    withC0: rand() < 0.5,
    withDcN: rand() < 0.5,
  };
  const P = c.cell === 'lstm' && H >= 2 && rand() < 1 / 3 ? 1 + Math.floor(rand() * (H - 1)) : H;
  if (P < H) c.P = P;
  c.yStride = P + extra;
  c.yOffset = Math.floor(c.yOffset! * (extra + 1));
  return c;
}
