// Bad input gets a TypeError or RangeError whose message names the argument, what was expected and what arrived.
import { describe, expect, it } from 'vitest';
import { RNN } from '../../src/layers/rnn.js';
import { Linear } from '../../src/layers/linear.js';
import { Embedding } from '../../src/layers/embedding.js';
import { SequenceClassifier } from '../../src/models/classifier.js';
import { padSequences } from '../../src/data/batching.js';
import { tensor, zeros } from '../../src/tensor.js';
import { expectError } from '../helpers/errors.js';


const rnn = (): RNN => new RNN({ inputSize: 3, hiddenSize: 2, seed: 1, backend: 'reference' });

describe('RNN options', () => {
  it('rejects NaN and out-of-range sizes', () => {
    expectError(() => new RNN({ inputSize: NaN, hiddenSize: 2 }), RangeError, 'inputSize', 'integer', 'NaN');
    expectError(() => new RNN({ inputSize: 3, hiddenSize: 0 }), RangeError, 'hiddenSize', 'in [1, 2147483647]', '0');
    expectError(() => new RNN({ inputSize: 3, hiddenSize: 2.5 }), RangeError, 'hiddenSize', '2.5');
    expectError(() => new RNN({ inputSize: 3, hiddenSize: 2, numLayers: -1 }), RangeError, 'numLayers', '-1');
    expectError(() => new RNN({ inputSize: '3' as unknown as number, hiddenSize: 2 }), TypeError, 'inputSize', '"3"');
  });
  it('rejects a bad dropout, nonlinearity, flag or backend', () => {
    expectError(() => new RNN({ inputSize: 3, hiddenSize: 2, dropout: NaN }), RangeError, 'dropout', 'NaN');
    expectError(() => new RNN({ inputSize: 3, hiddenSize: 2, dropout: 1 }), RangeError, 'dropout', '1');
    expectError(() => new RNN({ inputSize: 3, hiddenSize: 2, nonlinearity: 'sigmoid' as 'tanh' }), RangeError, 'nonlinearity', '"tanh"', '"sigmoid"');
    expectError(() => new RNN({ inputSize: 3, hiddenSize: 2, bidirectional: 1 as unknown as boolean }), TypeError, 'bidirectional', 'boolean', '1');
    expectError(() => new RNN({ inputSize: 3, hiddenSize: 2, backend: 'gpu' as 'auto' }), RangeError, 'backend', '"gpu"');
    expectError(() => new RNN({ inputSize: 3, hiddenSize: 2, seed: -1 }), RangeError, 'seed', '-1');
    expectError(() => new RNN(undefined as unknown as { inputSize: number; hiddenSize: number }), TypeError, 'options', 'undefined');
  });
});

