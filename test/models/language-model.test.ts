// The language model: it learns English characters (held-out bits/char far below the unigram entropy); exact
// float64 gradients through padding and the condition map; padding changes nothing; generation through the
// one-step cells agrees with the sequence layer, repeats for a seed, and honours greedy / top-k / stopId;
// a condition selects what is generated; bad inputs are precise errors. Stateful TBPTT: language-model-stateful.test.ts.
import { describe, expect, it } from 'vitest';
import { LanguageModel, type LanguageModelOptions } from '../../src/models/language-model.js';
import { conditionForward } from '../../src/models/language-model-condition.js';
import { fit } from '../../src/train/fit.js';
import { sampleToken } from '../../src/generate/sampling.js';
import { LayerBusyError } from '../../src/layers/recurrent.js';
import { Rng } from '../../src/random.js';
import type { Backend } from '../../src/backend/backend.js';
import { testBackends } from '../helpers/backends.js';
import { relativeError } from '../helpers/gradcheck.js';
import { expectError } from '../helpers/errors.js';
import { charStream, randomWindows, unigramBits } from './language-model-text.js';

const small = (extra: Partial<LanguageModelOptions> = {}): LanguageModel =>
  new LanguageModel({ vocabSize: 6, embeddingDim: 3, hiddenSize: 4, seed: 3, backend: 'reference', dtype: 'float64', ...extra });

/** Next-token logits after each prefix, by re-running the sequence layer on the whole prefix (eval mode). */
function layerLogits(model: LanguageModel, ids: number[], condition?: number | number[]): number[][] {
  model.eval();
  const x = model.embedding.forward({ data: ids, shape: [1, ids.length] });
  let h0 = null;
  let c0 = null;
  if (model.init && condition !== undefined) {
    const C = model.init.inFeatures;
    const row = new (model.rnn.dtype === 'float64' ? Float64Array : Float32Array)(C);
    if (typeof condition === 'number') row[condition] = 1;
    else row.set(condition);
    ({ h0, c0 } = conditionForward(model.init, { data: row, shape: [1, C] }, model.rnn.numLayers, model.rnn.hiddenSize, model.rnn.cell === 'lstm'));
  }
  const { output } = model.rnn.forward(x, h0, c0);
  const logits = model.head.forward(output).data;
  model.train();
  const V = model.vocabSize;
  return ids.map((_, t) => Array.from(logits.subarray(t * V, (t + 1) * V)));
}

