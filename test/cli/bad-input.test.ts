// Bad input gets one readable line on stderr and a non-zero exit — never a stack trace (unless --verbose),
// and never a model or checkpoint directory left behind by a run that failed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cli, SMALL, tempDir, writeClassifyCsv, writeTagJsonl, type CliResult } from './helpers.js';

let dir = '';
let cleanup = (): void => {};
let clsModel = '';
let tagModel = '';
beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  writeClassifyCsv(join(dir, 'cls.csv'), 60);
  writeTagJsonl(join(dir, 'tag.jsonl'), 40);
  clsModel = join(dir, 'cls-model');
  tagModel = join(dir, 'tag-model');
  const runs = await Promise.all([
    cli(['train', '--task', 'classify', '--data', join(dir, 'cls.csv'), '--out', clsModel, '--epochs', '1', '--quiet', ...SMALL]),
    cli(['train', '--task', 'tag', '--data', join(dir, 'tag.jsonl'), '--out', tagModel, '--epochs', '1', '--quiet', ...SMALL]),
  ]);
  for (const r of runs) expect(r.code, r.stderr).toBe(0);
});
afterAll(() => cleanup());

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** One error line, the exit code, and no trace. */
function expectFailure(r: CliResult, code: number, ...fragments: string[]): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  for (const f of fragments) expect(r.stderr).toContain(f);
}

/** Nothing written next to `out`: no model, no checkpoint, no temporary directory. */
function expectNothingWritten(out: string): void {
  expect(existsSync(out), out).toBe(false);
  expect(existsSync(`${out}.checkpoint`)).toBe(false);
  expect(readdirSync(dir).filter((f) => f.startsWith(`.${basename(out)}.`))).toEqual([]);
}

const train = (data: string, out: string, ...more: string[]): Promise<CliResult> => cli(['train', '--task', 'classify', '--data', data, '--out', out, '--epochs', '1', ...SMALL, ...more]);

// Each test runs processes and writes only its own files: they run side by side.
describe.concurrent('train: bad data', () => {
  it.each([
    ['a missing file', () => join(dir, 'nope.csv'), 'no such file'],
    ['an empty file', () => file('empty.csv', ''), 'the file is empty'],
    ['a header without records', () => file('header.csv', 'text,label\n'), 'found none (a header alone has no records)'],
    ['a missing column', () => file('cols.csv', 'text,category\nhello,a\nbye,b\n'), 'expected a column "label" (--label-field), but the header has: text, category'],
    ['a malformed CSV line', () => file('bad.csv', 'text,label\nhello,a\nbye,b,c\n'), 'bad.csv:3: malformed CSV'],
    ['an unclosed quote', () => file('quote.csv', 'text,label\nhello,a\n"bye,b\nmore,a\n'), 'quote.csv:3: malformed CSV'],
    ['a malformed JSONL line', () => file('bad.jsonl', '{"text": "a", "label": "x"}\n{"text": oops}\n'), 'bad.jsonl:2: malformed JSON line'],
    ['a JSONL line that is not an object', () => file('arr.jsonl', '{"text": "a", "label": "x"}\n\n[1, 2]\n'), 'arr.jsonl:3: expected a JSON object per line'],
    ['a JSONL line without the field', () => file('nolabel.jsonl', '{"text": "a", "label": "x"}\n{"text": "b"}\n'), 'nolabel.jsonl:2: expected a field "label" (--label-field), received none'],
    ['plain text for a labelled task', () => file('plain.txt', 'hello\nworld\n'), 'a plain-text file has only "text"'],
    ['a single label', () => file('one.csv', 'text,label\na,x\nb,x\n'), 'expected at least 2 different labels'],
  ])('%s', async (what, make, fragment) => {
    const out = join(dir, `out-${what.replace(/\W+/g, '-')}`);
    expectFailure(await train(make(), out), 1, fragment);
    expectNothingWritten(out);
  });

  it('tags that do not match the tokens name the line', async () => {
    const data = file('tags.jsonl', '{"text": "the cat", "tags": "DET NOUN"}\n{"text": "a dog ran", "tags": ["DET", "NOUN"]}\n');
    const out = join(dir, 'out-tags');
    expectFailure(await cli(['train', '--task', 'tag', '--data', data, '--out', out]), 1, 'tags.jsonl:2: expected 3 tags (one per token of the text), received 2');
    expectNothingWritten(out);
  });

  it('a bad --valid file is found before training', async () => {
    const out = join(dir, 'out-valid');
    const valid = file('valid.csv', 'text,label\nfine,maybe\n');
    expectFailure(await train(join(dir, 'cls.csv'), out, '--valid', valid), 1, 'valid.csv:2: label "maybe" was never seen in training; expected one of: neg, pos');
    expectNothingWritten(out);
  });
});

