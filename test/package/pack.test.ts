// The published package, as a user gets it: prebuildify (`npm run prebuild`'s command) builds
// prebuilds/linux-x64, `npm pack` ships them with the built TypeScript, and a project that installs the
// tarball with --ignore-scripts (so nothing compiles there) uses it through `import`, `require` and
// TypeScript's type checker, on both engines. Runs in a temporary copy of the package so the working
// tree's build/ and prebuilds/ are left alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
let work = '';
let consumer = '';
const platformDir = `${process.platform}-${process.arch}`;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'fastrnn-native-pack-'));
  const pkg = join(work, 'pkg');
  mkdirSync(pkg);
  for (const f of ['package.json', 'binding.gyp', 'tsup.config.ts', 'tsconfig.json', 'README.md', 'native', 'src']) {
    if (existsSync(join(root, f))) cpSync(join(root, f), join(pkg, f), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  execFileSync(join(root, 'node_modules/.bin/prebuildify'), ['--napi', '--strip'], { cwd: pkg, stdio: 'pipe' });
  const out = execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: pkg, encoding: 'utf8' });
  const tarball = join(work, out.trim().split('\n').pop()!);
  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  execFileSync('npm', ['install', tarball, '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: consumer, stdio: 'pipe' });
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

// Trains one step of a small RNN on both engines and reports the largest relative difference.
const usage = `
const shape = { inputSize: 5, hiddenSize: 7, numLayers: 2, bidirectional: true, seed: 3 };
const native = new RNN({ ...shape, backend: 'native' });
const reference = new RNN({ ...shape, backend: 'reference' });
const x = tensor(Array.from({ length: 2 * 4 * 5 }, (_, i) => Math.sin(i)), [2, 4, 5]);
const run = (m) => { const { output } = m.forward(x); const { dInput } = m.backward({ dOutput: output }); return [output.data, dInput.data, ...Object.values(m.gradients()).map((g) => g.data)]; };
const a = run(native), b = run(reference);
let worst = 0;
a.forEach((arr, k) => { let d = 0, s = 1e-12; arr.forEach((v, i) => { d = Math.max(d, Math.abs(v - b[k][i])); s = Math.max(s, Math.abs(b[k][i])); }); worst = Math.max(worst, d / s); });
const backend = loadNativeBackend();
console.log(JSON.stringify({ engine: backend.name, threads: backend.threads, worst }));
`;

describe('the packed tarball, native engine', () => {
  it('ships prebuilds/' + platformDir + ' and no build/ directory', () => {
    const installed = join(consumer, 'node_modules/fastrnn');
    expect(readdirSync(join(installed, 'prebuilds', platformDir)).some((f) => f.endsWith('.node'))).toBe(true);
    expect(existsSync(join(installed, 'build'))).toBe(false);
  });

  it.each([
    ['ESM', 'native.mjs', `import { RNN, tensor, loadNativeBackend } from 'fastrnn';\n`],
    ['CommonJS', 'native.cjs', `const { RNN, tensor, loadNativeBackend } = require('fastrnn');\n`],
  ])('runs a native forward/backward through %s, equal to the reference', (_kind, file, header) => {
    writeFileSync(join(consumer, file), header + usage);
    const result = JSON.parse(execFileSync('node', [file], { cwd: consumer, encoding: 'utf8' }));
    expect(result.engine).toBe('native');
    expect(result.worst).toBeLessThanOrEqual(1e-5);
  });
});

const referenceUsage = `
const rnn = new RNN({ inputSize: 3, hiddenSize: 4, seed: 1, backend: 'reference' });
const { output, hN } = rnn.forward(tensor([[[1, 2, 3], [4, 5, 6]]]));
const { dInput } = rnn.backward({ dOutput: output });
const vocab = Vocab.build([new Tokenizer().tokenize('Hello, world!')]);
console.log(JSON.stringify({ output: output.shape, hN: hN.shape, dInput: dInput.shape, vocab: vocab.size }));
`;

const expected = { output: [1, 2, 4], hN: [1, 1, 4], dInput: [1, 2, 3], vocab: 6 };

describe('the packed tarball, public API and types', () => {
  it('ships the built entry points and type declarations', () => {
    const dist = readdirSync(join(consumer, 'node_modules/fastrnn/dist'));
    expect(dist).toEqual(expect.arrayContaining(['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts']));
  });

  it('works with import (ESM)', () => {
    writeFileSync(join(consumer, 'esm.mjs'), `import { RNN, Tokenizer, Vocab, tensor } from 'fastrnn';\n${referenceUsage}`);
    expect(JSON.parse(execFileSync('node', ['esm.mjs'], { cwd: consumer, encoding: 'utf8' }))).toEqual(expected);
  });

  it('works with require (CommonJS)', () => {
    writeFileSync(join(consumer, 'cjs.cjs'), `const { RNN, Tokenizer, Vocab, tensor } = require('fastrnn');\n${referenceUsage}`);
    expect(JSON.parse(execFileSync('node', ['cjs.cjs'], { cwd: consumer, encoding: 'utf8' }))).toEqual(expected);
  });

  it('type-checks a TypeScript consumer, and rejects a wrong call', () => {
    const tsc = join(root, 'node_modules/.bin/tsc');
    const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--typeRoots', join(root, 'node_modules/@types')];
    writeFileSync(join(consumer, 'good.mts'), `import { RNN, Tokenizer, Vocab, tensor, type Tensor } from 'fastrnn';\n${referenceUsage}\nconst t: Tensor = output;\nvoid t;\n`);
    execFileSync(tsc, [...flags, 'good.mts'], { cwd: consumer, stdio: 'pipe' });
    writeFileSync(join(consumer, 'bad.mts'), `import { RNN } from 'fastrnn';\nnew RNN({ inputSize: 'three', hiddenSize: 4 });\n`);
    expect(() => execFileSync(tsc, [...flags, 'bad.mts'], { cwd: consumer, stdio: 'pipe' })).toThrow();
  });
});