describe.each(testBackends().map((b) => [b.name, b] as [string, Backend]))('LanguageModel on the %s engine', (_, backend) => {
  it('learns English characters: held-out bits/char far below the unigram entropy', async () => {
    const { chars, ids } = charStream();
    const split = Math.floor(ids.length * 0.85);
    const train = ids.slice(0, split);
    const held = ids.slice(split);
    const unigram = unigramBits(train, held, chars.length); // ≈ 4.3 bits
    const model = new LanguageModel({ vocabSize: chars.length, embeddingDim: 16, hiddenSize: 32, cell: 'gru', seed: 1, backend });
    const heldBatch = model.collate([model.checkExample({ ids: held }, 0)]);
    const before = model.metrics(await model.evaluateBatch(heldBatch));
    const windows = randomWindows(new Rng(2), train, 200 * 16, 32);
    const started = performance.now();
    const history = await fit(model, windows, { epochs: 1, batchSize: 16, optimizer: { name: 'adam', lr: 0.01 }, clipGradNorm: 5, seed: 3, verbose: false });
    const seconds = (performance.now() - started) / 1000;
    const after = model.metrics(await model.evaluateBatch(heldBatch));
    console.log(`[${backend.name}] held-out ${after.bitsPerToken.toFixed(3)} bits/char (unigram ${unigram.toFixed(3)}, untrained ${before.bitsPerToken.toFixed(3)}) after 200 steps in ${seconds.toFixed(2)} s`);
    expect(history.metrics.loss[0] / Math.LN2).toBeLessThan(before.bitsPerToken - 1); // the epoch's mean training loss
    expect(before.bitsPerToken).toBeGreaterThan(unigram);
    expect(after.bitsPerToken).toBeLessThan(unigram - 0.8); // ≈ 1.1 bits below across seeds; the passage is small
    expect(after.perplexity).toBeCloseTo(2 ** after.bitsPerToken, 6);
    expect(after.accuracy).toBeGreaterThan(0.3);
    expect(model.training).toBe(true);
  });

  it.each(['rnn', 'lstm', 'gru'] as const)('greedy generation through the cells follows the sequence layer (%s, 2 layers)', (cell) => {
    const model = new LanguageModel({ vocabSize: 7, embeddingDim: 5, hiddenSize: 6, numLayers: 2, cell, seed: 8, backend, condition: { kind: 'class', numClasses: 2 } });
    model.generate({ prompt: [1], condition: 0, maxLength: 2 }); // the cells exist before the weights change below
    for (const p of model.parameters()) for (let i = 0; i < p.value.data.length; i++) p.value.data[i] *= 3; // sharper, varied logits
    const prompt = [1, 4, 2];
    const out = model.generate({ prompt, condition: 1, maxLength: 12, temperature: 0 });
    expect(out).toHaveLength(12);
    expect(model.generate({ prompt, condition: 1, maxLength: 12, topK: 1, temperature: 2 })).toEqual(out);
    const rows = layerLogits(model, [...prompt, ...out.slice(0, -1)], 1).slice(prompt.length - 1);
    rows.forEach((row, t) => {
      const best = Math.max(...row);
      expect(best - row[out[t]], `step ${t}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(best)));
    });
    expect(model.logProb([...prompt, ...out], 0)).not.toBeCloseTo(model.logProb([...prompt, ...out], 1), 3); // the condition matters
  });

  it('sampling repeats for a seed, differs for another, keeps to the top k, and stops at stopId', () => {
    const model = new LanguageModel({ vocabSize: 12, embeddingDim: 4, hiddenSize: 8, cell: 'lstm', seed: 5, backend, startId: 0 });
    const a = model.generate({ maxLength: 40, seed: 11 });
    expect(model.generate({ maxLength: 40, seed: 11 })).toEqual(a);
    expect(model.generate({ maxLength: 40, seed: 12 })).not.toEqual(a);
    const k = model.generate({ maxLength: 30, seed: 4, topK: 3, temperature: 1.5 });
    layerLogits(model, [0, ...k.slice(0, -1)]).forEach((row, t) => {
      const third = [...row].sort((x, y) => y - x)[2];
      expect(row[k[t]], `step ${t}`).toBeGreaterThanOrEqual(third - 1e-6);
    });
    const stop = a[5];
    const stopped = model.generate({ maxLength: 40, seed: 11, stopId: stop });
    expect(stopped).toEqual(a.slice(0, a.indexOf(stop) + 1));
  });

  it.each([
    { cell: 'lstm' as const, condition: { kind: 'class' as const, numClasses: 2 }, values: [0, 1] },
    { cell: 'gru' as const, condition: { kind: 'vector' as const, size: 2 }, values: [[1, 0], [0, 1]] },
  ])('a condition selects the pattern generated ($cell, $condition.kind)', async ({ cell, condition, values }) => {
    // vocabulary: 0 start, 1 'a', 2 'b'. Condition 0 → a a a …, condition 1 → b b b …
    const model = new LanguageModel({ vocabSize: 3, embeddingDim: 4, hiddenSize: 8, cell, condition, startId: 0, seed: 2, backend });
    const examples = values.map((v, i) => ({ ids: [0, ...new Array(8).fill(1 + i)], condition: v }));
    await fit(model, examples, { epochs: 150, batchSize: 2, optimizer: { name: 'adam', lr: 0.03 }, clipGradNorm: 5, seed: 1, verbose: false });
    expect(model.generate({ condition: values[0] as never, maxLength: 10, temperature: 0 })).toEqual(new Array(10).fill(1));
    expect(model.generate({ condition: values[1] as never, maxLength: 10, temperature: 0 })).toEqual(new Array(10).fill(2));
    expect(model.generate({ condition: values[1] as never, maxLength: 10, seed: 1 })).toEqual(new Array(10).fill(2)); // sampled: p('b') ≈ 1
  });
});

describe('LanguageModel', () => {
  /** Mean loss of a batch by evaluation (eval mode; dropout 0, so the same function trainBatch differentiates). */
  async function numericGradient(model: LanguageModel, batch: ReturnType<LanguageModel['collate']>, data: Float64Array, eps = 1e-6): Promise<Float64Array> {
    const loss = async (): Promise<number> => {
      const s = await model.evaluateBatch(batch);
      return s.loss / s.count;
    };
    const grad = new Float64Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const saved = data[i];
      data[i] = saved + eps;
      const plus = await loss();
      data[i] = saved - eps;
      const minus = await loss();
      data[i] = saved;
      grad[i] = (plus - minus) / (2 * eps);
    }
    return grad;
  }

  it.each([
    { cell: 'rnn' as const, nonlinearity: 'relu' as const, condition: null },
    { cell: 'lstm' as const, condition: { kind: 'class' as const, numClasses: 3 } },
    { cell: 'gru' as const, condition: { kind: 'vector' as const, size: 2 } },
  ])('has exact float64 gradients through padding and the condition (%o)', async ({ condition, ...rest }) => {
    const model = small({ ...rest, condition, numLayers: 2, paddingIdx: 0 });
    const conds = condition === null ? [undefined, undefined, undefined] : condition.kind === 'class' ? [2, 0, 2] : [[0.5, -1], [2, 0.3], [-0.7, 0.1]];
    // the second example ends in a padding id: that target is ignored
    const batch = model.collate([[1, 2, 3, 4, 5], [5, 3, 0], [2, 2, 1, 4]].map((ids, i) => model.checkExample({ ids, condition: conds[i] }, i)));
    expect(batch.count).toBe(4 + 1 + 3);
    model.zeroGrad();
    const { loss, count } = await model.trainBatch(batch);
    const sums = await model.evaluateBatch(batch);
    expect(count).toBe(8);
    expect(loss).toBeCloseTo(sums.loss / sums.count, 12);
    for (const p of model.parameters()) {
      const numeric = await numericGradient(model, batch, p.value.data as Float64Array);
      expect(relativeError(p.grad.data, numeric), p.name).toBeLessThanOrEqual(1e-6);
    }
    if (condition) expect(model.parameters().map((p) => p.name)).toEqual(expect.arrayContaining(['init.weight', 'init.bias']));
  });

  it('collate: inputs ids[0..n−2], targets ids[1..n−1], padding ignored', () => {
    const model = small({ paddingIdx: 5 });
    const batch = model.collate([[1, 2, 3], [4, 1], [2, 5, 3]].map((ids, i) => model.checkExample({ ids }, i)));
    expect(batch.inputs.shape).toEqual([3, 2]);
    expect(Array.from(batch.inputs.data)).toEqual([1, 2, 4, 5, 2, 5]);
    expect(Array.from(batch.lengths)).toEqual([2, 1, 2]);
    expect(Array.from(batch.targets)).toEqual([2, 3, 1, -100, -100, 3]);
    expect(batch.count).toBe(4);
    expect(model.exampleLength(model.checkExample({ ids: Int32Array.of(1, 2, 3, 4) }, 0))).toBe(4);
  });

  it('a padded batch evaluates as its examples alone; logProb agrees', async () => {
    const model = small({ cell: 'lstm', numLayers: 2, paddingIdx: 0 });
    const examples = [[1, 2, 3, 4, 5], [5, 3], [2, 2, 1, 4]].map((ids, i) => model.checkExample({ ids }, i));
    const together = await model.evaluateBatch(model.collate(examples));
    let sum = 0;
    for (const e of examples) {
      const alone = await model.evaluateBatch(model.collate([e]));
      sum += alone.loss;
      expect(-model.logProb(Array.from(e.ids))).toBeCloseTo(alone.loss, 12);
    }
    expect(together.loss).toBeCloseTo(sum, 12);
    const m = model.metrics(together);
    expect(together.count).toBe(4 + 1 + 3);
    expect(m.loss).toBeCloseTo(together.loss / 8, 12);
    expect(m.bitsPerToken).toBeCloseTo(m.loss / Math.LN2, 12);
    expect(m.perplexity).toBeCloseTo(Math.exp(m.loss), 12);
  });

  it('sampling with a seed is exactly sampleToken over the layer’s logits (float64)', () => {
    const model = small({ cell: 'gru', numLayers: 2, vocabSize: 9 });
    const prompt = [3, 1];
    const out = model.generate({ prompt, maxLength: 25, seed: 21, temperature: 0.8, topP: 0.9 });
    const rng = new Rng(21);
    const rows = layerLogits(model, [...prompt, ...out.slice(0, -1)]).slice(prompt.length - 1);
    expect(rows.map((row) => sampleToken(row, rng, { temperature: 0.8, topP: 0.9 }))).toEqual(out);
  });

  it('config() rebuilds the model; state dict names are PyTorch-style', () => {
    const model = small({ cell: 'lstm', numLayers: 2, condition: { kind: 'class', numClasses: 2 }, paddingIdx: 0, startId: 1 });
    const copy = new LanguageModel({ ...(model.config() as unknown as LanguageModelOptions), backend: 'reference' });
    copy.loadStateDict(model.stateDict());
    expect(copy.config()).toEqual(model.config());
    expect(copy.logProb([1, 2, 3, 4], 1)).toBe(model.logProb([1, 2, 3, 4], 1));
    expect(Object.keys(model.stateDict())).toEqual([
      'embedding.weight', 'rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0',
      'rnn.weight_ih_l1', 'rnn.weight_hh_l1', 'rnn.bias_ih_l1', 'rnn.bias_hh_l1', 'head.weight', 'head.bias', 'init.weight', 'init.bias',
    ]);
    expect(model.stateDict()['init.weight'].shape).toEqual([2 * 2 * 4, 2]); // [h and c · layers · hidden, classes]
    expect(model.kind).toBe('language-model');
    expect(model.ordered).toBe(false);
  });

  it('rejects a call while trainBatch runs', async () => {
    const model = small({ startId: 0 });
    const pending = model.trainBatch(model.collate([model.checkExample({ ids: [1, 2, 3] }, 0)]));
    expect(() => model.generate({ maxLength: 3 })).toThrow(LayerBusyError);
    await expect(model.evaluateBatch(model.collate([model.checkExample({ ids: [1, 2] }, 0)]))).rejects.toThrow(LayerBusyError);
    await pending;
    expect(model.generate({ maxLength: 3, seed: 1 })).toHaveLength(3);
  });

  it('rejects bad options and inputs with what was expected and what arrived', async () => {
    const base = { vocabSize: 6, embeddingDim: 3, hiddenSize: 4, backend: 'reference' as const };
    expectError(() => new LanguageModel(null as never), TypeError, 'expected an object', 'null');
    expectError(() => new LanguageModel({ ...base, hidden: 3 } as never), TypeError, 'unknown option "hidden"');
    expectError(() => new LanguageModel({ ...base, vocabSize: 0 }), RangeError, 'vocabSize', 'received 0');
    expectError(() => new LanguageModel({ ...base, cell: 'transformer' as never }), RangeError, 'cell', '"transformer"');
    expectError(() => new LanguageModel({ ...base, cell: 'gru', nonlinearity: 'relu' }), RangeError, "only cell 'rnn'");
    expectError(() => new LanguageModel({ ...base, paddingIdx: 6 }), RangeError, 'paddingIdx', 'received 6');
    expectError(() => new LanguageModel({ ...base, chunkLength: 10 }), RangeError, 'chunkLength', 'stateful false');
    expectError(() => new LanguageModel({ ...base, stateful: true, condition: { kind: 'class', numClasses: 2 } }), RangeError, 'no condition');
    expectError(() => new LanguageModel({ ...base, condition: { kind: 'image' } as never }), RangeError, 'condition.kind', '"image"');
    expectError(() => new LanguageModel({ ...base, condition: { kind: 'class', size: 3 } as never }), TypeError, 'condition', '"size"');
    expectError(() => new LanguageModel({ ...base, condition: 'class' as never }), TypeError, 'condition', '"class"');
    expectError(() => new LanguageModel({ ...base, dropout: 1 }), RangeError, 'dropout', 'received 1');

    const model = new LanguageModel({ ...base, condition: { kind: 'class', numClasses: 2 } });
    expectError(() => model.checkExample([1, 2], 3), TypeError, 'examples[3]', 'an Array');
    expectError(() => model.checkExample({ ids: [1], condition: 0 }, 0), RangeError, 'examples[0].ids', 'at least 2 ids', 'received 1');
    expectError(() => model.checkExample({ ids: [1, 6], condition: 0 }, 0), RangeError, 'examples[0].ids[1]', '[0, 5]', 'received 6');
    expectError(() => model.checkExample({ ids: 'ab', condition: 0 }, 0), TypeError, 'examples[0].ids', '"ab"');
    expectError(() => model.checkExample({ ids: [1, 2] }, 1), TypeError, 'examples[1].condition', 'class id', 'undefined');
    expectError(() => model.checkExample({ ids: [1, 2], condition: 2 }, 1), RangeError, 'examples[1].condition', 'received 2');
    expectError(() => model.checkExample({ ids: [1, 2], condition: 0, label: 1 }, 1), TypeError, 'unknown key "label"');
    expectError(() => small().checkExample({ ids: [1, 2], condition: 0 }, 0), TypeError, 'no condition', 'received 0');
    const vec = small({ condition: { kind: 'vector', size: 2 } });
    expectError(() => vec.checkExample({ ids: [1, 2], condition: [1] }, 0), RangeError, 'vector of 2', 'received 1');
    expectError(() => vec.checkExample({ ids: [1, 2], condition: [1, NaN] }, 0), RangeError, 'condition[1]', 'NaN');
    expectError(() => model.collate([]), RangeError, 'non-empty array');
    await expect(model.trainBatch({} as never)).rejects.toThrow(TypeError);

    expectError(() => model.generate({ maxLength: 5, condition: 0 }), RangeError, 'prompt', 'startId');
    expectError(() => model.generate({ prompt: [1], maxLength: 0, condition: 0 }), RangeError, 'maxLength', 'received 0');
    expectError(() => model.generate({ prompt: [9], maxLength: 2, condition: 0 }), RangeError, 'generate(options.prompt)[0]', 'received 9');
    expectError(() => model.generate({ prompt: [1], maxLength: 2 }), TypeError, 'generate(options.condition)', 'undefined');
    expectError(() => model.generate({ prompt: [1], maxLength: 2, condition: 0, topk: 3 } as never), TypeError, 'unknown option "topk"');
    expectError(() => model.generate({ prompt: [1], maxLength: 2, condition: 0, temperature: -0.5 }), RangeError, 'temperature', '-0.5');
    expectError(() => model.generate({ prompt: [1], maxLength: 2, condition: 0, stopId: 7 }), RangeError, 'stopId', 'received 7');
    expectError(() => model.generate(3 as never), TypeError, 'maxLength', 'received 3');
    expectError(() => model.getState(), RangeError, 'only a stateful model');
    expectError(() => model.logProb([1], 0), RangeError, 'logProb(ids)', 'at least 2');
  });
});
