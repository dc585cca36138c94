/**
 * The native engine: loader for the C++ addon (native/addon.cc) and the Backend adapter around it.
 *
 * Loading (node-gyp-build order): prebuilds/<platform>-<arch>/*.node first, then build/Release, then
 * build/Debug — all relative to the package root, found by walking up from this file to the package.json
 * named "fastrnn" (works from src/ under tsx/vitest and from dist/ in the published package). When nothing
 * loads, one NativeBackendUnavailableError lists every path tried, why each failed, and how to fix it.
 *
 * Calls: TypeScript validates every argument first and throws a precise TypeError/RangeError (the addon
 * checks everything again). Arrays are passed as they are — no copies: parameters and gradients are read
 * and written in place. The engine is float32-only (supportsFloat64: false).
 *
 * Concurrency: the addon runs one kernel call at a time. A second call (sync or async, on the same arrays
 * or not) waits until the running one finishes, so calls never race; a sync call made while an async one
 * runs blocks the JS thread until then. Do not transfer/detach an array while an async call using it runs
 * (the promise then rejects and the memory may already have been written). Layers guard their own buffers.
 *
 * Memory: the addon keeps its scratch buffers (packed weights, per-step gradients) between calls; they grow
 * to the largest call so far (for a backward about 2·T·B·G·H + T·B·max(I, H) floats, G = gates per cell;
 * 3·T·B·G·H + … for GRU) and are reused.
 *
 * Cells: all four ('rnn_tanh', 'rnn_relu', 'lstm', 'gru') run in C++ (native/kernels/rnn.cc, lstm.cc,
 * gru.cc). LSTM and GRU backward calls need the training cache their forward filled (cacheSize floats).
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend, CellKind, RecurrentBackwardArgs, RecurrentForwardArgs } from './backend.js';
import { cacheSize, gateCount } from './backend.js';
import { checkInt, describe } from '../errors.js';

/** Thrown when the compiled addon cannot be found or loaded; the message lists what was tried. */
export class NativeBackendUnavailableError extends Error {
  override name = 'NativeBackendUnavailableError';
  /** Every candidate path, with why it did not load. */
  readonly attempts: readonly { path: string; error: string }[];
  constructor(message: string, attempts: readonly { path: string; error: string }[] = []) {
    super(message);
    this.attempts = attempts;
  }
}

export type SimdPath = 'avx512' | 'avx2' | 'baseline';

/** The raw addon (native/addon.cc). Prefer loadNativeBackend; this is for tests and benchmarks. */
export interface NativeAddon {
  recurrentForward(cell: CellKind, args: RecurrentForwardArgs, threads?: number): void;
  recurrentBackward(cell: CellKind, args: RecurrentBackwardArgs, threads?: number): void;
  recurrentForwardAsync(cell: CellKind, args: RecurrentForwardArgs, threads?: number): Promise<void>;
  recurrentBackwardAsync(cell: CellKind, args: RecurrentBackwardArgs, threads?: number): Promise<void>;
  /** C[M,N] = A[M,K] · B[K,N], row-major float32, through the engine's GEMM. */
  matmul(c: Float32Array, a: Float32Array, b: Float32Array, M: number, N: number, K: number, threads?: number): void;
  /** Default thread count for calls that pass none (the adapter always passes its own). */
  setThreads(n: number): void;
  getThreads(): number;
  /** The active SIMD path; setSimdPath switches it (process-wide; FASTRNN_SIMD sets it at load). */
  simdPath(): SimdPath;
  setSimdPath(path: SimdPath): void;
  /** Paths this CPU and build can run, best first. */
  simdPaths(): SimdPath[];
  cpuFeatures(): Record<string, boolean | number>;
  abiVersion: number;
}

export interface NativeBackendOptions {
  /** Worker threads for this engine instance (the caller's thread included); default: available cores. */
  threads?: number;
}

export interface NativeBackend extends Backend {
  readonly name: 'native';
  readonly threads: number;
  recurrentForwardAsync(cell: CellKind, args: RecurrentForwardArgs): Promise<void>;
  recurrentBackwardAsync(cell: CellKind, args: RecurrentBackwardArgs): Promise<void>;
}

// ---------------------------------------------------------------- loading

const here = dirname(fileURLToPath(import.meta.url));

