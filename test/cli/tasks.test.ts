// train + eval + predict for each task on tiny data, through the command line as a user runs it: the
// model directory's files, the --json figures (the last line of stdout, the metric names of issue 9) and
// predictions as strings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, jsonLines, lastJson, SMALL, tempDir, writeClassifyCsv, writeLmText, writeSeq2SeqCsv, writeTagJsonl } from './helpers.js';

let dir = '';
let cleanup = (): void => {};
beforeAll(() => {
  ({ dir, cleanup } = tempDir());
  writeClassifyCsv(join(dir, 'cls.csv'));
  writeTagJsonl(join(dir, 'tag.jsonl'));
  writeLmText(join(dir, 'lm.txt'));
  writeSeq2SeqCsv(join(dir, 's2s.csv'));
});
afterAll(() => cleanup());

const TRAIN_KEYS = ['trainSeconds', 'sequencesPerSecond', 'epochs', 'evaluatedOn', 'stopped'];

function expectModelDir(out: string): void {
  for (const f of ['config.json', 'model.safetensors', 'vocab.json', 'history.json']) expect(existsSync(join(out, f)), f).toBe(true);
  expect(existsSync(`${out}.checkpoint`), 'the checkpoint of a completed run is removed').toBe(false);
}

describe('classify', () => {
  it('trains with a validation split, evaluates and predicts labels', async () => {
    const out = join(dir, 'cls-model');
    const t = await cli(['train', '--task', 'classify', '--data', join(dir, 'cls.csv'), '--validation-split', '0.2', '--out', out, '--epochs', '8', '--json', ...SMALL]);
    expect(t.stderr).not.toContain('Error');
    expect(t.code).toBe(0);
    const figures = lastJson(t);
    expect(Object.keys(figures).sort()).toEqual(['accuracy', 'f1', 'mcc', 'loss', ...TRAIN_KEYS].sort());
    expect(figures.evaluatedOn).toBe('validation');
    expect(figures.stopped).toBe('completed');
    expect(figures.epochs).toBe(8);
    expect(figures.sequencesPerSecond as number).toBeGreaterThan(0);
    expect(figures.accuracy as number).toBeGreaterThan(0.8);
    expectModelDir(out);
    const vocab = JSON.parse(readFileSync(join(out, 'vocab.json'), 'utf8'));
    expect(vocab).toMatchObject({ format: 'fastrnn-cli-vocab', task: 'classify', labels: ['neg', 'pos'], settings: { tokenizer: 'word' } });
    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
    expect(history.metrics.val_accuracy).toHaveLength(8);

    const e = await cli(['eval', '--model', out, '--data', join(dir, 'cls.csv'), '--json']);
    expect(e.code).toBe(0);
    const ev = lastJson(e);
    expect(Object.keys(ev).sort()).toEqual(['accuracy', 'examples', 'evalSeconds', 'f1', 'loss', 'mcc'].sort());
    expect(ev.examples).toBe(160);

    const p = await cli(['predict', '--model', out], { input: 'a very good movie\nawful plot\n' });
    expect(p.code).toBe(0);
    const rows = jsonLines(p);
    expect(rows.map((r) => r.label)).toEqual(['pos', 'neg']);
    for (const r of rows) expect(r.probability as number).toBeGreaterThan(0.5);
  });
});

describe('classify with --optimizer sparse_adam', () => {
  it('trains through the row-sparse embedding gradient and lazy Adam, and the model predicts', async () => {
    const out = join(dir, 'cls-sparse');
    const t = await cli(['train', '--task', 'classify', '--data', join(dir, 'cls.csv'), '--out', out, '--epochs', '8', '--optimizer', 'sparse_adam', '--lr', '0.01', '--json', ...SMALL]);
    expect(t.stderr).not.toContain('Error');
    expect(t.code).toBe(0);
    expect(lastJson(t).accuracy as number).toBeGreaterThan(0.8);
    const loss = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')).metrics.loss as number[];
    expect(loss.at(-1)).toBeLessThan(loss[0]);
    const p = await cli(['predict', '--model', out], { input: 'a very good movie\nawful plot\n' });
    expect(jsonLines(p).map((r) => r.label)).toEqual(['pos', 'neg']);
  });
});

describe('tag', () => {
  it('trains on JSONL (tags as strings and as arrays), evaluates and predicts tags', async () => {
    const out = join(dir, 'tag-model');
    const t = await cli(['train', '--task', 'tag', '--data', join(dir, 'tag.jsonl'), '--valid', join(dir, 'tag.jsonl'), '--out', out, '--epochs', '6', '--bidirectional', '--json', ...SMALL]);
    expect(t.code).toBe(0);
    const figures = lastJson(t);
    expect(Object.keys(figures).sort()).toEqual(['f1', 'loss', 'tokenAccuracy', ...TRAIN_KEYS].sort());
    expect(figures.tokenAccuracy as number).toBeGreaterThan(0.95);
    expectModelDir(out);

    const e = await cli(['eval', '--model', out, '--data', join(dir, 'tag.jsonl'), '--json']);
    expect(Object.keys(lastJson(e)).sort()).toEqual(['evalSeconds', 'examples', 'f1', 'loss', 'tokenAccuracy'].sort());

    const p = await cli(['predict', '--model', out], { input: '{"text": "the dog ran"}\n{"text": ["a", "cat", "sat"]}\n' });
    expect(p.code).toBe(0);
    expect(jsonLines(p)).toEqual([
      { tokens: ['the', 'dog', 'ran'], tags: ['DET', 'NOUN', 'VERB'] },
      { tokens: ['a', 'cat', 'sat'], tags: ['DET', 'NOUN', 'VERB'] },
    ]);
  });
});

