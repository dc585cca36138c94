/** Regression tests for the bugs the fuzzing found, one each, so they stay fixed without a lucky seed. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Embedding, SequenceClassifier } from '../../src/index.js';
import { loadModel } from '../../src/models/registry.js';
import { ModelDirectoryError } from '../../src/io/model-dir.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { expectError } from '../helpers/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'fastrnn-found-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('found by fuzzing', () => {
  it('Embedding.forward: null data was an internal TypeError; a negative shape was accepted', () => {
    const e = new Embedding({ numEmbeddings: 4, embeddingDim: 2 });
    expectError(() => e.forward({ data: null as never, shape: [1] }), TypeError, 'ids.data', 'received null');
    expectError(() => e.forward({ data: [1], shape: [-1, -1] }), TypeError, 'ids.shape', 'non-negative');
    expectError(() => e.forward({ data: 'ab' as never, shape: [2] }), TypeError, 'ids.data');
  });

  it('checkpoint.json that does not parse, or points outside the directory: RangeError, not SyntaxError', async () => {
    const ck = join(dir, 'ck');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(ck);
    writeFileSync(join(ck, 'checkpoint.json'), '{"format": "fastrnn-checkpoint", "version"');
    await expect(readCheckpoint(ck, 'float32')).rejects.toThrow(RangeError);
    writeFileSync(join(ck, 'checkpoint.json'), JSON.stringify({ format: 'fastrnn-checkpoint', version: 1, files: { model: '../../etc/passwd', optimizer: 'optimizer-1.safetensors' }, optimizer: { lr: 1, steps: {} } }));
    await expect(readCheckpoint(ck, 'float32')).rejects.toThrow(/files.model to name a model-<generation>.safetensors/);
    writeFileSync(join(ck, 'checkpoint.json'), JSON.stringify({ format: 'fastrnn-checkpoint', version: 1 }));
    await expect(readCheckpoint(ck, 'float32')).rejects.toThrow(/expected "files"/);
  });

  it('a vocab.json that does not parse: ModelDirectoryError, not SyntaxError', async () => {
    const m = new SequenceClassifier({ vocabSize: 5, embeddingDim: 2, hiddenSize: 3, numClasses: 2, seed: 1, backend: 'reference' });
    const md = join(dir, 'model');
    await m.save(md);
    writeFileSync(join(md, 'vocab.json'), '{"tokens": [');
    await expect(loadModel(md, { backend: 'reference' })).rejects.toThrow(ModelDirectoryError);
  });
});
