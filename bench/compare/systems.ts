/**
 * The systems `npm run bench` compares, how each is launched (its own child process), which workloads it
 * can run, and what to do when it is not installed. Peers live in bench/peers (own package.json);
 * PyTorch is Debian's python3-torch, found through /usr/bin/python3.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, PEERS_DIR, peerRequire } from '../systems/adapter.js';
import type { Launch } from './child.js';
import type { Kind, Workload } from './workloads.js';

export type Family = 'fastrnn' | 'fastrnn kernel' | 'fastrnn reference' | 'PyTorch' | 'onnxruntime-node' | 'TensorFlow.js wasm' | 'TensorFlow.js cpu' | 'brain.js';

export interface System {
  id: string;
  family: Family;
  /** cores the system may use (1 or 2) */
  threads: number;
  /** a slow system: time cap per measurement and fewer repetitions */
  slow: boolean;
  /** the workload kinds it appears in (elsewhere it is left out, or listed as n/a when it is a peer) */
  kinds: Kind[];
  /** why it cannot run a workload, known without starting it; null when it can */
  notApplicable(w: Workload): string | null;
  launch(): Launch;
  /** why it cannot start here, with the command that installs it; null when it can */
  missing(): string | null;
}

export const REPO_DIR = join(BENCH_DIR, '..');
export const PYTHON = '/usr/bin/python3';
const PEERS_INSTALL = 'npm run bench:peers';

function node(adapter: string, options: Record<string, unknown>): Launch {
  return { command: process.execPath, args: ['--expose-gc', '--import', 'tsx', join(BENCH_DIR, 'systems', 'node-child.ts'), adapter, JSON.stringify(options)], cwd: REPO_DIR };
}

const cache = new Map<string, string | null>();
function once(key: string, check: () => string | null): string | null {
  if (!cache.has(key)) cache.set(key, check());
  return cache.get(key)!;
}

/** null when every package resolves from `peersDir`, else the reason and the install command. */
export function peerMissing(packages: string[], peersDir = PEERS_DIR): string | null {
  const req = peerRequire(peersDir);
  const absent = packages.filter((p) => {
    try {
      req.resolve(p);
      return false;
    } catch {
      return true;
    }
  });
  return absent.length ? `${absent.join(', ')} not installed in ${peersDir} — install with: ${PEERS_INSTALL}` : null;
}

export function torchMissing(python = PYTHON): string | null {
  return once(`torch ${python}`, () => {
    try {
      execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 });
      return null;
    } catch {
      return `${python} cannot import torch — install with: apt-get install -y python3-torch libopenblas0-pthread`;
    }
  });
}

function nativeMissing(): string | null {
  return once('native', () => {
    const built = ['build/Release', 'prebuilds'].some((d) => existsSync(join(REPO_DIR, d)));
    return built ? null : 'the native addon is not built — build it with: npx node-gyp rebuild';
  });
}

const none = () => null;
const inferenceOnly = (w: Workload) => (w.kind === 'train' ? 'onnxruntime-node runs inference only (no training API in the Node package)' : null);
const noRagged = (why: string) => (w: Workload) => (w.lengths ? why : null);

export interface SystemsOptions {
  peersDir?: string;
  python?: string;
}

export function allSystems(o: SystemsOptions = {}): System[] {
  const peersDir = o.peersDir ?? PEERS_DIR;
  const python = o.python ?? PYTHON;
  const out: System[] = [];
  for (const threads of [1, 2]) {
    out.push({
      id: `fastrnn native ${threads}t`, family: 'fastrnn', threads, slow: false, kinds: ['train', 'infer', 'decode'], notApplicable: none,
      launch: () => node('fastrnn', { engine: 'native', threads }), missing: nativeMissing,
    });
  }
  for (const threads of [1, 2]) {
    out.push({
      id: `fastrnn kernel ${threads}t`, family: 'fastrnn kernel', threads, slow: false, kinds: ['train', 'sgemm'], notApplicable: none,
      launch: () => node('kernel', { threads }), missing: nativeMissing,
    });
  }
  out.push({
    id: 'fastrnn reference', family: 'fastrnn reference', threads: 1, slow: true, kinds: ['train', 'infer', 'decode'], notApplicable: none,
    launch: () => node('fastrnn', { engine: 'reference' }), missing: none,
  });
  for (const threads of [1, 2]) {
    const env = { OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };
    out.push({
      id: `PyTorch ${threads}c`, family: 'PyTorch', threads, slow: false, kinds: ['train', 'infer', 'decode', 'sgemm'], notApplicable: none,
      launch: () => ({ command: python, args: [join(BENCH_DIR, 'systems', 'pytorch_child.py'), String(threads)], env, cwd: REPO_DIR }),
      missing: () => torchMissing(python),
    });
  }
  for (const threads of [1, 2]) {
    out.push({
      id: `onnxruntime-node ${threads}t`, family: 'onnxruntime-node', threads, slow: false, kinds: ['train', 'infer', 'decode'], notApplicable: inferenceOnly,
      launch: () => node('onnxruntime', { threads }), missing: () => peerMissing(['onnxruntime-node'], peersDir),
    });
  }
  const noMask = noRagged('TensorFlow.js has no packed sequences (a mask still computes all T steps)');
  out.push({
    id: 'TensorFlow.js wasm', family: 'TensorFlow.js wasm', threads: 1, slow: true, kinds: ['train', 'infer', 'decode'], notApplicable: noMask,
    launch: () => node('tfjs', { backend: 'wasm' }), missing: () => peerMissing(['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'], peersDir),
  });
  out.push({
    id: 'TensorFlow.js cpu', family: 'TensorFlow.js cpu', threads: 1, slow: true, kinds: ['train', 'infer', 'decode'], notApplicable: noMask,
    launch: () => node('tfjs', { backend: 'cpu' }), missing: () => peerMissing(['@tensorflow/tfjs'], peersDir),
  });
  out.push({
    id: 'brain.js', family: 'brain.js', threads: 1, slow: true, kinds: ['train', 'infer', 'decode'],
    notApplicable: (w) => (w.kind === 'decode' ? 'brain.js has no one-step cell API with an external state' : null),
    launch: () => node('brain', {}), missing: () => peerMissing(['brain.js'], peersDir),
  });
  return out;
}

/** Is this a fastrnn row (native, kernel, reference) rather than a peer? */
export const isFastrnn = (s: System) => s.family.startsWith('fastrnn');
