// Engine choice when the addon cannot load (forced here with an unknown FASTRNN_SIMD path, in a child
// process so this process's loaded addon is untouched): 'auto' warns once and falls back to the
// reference, 'native' throws the loader's error, 'reference' never touches the addon.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { resolveBackend, setDefaultBackend, getDefaultBackend } from '../../src/backend/select.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { RNN } from '../../src/layers/rnn.js';

const root = resolve(__dirname, '../..');

function runWithBrokenAddon(code: string): { stdout: string; stderr: string; status: number | null } {
  const script = `import { RNN, setDefaultBackend } from ${JSON.stringify(resolve(root, 'src/index.ts'))};\n${code}`;
  const r = spawnSync(resolve(root, 'node_modules/.bin/tsx'), ['--input-type=module', '-e', script], {
    cwd: root, encoding: 'utf8', env: { ...process.env, FASTRNN_SIMD: 'no-such-path' },
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe('backend selection without a loadable addon', () => {
  it("'auto' warns once, then every layer runs on the reference engine", () => {
    const r = runWithBrokenAddon(`
      const a = new RNN({ inputSize: 2, hiddenSize: 2 });
      const b = new RNN({ inputSize: 2, hiddenSize: 2, backend: 'auto' });
      console.log(a.backend.name, b.backend.name);`);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('reference reference');
    expect(r.stderr.match(/FASTRNN_NATIVE_UNAVAILABLE/g)?.length).toBe(1);
    expect(r.stderr).toContain('no-such-path');
  });

  it("'native' throws one error that lists what was tried and how to fix it", () => {
    const r = runWithBrokenAddon(`
      try { new RNN({ inputSize: 2, hiddenSize: 2, backend: 'native' }); console.log('no error'); }
      catch (e) { console.log(e.name + ': ' + e.message); }`);
    expect(r.stdout).toContain('NativeBackendUnavailableError');
    expect(r.stdout).toMatch(/build[\\/]Release[\\/]fastrnn\.node/);
    expect(r.stdout).toContain("backend: 'reference'");
  });

  it('a process-wide default of reference never tries the addon', () => {
    const r = runWithBrokenAddon(`
      setDefaultBackend('reference');
      console.log(new RNN({ inputSize: 2, hiddenSize: 2 }).backend.name);`);
    expect(r.stdout.trim()).toBe('reference');
    expect(r.stderr).not.toContain('FASTRNN_NATIVE_UNAVAILABLE');
  });
});

describe('resolveBackend', () => {
  it('passes a Backend object through and validates choices', () => {
    expect(resolveBackend(referenceBackend)).toBe(referenceBackend);
    expect(resolveBackend('reference')).toBe(referenceBackend);
    expect(() => resolveBackend('cuda' as 'auto')).toThrow(RangeError);
    expect(() => resolveBackend(42 as unknown as 'auto')).toThrow(/expected 'auto', 'native', 'reference' or a Backend, received 42/);
    expect(() => resolveBackend('native', { threads: 0 })).toThrow(/threads/);
  });

  it('setDefaultBackend changes what layers get, and rejects unknown names', () => {
    const before = getDefaultBackend();
    try {
      setDefaultBackend('reference');
      expect(new RNN({ inputSize: 1, hiddenSize: 1 }).backend.name).toBe('reference');
      setDefaultBackend('native');
      expect(new RNN({ inputSize: 1, hiddenSize: 1 }).backend.name).toBe('native');
      expect(() => setDefaultBackend('gpu' as 'auto')).toThrow(/setDefaultBackend\(choice\).*"gpu"/);
    } finally {
      setDefaultBackend(before);
    }
  });
});
