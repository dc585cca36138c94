// Stateful language models (truncated BPTT over a long stream): streamExamples lays the stream out so row b
// continues row b; evaluating chunk by chunk with the carried state equals evaluating each stream whole; the
// carried state changes predictions (and helps a trained model); gradients stop at chunk boundaries; the
// state is reset by onEpochStart / resetState and set or read through setState / getState.
import { describe, expect, it } from 'vitest';
import { LanguageModel, streamExamples, type LanguageModelOptions } from '../../src/models/language-model.js';
import { fit } from '../../src/train/fit.js';
import type { Backend } from '../../src/backend/backend.js';
import { Rng } from '../../src/random.js';
import { testBackends } from '../helpers/backends.js';
import { relativeError } from '../helpers/gradcheck.js';
import { expectError } from '../helpers/errors.js';
import { charStream, unigramBits } from './language-model-text.js';

/** Ordered batches of `batchSize` examples, as fit cuts an ordered example list. */
function batchesOf<T>(items: T[], batchSize: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += batchSize) out.push(items.slice(i, i + batchSize));
  return out;
}

/** Summed loss and count of evaluating `examples` in order, batch by batch. */
async function evaluateInOrder(model: LanguageModel, examples: unknown[], batchSize: number, resetEachBatch = false): Promise<{ loss: number; count: number }> {
  let loss = 0;
  let count = 0;
  for (const batch of batchesOf(examples.map((e, i) => model.checkExample(e, i)), batchSize)) {
    if (resetEachBatch) model.resetState();
    const s = await model.evaluateBatch(model.collate(batch));
    loss += s.loss;
    count += s.count;
  }
  return { loss, count };
}

describe('streamExamples', () => {
  it('cuts B parallel streams into chunks, chunk-major, each chunk starting where the previous one ended', () => {
    const ids = Array.from({ length: 11 }, (_, i) => i); // S = 5 ids per stream; id 10 is dropped
    expect(streamExamples(ids, 2, 3)).toEqual([{ ids: [0, 1, 2, 3] }, { ids: [5, 6, 7, 8] }, { ids: [3, 4] }, { ids: [8, 9] }]);
    expect(streamExamples(Int32Array.of(4, 5, 6), 1, 8)).toEqual([{ ids: [4, 5, 6] }]);
    expectError(() => streamExamples([1, 2, 3], 2, 4), RangeError, 'at least 2 ids per stream', 'received 3 ids for batchSize 2');
    expectError(() => streamExamples([1, 2, 3, 4], 0, 4), RangeError, 'batchSize', 'received 0');
    expectError(() => streamExamples('abc' as never, 1, 4), TypeError, 'number[] or Int32Array', '"abc"');
  });
});

