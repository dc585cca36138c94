// save(dir) / load(dir) for every model: a model trained a little on one engine, saved, and loaded on each
// engine predicts identically; config.json says kind and version; the directory is written whole or not at
// all; loading refuses other kinds, broken configs and weights that do not fit.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SequenceClassifier } from '../../src/models/classifier.js';
import { SequenceTagger } from '../../src/models/tagger.js';
import { LanguageModel } from '../../src/models/language-model.js';
import { Seq2Seq } from '../../src/models/seq2seq.js';
import { loadModel } from '../../src/models/registry.js';
import { ModelDirectoryError, saveModel } from '../../src/io/model-dir.js';
import { fit } from '../../src/train/fit.js';
import { FASTRNN_VERSION } from '../../src/version.js';
import { testBackends } from '../helpers/backends.js';
import { seeded } from '../helpers/random.js';

const root = mkdtempSync(join(tmpdir(), 'fastrnn-model-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const [reference, native] = testBackends();
const engines = testBackends();

const rand = seeded(5);
const seq = (n: number, lo: number, hi: number) => Array.from({ length: n }, () => lo + Math.floor(rand() * (hi - lo)));

async function trainALittle(model: Parameters<typeof fit>[0], examples: unknown[]): Promise<void> {
  await fit(model, examples, { epochs: 1, batchSize: 8, optimizer: { name: 'adam', lr: 0.01 }, verbose: false, seed: 1 });
}

describe('model directories', () => {
  const trainEngine = native ?? reference;

  it('classifier: saved on one engine, identical predictions on every engine', async () => {
    const model = new SequenceClassifier({ vocabSize: 12, embeddingDim: 6, hiddenSize: 8, numClasses: 3, cell: 'gru', bidirectional: true, backend: trainEngine, seed: 1 });
    await trainALittle(model, Array.from({ length: 32 }, () => ({ ids: seq(2 + Math.floor(rand() * 5), 1, 12), label: Math.floor(rand() * 3) })));
    const dir = join(root, 'classifier');
    await model.save(dir);
    const ids = { data: Int32Array.from([3, 4, 5, 0, 7, 8, 9, 10]), shape: [2, 4] };
    const want = model.predictProba(ids, [3, 4]).data;
    for (const backend of engines) {
      const loaded = await SequenceClassifier.load(dir, { backend });
      expect(Array.from(loaded.predictProba(ids, [3, 4]).data).map((v, i) => Math.abs(v - want[i]) < 1e-6)).not.toContain(false);
    }
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ format: 'fastrnn-model', formatVersion: 1, fastrnn: FASTRNN_VERSION, kind: 'classifier' });
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'model.safetensors']);
  });

  it('tagger, language model and seq2seq round-trip through loadModel on every engine', async () => {
    const tagger = new SequenceTagger({ vocabSize: 10, embeddingDim: 5, hiddenSize: 7, numTags: 3, cell: 'lstm', backend: trainEngine, seed: 2 });
    await trainALittle(tagger, Array.from({ length: 24 }, () => { const ids = seq(3 + Math.floor(rand() * 4), 1, 10); return { ids, tags: ids.map((i) => i % 3) }; }));
    const lm = new LanguageModel({ vocabSize: 9, embeddingDim: 5, hiddenSize: 8, cell: 'gru', backend: trainEngine, seed: 3 });
    await trainALittle(lm, Array.from({ length: 24 }, () => ({ ids: seq(6, 1, 9) })));
    const s2s = new Seq2Seq({ sourceVocabSize: 9, targetVocabSize: 9, embeddingDim: 5, hiddenSize: 8, cell: 'gru', attention: 'general', bosId: 1, eosId: 2, paddingIdx: 0, backend: trainEngine, seed: 4 });
    await trainALittle(s2s, Array.from({ length: 24 }, () => { const s = seq(3, 3, 9); return { source: s, target: [...s].reverse() }; }));
    const probe = [3, 4, 5, 6, 7];
    for (const [name, model, predict] of [
      ['tagger', tagger, (m: SequenceTagger) => m.predict(probe)],
      ['lm', lm, (m: LanguageModel) => [m.logProb(probe)]],
      ['s2s', s2s, (m: Seq2Seq) => m.translate(probe, { maxLength: 8 })],
    ] as const) {
      const dir = join(root, name);
      await (model as { save(d: string): Promise<void> }).save(dir);
      const want = (predict as (m: unknown) => number[])(model);
      for (const backend of engines) {
        const { model: loaded } = await loadModel(dir, { backend });
        expect(loaded.kind, name).toBe(model.kind);
        const got = (predict as (m: unknown) => number[])(loaded);
        expect(got.length, name).toBe(want.length);
        got.forEach((v, i) => expect(Math.abs(v - want[i]), `${name} ${backend.name}`).toBeLessThan(1e-4));
      }
    }
  });

  it('a save replaces an existing directory whole, and writes the vocabulary when given', async () => {
    const dir = join(root, 'replace');
    const a = new SequenceClassifier({ vocabSize: 5, embeddingDim: 2, hiddenSize: 3, numClasses: 2, seed: 1, backend: reference });
    await a.save(dir, { vocab: { toJSON: () => ({ tokens: ['<pad>', '<unk>', 'a', 'b', 'c'] }) } });
    expect(JSON.parse(readFileSync(join(dir, 'vocab.json'), 'utf8')).tokens).toHaveLength(5);
    const b = new SequenceClassifier({ vocabSize: 5, embeddingDim: 2, hiddenSize: 4, numClasses: 2, seed: 2, backend: reference });
    await b.save(dir);
    expect(existsSync(join(dir, 'vocab.json'))).toBe(false);
    expect((await SequenceClassifier.load(dir, { backend: reference })).rnn.hiddenSize).toBe(4);
    expect(readdirSync(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses what it cannot load, naming the problem, and leaves nothing half-written', async () => {
    const m = new SequenceTagger({ vocabSize: 5, embeddingDim: 2, hiddenSize: 3, numTags: 2, seed: 1, backend: reference });
    const dir = join(root, 'tagger-only');
    await m.save(dir);
    await expect(SequenceClassifier.load(dir)).rejects.toThrow(/expected a classifier model directory, received a tagger one/);
    await expect(loadModel(join(root, 'missing'))).rejects.toThrow(ModelDirectoryError);
    await expect(saveModel(m, join(root, 'no', 'such', 'parent'))).rejects.toThrow(/cannot write into/);
    const broken = join(root, 'broken');
    await m.save(broken);
    writeFileSync(join(broken, 'config.json'), '{ not json');
    await expect(loadModel(broken)).rejects.toThrow(/not valid JSON/);
    writeFileSync(join(broken, 'config.json'), JSON.stringify({ format: 'other' }));
    await expect(loadModel(broken)).rejects.toThrow(/format "fastrnn-model"/);
    const misfit = join(root, 'misfit');
    await m.save(misfit);
    const config = JSON.parse(readFileSync(join(misfit, 'config.json'), 'utf8'));
    config.config.hiddenSize = 9;
    writeFileSync(join(misfit, 'config.json'), JSON.stringify(config));
    await expect(loadModel(misfit)).rejects.toThrow(/do not fit the tagger config/);
    writeFileSync(join(misfit, 'model.safetensors'), 'garbage');
    await expect(loadModel(misfit)).rejects.toThrow(ModelDirectoryError);
  });
});
