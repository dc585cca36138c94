/**
 * Loading the native addon (native/addon.cc), node-gyp-build order: prebuilds/<platform>-<arch>/*.node
 * first, then build/Release, then build/Debug — all relative to the package root, found by walking up from
 * this file to the package.json named "fastrnn" (works from src/ under tsx/vitest and from dist/ in the
 * published package). When nothing loads, one NativeBackendUnavailableError lists every path tried, why each
 * failed, and how to fix it.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CellKind, LinearBackwardArgs, LinearForwardArgs, RecurrentBackwardArgs, RecurrentForwardArgs } from './backend.js';
import { describe } from '../errors.js';

/** The addon ABI this TypeScript expects (the argument objects of contract v2). */
export const NATIVE_ABI_VERSION = 2;

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
  linearForward(args: LinearForwardArgs, threads?: number): void;
  linearBackward(args: LinearBackwardArgs, threads?: number): void;
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
        if (typeof addon.recurrentForward !== 'function' || addon.abiVersion !== NATIVE_ABI_VERSION) {
          throw new Error(`not a compatible fastrnn addon (abiVersion ${describe(addon.abiVersion)}, expected ${NATIVE_ABI_VERSION})`);
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