/** The fastrnn package root: the nearest ancestor directory whose package.json is named "fastrnn". */
export function packageRoot(start: string = here): string | null {
  let dir = start;
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'fastrnn') return dir;
      } catch {
        // unreadable package.json: keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function isMusl(): boolean {
  const report = (process.report?.getReport?.() ?? {}) as { header?: { glibcVersionRuntime?: string } };
  return process.platform === 'linux' && !report.header?.glibcVersionRuntime;
}

/** Candidate addon files in load order (existing or not). */
export function addonCandidates(root: string): string[] {
  const out: string[] = [];
  const dir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  if (existsSync(dir)) {
    const musl = isMusl();
    const files = readdirSync(dir).filter((f) => f.endsWith('.node'));
    const fits = (f: string): boolean => (musl ? !f.includes('glibc') : !f.includes('musl'));
    const rank = (f: string): number => (f.includes(musl ? 'musl' : 'glibc') ? 0 : f.includes('napi') ? 1 : 2);
    out.push(...files.filter(fits).sort((a, b) => rank(a) - rank(b)).map((f) => join(dir, f)));
  } else {
    out.push(join(dir, '*.node'));
  }
  out.push(join(root, 'build', 'Release', 'fastrnn.node'), join(root, 'build', 'Debug', 'fastrnn.node'));
  return out;
}

/**
 * Loads the addon from a package root (no caching): the first candidate that loads wins; otherwise one
 * NativeBackendUnavailableError lists every path tried, why it failed, and how to fix it.
 */
export function loadAddonFrom(root: string | null): NativeAddon {
  const attempts: { path: string; error: string }[] = [];
  if (root) {
    const req = createRequire(join(root, 'package.json'));
    for (const path of addonCandidates(root)) {
      if (!existsSync(path)) {
        attempts.push({ path, error: 'not found' });
        continue;
      }
      try {
        const addon = req(path) as NativeAddon;
        if (typeof addon.recurrentForward !== 'function' || addon.abiVersion !== 1) {
          throw new Error(`not a compatible fastrnn addon (abiVersion ${describe(addon.abiVersion)}, expected 1)`);
        }
        return addon;
      } catch (err) {
        attempts.push({ path, error: String((err as Error)?.message ?? err).split('\n')[0] });
      }
    }
  } else {
    attempts.push({ path: here, error: 'no package.json named "fastrnn" found in this directory or above it' });
  }
  const lines = attempts.map((a) => `  - ${a.path}: ${a.error}`).join('\n');
  throw new NativeBackendUnavailableError(
    `fastrnn: the native engine could not be loaded for ${process.platform}-${process.arch} (Node ${process.version}, N-API ${process.versions.napi}). Tried:\n${lines}\n` +
      'Fix: run `npm rebuild fastrnn` (needs Python 3, make and a C++17 compiler: build-essential on Debian/Ubuntu, ' +
      "Xcode command line tools on macOS, Visual Studio Build Tools on Windows), or use backend: 'reference' (pure TypeScript, slower).",
    attempts,
  );
}

let cachedAddon: NativeAddon | null = null;
let cachedError: NativeBackendUnavailableError | null = null;

/** Loads (once per process) and returns the raw addon, or throws NativeBackendUnavailableError. */
export function loadNativeAddon(): NativeAddon {
  if (cachedAddon) return cachedAddon;
  if (cachedError) throw cachedError;
  try {
    cachedAddon = loadAddonFrom(packageRoot());
    return cachedAddon;
  } catch (err) {
    if (err instanceof NativeBackendUnavailableError) cachedError = err;
    throw err;
  }
}

// ---------------------------------------------------------------- validation (before C++)

const CELLS: readonly CellKind[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];

function checkCell(where: string, cell: unknown): CellKind {
  if (typeof cell !== 'string') throw new TypeError(`${where}: cell: expected one of ${CELLS.map((c) => `"${c}"`).join(', ')}, received ${describe(cell)}`);
  if (!CELLS.includes(cell as CellKind)) throw new RangeError(`${where}: cell: expected one of ${CELLS.map((c) => `"${c}"`).join(', ')}, received ${describe(cell)}`);
  return cell as CellKind;
}

interface Checked {
  name: string;
  array: Float32Array;
  output: boolean;
}

class ArgChecker {
  readonly arrays: Checked[] = [];
  constructor(readonly where: string, readonly args: Record<string, unknown>) {}

