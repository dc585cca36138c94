// Placeholder until the native engine lands (issue 3): the loader always reports the addon missing.
import type { Backend } from './backend.js';

export class NativeBackendUnavailableError extends Error {
  override name = 'NativeBackendUnavailableError';
}

export function loadNativeBackend(_options: { threads?: number } = {}): Backend {
  throw new NativeBackendUnavailableError('fastrnn native addon is not built yet.');
}