describe('RNN.forward / backward inputs', () => {
  it('rejects wrong shapes', () => {
    expectError(() => rnn().forward(zeros([2, 5, 4])), RangeError, 'forward(x)', 'inputSize 3', '[2, 5, 4]');
    expectError(() => rnn().forward(zeros([5, 3])), RangeError, 'forward(x)', '3-D', '[5, 3]');
    expectError(() => rnn().forward(zeros([2, 5, 3]), zeros([1, 3, 2])), RangeError, 'forward(h0)', '[1, 2, 2]', '[1, 3, 2]');
    expectError(() => rnn().forward({ data: new Float32Array(5), shape: [2, 1, 3] }), RangeError, 'forward(x)', '6 values', '5');
  });
  it('rejects empty sequences and empty batches', () => {
    expectError(() => rnn().forward(zeros([2, 0, 3])), RangeError, 'forward(x)', 'at least one time step', '[2, 0, 3]');
    expectError(() => rnn().forward(zeros([0, 4, 3])), RangeError, 'forward(x)', 'batch', '[0, 4, 3]');
  });
  it('rejects wrong array types', () => {
    expectError(() => rnn().forward({ data: [1, 2, 3] as unknown as Float32Array, shape: [1, 1, 3] }), TypeError, 'forward(x).data', 'Float32Array', 'Array of length 3');
    expectError(() => rnn().forward({ data: new Float64Array(3), shape: [1, 1, 3] }), TypeError, 'forward(x)', 'Float32Array', 'Float64Array');
    expectError(() => rnn().forward({ data: new Int32Array(3) as unknown as Float32Array, shape: [1, 1, 3] }), TypeError, 'Int32Array');
    expectError(() => rnn().forward(null as unknown as ReturnType<typeof zeros>), TypeError, 'forward(x)', 'Tensor', 'null');
    expectError(() => rnn().forward(zeros([1, 1, 3]), null, zeros([1, 1, 2])), TypeError, 'c0', 'LSTM');
  });
  it('rejects bad x.lengths, naming lengths[i], what was expected and what arrived', () => {
    const x = (lengths: unknown): ReturnType<typeof zeros> & { lengths?: number[] } => ({ ...zeros([2, 4, 3]), lengths: lengths as number[] });
    expectError(() => rnn().forward(x([4])), RangeError, 'forward(x.lengths)', 'expected 2 lengths', 'B = 2', 'Array of length 1');
    expectError(() => rnn().forward(x(Int32Array.from([1, 2, 3]))), RangeError, 'x.lengths', '2 lengths', 'Int32Array of length 3');
    expectError(() => rnn().forward(x([4, 5])), RangeError, 'forward(x.lengths[1])', 'in [1, 4]', 'received 5');
    expectError(() => rnn().forward(x([0, 2])), RangeError, 'x.lengths[0]', 'in [1, 4]', 'received 0');
    expectError(() => rnn().forward(x([2, 2.5])), RangeError, 'x.lengths[1]', 'integer', '2.5');
    expectError(() => rnn().forward(x([2, NaN])), RangeError, 'x.lengths[1]', 'NaN');
    expectError(() => rnn().forward(x([2, '3'])), TypeError, 'x.lengths[1]', 'integer', '"3"');
    expectError(() => rnn().forward(x([2, undefined])), TypeError, 'x.lengths[1]', 'undefined');
    expectError(() => rnn().forward(x(new Float64Array([1, 2]))), TypeError, 'x.lengths', 'Int32Array or an array', 'Float64Array');
    expectError(() => rnn().forward(x('12')), TypeError, 'x.lengths', 'Int32Array or an array', '"12"');
    expectError(() => rnn().forward(x({ 0: 1, 1: 2, length: 2 })), TypeError, 'x.lengths', 'an object');
    // Time-major: T is the first dimension, so the range follows it.
    const tm = new RNN({ inputSize: 3, hiddenSize: 2, batchFirst: false, seed: 1, backend: 'reference' });
    expectError(() => tm.forward({ ...zeros([4, 2, 3]), lengths: [4, 5] }), RangeError, 'x.lengths[1]', 'in [1, 4]', '5');
    // null / undefined mean "no lengths".
    expect(() => rnn().forward(x(null))).not.toThrow();
    expect(() => rnn().forward(x(undefined))).not.toThrow();
  });
  it('rejects backward before forward, and wrong gradient shapes', () => {
    expect(() => rnn().backward({ dOutput: zeros([1, 1, 2]) })).toThrow(/forward in training mode/);
    const layer = rnn();
    layer.forward(zeros([2, 4, 3]));
    expectError(() => layer.backward({ dOutput: zeros([2, 4, 3]) }), RangeError, 'backward(dOutput)', '[2, 4, 2]', '[2, 4, 3]');
    expectError(() => layer.backward({ dhN: zeros([2, 2, 2]) }), RangeError, 'backward(dhN)', '[1, 2, 2]', '[2, 2, 2]');
  });
  it('rejects a state dict with a wrong shape or name, and leaves the layer unchanged', () => {
    const layer = rnn();
    const before = layer.stateDict();
    const sd = layer.stateDict();
    sd.weight_hh_l0 = zeros([3, 3]);
    expectError(() => layer.loadStateDict(sd), RangeError, 'weight_hh_l0', '[2, 2]', '[3, 3]');
    const renamed = { ...before, extra: zeros([1]) };
    expectError(() => layer.loadStateDict(renamed), RangeError, 'unexpected [extra]');
    expect(layer.stateDict()).toEqual(before);
  });
});

describe('Embedding, Linear and the classifier', () => {
  it('rejects token ids out of range or not integers', () => {
    const emb = new Embedding({ numEmbeddings: 5, embeddingDim: 2, seed: 1 });
    expectError(() => emb.forward({ data: [0, 5], shape: [1, 2] }), RangeError, 'ids', '[0, 4]', '5', 'position 1');
    expectError(() => emb.forward({ data: [0, -1], shape: [1, 2] }), RangeError, 'ids', '-1');
    expectError(() => emb.forward({ data: [0, 1.5], shape: [1, 2] }), RangeError, 'ids', '1.5');
    expectError(() => emb.forward({ data: [], shape: [1, 0] }), RangeError, 'ids', 'empty');
    expectError(() => new Embedding({ numEmbeddings: 5, embeddingDim: 2, paddingIdx: 7 }), RangeError, 'paddingIdx', '[0, 4]', '7');
  });
  it('rejects a Linear input with the wrong feature size', () => {
    const lin = new Linear({ inFeatures: 4, outFeatures: 2, seed: 1 });
    expectError(() => lin.forward(zeros([3, 5])), RangeError, 'Linear.forward(x)', '[..., 4]', '[3, 5]');
    expectError(() => new Linear({ inFeatures: 4, outFeatures: NaN }), RangeError, 'outFeatures', 'NaN');
  });
  it('rejects bad lengths and empty sequences in batches', () => {
    const model = new SequenceClassifier({ vocabSize: 10, embeddingDim: 3, hiddenSize: 2, numClasses: 2, seed: 1, backend: 'reference' });
    const ids = { data: new Int32Array(6), shape: [2, 3] };
    expectError(() => model.forward(ids, [3]), RangeError, 'lengths', '2 lengths', 'Array of length 1');
    expectError(() => model.forward(ids, [3, 4]), RangeError, 'lengths[1]', '[1, 3]', '4');
    expectError(() => model.forward(ids, [0, 3]), RangeError, 'lengths[0]', '0');
    expectError(() => padSequences([[1, 2], []], 0), RangeError, 'sequences[1]', 'empty');
    expectError(() => new SequenceClassifier({ vocabSize: 10, embeddingDim: 3, hiddenSize: 2, numClasses: 1 }), RangeError, 'numClasses', 'in [2, 2147483647]', '1');
  });
  it('tensor() rejects ragged arrays', () => {
    expectError(() => tensor([[1, 2], [3]]), RangeError, 'ragged', 'expected length 2', 'received 1');
  });
});
