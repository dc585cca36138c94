/**
 * The native engine: the Backend adapter around the C++ addon (native/addon.cc). Loading lives in
 * native-loader.ts, the argument checks in native-checks.ts.
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
import { availableParallelism, cpus } from 'node:os';
import type { Backend, CellKind, LinearBackwardArgs, LinearForwardArgs, RecurrentBackwardArgs, RecurrentForwardArgs } from './backend.js';
import { checkInt, describe } from '../errors.js';
import { checkCell, checkNativeBackward, checkNativeForward, checkNativeLinearBackward, checkNativeLinearForward } from './native-checks.js';
import { loadNativeAddon, type NativeAddon } from './native-loader.js';
import { referenceBackend } from './reference/index.js';

export { checkNativeBackward, checkNativeForward, checkNativeLinearBackward, checkNativeLinearForward } from './native-checks.js';
export {
  NativeBackendUnavailableError,
  NATIVE_ABI_VERSION,
  addonCandidates,
  loadAddonFrom,
  loadNativeAddon,
  packageRoot,
  type NativeAddon,
  type SimdPath,
} from './native-loader.js';

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

  linearForward(args: LinearForwardArgs): void {
    checkNativeLinearForward('native linearForward', args);
    if (args.M * args.N * args.K <= SMALL_LINEAR) referenceBackend.linearForward(args);
    else this.addon.linearForward(args, this.threads);
  }

  linearBackward(args: LinearBackwardArgs): void {
    checkNativeLinearBackward('native linearBackward', args);
    if (args.M * args.N * args.K <= SMALL_LINEAR) referenceBackend.linearBackward(args);
    else this.addon.linearBackward(args, this.threads);
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
/**
 * Linear calls of at most this many multiply-adds (M·N·K) run in TypeScript, on the JS thread: a model's
 * head (B × classes × hidden) is this small, and the engine runs one kernel call at a time, so a synchronous
 * head would otherwise wait for any async kernel in flight — a whole training step of another model — with
 * the event loop blocked. Chosen by size alone, so results stay deterministic.
 */
export const SMALL_LINEAR = 2 ** 16;

export function loadNativeBackend(options: NativeBackendOptions = {}): NativeBackend {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`loadNativeBackend(options): expected an object, received ${describe(options)}`);
  }
  const threads = options.threads === undefined ? defaultThreads() : checkInt('threads', options.threads, 1, 1024);
  return new NativeEngine(loadNativeAddon(), threads);
}