describe.each(testBackends().map((b) => [b.name, b] as [string, Backend]))('stateful LanguageModel on the %s engine', (_, backend) => {
  const options = (cell: 'rnn' | 'lstm' | 'gru'): LanguageModelOptions =>
    ({ vocabSize: 7, embeddingDim: 4, hiddenSize: 5, numLayers: 2, cell, stateful: true, chunkLength: 4, seed: 6, backend });
  const rng = new Rng(1);
  const stream = Array.from({ length: 2 * 13 + 1 }, () => rng.int(7));

  it.each(['rnn', 'lstm', 'gru'] as const)('chunk by chunk with the carried state = each stream whole; reset state differs (%s)', async (cell) => {
    const model = new LanguageModel(options(cell));
    expect(model.ordered).toBe(true);
    const examples = model.streamExamples(stream, 2);
    const chunked = await evaluateInOrder(model, examples, 2);
    const whole = new LanguageModel({ ...options(cell), stateful: false, chunkLength: undefined });
    whole.loadStateDict(model.stateDict());
    const rows = streamExamples(stream, 2, 1000); // the two streams, uncut
    const all = await whole.evaluateBatch(whole.collate(rows.map((e, i) => whole.checkExample(e, i))));
    expect(chunked.count).toBe(2 * 12);
    expect(all.count).toBe(chunked.count);
    expect(relativeError([chunked.loss], [all.loss])).toBeLessThanOrEqual(1e-5);
    model.resetState();
    const reset = await evaluateInOrder(model, examples, 2, true);
    expect(Math.abs(reset.loss - chunked.loss)).toBeGreaterThan(1e-3);
  });

  it.each(['rnn', 'lstm', 'gru'] as const)('backward of a chunk stops at its start: the same gradients with or without the previous chunk trained (%s)', async (cell) => {
    const [c1, c2] = batchesOf(new LanguageModel(options(cell)).streamExamples(stream, 2), 2);
    const a = new LanguageModel(options(cell));
    await a.trainBatch(a.collate(c1.map((e, i) => a.checkExample(e, i))));
    const carried = a.getState()!;
    expect(carried.h.shape).toEqual([2, 2, 5]);
    expect(carried.c === undefined).toBe(cell !== 'lstm');
    a.zeroGrad();
    const ra = await a.trainBatch(a.collate(c2.map((e, i) => a.checkExample(e, i))));
    // b never saw chunk 1: it starts chunk 2 from the same state values, set by hand
    const b = new LanguageModel(options(cell));
    b.setState(carried);
    const rb = await b.trainBatch(b.collate(c2.map((e, i) => b.checkExample(e, i))));
    expect(rb).toEqual(ra);
    expect(b.gradients()).toEqual(a.gradients());
    expect(b.getState()).toEqual(a.getState());
    // …and the carried values do matter: from zeros the gradients differ
    const c = new LanguageModel(options(cell));
    await c.trainBatch(c.collate(c2.map((e, i) => c.checkExample(e, i))));
    expect(relativeError(c.gradients()['rnn.weight_hh_l0'].data, a.gradients()['rnn.weight_hh_l0'].data)).toBeGreaterThan(1e-4);
  });

  it('a trained stateful model predicts better with its carried state than from zeros every chunk', async () => {
    const { chars, ids } = charStream();
    const split = Math.floor(ids.length * 0.85);
    const train = ids.slice(0, split);
    const held = ids.slice(split);
    const model = new LanguageModel({ vocabSize: chars.length, embeddingDim: 16, hiddenSize: 32, cell: 'lstm', stateful: true, chunkLength: 8, seed: 1, backend });
    const examples = model.streamExamples(train, 16);
    const heldExamples = model.streamExamples(held, 16); // validation batches are cut with fit's batchSize too
    const epochs: number[] = [];
    const started = performance.now();
    const history = await fit(model, examples, {
      epochs: 8, batchSize: 16, optimizer: { name: 'adam', lr: 0.01 }, clipGradNorm: 5, validationData: heldExamples, seed: 1, verbose: false,
      onBatchEnd: ({ epoch, batch }) => {
        if (batch === 0) epochs.push(epoch);
        if (batch === 0) expect(model.getState()!.h.shape).toEqual([1, 16, 32]); // carried from the epoch's first batch on
      },
    });
    const seconds = (performance.now() - started) / 1000;
    expect(epochs).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    model.resetState();
    const carried = await evaluateInOrder(model, heldExamples, 16);
    expect(carried.loss / carried.count / Math.LN2).toBeCloseTo(history.metrics.val_bitsPerToken[7], 6); // fit evaluated the same way
    const fromZeros = await evaluateInOrder(model, heldExamples, 16, true);
    const bits = (s: { loss: number; count: number }): number => s.loss / s.count / Math.LN2;
    const unigram = unigramBits(train, held, chars.length);
    console.log(`[${backend.name}] stateful TBPTT (chunks of 8): held-out ${bits(carried).toFixed(3)} bits/char carried, ${bits(fromZeros).toFixed(3)} from zeros every chunk (unigram ${unigram.toFixed(3)}), ${8 * (examples.length / 16)} steps in ${seconds.toFixed(2)} s`);
    expect(bits(carried)).toBeLessThan(unigram - 0.8);
    expect(bits(carried)).toBeLessThan(bits(fromZeros) - 0.1);
  });
});

