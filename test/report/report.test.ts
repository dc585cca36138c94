// The training report from fit: the files it writes and what report.json records (per-batch norms with
// clipping marked, sampled per-step gradient norms, the trace, nearest words), that asking for it changes
// nothing of the training, that a resumed run's report covers the whole run, that a report that cannot be
// written is a warning, and the option checks.
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SequenceClassifier } from '../../src/models/classifier.js';
import { LanguageModel } from '../../src/models/language-model.js';
import { SequenceTagger } from '../../src/models/tagger.js';
import { Seq2Seq } from '../../src/models/seq2seq.js';
import type { TrainableModel } from '../../src/train/trainable.js';
import { fit, type FitOptions } from '../../src/train/fit.js';
import { Rng } from '../../src/random.js';
import { Vocab } from '../../src/text/vocab.js';
import { parseReportData, type ReportData } from '../../src/report/data.js';
import { REPORT_WARNING } from '../../src/report/recorder.js';
import { expectError } from '../helpers/errors.js';

const WORDS = ['free', 'money', 'meeting', 'today', 'offer', 'project', 'click', 'report'];
const vocab = Vocab.build([WORDS, WORDS.slice(0, 4), WORDS.slice(0, 2)]);

function examples(n: number, seed: number): { ids: number[]; label: number }[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const ids = Array.from({ length: 3 + rng.int(8) }, () => 2 + rng.int(WORDS.length));
    return { ids, label: ids.includes(vocab.indexOf('free')) ? 1 : 0 };
  });
}
const DATA = examples(48, 1); // 40 train + 8 validation: 5 batches of 8 an epoch

const make = (cell: 'rnn' | 'lstm' | 'gru' = 'gru'): SequenceClassifier =>
  new SequenceClassifier({ vocabSize: vocab.size, embeddingDim: 6, hiddenSize: 6, numClasses: 2, cell, pooling: 'last', seed: 2, backend: 'reference', paddingIdx: vocab.padIndex });

const options = (o: FitOptions): FitOptions => ({ verbose: false, seed: 3, batchSize: 8, epochs: 3, validationSplit: 1 / 6, clipGradNorm: 0.05, ...o });

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'fastrnn-report-'));
}

