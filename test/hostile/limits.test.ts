/**
 * Size limits: hostile sizes throw a RangeError naming the argument before anything is allocated, quickly;
 * setLimits raises the caps; per-call activation caps stop a huge batch before it allocates.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS, Embedding, GRU, GRUCell, LSTM, LSTMCell, LanguageModel, Linear, RNN, RNNCell, Seq2Seq, SequenceClassifier,
  SequenceTagger, getLimits, setLimits,
} from '../../src/index.js';
import { LuongAttention } from '../../src/layers/attention.js';
import { expectError } from '../helpers/errors.js';

afterEach(() => {
  setLimits(DEFAULT_LIMITS);
});

/** Throws RangeError naming `arg`, in well under a second, with no big allocation. */
function hostile(fn: () => unknown, arg: string): void {
  const rss = process.memoryUsage().rss;
  const start = performance.now();
  expectError(fn, RangeError, arg);
  expect(performance.now() - start).toBeLessThan(500);
  expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 2 ** 20);
}

describe('size limits', () => {
  it('rejects the sizes from the issue at once, naming the argument', () => {
    hostile(() => new LSTM({ inputSize: 4, hiddenSize: 16, numLayers: 2 ** 40, backend: 'reference' }), 'numLayers');
    hostile(() => new RNN({ inputSize: 2 ** 31, hiddenSize: 1, backend: 'reference' }), 'inputSize');
    hostile(() => new RNN({ inputSize: 1, hiddenSize: 2e9, backend: 'reference' }), 'hiddenSize');
    hostile(() => new LSTM({ inputSize: 4, hiddenSize: 16, numLayers: 2 ** 20, backend: 'reference' }), 'numLayers');
    hostile(() => new GRU({ inputSize: 100_000, hiddenSize: 4096, backend: 'reference' }), 'inputSize');
  });

  it('names the limit and how to raise it', () => {
    expectError(() => new RNN({ inputSize: 1, hiddenSize: 2e9 }), RangeError, 'maxParameters', 'setLimits', '268,435,456');
  });

  it('checks every layer, cell and model constructor', () => {
    hostile(() => new RNNCell({ inputSize: 3, hiddenSize: 2e9 }), 'hiddenSize');
    hostile(() => new LSTMCell({ inputSize: 2 ** 31, hiddenSize: 3 }), 'inputSize');
    hostile(() => new GRUCell({ inputSize: 1e6, hiddenSize: 1e4 }), 'inputSize');
    hostile(() => new Embedding({ numEmbeddings: 1e9, embeddingDim: 8 }), 'numEmbeddings');
    hostile(() => new Embedding({ numEmbeddings: 8, embeddingDim: 2 ** 40 }), 'embeddingDim');
    hostile(() => new Linear({ inFeatures: 4, outFeatures: 2e9 }), 'outFeatures');
    hostile(() => new LuongAttention({ querySize: 2 ** 32 }), 'querySize');
    hostile(() => new LuongAttention({ querySize: 8, keySize: 1e9 }), 'keySize');
    hostile(() => new SequenceClassifier({ vocabSize: 1e9, embeddingDim: 64, hiddenSize: 8, numClasses: 2 }), 'vocabSize');
    hostile(() => new SequenceClassifier({ vocabSize: 10, embeddingDim: 4, hiddenSize: 8, numClasses: 1e9 }), 'numClasses');
    hostile(() => new SequenceTagger({ vocabSize: 10, embeddingDim: 4, hiddenSize: 8, numTags: 2, numLayers: 2 ** 33 }), 'numLayers');
    hostile(() => new LanguageModel({ vocabSize: 1e6, embeddingDim: 8, hiddenSize: 512 }), 'vocabSize');
    hostile(() => new LanguageModel({ vocabSize: 10, embeddingDim: 8, hiddenSize: 8, condition: { kind: 'class', numClasses: 1e9 } }), 'condition.numClasses');
    hostile(() => new Seq2Seq({ sourceVocabSize: 10, targetVocabSize: 10, embeddingDim: 8, hiddenSize: 1e5, bosId: 1, eosId: 2 }), 'hiddenSize');
  });

  it('still rejects non-integers and non-numbers with the usual errors', () => {
    expectError(() => new RNN({ inputSize: 1.5, hiddenSize: 2 }), RangeError, 'inputSize', '1.5');
    expectError(() => new RNN({ inputSize: NaN, hiddenSize: 2 }), RangeError, 'inputSize', 'NaN');
    expectError(() => new RNN({ inputSize: '4' as unknown as number, hiddenSize: 2 }), TypeError, 'inputSize');
    expectError(() => new RNN({ inputSize: Infinity, hiddenSize: 2 }), RangeError, 'inputSize');
  });

  it('lets a user raise (and lower) the caps', () => {
    setLimits({ maxParameters: 100 });
    expectError(() => new Linear({ inFeatures: 10, outFeatures: 10 }), RangeError, 'Linear', '110 parameters');
    const previous = setLimits({ maxParameters: 2 ** 30 });
    expect(previous.maxParameters).toBe(100);
    expect(getLimits().maxParameters).toBe(2 ** 30);
    expect(new Linear({ inFeatures: 10, outFeatures: 10 }).weight.value.shape).toEqual([10, 10]);
    expectError(() => setLimits({ maxParameters: 0 }), RangeError, 'maxParameters');
    expectError(() => setLimits({ memory: 1 } as never), TypeError, 'memory');
  });

  it('stops a huge batch before the call allocates its activations', () => {
    setLimits({ maxActivations: 10_000 });
    const rnn = new RNN({ inputSize: 1, hiddenSize: 64, backend: 'reference', seed: 1 });
    // x is small (B·T·1 floats) but the output would be B·T·64.
    const x = { data: new Float32Array(400), shape: [20, 20, 1] };
    expectError(() => rnn.forward(x), RangeError, 'RNN.forward(x)', 'maxActivations');
    const ok = rnn.forward({ data: new Float32Array(20), shape: [2, 10, 1] });
    expect(ok.output.shape).toEqual([2, 10, 64]);
    const emb = new Embedding({ numEmbeddings: 4, embeddingDim: 100 });
    expectError(() => emb.forward({ data: new Int32Array(200), shape: [200] }), RangeError, 'Embedding.forward', 'maxActivations');
    const lin = new Linear({ inFeatures: 1, outFeatures: 100 });
    expectError(() => lin.forward({ data: new Float32Array(200), shape: [200, 1] }), RangeError, 'Linear.forward', 'maxActivations');
    const cell = new GRUCell({ inputSize: 1, hiddenSize: 1000 });
    setLimits({ maxActivations: 1000 });
    expectError(() => cell.forward({ data: new Float32Array(5000), shape: [5000, 1] }), RangeError, 'GRUCell.forward', 'maxActivations');
  });
});
