/**
 * Size limits: every size option is checked before anything is allocated, so a hostile or mistyped size
 * (numLayers: 2 ** 40, hiddenSize: 2e9) throws a RangeError naming the argument at once instead of running
 * the process out of memory.
 *
 * - Each size is an integer in [1, 2^31 − 1] (the native engine indexes with 32-bit integers).
 * - A layer or model holds at most `maxParameters` parameters (default 2^28 = 268,435,456, 1 GiB as
 *   float32; gradients take as much again).
 * - One call allocates at most `maxActivations` floats of activations and training caches (default 2^28).
 *
 * `setLimits({ maxParameters, maxActivations })` raises (or lowers) either limit for the whole process.
 */
import { checkInt, describe } from './errors.js';

export interface Limits {
  /** parameters a single layer or model may hold (default 2^28) */
  maxParameters: number;
  /** floats of activations and caches a single call may allocate (default 2^28) */
  maxActivations: number;
}

/** The largest value a size option takes: the native engine's 32-bit index. */
export const MAX_SIZE = 2 ** 31 - 1;

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({ maxParameters: 2 ** 28, maxActivations: 2 ** 28 });

let current: Limits = { ...DEFAULT_LIMITS };

export function getLimits(): Limits {
  return { ...current };
}

/** Changes the process-wide limits; returns the previous ones (so a caller can restore them). */
export function setLimits(limits: Partial<Limits>): Limits {
  if (typeof limits !== 'object' || limits === null) throw new TypeError(`setLimits(limits): expected an object, received ${describe(limits)}`);
  const next = { ...current };
  for (const [key, value] of Object.entries(limits)) {
    if (key !== 'maxParameters' && key !== 'maxActivations') {
      throw new TypeError(`setLimits(limits): expected only maxParameters, maxActivations, received unknown key ${JSON.stringify(key)}`);
    }
    if (value !== undefined) next[key] = checkInt(`setLimits(limits.${key})`, value, 1);
  }
  const previous = current;
  current = next;
  return { ...previous };
}

/** A size option: an integer in [min, 2^31 − 1]. */
export function checkSize(name: string, value: unknown, min = 1): number {
  return checkInt(name, value, min, MAX_SIZE);
}

function bytes(floats: number): string {
  const b = floats * 4;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let u = 0;
  let v = b;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toPrecision(3)} ${units[u]}`;
}

function count(n: number): string {
  return n < 1e9 ? n.toLocaleString('en-US') : n.toExponential(2);
}

/**
 * Throws when `total` parameters exceed maxParameters. `sizes` are the options that determine it; the
 * largest of them leads the message (it is the one to change).
 */
export function checkParameterCount(owner: string, total: number, sizes: Record<string, number>): void {
  const limit = current.maxParameters;
  if (total <= limit) return;
  const entries = Object.entries(sizes);
  const lead = entries.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  const list = entries.map(([k, v]) => `${k}: ${v}`).join(', ');
  throw new RangeError(
    `${lead}: ${owner}({ ${list} }) would hold ${count(total)} parameters (${bytes(total)} as float32), above the limit of ` +
      `${count(limit)} (${bytes(limit)}); raise it with setLimits({ maxParameters }) if the machine has the memory`,
  );
}

/** Throws when one call would allocate more than maxActivations floats; `what` names the sizes involved. */
export function checkActivationCount(where: string, total: number, what: string): void {
  const limit = current.maxActivations;
  if (total <= limit) return;
  throw new RangeError(
    `${where}: ${what} would allocate ${count(total)} floats of activations (${bytes(total)} as float32), above the limit of ` +
      `${count(limit)} (${bytes(limit)}); use smaller batches or raise it with setLimits({ maxActivations })`,
  );
}

/** Parameters of a recurrent stack (PyTorch's layout), computed without allocating anything. */
export function recurrentParameterCount(s: {
  gates: number; inputSize: number; hiddenSize: number; numLayers: number; directions: number; projSize: number; bias: boolean;
}): number {
  const H = s.hiddenSize;
  const P = s.projSize > 0 ? s.projSize : H;
  const perDirection = (inK: number) => s.gates * H * (inK + P) + (s.bias ? 2 * s.gates * H : 0) + (s.projSize > 0 ? P * H : 0);
  return s.directions * (perDirection(s.inputSize) + (s.numLayers - 1) * perDirection(s.directions * P));
}