async function readReport(dir: string): Promise<ReportData> {
  return parseReportData(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')), 'report.json');
}

afterEach(() => vi.restoreAllMocks());

describe('fit({ report })', () => {
  it('writes index.html, one SVG per chart with marks in it, and report.json', async () => {
    const dir = join(await tempDir(), 'report');
    const history = await fit(make(), DATA, options({ report: { dir, vocab, words: ['free', 'meeting', 'absent'], gradientEvery: 2 } }));
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['gradient-norm.svg', 'hidden-state.svg', 'index.html', 'learning-rate.svg', 'loss.svg', 'metrics.svg', 'report.json', 'step-gradient-profile.svg', 'step-gradients.svg', 'throughput.svg']);
    for (const f of files.filter((name) => name.endsWith('.svg'))) {
      const svg = await readFile(join(dir, f), 'utf8');
      expect(svg.startsWith('<svg'), f).toBe(true);
      // a Vega mark group (role-mark) holding drawn items: data, not only axes
      expect(svg, f).toMatch(/role-mark[^>]*><(path|line)/);
    }
    const html = await readFile(join(dir, 'index.html'), 'utf8');
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link[^>]*stylesheet|https?:\/\/(?!www\.w3\.org|vega\.github\.io)/);
    expect((html.match(/<svg/g) ?? []).length).toBe(8);

    const r = await readReport(dir);
    expect(r.history).toEqual(JSON.parse(JSON.stringify(history)));
    const b = r.batches!;
    expect(b.gradNorm).toHaveLength(15);
    expect(b.epoch).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
    // clipped exactly where the norm before clipping was above clipGradNorm (as clip.ts scales)
    expect(b.clipped).toEqual(b.gradNorm.map((g) => (0.05 / (g! + 1e-6) < 1 ? 1 : 0)));
    expect(b.clipped.some((c) => c === 1)).toBe(true);
    const s = r.stepGradients!;
    expect(s.samples.map((x) => x.batch)).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
    for (const x of s.samples) {
      expect(x.sequences).toBe(8);
      expect(x.norms.length).toBeGreaterThanOrEqual(3);
      expect(x.norms.every((v) => v !== null && v > 0)).toBe(true);
    }
    const t = r.trace!;
    expect(t.rows.length).toBe(t.ids.length);
    expect(t.rows[0]).toHaveLength(6);
    expect(t.tokens).toEqual(t.ids.map((id) => vocab.tokenOf(id)));
    expect(r.nearest!.map((n) => n.word)).toEqual(['free', 'meeting']);
    expect(r.nearest![0].neighbours.map((n) => n.word)).not.toContain('free');
  });

  it('changes nothing of the training: the same weights and history as without it', async () => {
    const a = make();
    const b = make();
    const ha = await fit(a, DATA, options({}));
    const hb = await fit(b, DATA, options({ report: { dir: join(await tempDir(), 'r'), gradientEvery: 1 } }));
    expect(hb.metrics).toEqual(ha.metrics);
    const sa = a.stateDict();
    const sb = b.stateDict();
    for (const k of Object.keys(sa)) expect(Array.from(sb[k].data), k).toEqual(Array.from(sa[k].data));
  });

  it('per-step samples over a run: a last-state loss decays back from the end for a small vanilla RNN', async () => {
    const dir = join(await tempDir(), 'r');
    await fit(make('rnn'), DATA, options({ epochs: 1, report: { dir, gradientEvery: 1, gradientSequences: 2 } }));
    const { samples } = (await readReport(dir)).stepGradients!;
    expect(samples).toHaveLength(5);
    for (const x of samples) {
      expect(x.sequences).toBe(2);
      // pooling 'last': the loss reaches h_t only through h_{t+1} … h_T, each step multiplying by ∂h/∂h_{t−1}
      expect(x.norms[x.norms.length - 1]!).toBeLessThan(x.norms[0]!);
    }
  });

  it('a resumed run reports the whole run (the recorded batches travel in the checkpoint)', async () => {
    const root = await tempDir();
    const ckpt = join(root, 'ckpt');
    const controller = new AbortController();
    let n = 0;
    await fit(make(), DATA, options({ checkpoint: { dir: ckpt }, signal: controller.signal, onBatchEnd: () => void (++n === 7 && controller.abort()), report: join(root, 'first') }));
    expect((await readReport(join(root, 'first'))).batches!.gradNorm).toHaveLength(7);
    await fit(make(), DATA, options({ resume: ckpt, report: join(root, 'second') }));
    const r = await readReport(join(root, 'second'));
    expect(r.batches!.gradNorm).toHaveLength(15);
    expect(r.history!.epochs).toBe(3);
  });

  it('a report that cannot be written is a warning; fit still returns its history', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'a-file'), 'not a directory');
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const history = await fit(make(), DATA, options({ epochs: 1, report: join(root, 'a-file', 'report') }));
    expect(history.epochs).toBe(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toContain('the training report could not be written');
    expect(warn.mock.calls[0][1]).toBe(REPORT_WARNING);
  });

  it('is written also when training fails (the run up to the failure)', async () => {
    const dir = join(await tempDir(), 'r');
    const m = make();
    m.trainBatch = async () => ({ loss: NaN, count: 1 });
    await expect(fit(m, DATA, options({ report: dir }))).rejects.toThrow(/non-finite loss/);
    expect((await readReport(dir)).history!.epochs).toBe(0);
  });

  it('checks its options', () => {
    const m = make();
    const bad = (report: unknown) => () => fit(m, DATA, options({ report: report as string }));
    const sync = async (f: () => Promise<unknown>) => f().then(() => null, (e: unknown) => e);
    return Promise.all([
      sync(bad('')).then((e) => expectError(() => { throw e; }, TypeError, 'options.report', 'expected a directory path', '""')),
      sync(bad({ dir: 'x', vocab: {} })).then((e) => expectError(() => { throw e; }, TypeError, 'options.report.vocab: expected a Vocab')),
      sync(bad({ dir: 'x', gradientEvery: 0 })).then((e) => expectError(() => { throw e; }, RangeError, 'options.report.gradientEvery')),
      sync(bad({ dir: 'x', colour: 1 })).then((e) => expectError(() => { throw e; }, TypeError, 'options.report.colour: unknown option')),
      sync(bad({ dir: 'x', input: [] })).then((e) => expectError(() => { throw e; }, RangeError, 'options.report.input', 'empty')),
    ]);
  });

  describe('every model kind: per-step samples of its input layer and a trace', () => {
    const rng = new Rng(9);
    const seq = (n: number) => Array.from({ length: n }, () => 3 + rng.int(5));
    const cases: [string, () => TrainableModel, unknown[]][] = [
      ['tagger', () => new SequenceTagger({ vocabSize: 8, embeddingDim: 4, hiddenSize: 5, numTags: 3, paddingIdx: 0, bidirectional: true, seed: 1, backend: 'reference' }),
        Array.from({ length: 24 }, () => { const ids = seq(3 + rng.int(5)); return { ids, tags: ids.map((i) => i % 3) }; })],
      ['stateful language model', () => new LanguageModel({ vocabSize: 8, embeddingDim: 4, hiddenSize: 5, numLayers: 2, cell: 'lstm', stateful: true, chunkLength: 6, seed: 1, backend: 'reference' }),
        new LanguageModel({ vocabSize: 8, embeddingDim: 4, hiddenSize: 5, stateful: true, chunkLength: 6, backend: 'reference' }).streamExamples(seq(200), 8)],
      ['seq2seq', () => new Seq2Seq({ sourceVocabSize: 8, targetVocabSize: 8, embeddingDim: 4, hiddenSize: 6, bosId: 1, eosId: 2, paddingIdx: 0, cell: 'gru', seed: 1, backend: 'reference' }),
        Array.from({ length: 24 }, () => { const source = seq(2 + rng.int(4)); return { source, target: [...source].reverse() }; })],
    ];
    it.each(cases)('%s', async (_name, build, data) => {
      const dir = join(await tempDir(), 'r');
      await fit(build(), data, { epochs: 2, batchSize: 8, seed: 1, verbose: false, report: { dir, gradientEvery: 1 } });
      const r = await readReport(dir);
      expect(r.notes).toEqual({ nearest: 'nearest words need the vocabulary (report.vocab)' });
      expect(r.stepGradients!.samples.length).toBe(r.batches!.gradNorm.length);
      for (const x of r.stepGradients!.samples) expect(x.norms.every((v) => v !== null && v > 0)).toBe(true);
      expect(r.trace!.rows.length).toBeGreaterThan(0);
    });
  });
});
