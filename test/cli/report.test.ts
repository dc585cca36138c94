// The training report through the command line: train --report writes the page and keeps report.json with
// the model; inspect --report draws the same views again from the model directory (the same trace and
// nearest words for the same input and words), and for a model trained without --report draws what
// history.json holds and says what is missing.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, SMALL, tempDir, writeClassifyCsv, writeSeq2SeqCsv } from './helpers.js';
import { keepRecordedReport } from '../../src/cli/report.js';

let dir = '';
let cleanup = (): void => {};
beforeAll(() => {
  ({ dir, cleanup } = tempDir());
  writeClassifyCsv(join(dir, 'train.csv'));
  writeSeq2SeqCsv(join(dir, 's2s.csv'), 60);
});
afterAll(() => cleanup());

const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('fastrnn train --report / inspect --report', () => {
  it('train writes the report and keeps its data with the model; inspect draws the same views', async () => {
    const model = join(dir, 'model');
    const report = join(dir, 'report');
    const t = await cli(['train', '--task', 'classify', '--data', join(dir, 'train.csv'), '--validation-split', '0.2', '--epochs', '3', '--clip', '1', '--out', model, '--report', report, '--report-every', '2', '--quiet', ...SMALL]);
    expect(t.code, t.stderr).toBe(0);
    expect(readdirSync(report)).toContain('index.html');
    expect(readdirSync(report).filter((f) => f.endsWith('.svg')).length).toBe(8);
    const recorded = json(join(model, 'report.json'));
    expect(recorded).toEqual(json(join(report, 'report.json')));
    expect(recorded.stepGradients.every).toBe(2);
    expect(recorded.trace.tokens.length).toBeGreaterThan(0);
    expect(recorded.nearest.length).toBeGreaterThan(0);

    const again = join(dir, 'again');
    const i = await cli(['inspect', '--model', model, '--report', again]);
    expect(i.code, i.stderr).toBe(0);
    expect(i.stdout).toContain(`training report: ${join(again, 'index.html')}`);
    const redrawn = json(join(again, 'report.json'));
    for (const key of ['history', 'batches', 'stepGradients', 'nearest', 'trace']) expect(redrawn[key], key).toEqual(recorded[key]);
    expect(readFileSync(join(again, 'gradient-norm.svg'), 'utf8')).toBe(readFileSync(join(report, 'gradient-norm.svg'), 'utf8'));

    const chosen = join(dir, 'chosen');
    const c = await cli(['inspect', '--model', model, '--report', chosen, '--report-input', recorded.trace.tokens.slice(0, 3).join(' '), '--report-words', recorded.nearest[0].word]);
    expect(c.code, c.stderr).toBe(0);
    const r = json(join(chosen, 'report.json'));
    expect(r.trace.tokens).toEqual(recorded.trace.tokens.slice(0, 3));
    expect(r.trace.rows).toEqual(recorded.trace.rows.slice(0, 3));
    expect(r.nearest).toEqual(recorded.nearest.slice(0, 1));
  });

  it('a model trained without --report: inspect draws the history and names what was not recorded', async () => {
    const model = join(dir, 's2s');
    const t = await cli(['train', '--task', 'seq2seq', '--data', join(dir, 's2s.csv'), '--source-tokenizer', 'char', '--target-tokenizer', 'char', '--epochs', '2', '--out', model, '--quiet', ...SMALL]);
    expect(t.code, t.stderr).toBe(0);
    expect(existsSync(join(model, 'report.json'))).toBe(false);
    const out = join(dir, 's2s-report');
    const i = await cli(['inspect', '--model', model, '--report', out, '--report-input', 'abc']);
    expect(i.code, i.stderr).toBe(0);
    expect(i.stdout).toMatch(/without: batches, stepGradients, nearest/);
    const files = readdirSync(out);
    expect(files).toEqual(expect.arrayContaining(['loss.svg', 'hidden-state.svg', 'index.html']));
    expect(files).not.toContain('gradient-norm.svg');
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('trained without a report');
  });

  it('keeps only a report.json this run wrote (not one an earlier run left behind)', async () => {
    const report = join(dir, 'old-report');
    const model = join(dir, 'old-model');
    mkdirSync(report);
    mkdirSync(model);
    writeFileSync(join(report, 'report.json'), JSON.stringify({ format: 'fastrnn-report', created: '2001-01-01T00:00:00.000Z' }));
    expect(await keepRecordedReport(report, model, new Date())).toBe(false);
    expect(existsSync(join(model, 'report.json'))).toBe(false);
    expect(await keepRecordedReport(report, model, new Date('2000-01-01'))).toBe(true);
    expect(JSON.parse(readFileSync(join(model, 'report.json'), 'utf8')).created).toBe('2001-01-01T00:00:00.000Z');
    expect(await keepRecordedReport(join(dir, 'absent'), model, new Date('2000-01-01'))).toBe(false);
  });
});
