// The published package, as a user gets it: `npm pack`, installed into an empty project, then used through
// `import`, `require` and TypeScript's type checker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
let project = '';

const usage = `
const rnn = new RNN({ inputSize: 3, hiddenSize: 4, seed: 1, backend: 'reference' });
const { output, hN } = rnn.forward(tensor([[[1, 2, 3], [4, 5, 6]]]));
const { dInput } = rnn.backward({ dOutput: output });
const vocab = Vocab.build([new Tokenizer().tokenize('Hello, world!')]);
console.log(JSON.stringify({ output: output.shape, hN: hN.shape, dInput: dInput.shape, vocab: vocab.size }));
`;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'fastrnn-pack-'));
  const out = execFileSync('npm', ['pack', '--pack-destination', project, '--silent'], { cwd: root, encoding: 'utf8' });
  const tarball = join(project, out.trim().split('\n').pop()!);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  execFileSync('npm', ['install', tarball, '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project, stdio: 'pipe' });
}, 240_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

const expected = { output: [1, 2, 4], hN: [1, 1, 4], dInput: [1, 2, 3], vocab: 6 };

describe('the packed tarball', () => {
  it('ships the built entry points and type declarations', () => {
    const dist = readdirSync(join(project, 'node_modules/fastrnn/dist'));
    expect(dist).toEqual(expect.arrayContaining(['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts']));
  });

  it('works with import (ESM)', () => {
    writeFileSync(join(project, 'esm.mjs'), `import { RNN, Tokenizer, Vocab, tensor } from 'fastrnn';\n${usage}`);
    expect(JSON.parse(execFileSync('node', ['esm.mjs'], { cwd: project, encoding: 'utf8' }))).toEqual(expected);
  });

  it('works with require (CommonJS)', () => {
    writeFileSync(join(project, 'cjs.cjs'), `const { RNN, Tokenizer, Vocab, tensor } = require('fastrnn');\n${usage}`);
    expect(JSON.parse(execFileSync('node', ['cjs.cjs'], { cwd: project, encoding: 'utf8' }))).toEqual(expected);
  });

  it('type-checks a TypeScript consumer, and rejects a wrong call', () => {
    const tsc = join(root, 'node_modules/.bin/tsc');
    const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--typeRoots', join(root, 'node_modules/@types')];
    writeFileSync(join(project, 'good.mts'), `import { RNN, Tokenizer, Vocab, tensor, type Tensor } from 'fastrnn';\n${usage}\nconst t: Tensor = output;\nvoid t;\n`);
    execFileSync(tsc, [...flags, 'good.mts'], { cwd: project, stdio: 'pipe' });
    writeFileSync(join(project, 'bad.mts'), `import { RNN } from 'fastrnn';\nnew RNN({ inputSize: 'three', hiddenSize: 4 });\n`);
    expect(() => execFileSync(tsc, [...flags, 'bad.mts'], { cwd: project, stdio: 'pipe' })).toThrow();
  });
});