  size(name: string, min: number): number {
    return checkInt(`${this.where}: ${name}`, this.args[name], min);
  }

  bool(name: string): boolean {
    const v = this.args[name];
    if (typeof v !== 'boolean') throw new TypeError(`${this.where}: ${name}: expected a boolean, received ${describe(v)}`);
    return v;
  }

  absent(name: string, why: string): void {
    const v = this.args[name];
    if (v !== null && v !== undefined) throw new TypeError(`${this.where}: ${name}: expected null (${why}), received ${describe(v)}`);
  }

  f32(name: string, length: number, { nullable = false, output = false } = {}): void {
    const v = this.args[name];
    const want = `a Float32Array of length ${length}`;
    if (v === null || v === undefined) {
      if (nullable) return;
      throw new TypeError(`${this.where}: ${name}: expected ${want}, received ${describe(v)}`);
    }
    if (!(v instanceof Float32Array)) {
      const hint = v instanceof Float64Array ? ' (the native engine is float32-only; run float64 on the reference backend)' : '';
      throw new TypeError(`${this.where}: ${name}: expected ${want}${nullable ? ' or null' : ''}, received ${describe(v)}${hint}`);
    }
    const buffer = v.buffer as ArrayBuffer & { detached?: boolean; resizable?: boolean };
    if (buffer.detached === true || (length > 0 && v.length === 0 && buffer.byteLength === 0)) {
      throw new TypeError(`${this.where}: ${name}: expected ${want}, received one whose ArrayBuffer is detached (transferred)`);
    }
    if (buffer.resizable === true) {
      throw new TypeError(`${this.where}: ${name}: Float32Arrays over resizable ArrayBuffers are not supported; pass a fixed-length array`);
    }
    if (v.length !== length) throw new RangeError(`${this.where}: ${name}: expected ${want}, received one of length ${v.length}`);
    this.arrays.push({ name, array: v, output });
  }

  /** Outputs must not share memory with any other array. */
  noOverlap(): void {
    for (const o of this.arrays) {
      if (!o.output || o.array.length === 0) continue;
      for (const p of this.arrays) {
        if (p === o || p.array.length === 0 || p.array.buffer !== o.array.buffer) continue;
        const a0 = o.array.byteOffset, a1 = a0 + o.array.byteLength;
        const b0 = p.array.byteOffset, b1 = b0 + p.array.byteLength;
        if (a0 < b1 && b0 < a1) throw new RangeError(`${this.where}: ${o.name} and ${p.name} share memory; outputs must not overlap other arrays`);
      }
    }
  }
}

function checker(where: string, args: unknown): ArgChecker {
  if (typeof args !== 'object' || args === null || Array.isArray(args) || ArrayBuffer.isView(args)) {
    throw new TypeError(`${where}: args: expected an arguments object, received ${describe(args)}`);
  }
  return new ArgChecker(where, args as Record<string, unknown>);
}

interface Sizes { TBI: number; TBH: number; BH: number; GH: number; GHI: number; GHH: number; cache: number }

/** Array lengths of one call: G = gates per cell, cache = cacheSize (T·B·5H LSTM, T·B·4H GRU, 0 RNN). */
function sizes(c: ArgChecker, cell: CellKind): Sizes {
  const T = c.size('T', 0), B = c.size('B', 1), I = c.size('I', 1), H = c.size('H', 1);
  const G = gateCount(cell);
  const s = { TBI: T * B * I, TBH: T * B * H, BH: B * H, GH: G * H, GHI: G * H * I, GHH: G * H * H, cache: cacheSize(cell, T, B, H) };
  for (const n of Object.values(s)) {
    if (!Number.isSafeInteger(n)) throw new RangeError(`${c.where}: sizes T=${T} B=${B} I=${I} H=${H} describe arrays larger than 2^53 elements`);
  }
  c.bool('reverse');
  return s;
}

function noCellState(cell: CellKind): string {
  return `${cell === 'gru' ? 'a GRU' : 'an RNN'} cell has no cell state`;
}

