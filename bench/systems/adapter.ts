/**
 * What a system's adapter gives the child process: a prepared step of one workload. The child times the
 * steps; the adapter only builds the model and data, and says when a workload is out of its reach.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Workload } from '../compare/workloads.js';
import { uniform as scaledUniform } from '../workload.js';

export interface Runner {
  /** one step of the workload (a training step, an inference batch, one decode step, one sgemm) */
  step(): void | Promise<void>;
  dispose?(): void;
}

/** Options a system passes to its adapter (threads, engine, backend, …). */
export type SystemOptions = Record<string, string | number | boolean>;

export type Prepare = (w: Workload, options: SystemOptions) => Promise<Runner>;

/** Thrown by an adapter for a workload its library cannot run; the message is the reason shown as "n/a". */
export class NotApplicable extends Error {
  override name = 'NotApplicable';
}

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const PEERS_DIR = join(BENCH_DIR, 'peers');

/** require() resolving from bench/peers, where the peer libraries are installed. */
export function peerRequire(peersDir = PEERS_DIR): NodeRequire {
  return createRequire(join(peersDir, 'package.json'));
}

/** Deterministic uniform(-1, 1) data (bench/workload.ts's LCG), so every system sees inputs of the same kind. */
export function uniform(n: number, seed: number): Float32Array {
  return scaledUniform(n, 1, seed);
}

export function targetsFor(B: number, classes: number): number[] {
  return Array.from({ length: B }, (_, b) => (b * 7 + 3) % classes);
}
