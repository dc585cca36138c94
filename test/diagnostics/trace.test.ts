// trace: the hidden state after every token is the layer's output row; its last row is hN (forward
// direction); through a SequenceClassifier it explains the logits; the modules' modes are restored.
import { describe, expect, it } from 'vitest';
import { createRecurrentLayer } from '../../src/layers/factory.js';
import { SequenceClassifier } from '../../src/models/classifier.js';
import type { Tensor } from '../../src/tensor.js';
import { formatTrace, trace } from '../../src/diagnostics/trace.js';
import { Rng } from '../../src/random.js';
import { expectError } from '../helpers/errors.js';
import { testBackends } from '../helpers/backends.js';

function random(rng: Rng, shape: number[]): Tensor {
  return { data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)), shape };
}

/** Row r of a [R, 1, H] state tensor. */
function stateRow(s: Tensor, r: number): number[] {
  const H = s.shape[2];
  return Array.from(s.data.subarray(r * H, (r + 1) * H));
}

describe.each(testBackends().map((b) => [b.name, b] as const))('trace on the %s engine', (_name, backend) => {
  it.each(['rnn_tanh', 'lstm', 'gru'] as const)('%s: rows are the output rows; the last row is hN', (cell) => {
    const [T, I, H] = [7, 3, 5];
    const layer = createRecurrentLayer(cell, { inputSize: I, hiddenSize: H, backend, seed: 2 });
    const x = random(new Rng(4), [T, I]);
    const rows = trace(layer, x);
    expect(rows.length).toBe(T);
    expect(rows.every((r) => r.length === H)).toBe(true);
    layer.eval();
    const { output, hN } = layer.forward({ data: x.data, shape: [1, T, I] });
    expect(rows.flat()).toEqual(Array.from(output.data));
    expect(rows[T - 1]).toEqual(stateRow(hN, 0));
  });

  it('a stacked bidirectional layer: rows [forward | reverse] of the last layer; hN at both ends', () => {
    const [T, I, H, L] = [6, 3, 4, 2];
    const layer = createRecurrentLayer('gru', { inputSize: I, hiddenSize: H, numLayers: L, bidirectional: true, batchFirst: false, backend, seed: 3 });
    const x = random(new Rng(5), [T, 1, I]); // time-major batch of one
    const h0 = random(new Rng(6), [2 * L, 1, H]);
    const rows = trace(layer, x, { h0 });
    layer.eval();
    const { output, hN } = layer.forward(x, h0);
    expect(rows.flat()).toEqual(Array.from(output.data));
    expect(rows[T - 1].slice(0, H)).toEqual(stateRow(hN, (L - 1) * 2)); // forward direction: after the last token
    expect(rows[0].slice(H)).toEqual(stateRow(hN, (L - 1) * 2 + 1)); // reverse direction: after reading back to t = 0
    expect(trace(layer, { data: x.data, shape: [T, I] }, { h0 })).toEqual(rows);
  });

  it('through a SequenceClassifier: the embedding + rnn states; the head of the last row gives the logits', () => {
    const model = new SequenceClassifier({ vocabSize: 10, embeddingDim: 4, hiddenSize: 6, numClasses: 3, cell: 'lstm', seed: 8, backend });
    const ids = [3, 1, 4, 1, 5, 9, 2];
    const rows = trace(model, ids);
    expect(model.training).toBe(true); // restored
    expect(model.rnn.training).toBe(true);
    model.eval();
    const x = model.embedding.forward({ data: ids, shape: [1, ids.length] });
    const { output, hN } = model.rnn.forward(x);
    expect(rows.flat()).toEqual(Array.from(output.data));
    expect(rows[ids.length - 1]).toEqual(stateRow(hN, 0));
    const fromTrace = model.head.forward({ data: Float32Array.from(rows[ids.length - 1]), shape: [1, 6] });
    expect(Array.from(fromTrace.data)).toEqual(Array.from(model.forward({ data: ids, shape: [1, ids.length] }).data));
    expect(trace(model, Int32Array.from(ids))).toEqual(rows);
    expect(trace(model, { data: ids, shape: [1, ids.length] })).toEqual(rows);
  });
});

describe('trace: mode, table and bad input', () => {
  const layer = createRecurrentLayer('rnn_tanh', { inputSize: 2, hiddenSize: 3, backend: 'reference', seed: 1 });

  it('restores eval mode too', () => {
    layer.eval();
    trace(layer, { data: new Float32Array(4), shape: [2, 2] });
    expect(layer.training).toBe(false);
    layer.train();
  });

  it('formats the seed\'s table: one line per token, labelled', () => {
    const rows = trace(layer, { data: Float32Array.from([1, 0, 0, 1, 0.5, -0.5]), shape: [3, 2] });
    const table = formatTrace(rows, ['free', 'money', 'now']);
    const lines = table.split('\n');
    expect(lines.length).toBe(4);
    expect(lines[0]).toMatch(/^t\s+token\s+h\[0\]\s+h\[1\]\s+h\[2\]$/);
    expect(lines[2]).toContain('money');
    expect(lines[3]).toContain(rows[2][2].toFixed(3));
    expect(formatTrace(rows, undefined, { maxColumns: 2 }).split('\n')[0]).toContain('…');
    expectError(() => formatTrace(rows, ['only one']), RangeError, '3 labels', 'an Array of length 1');
  });

  it('names what it expected and what arrived', () => {
    expectError(() => trace({} as never, [1]), TypeError, 'trace(source)', 'SequenceClassifier', 'an object');
    expectError(() => trace(layer, { data: new Float32Array(12), shape: [2, 3, 2] }), RangeError, 'one sequence', '[2, 3, 2]');
    expectError(() => trace(layer, { data: new Float32Array(6), shape: [2, 3] }), RangeError, 'trace(input)', 'inputSize 2', '[2, 3]');
    const model = new SequenceClassifier({ vocabSize: 5, embeddingDim: 2, hiddenSize: 3, numClasses: 2, seed: 1, backend: 'reference' });
    expectError(() => trace(model, []), RangeError, 'at least one token id');
    expectError(() => trace(model, [1, 7]), RangeError, '[0, 4]', '7');
    expectError(() => trace(model, { data: [1, 2, 3, 4], shape: [2, 2] }), RangeError, 'shape [T] or [1, T]', '[2, 2]');
    expectError(() => trace(model, 'free money' as never), TypeError, 'token ids', '"free money"');
  });
});
