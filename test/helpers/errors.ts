/** Error-assertion helpers shared by the bad-input tests. */
import { expect } from 'vitest';

/** Asserts `fn` throws `cls` and that the message contains every fragment. */
export function expectError(fn: () => unknown, cls: typeof TypeError | typeof RangeError, ...fragments: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a throw').toBeInstanceOf(cls);
  for (const f of fragments) expect((caught as Error).message).toContain(f);
}
