// The version written into saved models is the package's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FASTRNN_VERSION } from '../../src/version.js';

describe('FASTRNN_VERSION', () => {
  it('equals package.json version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(FASTRNN_VERSION).toBe(pkg.version);
  });
});
