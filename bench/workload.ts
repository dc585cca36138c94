/**
 * One training step of one recurrent layer at kernel level: recurrentForward (keeping its cache) then
 * recurrentBackward — exactly what a layer asks of its engine per direction per batch.
 */
import type { Backend, CellKind, RecurrentBackwardArgs, RecurrentForwardArgs } from '../src/backend/backend.js';
import { cacheSize, gateCount } from '../src/backend/backend.js';

export interface StepConfig {
  cell: CellKind;
  B: number;
  T: number;
  I: number;
  H: number;
  /** default false (time-major) */
  batchFirst?: boolean;
  /** per-sequence lengths (ragged batch); default none */
  lengths?: Int32Array | null;
  /** default true */
  withH0?: boolean;
  /** default true; false passes dx = null (the input gradient not wanted) */
  withDx?: boolean;
  /** upstream gradient only on hN (a head on the final state), as the user-path bench trains; default dy */
  headOnHN?: boolean;
}

/** FLOPs of one forward, as the issue counts them: 2·G·H·(I+H)·B·T (G = 1 for RNN). */
export function forwardFlops(c: StepConfig): number {
  return 2 * gateCount(c.cell) * c.H * (c.I + c.H) * c.B * c.T;
}

/** Training = forward + backward ≈ 3 forwards. */
export function trainFlops(c: StepConfig): number {
  return 3 * forwardFlops(c);
}

/** Deterministic uniform(−scale, scale) data (an LCG), the same sequence for every system and bench. */
export function uniform(n: number, scale: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 4294967296 * 2 - 1) * scale;
  }
  return a;
}

export interface Step {
  forward: RecurrentForwardArgs<Float32Array>;
  backward: RecurrentBackwardArgs<Float32Array>;
}

export function makeStep(c: StepConfig): Step {
  const { T, B, I, H } = c;
  const G = gateCount(c.cell);
  const k = 1 / Math.sqrt(H);
  const x = uniform(T * B * I, 1, 1), h0 = c.withH0 === false ? null : uniform(B * H, 1, 2);
  const weightIh = uniform(G * H * I, k, 3), weightHh = uniform(G * H * H, k, 4);
  const biasIh = uniform(G * H, k, 5), biasHh = uniform(G * H, k, 6);
  const y = new Float32Array(T * B * H);
  const n = cacheSize(c.cell, T, B, H);
  const cache = n > 0 ? new Float32Array(n) : null;
  const seq = { T, B, I, H, P: H, reverse: false, batchFirst: c.batchFirst ?? false, lengths: c.lengths ?? null, yStride: H, yOffset: 0 };
  const forward = { ...seq, y, hN: new Float32Array(B * H), cN: null, cache, x, h0, c0: null, weightIh, weightHh, biasIh, biasHh, weightHr: null };
  const backward = {
    ...seq, dx: c.withDx === false ? null : new Float32Array(T * B * I), dh0: new Float32Array(B * H), dc0: null,
    dWeightIh: new Float32Array(G * H * I), dWeightHh: new Float32Array(G * H * H), dBiasIh: new Float32Array(G * H), dBiasHh: new Float32Array(G * H), dWeightHr: null,
    dy: c.headOnHN ? null : uniform(T * B * H, 1, 7), dhN: c.headOnHN ? uniform(B * H, 1, 8) : null, dcN: null,
    x, h0, c0: null, weightIh, weightHh, weightHr: null, y, cache,
  };
  return { forward, backward };
}

export function trainStep(backend: Backend, c: StepConfig, s: Step): void {
  s.backward.dx?.fill(0); // dx accumulates (contract v2); a layer zeroes its dInput the same way
  backend.recurrentForward(c.cell, s.forward);
  backend.recurrentBackward(c.cell, s.backward);
}

export async function trainStepAsync(backend: Backend, c: StepConfig, s: Step): Promise<void> {
  s.backward.dx?.fill(0);
  await backend.recurrentForwardAsync!(c.cell, s.forward);
  await backend.recurrentBackwardAsync!(c.cell, s.backward);
}
