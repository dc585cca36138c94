/**
 * Engine choice: 'auto' | 'native' | 'reference', per layer or process-wide.
 * 'auto' takes the native engine when the addon loads and otherwise warns once and uses the reference;
 * 'native' throws the loader's error, which lists what was tried and how to fix it.
 */
import type { Backend } from './backend.js';
import { referenceBackend } from './reference/index.js';
import { loadNativeBackend } from './native.js';
import { checkInt, checkOneOf, describe } from '../errors.js';
import type { DType } from '../tensor.js';

export type BackendChoice = 'auto' | 'native' | 'reference';
export interface BackendOptions {
  /** Worker threads for the native engine; default: available cores. Ignored by the reference. */
  threads?: number;
}

let defaultChoice: BackendChoice = 'auto';
let warnedFallback = false;

/** Sets the engine used by layers that do not name one. */
export function setDefaultBackend(choice: BackendChoice): void {
  defaultChoice = checkOneOf('setDefaultBackend(choice)', choice, ['auto', 'native', 'reference'] as const);
}

export function getDefaultBackend(): BackendChoice {
  return defaultChoice;
}

function isBackend(value: unknown): value is Backend {
  return typeof value === 'object' && value !== null && typeof (value as Backend).recurrentForward === 'function';
}

/** Turns a layer's `backend` option into an engine instance. */
export function resolveBackend(choice: BackendChoice | Backend | undefined, options: BackendOptions = {}): Backend {
  if (isBackend(choice)) return choice;
  if (choice !== undefined && typeof choice !== 'string') {
    throw new TypeError(`backend: expected 'auto', 'native', 'reference' or a Backend, received ${describe(choice)}`);
  }
  const which = checkOneOf('backend', choice ?? defaultChoice, ['auto', 'native', 'reference'] as const);
  if (options.threads !== undefined) checkInt('threads', options.threads, 1, 1024);
  if (which === 'reference') return referenceBackend;
  if (which === 'native') return loadNativeBackend(options);
  try {
    return loadNativeBackend(options);
  } catch (err) {
    if (!warnedFallback) {
      warnedFallback = true;
      process.emitWarning(`fastrnn: native engine unavailable, using the reference engine. ${(err as Error).message}`, {
        code: 'FASTRNN_NATIVE_UNAVAILABLE',
      });
    }
    return referenceBackend;
  }
}

/**
 * A layer's engine for its dtype: float64 runs only on the reference engine, which 'auto' (or no choice)
 * quietly takes; naming an engine that cannot run float64 is a RangeError. float32 resolves as usual.
 */
export function chooseEngine(dtype: DType, choice: BackendChoice | Backend | undefined, threads: number | undefined): Backend {
  if (dtype === 'float64') {
    if (choice === undefined || choice === 'auto' || choice === 'reference') return referenceBackend;
    const backend = resolveBackend(choice, { threads });
    if (!backend.supportsFloat64) {
      throw new RangeError(`dtype: 'float64' needs backend 'reference' or 'auto', received backend ${describe(backend.name)}`);
    }
    return backend;
  }
  return resolveBackend(choice, { threads });
}