describe.concurrent('train: bad output directory', () => {
  it('refuses a folder that does not exist, a file as parent, and a folder it cannot write', async () => {
    const parentFile = file('a-file', 'x');
    for (const [out, fragment] of [
      [join(dir, 'no', 'such', 'model'), 'does not exist'],
      [join(parentFile, 'model'), 'is a file'],
      ['/proc/fastrnn-model', 'cannot write into /proc'],
    ]) {
      expectFailure(await train(join(dir, 'cls.csv'), out), 1, `--out ${out}`, fragment);
      expect(existsSync(`${out}.checkpoint`)).toBe(false);
    }
  });

  it('refuses to replace a directory of other files, or a model of another task', async () => {
    const other = join(dir, 'documents');
    mkdirSync(other);
    writeFileSync(join(other, 'thesis.txt'), 'precious');
    expectFailure(await train(join(dir, 'cls.csv'), other), 1, 'it holds other files (thesis.txt)');
    expect(readFileSync(join(other, 'thesis.txt'), 'utf8')).toBe('precious');
    expectFailure(await train(join(dir, 'cls.csv'), tagModel), 1, 'holds a model trained with --task tag; expected a new directory or a --task classify model to replace');
    expect(JSON.parse(readFileSync(join(tagModel, 'config.json'), 'utf8')).kind).toBe('tagger');
  });
});

describe.concurrent('eval, predict, generate: wrong model or data', () => {
  it('a label never seen in training names its line', async () => {
    const data = file('unseen.csv', 'text,label\ngood,pos\nbad,maybe\n');
    expectFailure(await cli(['eval', '--model', clsModel, '--data', data]), 1, 'unseen.csv:3: label "maybe" was never seen in training; expected one of: neg, pos');
  });

  it('a model directory of another task, or none at all', async () => {
    expectFailure(await cli(['eval', '--model', clsModel, '--data', join(dir, 'cls.csv'), '--task', 'tag']), 1, 'eval expected a model trained with --task tag, received one trained with --task classify');
    expectFailure(await cli(['generate', '--model', clsModel]), 1, 'generate expected a model trained with --task lm, received one trained with --task classify');
    expectFailure(await cli(['eval', '--model', tagModel, '--data', join(dir, 'cls.csv')]), 1, 'expected a column "tags" (--tags-field)');
    expectFailure(await cli(['eval', '--model', join(dir, 'nothing'), '--data', join(dir, 'cls.csv')]), 1, `--model ${join(dir, 'nothing')}: expected a model directory with config.json`);
    expectFailure(await cli(['predict', '--model', dir, '--data', join(dir, 'cls.csv')]), 1, 'expected a model directory with config.json');
  });

  it('a model directory without the vocab.json that train writes', async () => {
    const bare = join(dir, 'bare-model');
    cpSync(clsModel, bare, { recursive: true });
    rmSync(join(bare, 'vocab.json'));
    expectFailure(await cli(['predict', '--model', bare], { input: 'hello\n' }), 1, 'expected a vocab.json beside the weights');
  });

  it('--resume of another task, or with no checkpoint', async () => {
    const out = join(dir, 'resume-none');
    expectFailure(await train(join(dir, 'cls.csv'), out, '--resume'), 1, '--resume: expected a checkpoint of fastrnn train');
    expectNothingWritten(out);
  });
});

describe.concurrent('usage errors exit with 2', () => {
  it.each([
    [['train', '--task', 'nope', '--data', 'x', '--out', 'y'], "argument 'nope' is invalid. Allowed choices are classify, tag, lm, seq2seq"],
    [['train', '--data', 'x'], "required option '--out <dir>' not specified"],
    [['train', '--task', 'classify', '--data', 'x', '--out', 'y', '--hidden', '0'], 'expected an integer >= 1, received "0"'],
    [['train', '--task', 'classify', '--data', 'x', '--out', 'y', '--lr', 'fast'], 'expected a number > 0, received "fast"'],
    [['train', '--task', 'classify', '--data', 'x', '--out', 'y', '--bogus'], "unknown option '--bogus'"],
    [['frobnicate'], "unknown command 'frobnicate'"],
    [['eval', '--data', 'x'], "required option '--model <dir>' not specified"],
    [['demo', 'nope'], 'demo: expected one of spam, moby-dick, names, g2p, received "nope"'],
  ])('fastrnn %j', async (args, fragment) => {
    expectFailure(await cli(args), 2, fragment);
  });

  it('options that do not go together', async () => {
    const out = join(dir, 'out-usage');
    expectFailure(await train(join(dir, 'cls.csv'), out, '--validation-split', '0.1', '--valid', join(dir, 'cls.csv')), 2, 'expected one way to hold data out, received both');
    expectFailure(await train(join(dir, 'cls.csv'), out, '--attention', 'dot'), 2, '--attention: only --task seq2seq takes it');
    expectFailure(await train(join(dir, 'cls.csv'), out, '--patience', '2'), 2, '--patience: early stopping watches the held-out loss');
    expectFailure(await train(join(dir, 'cls.csv'), out, '--checkpoint-dir', join(out, 'ckpt')), 2, 'expected a directory outside --out');
    expectFailure(await cli(['train', '--task', 'lm', '--data', join(dir, 'cls.csv'), '--out', out, '--bidirectional']), 2, 'a language model reads left to right');
    expectFailure(await cli(['train', '--data', join(dir, 'cls.csv'), '--out', out]), 2, 'expected --task classify|tag|lm|seq2seq');
    expectNothingWritten(out);
  });

  it('no command prints the help and exits with 2', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: fastrnn');
  });
});

describe.concurrent('--verbose', () => {
  it('adds the stack trace to the error line', async () => {
    const r = await cli(['eval', '--model', join(dir, 'nothing'), '--data', join(dir, 'cls.csv'), '--verbose']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toMatch(/^error: --model /);
    expect(r.stderr).toMatch(/^\s+at /m);
  });
});
