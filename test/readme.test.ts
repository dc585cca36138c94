// The README's code blocks are real programs: each ```ts block type-checks and runs against the source tree.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).filter((code) => code.includes("from 'fastrnn'"));

describe('README examples', () => {
  it('has runnable examples', () => expect(blocks.length).toBeGreaterThanOrEqual(2));
  it.each(blocks.map((code, i) => [i, code]))('block %i runs', (_i, code) => {
    const dir = mkdtempSync(join(root, 'test/.readme-'));
    try {
      const file = join(dir, 'example.ts');
      writeFileSync(file, (code as string).replace(/from 'fastrnn'/g, `from '${join(root, 'src/index.ts')}'`));
      const tscFlags = ['--noEmit', '--strict', '--module', 'esnext', '--moduleResolution', 'bundler', '--target', 'es2022', '--skipLibCheck', '--types', 'node', '--allowImportingTsExtensions'];
      execFileSync(join(root, 'node_modules/.bin/tsc'), [...tscFlags, file], { cwd: root, stdio: 'pipe' });
      execFileSync(join(root, 'node_modules/.bin/tsx'), [file], { cwd: root, stdio: 'pipe', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
