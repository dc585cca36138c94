/**
 * The engines every parity/golden test runs on. The native engine is required (CI builds it); set
 * FASTRNN_TEST_REFERENCE_ONLY=1 to run on the reference alone where the addon cannot be built.
 */
import type { Backend } from '../../src/backend/backend.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { loadNativeBackend } from '../../src/backend/native.js';

export function testBackends(): Backend[] {
  if (process.env.FASTRNN_TEST_REFERENCE_ONLY === '1') return [referenceBackend];
  return [referenceBackend, loadNativeBackend()];
}
