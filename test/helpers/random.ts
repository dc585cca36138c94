/**
 * Seeded randomness for engine tests: a small PRNG (mulberry32), random float arrays, random picks, and
 * random recurrent-kernel arguments (forward and backward) in the Backend contract's layout.
 */
import type { RecurrentBackwardArgs, RecurrentForwardArgs } from '../../src/backend/backend.js';

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

export interface RnnConfig {
  cell: 'rnn_tanh' | 'rnn_relu';
  T: number;
  B: number;
  I: number;
  H: number;
  reverse: boolean;
  withH0: boolean;
  withBias: boolean;
  withDy: boolean;
  withDhN: boolean;
}

export function describeConfig(c: RnnConfig): string {
  const flags = [c.reverse ? 'rev' : 'fwd', c.withH0 ? 'h0' : 'no-h0', c.withBias ? 'bias' : 'no-bias', c.withDy ? 'dy' : 'no-dy', c.withDhN ? 'dhN' : 'no-dhN'];
  return `${c.cell} T${c.T} B${c.B} I${c.I} H${c.H} ${flags.join(' ')}`;
}

/** The inputs of one layer·direction: parameters (PyTorch init scale), x, h0 and upstream gradients. */
export interface RnnInputs {
  x: Float32Array;
  h0: Float32Array | null;
  weightIh: Float32Array;
  weightHh: Float32Array;
  biasIh: Float32Array | null;
  biasHh: Float32Array | null;
  dy: Float32Array | null;
  dhN: Float32Array | null;
  /** starting values of the accumulated parameter gradients (non-zero, to check +=) */
  dWeightIh0: Float32Array;
  dWeightHh0: Float32Array;
  dBias0: Float32Array;
}

export function randomInputs(c: RnnConfig, seed: number): RnnInputs {
  const r = seeded(seed);
  const k = 1 / Math.sqrt(c.H);
  return {
    x: randomArray(r, c.T * c.B * c.I),
    h0: c.withH0 ? randomArray(r, c.B * c.H) : null,
    weightIh: randomArray(r, c.H * c.I, k),
    weightHh: randomArray(r, c.H * c.H, k),
    biasIh: c.withBias ? randomArray(r, c.H, k) : null,
    biasHh: c.withBias ? randomArray(r, c.H, k) : null,
    dy: c.withDy ? randomArray(r, c.T * c.B * c.H) : null,
    dhN: c.withDhN ? randomArray(r, c.B * c.H) : null,
    dWeightIh0: randomArray(r, c.H * c.I, 0.1),
    dWeightHh0: randomArray(r, c.H * c.H, 0.1),
    dBias0: randomArray(r, c.H, 0.1),
  };
}

export function forwardArgs(c: RnnConfig, p: RnnInputs): RecurrentForwardArgs<Float32Array> {
  return {
    T: c.T, B: c.B, I: c.I, H: c.H, reverse: c.reverse,
    y: new Float32Array(c.T * c.B * c.H), hN: new Float32Array(c.B * c.H), cN: null, cache: null,
    x: p.x, h0: p.h0, c0: null, weightIh: p.weightIh, weightHh: p.weightHh, biasIh: p.biasIh, biasHh: p.biasHh,
  };
}

/** Backward arguments after a forward that produced `y`; gradients start from the inputs' non-zero values. */
export function backwardArgs(c: RnnConfig, p: RnnInputs, y: Float32Array): RecurrentBackwardArgs<Float32Array> {
  return {
    T: c.T, B: c.B, I: c.I, H: c.H, reverse: c.reverse,
    dx: new Float32Array(c.T * c.B * c.I), dh0: new Float32Array(c.B * c.H), dc0: null,
    dWeightIh: p.dWeightIh0.slice(), dWeightHh: p.dWeightHh0.slice(),
    dBiasIh: p.biasIh ? p.dBias0.slice() : null, dBiasHh: p.biasHh ? p.dBias0.slice() : null,
    dy: p.dy, dhN: p.dhN, dcN: null,
    x: p.x, h0: p.h0, c0: null, weightIh: p.weightIh, weightHh: p.weightHh, y, cache: null,
  };
}

/** A random configuration from the parity grid. */
export function randomConfig(rand: Rand): RnnConfig {
  return {
    cell: pick(rand, ['rnn_tanh', 'rnn_relu'] as const),
    T: pick(rand, [1, 7, 64]),
    B: pick(rand, [1, 3, 32]),
    I: pick(rand, [1, 3, 17, 64, 129]),
    H: pick(rand, [1, 3, 17, 64, 129]),
    reverse: rand() < 0.5,
    withH0: rand() < 0.5,
    withBias: rand() < 0.7,
    withDy: rand() < 0.85,
    withDhN: rand() < 0.5,
  };
}