describe('tag from CSV', () => {
  it('reads the tags of a CSV cell as whitespace-separated names or as a JSON array', async () => {
    const rows = ['text,tags', ...Array.from({ length: 20 }, (_, i) => (i % 2 ? 'the cat sat,DET NOUN VERB' : 'a dog ran,"[""DET"", ""NOUN"", ""VERB""]"'))];
    writeFileSync(join(dir, 'tags.csv'), rows.join('\n') + '\n');
    const out = join(dir, 'tag-csv');
    const t = await cli(['train', '--task', 'tag', '--data', join(dir, 'tags.csv'), '--out', out, '--epochs', '1', '--json', ...SMALL]);
    expect(t.code, t.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'vocab.json'), 'utf8')).tags).toEqual(['DET', 'NOUN', 'VERB']);
  });
});

describe('lm', () => {
  it('trains a character model on plain text, evaluates bits per character and scores lines', async () => {
    const out = join(dir, 'lm-model');
    const t = await cli(['train', '--task', 'lm', '--data', join(dir, 'lm.txt'), '--tokenizer', 'char', '--out', out, '--epochs', '6', '--json', ...SMALL]);
    expect(t.code).toBe(0);
    const figures = lastJson(t);
    expect(Object.keys(figures).sort()).toEqual(['bitsPerToken', 'loss', 'perplexity', ...TRAIN_KEYS].sort());
    expect(figures.evaluatedOn).toBe('train');
    expect(figures.bitsPerToken as number).toBeCloseTo((figures.loss as number) / Math.LN2, 4);
    expect(figures.bitsPerToken as number).toBeLessThan(2.5);
    expectModelDir(out);

    const e = await cli(['eval', '--model', out, '--data', join(dir, 'lm.txt'), '--json']);
    expect(Object.keys(lastJson(e)).sort()).toEqual(['bitsPerToken', 'evalSeconds', 'examples', 'loss', 'perplexity'].sort());

    const p = await cli(['predict', '--model', out, '--data', join(dir, 'lm.txt')]);
    const rows = jsonLines(p);
    expect(rows).toHaveLength(90);
    expect(rows[0]).toMatchObject({ tokens: expect.any(Number), loss: expect.any(Number), bitsPerToken: expect.any(Number) });
  });
});

describe('seq2seq', () => {
  it('trains chars → space-separated tokens with attention, evaluates error rates and decodes strings', async () => {
    const out = join(dir, 's2s-model');
    const t = await cli([
      'train', '--task', 'seq2seq', '--data', join(dir, 's2s.csv'), '--source-tokenizer', 'char', '--target-tokenizer', 'space',
      '--out', out, '--epochs', '12', '--json', '--embedding', '16', '--hidden', '32', '--lr', '0.02', '--seed', '1',
    ]);
    expect(t.code).toBe(0);
    const figures = lastJson(t);
    expect(Object.keys(figures).sort()).toEqual(['exactMatch', 'loss', 'tokenErrorRate', 'wordErrorRate', ...TRAIN_KEYS].sort());
    expect(figures.wordErrorRate as number).toBeCloseTo(1 - (figures.exactMatch as number), 5);
    expect(figures.exactMatch as number).toBeGreaterThan(0.6);
    const vocab = JSON.parse(readFileSync(join(out, 'vocab.json'), 'utf8'));
    expect(vocab.settings).toMatchObject({ tokenizer: 'char', targetTokenizer: 'space' });
    expect(vocab.targetVocab.tokens.slice(0, 4)).toEqual(['<unk>', '<pad>', '<bos>', '<eos>']);

    const e = await cli(['eval', '--model', out, '--data', join(dir, 's2s.csv'), '--json']);
    expect(Object.keys(lastJson(e)).sort()).toEqual(['evalSeconds', 'exactMatch', 'examples', 'loss', 'tokenErrorRate', 'wordErrorRate'].sort());

    const p = await cli(['predict', '--model', out, '--beam-size', '3'], { input: 'abc\ndcba\n' });
    expect(p.code).toBe(0);
    const rows = jsonLines(p);
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.target).toMatch(/^[A-D<>a-z]+( [A-D<>a-z]+)*$/);
    expect(rows[0].target).toBe('C B A');
  });
});

describe('--stream', () => {
  it('reads the data from disk every epoch, holding out a seeded fraction record by record', async () => {
    const args = (out: string): string[] => ['train', '--task', 'classify', '--data', join(dir, 'cls.csv'), '--validation-split', '0.25', '--stream', '--out', out, '--epochs', '8', '--json', ...SMALL];
    const [a, b] = await Promise.all([cli(args(join(dir, 'streamed'))), cli(args(join(dir, 'streamed-again')))]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toContain('held out streamed (streamed from disk)');
    const figures = lastJson(a);
    expect(figures).toMatchObject({ evaluatedOn: 'validation', epochs: 8, stopped: 'completed' });
    expect(figures.accuracy as number).toBeGreaterThan(0.7);
    expect(figures.sequencesPerSecond as number).toBeGreaterThan(0);
    // Deterministic: the same split and order every run.
    expect(lastJson(b).accuracy).toBe(figures.accuracy);
  });
});