/** Checks a forward call exactly as the addon will (same checks, same order). */
export function checkNativeForward(where: string, cell: unknown, args: unknown): void {
  const kind = checkCell(where, cell);
  const c = checker(where, args);
  const s = sizes(c, kind);
  const lstm = kind === 'lstm';
  if (!lstm) {
    c.absent('cN', noCellState(kind));
    c.absent('c0', noCellState(kind));
  }
  c.f32('y', s.TBH, { output: true });
  c.f32('hN', s.BH, { output: true });
  c.f32('x', s.TBI);
  c.f32('h0', s.BH, { nullable: true });
  c.f32('weightIh', s.GHI);
  c.f32('weightHh', s.GHH);
  c.f32('biasIh', s.GH, { nullable: true });
  c.f32('biasHh', s.GH, { nullable: true });
  c.f32('cache', s.cache, { nullable: true, output: true });  // null when not training
  if (lstm) {
    c.f32('cN', s.BH, { nullable: true, output: true });
    c.f32('c0', s.BH, { nullable: true });
  }
  c.noOverlap();
}

/** Checks a backward call exactly as the addon will (same checks, same order). */
export function checkNativeBackward(where: string, cell: unknown, args: unknown): void {
  const kind = checkCell(where, cell);
  const c = checker(where, args);
  const s = sizes(c, kind);
  const lstm = kind === 'lstm';
  if (!lstm) for (const n of ['dc0', 'dcN', 'c0']) c.absent(n, noCellState(kind));
  c.f32('dx', s.TBI, { output: true });
  c.f32('dh0', s.BH, { output: true });
  c.f32('dWeightIh', s.GHI, { output: true });
  c.f32('dWeightHh', s.GHH, { output: true });
  c.f32('dBiasIh', s.GH, { nullable: true, output: true });
  c.f32('dBiasHh', s.GH, { nullable: true, output: true });
  c.f32('dy', s.TBH, { nullable: true });
  c.f32('dhN', s.BH, { nullable: true });
  c.f32('x', s.TBI);
  c.f32('h0', s.BH, { nullable: true });
  c.f32('weightIh', s.GHI);
  c.f32('weightHh', s.GHH);
  c.f32('y', s.TBH);
  c.f32('cache', s.cache, { nullable: s.cache === 0 });  // the forward's training cache: required when non-empty
  if (lstm) {
    c.f32('dc0', s.BH, { nullable: true, output: true });
    c.f32('dcN', s.BH, { nullable: true });
    c.f32('c0', s.BH, { nullable: true });
  }
  c.noOverlap();
}

// ---------------------------------------------------------------- the Backend adapter

function defaultThreads(): number {
  const n = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
  return Math.max(1, Math.min(1024, n || 1));
}

class NativeEngine implements NativeBackend {
  readonly name = 'native' as const;
  readonly supportsFloat64 = false;
  constructor(private readonly addon: NativeAddon, readonly threads: number) {}

  recurrentForward(cell: CellKind, args: RecurrentForwardArgs): void {
    const kind = checkCell('native recurrentForward', cell);
    checkNativeForward('native recurrentForward', kind, args);
    this.addon.recurrentForward(kind, args, this.threads);
  }

  recurrentBackward(cell: CellKind, args: RecurrentBackwardArgs): void {
    const kind = checkCell('native recurrentBackward', cell);
    checkNativeBackward('native recurrentBackward', kind, args);
    this.addon.recurrentBackward(kind, args, this.threads);
  }

  async recurrentForwardAsync(cell: CellKind, args: RecurrentForwardArgs): Promise<void> {
    const kind = checkCell('native recurrentForwardAsync', cell);
    checkNativeForward('native recurrentForwardAsync', kind, args);
    return this.addon.recurrentForwardAsync(kind, args, this.threads);
  }

  async recurrentBackwardAsync(cell: CellKind, args: RecurrentBackwardArgs): Promise<void> {
    const kind = checkCell('native recurrentBackwardAsync', cell);
    checkNativeBackward('native recurrentBackwardAsync', kind, args);
    return this.addon.recurrentBackwardAsync(kind, args, this.threads);
  }
}

/**
 * The native engine, or NativeBackendUnavailableError (listing what was tried) when the addon is missing.
 * The addon is loaded once per process; each call returns an engine with its own thread count.
 */
export function loadNativeBackend(options: NativeBackendOptions = {}): NativeBackend {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`loadNativeBackend(options): expected an object, received ${describe(options)}`);
  }
  const threads = options.threads === undefined ? defaultThreads() : checkInt('threads', options.threads, 1, 1024);
  return new NativeEngine(loadNativeAddon(), threads);
}
