/**
 * What every property-based fuzz test shares: how many runs (FASTRNN_FUZZ_SCALE multiplies them: 1 in the
 * suite, `npm run fuzz` sets 20), the rule a call must follow (succeed with finite, well-shaped output or
 * throw a documented error), hostile values, and the tally of calls made (printed, and written to
 * $FASTRNN_FUZZ_TALLY when set, one JSON line per file).
 */
import { appendFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, expect } from 'vitest';
import { LayerBusyError } from '../../src/layers/recurrent.js';
import { SafetensorsError } from '../../src/io/safetensors-error.js';

export const SCALE = Number(process.env.FASTRNN_FUZZ_SCALE ?? '1');

/** Runs for a property: `base` in the suite, base × FASTRNN_FUZZ_SCALE in the long run. */
export function runs(base: number): number {
  return Math.max(1, Math.round(base * SCALE));
}

/** A test's time limit, growing with the scale (vitest's default 60 s fits the suite's runs). */
export const TIMEOUT = 120_000 * Math.max(1, SCALE);

/** Seeded (FASTRNN_FUZZ_SEED, else a fixed one) so a failure in CI is reproducible. */
export const SEED = Number(process.env.FASTRNN_FUZZ_SEED ?? '20261126');

export function params(base: number): fc.Parameters<unknown> {
  return { numRuns: runs(base), seed: SEED, endOnFailure: true };
}

/** Calls made in this file, by entry point. */
export const tally: Record<string, { ok: number; rejected: number; ms: number }> = {};

export function totalCalls(): number {
  return Object.values(tally).reduce((s, t) => s + t.ok + t.rejected, 0);
}

export function reportTally(file: string): void {
  afterAll(() => {
    const total = totalCalls();
    const line = JSON.stringify({ file, total, scale: SCALE, seed: SEED, calls: tally });
    console.log(`fuzz ${file}: ${total} calls`);
    if (process.env.FASTRNN_FUZZ_VERBOSE) for (const [k, v] of Object.entries(tally)) console.log(`  ${k}: ${v.ok} ok, ${v.rejected} rejected, ${v.ms.toFixed(0)} ms`);
    if (process.env.FASTRNN_FUZZ_TALLY) appendFileSync(process.env.FASTRNN_FUZZ_TALLY, line + '\n');
  });
}

/** Messages V8 writes for bugs, never for a checked argument: any of these means a crash we must fix. */
const INTERNAL = [
  /Cannot read propert/, /Cannot set propert/, /is not a function/, /is not iterable/, /is not a constructor/,
  /Invalid typed array length/, /Invalid array length/, /allocation failed/i, /Maximum call stack/, /Cannot convert/,
  /out of memory/i, /Start offset/, /Offset is outside/, /Cannot create property/, /Cannot destructure/, /undefined/,
];

/** The documented error classes a public call may throw. */
function documented(err: unknown): boolean {
  return err instanceof TypeError || err instanceof RangeError || err instanceof LayerBusyError || err instanceof SafetensorsError ||
    (err instanceof Error && ['NonFiniteError', 'DataError', 'ModelDirectoryError', 'CliError', 'UsageError'].includes(err.name));
}

export function checkError(where: string, err: unknown): void {
  if (!documented(err)) throw new Error(`${where}: threw an undocumented error: ${String(err)}\n${(err as Error)?.stack ?? ''}`);
  const message = (err as Error).message;
  const internal = INTERNAL.find((re) => re.test(message) && !/received undefined|expected .*undefined|or undefined/.test(message));
  if (internal || message.length < 10) throw new Error(`${where}: an internal error escaped as ${(err as Error).name}: ${message}\n${(err as Error).stack}`);
}

/** Calls fn; a throw must be documented; a result is passed to `check` (finite, shaped). Counts the call. */
export function probe<R>(where: string, fn: () => R, check?: (r: R) => void): R | undefined {
  const start = performance.now();
  let result: R;
  try {
    result = fn();
  } catch (err) {
    return rejected(where, start, err);
  }
  return accepted(where, start, result, check);
}

export async function probeAsync<R>(where: string, fn: () => Promise<R>, check?: (r: R) => void): Promise<R | undefined> {
  const start = performance.now();
  let result: R;
  try {
    result = await fn();
  } catch (err) {
    return rejected(where, start, err);
  }
  return accepted(where, start, result, check);
}

function tallyOf(where: string) {
  return (tally[where] ??= { ok: 0, rejected: 0, ms: 0 });
}

/** A call that threw: the error must be a documented one (checkError); counted as rejected. */
function rejected(where: string, start: number, err: unknown): undefined {
  const t = tallyOf(where);
  t.ms += performance.now() - start;
  checkError(where, err);
  t.rejected++;
  return undefined;
}

/** A call that returned: counted, then its result checked (outside the try: a failed check is a test failure). */
function accepted<R>(where: string, start: number, result: R, check?: (r: R) => void): R {
  const t = tallyOf(where);
  t.ms += performance.now() - start;
  t.ok++;
  check?.(result);
  return result;
}

/** Every value finite. */
export function expectFinite(where: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new Error(`${where}: output[${i}] = ${data[i]} from finite inputs`);
  }
}

export function expectShape(where: string, t: { data: ArrayLike<number>; shape: number[] }, shape: number[]): void {
  expect(t.shape, where).toEqual(shape);
  expect(t.data.length, where).toBe(shape.reduce((a, b) => a * b, 1));
}

/** Sizes a caller might pass: mostly small valid ones, sometimes hostile. */
export const hostileSize = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 6 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<unknown>(0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 40, 2e9, 300, '3', null, {}, [], true, -0, 2 ** 53),
  },
);

/** Float values a caller might put in a tensor: ordinary, denormal, huge, NaN, ±Inf. */
export const hostileFloat = fc.oneof(
  { weight: 10, arbitrary: fc.float({ min: -4, max: 4, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, 1e-40, -1e-42, 3e38, -3e38, 1e-45, 0, -0) },
);

/** Data for n floats: usually a plain Float32Array, sometimes on a SharedArrayBuffer, detached, or the wrong type. */
export function hostileData(n: number, values: number[]): fc.Arbitrary<unknown> {
  const fill = (a: Float32Array | Float64Array) => {
    for (let i = 0; i < a.length; i++) a[i] = values[i % Math.max(1, values.length)] ?? 0;
    return a;
  };
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant(null).map(() => fill(new Float32Array(n))) },
    { weight: 1, arbitrary: fc.constant(null).map(() => fill(new Float32Array(new SharedArrayBuffer(n * 4)))) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<() => unknown>(
        () => fill(new Float64Array(n)),
        () => fill(new Float32Array(n + 1)),
        () => detached(n),
        () => Array.from({ length: n }, () => 0.5),
        () => new Int32Array(n),
        () => null,
        () => 'data',
      ).map((f) => f()),
    },
  );
}

export function detached(n: number): Float32Array {
  const a = new Float32Array(n);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

/** Whether every value of a list is finite (then a successful call must give finite output). */
export function allFinite(values: number[]): boolean {
  return values.every((v) => Number.isFinite(v) && Math.abs(v) < 1e30);
}
