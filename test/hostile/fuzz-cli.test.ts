/**
 * Property-based fuzz of the command line, in process (`run(argv, io)` never throws and never exits):
 * random commands and options with hostile values, and data files of random bytes in every format; and of
 * the record readers on their own. Every run ends with exit code 0, 1 or 2; a failure is one line on
 * stderr that names a documented error (never an internal one such as "Cannot read properties").
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.js';
import { readRecords } from '../../src/data/readers.js';
import { TIMEOUT, checkError, params, probeAsync, reportTally, tally } from './fuzz-helpers.js';

reportTally('fuzz-cli');
let dir = '';
let model = '';

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } });
  return { stream, text: () => chunks.join('') };
}

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = sink();
  const err = sink();
  const code = await run(argv, { stdout: out.stream, stderr: err.stream }, () => true);
  return { code, stdout: out.text(), stderr: err.text() };
}

const CLASSIFY = 'text,label\n' + Array.from({ length: 12 }, (_, i) => `"word${i % 4} other ${i % 3}",${i % 2 ? 'spam' : 'ham'}`).join('\n') + '\n';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fastrnn-fuzz-cli-'));
  writeFileSync(join(dir, 'good.csv'), CLASSIFY);
  writeFileSync(join(dir, 'lines.txt'), 'the cat sat\non the mat\n');
  model = join(dir, 'model');
  const r = await cli(['train', '--task', 'classify', '--data', join(dir, 'good.csv'), '--out', model, '--epochs', '1', '--embedding', '4', '--hidden', '4', '--quiet', '--backend', 'reference']);
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Random bytes shaped like a data file: mutations of a good one, or noise. */
const fileContent = fc.oneof(
  fc.tuple(fc.nat(CLASSIFY.length), fc.string({ maxLength: 8 }), fc.nat(20)).map(([at, ins, del]) => CLASSIFY.slice(0, at) + ins + CLASSIFY.slice(at + del)),
  fc.string({ maxLength: 200, unit: 'binary' }),
  fc.constantFrom('', '\n', 'text,label\n', '{"text": "a", "label": 1}\n{', '"unterminated,\n', 'a\tb\n1\t2\t3\n', '\uFEFFtext,label\nhi,x\n', '{"text":null,"label":[1]}\n'),
);
const ext = fc.constantFrom('.csv', '.tsv', '.jsonl', '.txt');
const value = fc.constantFrom('0', '1', '2', '-1', '1.5', 'NaN', 'abc', '', '1e400', '0.5', 'spam', 'text', 'label', '--', '-', 'rnn', 'lstm', 'gru', 'none', '2000000000');
const SIZE_OPTIONS = ['--embedding', '--hidden', '--layers', '--max-vocab', '--batch-size', '--max-length'];
const OTHER_OPTIONS = [
  '--task', '--text-field', '--label-field', '--tags-field', '--cell', '--dropout', '--lr', '--clip', '--seed', '--validation-split', '--optimizer',
  '--min-freq', '--prompt', '--temperature', '--top-k', '--top-p', '--beam-size', '--backend', '--threads', '--tokenizer', '--format', '--trace', '--nearest',
];
const FLAGS = ['--json', '--quiet', '--bidirectional', '--stream', '--resume', '--verbose', '--help', '--bogus'];
const token = fc.oneof(
  fc.tuple(fc.constantFrom(...SIZE_OPTIONS), fc.constantFrom('1', '2', '0', '-3', '2000000000', '1e9', 'x')).map(([o, v]) => [o, v]),
  fc.tuple(fc.constantFrom(...OTHER_OPTIONS), value).map(([o, v]) => [o, v]),
  fc.constantFrom(...FLAGS).map((f) => [f]),
);

describe('fuzz: the command line', () => {
  it('random commands, options and data files', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('train', 'eval', 'predict', 'generate', 'inspect', 'nope'),
      fc.array(token, { maxLength: 5 }),
      fileContent,
      ext,
      fc.constantFrom('file', 'good', 'missing', 'dir'),
      async (command, tokens, content, e, which) => {
        const data = which === 'good' ? join(dir, 'good.csv') : which === 'missing' ? join(dir, 'missing.csv') : which === 'dir' ? dir : join(dir, `data${e}`);
        if (which === 'file') writeFileSync(data, content);
        const argv = [command, ...(command === 'train' ? ['--task', 'classify', '--out', join(dir, 'out')] : ['--model', model]), '--data', data, ...tokens.flat()];
        // Bounded work whatever the tokens say: one short epoch, a short sample, the reference engine.
        if (command === 'train') argv.push('--epochs', '1', '--time-budget', '0.5', '--backend', 'reference');
        if (command === 'generate') argv.push('--length', '5');
        const t = (tally[`cli ${command}`] ??= { ok: 0, rejected: 0, ms: 0 });
        const start = performance.now();
        const r = await cli(argv);
        t.ms += performance.now() - start;
        expect([0, 1, 2], `${argv.join(' ')}\n${r.stderr}`).toContain(r.code);
        if (r.code === 0) {
          t.ok++;
          return;
        }
        t.rejected++;
        const last = r.stderr.trim().split('\n').filter((l) => l.startsWith('error:')).at(-1) ?? '';
        expect(last, `${argv.join(' ')}\n${r.stderr}`).toMatch(/^error: /);
        if (!argv.includes('--verbose')) {
          // An error class the CLI does not know would be printed by name: that is a bug surfacing.
          expect(last, `${argv.join(' ')}\n${r.stderr}`).not.toMatch(/^error: (Error|\w+Error): /);
          const e2 = new RangeError(last);
          checkError(`cli ${argv.join(' ')}`, e2);
        }
      },
    ), params(150));
  }, TIMEOUT);

  it('the record readers on random bytes, in every format', async () => {
    await fc.assert(fc.asyncProperty(fileContent, fc.constantFrom('csv', 'tsv', 'jsonl', 'text', undefined), async (content, format) => {
      await probeAsync(`readRecords(${format ?? 'sniffed'})`, async () => {
        const out = [];
        for await (const r of readRecords(Readable.from([Buffer.from(content, 'binary')]), { format: format as never, name: 'fuzz' })) out.push(r);
        return out;
      }, (records) => {
        for (const r of records) {
          expect(Number.isInteger(r.line) && r.line >= 1).toBe(true);
          expect(typeof r.fields).toBe('object');
        }
      });
    }), params(1500));
  });
});