describe('stateful LanguageModel state handling', () => {
  const make = (cell: 'rnn' | 'lstm' = 'lstm'): LanguageModel =>
    new LanguageModel({ vocabSize: 5, embeddingDim: 3, hiddenSize: 4, cell, stateful: true, chunkLength: 3, seed: 2, backend: 'reference' });

  it('onEpochStart and resetState clear the carried state; setState copies', async () => {
    const model = make();
    expect(model.getState()).toBeNull();
    await model.trainBatch(model.collate([model.checkExample({ ids: [1, 2, 3] }, 0)]));
    const state = model.getState()!;
    expect(state.c!.shape).toEqual([1, 1, 4]);
    model.onEpochStart();
    expect(model.getState()).toBeNull();
    model.setState(state);
    state.h.data[0] += 1; // setState copied: the model's state is unchanged
    expect(model.getState()!.h.data[0]).toBe(state.h.data[0] - 1);
    model.resetState();
    expect(model.getState()).toBeNull();
    expect(model.config()).toMatchObject({ stateful: true, chunkLength: 3 });
  });

  it('rngStates() carries the state through a checkpoint (JSON), so a resumed run continues exactly', async () => {
    const a = make();
    const chunk = (ids: number[]) => a.collate([a.checkExample({ ids }, 0), a.checkExample({ ids: ids.map((v) => 4 - v) }, 1)]);
    await a.trainBatch(chunk([1, 2, 3, 4]));
    const saved = JSON.parse(JSON.stringify(a.rngStates()));
    const b = make();
    b.setRngStates(saved);
    expect(b.getState()).toEqual(a.getState());
    a.zeroGrad();
    expect(await b.trainBatch(chunk([4, 0, 1]))).toEqual(await a.trainBatch(chunk([4, 0, 1])));
    expect(b.gradients()).toEqual(a.gradients());
    expectError(() => b.setRngStates({ rnn: saved.rnn, carried: { shape: [1, 2, 4], h: [1, 2] } }), RangeError, 'setRngStates(states.carried.h)');
  });

  it('rejects chunks that are too long, batches that change rows, and bad states', async () => {
    const model = make();
    expectError(() => model.checkExample({ ids: [1, 2, 3, 4, 0] }, 2), RangeError, 'examples[2].ids', 'chunkLength + 1 = 4', 'streamExamples', 'received 5');
    await model.trainBatch(model.collate([model.checkExample({ ids: [1, 2] }, 0), model.checkExample({ ids: [3, 4] }, 1)]));
    await expect(model.trainBatch(model.collate([model.checkExample({ ids: [1, 2] }, 0)]))).rejects.toThrow(/expected 2 rows, received 1/);
    const h = { data: new Float32Array(8), shape: [1, 2, 4] };
    expectError(() => model.setState({ h }), TypeError, 'state.c', 'undefined');
    expectError(() => model.setState({ h: { data: new Float32Array(8), shape: [2, 1, 4] }, c: h }), RangeError, 'state.h', '[numLayers, B, hiddenSize] = [1, B, 4]', 'received [2, 1, 4]');
    expectError(() => model.setState({ h, c: { data: new Float32Array(4), shape: [1, 1, 4] } }), RangeError, 'state.c', '= [1, 2, 4]', 'received [1, 1, 4]');
    expectError(() => model.setState({ h: { data: new Float64Array(8), shape: [1, 2, 4] }, c: h }), TypeError, 'float32', 'Float64Array');
    expectError(() => make('rnn').setState({ h, c: h }), TypeError, 'only an LSTM');
    expectError(() => model.setState('zeros' as never), TypeError, 'null or { h, c }', '"zeros"');
  });
});
