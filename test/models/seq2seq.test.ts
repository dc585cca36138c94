// Seq2Seq: exact float64 gradients of the whole loss (sampled entries of every parameter, central
// differences, reference engine) across cells, attention scores, bridges and depths; padding changes nothing;
// both engines agree; it learns to reverse strings (with and without attention, same budget); the
// TrainableModel contract (collate, metrics, config); bad inputs are precise errors.
import { describe, expect, it } from 'vitest';
import { Seq2Seq, type Seq2SeqOptions } from '../../src/models/seq2seq.js';
import { editDistance } from '../../src/models/seq2seq-metrics.js';
import { LayerBusyError } from '../../src/layers/recurrent.js';
import { evaluate, fit } from '../../src/train/fit.js';
import { Rng } from '../../src/random.js';
import { relativeError } from '../helpers/gradcheck.js';
import { expectError } from '../helpers/errors.js';
import { testBackends } from '../helpers/backends.js';

const PAD = 0;
const BOS = 1;
const EOS = 2;
const tiny = (o: Partial<Seq2SeqOptions> = {}): Seq2Seq =>
  new Seq2Seq({
    sourceVocabSize: 6, targetVocabSize: 7, embeddingDim: 3, hiddenSize: 4, bosId: BOS, eosId: EOS, paddingIdx: PAD,
    dtype: 'float64', backend: 'reference', seed: 7, ...o,
  });
const EXAMPLES = [
  { source: [3, 4, 5, 1], target: [5, 3, 6] },
  { source: [2], target: [] },
  { source: [5, 5, 3], target: [4, 3, 3, 4, 6] },
];

describe('Seq2Seq gradients (float64, reference engine)', () => {
  it.each([
    { cell: 'lstm' as const, attention: 'general' as const, bidirectional: true, bridge: 'linear' as const, numLayers: 2 },
    { cell: 'lstm' as const, attention: 'general' as const, bidirectional: true, bridge: 'sum' as const },
    { cell: 'gru' as const, attention: 'dot' as const },
    { cell: 'gru' as const, attention: 'general' as const, bidirectional: true, numLayers: 2 },
    { cell: 'rnn' as const, attention: 'none' as const, numLayers: 2 },
    { cell: 'lstm' as const, attention: 'none' as const, bidirectional: true, bridge: 'linear' as const },
  ])('match central differences on sampled entries of every parameter (%o)', async (config) => {
    const model = tiny(config);
    const batch = model.collate(EXAMPLES);
    model.zeroGrad();
    const { loss, count } = await model.trainBatch(batch);
    expect(count).toBe(3 + 1 + 0 + 1 + 5 + 1);
    expect(loss).toBeCloseTo(model.loss(batch), 12);
    const rng = new Rng(1);
    const eps = 1e-6;
    for (const p of model.parameters()) {
      const data = p.value.data as Float64Array;
      const picks = Array.from({ length: Math.min(6, data.length) }, () => rng.int(data.length));
      for (const i of picks) {
        const saved = data[i];
        data[i] = saved + eps;
        const plus = model.loss(batch);
        data[i] = saved - eps;
        const minus = model.loss(batch);
        data[i] = saved;
        const numeric = (plus - minus) / (2 * eps);
        const analytic = p.grad.data[i];
        expect(Math.abs(analytic - numeric), `${p.name}[${i}]: ${analytic} vs ${numeric}`).toBeLessThanOrEqual(1e-6 * Math.max(Math.abs(numeric), Math.abs(analytic)) + 1e-9);
      }
    }
    // the padding rows of both embeddings never get a gradient
    for (const name of ['encoder_embedding.weight', 'decoder_embedding.weight']) {
      const g = model.parameters().find((p) => p.name === name)!.grad.data;
      expect(Array.from(g.subarray(PAD * 3, PAD * 3 + 3))).toEqual([0, 0, 0]);
    }
  });

  it('padding changes nothing: the batch loss is the token-weighted mean of each example alone, and batched decoding equals one at a time', () => {
    const model = tiny({ cell: 'lstm', bidirectional: true, numLayers: 2 });
    const batch = model.collate(EXAMPLES);
    let sum = 0;
    for (const e of EXAMPLES) sum += model.loss(model.collate([e])) * (e.target.length + 1);
    expect(model.loss(batch)).toBeCloseTo(sum / batch.tokens, 12);
    const sources = EXAMPLES.map((e) => e.source);
    expect(model.translate(sources)).toEqual(sources.map((s) => model.translate(s)));
  });

  it('gives the same loss and gradients on both engines (float32)', async () => {
    const runs = await Promise.all(testBackends().map(async (backend) => {
      const model = new Seq2Seq({ sourceVocabSize: 6, targetVocabSize: 7, embeddingDim: 5, hiddenSize: 8, bosId: BOS, eosId: EOS, paddingIdx: PAD, cell: 'lstm', bidirectional: true, numLayers: 2, backend, seed: 3 });
      const { loss } = await model.trainBatch(model.collate(EXAMPLES));
      return { loss, grads: model.parameters().map((p) => p.grad.data) };
    }));
    for (const run of runs.slice(1)) {
      expect(run.loss).toBeCloseTo(runs[0].loss, 5);
      run.grads.forEach((g, i) => expect(relativeError(g, runs[0].grads[i])).toBeLessThanOrEqual(1e-4));
    }
  });
});

describe('Seq2Seq learns to reverse strings', () => {
  // 8 symbols (ids 3..10), lengths 3–6; held-out strings never appear in training.
  const rng = new Rng(1);
  const draw = (): number[] => Array.from({ length: 3 + rng.int(4) }, () => 3 + rng.int(8));
  const seen = new Set<string>();
  const unique = (n: number): number[][] => {
    const out: number[][] = [];
    while (out.length < n) {
      const s = draw();
      if (!seen.has(s.join())) {
        seen.add(s.join());
        out.push(s);
      }
    }
    return out;
  };
  const train = unique(3000);
  const heldOut = unique(200).map((s) => ({ source: s, target: [...s].reverse() }));

  async function fitReversal(attention: 'general' | 'none', epochs: number): Promise<{ exactMatch: number; tokenErrorRate: number; seconds: number }> {
    const model = new Seq2Seq({ sourceVocabSize: 11, targetVocabSize: 11, embeddingDim: 16, hiddenSize: 48, cell: 'gru', attention, bosId: BOS, eosId: EOS, paddingIdx: PAD, seed: 3, threads: 1 });
    const examples = train.map((s) => ({ source: s, target: [...s].reverse() }));
    const start = performance.now();
    await fit(model, examples, { epochs, batchSize: 32, optimizer: { name: 'adam', lr: 0.01 }, clipGradNorm: 5, seed: 2, verbose: false });
    const seconds = (performance.now() - start) / 1000;
    const m = await evaluate(model, heldOut, { batchSize: 200 });
    // translate agrees with what evaluateBatch scored
    const exact = heldOut.filter((e) => model.translate(e.source).join() === e.target.join()).length;
    expect(exact / heldOut.length).toBeCloseTo(m.exactMatch, 12);
    return { exactMatch: m.exactMatch, tokenErrorRate: m.tokenErrorRate, seconds };
  }

  it('to ≥ 90 % exact match on held-out strings with attention, in seconds (and reports the no-attention variant on the same budget)', async () => {
    const epochs = 4; // 4 × 3000 examples in batches of 32: 376 steps
    const withAttention = await fitReversal('general', epochs);
    const without = await fitReversal('none', epochs);
    console.log(`reversal, fit ${epochs} epochs of 3000 (376 steps of 32): attention 'general' ${JSON.stringify(withAttention)}; attention 'none' ${JSON.stringify(without)}`);
    expect(withAttention.exactMatch).toBeGreaterThanOrEqual(0.9);
    expect(withAttention.exactMatch).toBeGreaterThan(without.exactMatch);
  });
});

describe('Seq2Seq as a TrainableModel', () => {
  it('collates BOS + target as decoder input and target + EOS as gold, padding ignored', () => {
    const model = tiny();
    const b = model.collate(EXAMPLES);
    expect(b.steps).toBe(6);
    expect(b.source.shape).toEqual([3, 4]);
    expect(Array.from(b.sourceLengths)).toEqual([4, 1, 3]);
    expect(Array.from(b.decoderInput.subarray(0, 6))).toEqual([BOS, 5, 3, 6, PAD, PAD]);
    expect(Array.from(b.gold.subarray(0, 6))).toEqual([5, 3, 6, EOS, -100, -100]);
    expect(Array.from(b.gold.subarray(6, 12))).toEqual([EOS, -100, -100, -100, -100, -100]);
    expect(b.tokens).toBe(11);
    expect(model.exampleLength(model.checkExample(EXAMPLES[0], 0))).toBe(4);
    expect(model.exampleLength(model.checkExample(EXAMPLES[2], 2))).toBe(6);
    expect(model.kind).toBe('seq2seq');
  });

  it('evaluates loss, exactMatch and tokenErrorRate', async () => {
    const model = tiny();
    const batch = model.collate(EXAMPLES);
    const sums = await model.evaluateBatch(batch);
    expect(sums.count).toBe(11);
    expect(sums.loss / sums.count).toBeCloseTo(model.loss(batch), 12);
    const hyps = model.translate(EXAMPLES.map((e) => e.source));
    const ter = EXAMPLES.reduce((a, e, i) => a + editDistance(hyps[i], e.target) / Math.max(1, e.target.length), 0) / 3;
    const m = model.metrics(sums);
    expect(m.tokenErrorRate).toBeCloseTo(ter, 12);
    expect(m.exactMatch).toBe(EXAMPLES.filter((e, i) => hyps[i].join() === e.target.join()).length / 3);
    expect(editDistance([1, 2, 3], [1, 3])).toBe(1);
    expect(editDistance([], [4, 4])).toBe(2);
    expect(editDistance([1, 2, 3, 4], [2, 1, 3, 5])).toBe(3);
  });

  it('rebuilds from config() with PyTorch-style names, and loads the same weights', () => {
    const model = tiny({ cell: 'lstm', bidirectional: true, attention: 'general' });
    expect(model.parameters().map((p) => p.name)).toEqual([
      'encoder_embedding.weight',
      'encoder.weight_ih_l0', 'encoder.weight_hh_l0', 'encoder.bias_ih_l0', 'encoder.bias_hh_l0',
      'encoder.weight_ih_l0_reverse', 'encoder.weight_hh_l0_reverse', 'encoder.bias_ih_l0_reverse', 'encoder.bias_hh_l0_reverse',
      'bridge_h.weight', 'bridge_h.bias', 'bridge_c.weight', 'bridge_c.bias',
      'decoder_embedding.weight',
      'decoder.weight_ih_l0', 'decoder.weight_hh_l0', 'decoder.bias_ih_l0', 'decoder.bias_hh_l0',
      'attention.linear_in.weight', 'concat.weight', 'concat.bias', 'out.weight', 'out.bias',
    ]);
    const config = JSON.parse(JSON.stringify(model.config()));
    expect(config).not.toHaveProperty('backend');
    const copy = new Seq2Seq({ ...config, backend: 'reference', seed: 99 });
    copy.loadStateDict(model.stateDict());
    expect(copy.translate([3, 4, 5], { beamSize: 3 })).toEqual(model.translate([3, 4, 5], { beamSize: 3 }));
    expect(copy.logProbability([3, 4], [5])).toBe(model.logProbability([3, 4], [5]));
  });

  it('refuses calls while a trainBatch runs', async () => {
    const model = tiny();
    const pending = model.trainBatch(model.collate(EXAMPLES));
    expect(() => model.translate([3])).toThrow(LayerBusyError);
    expect(() => model.loss(model.collate(EXAMPLES))).toThrow(LayerBusyError);
    await expect(model.trainBatch(model.collate(EXAMPLES))).rejects.toThrow(LayerBusyError);
    await pending;
    expect(model.translate([3]).length).toBeGreaterThanOrEqual(0);
  });
});

describe('Seq2Seq bad inputs', () => {
  const base = { sourceVocabSize: 6, targetVocabSize: 7, embeddingDim: 3, hiddenSize: 4, bosId: BOS, eosId: EOS };
  it('options', () => {
    expectError(() => new Seq2Seq({ ...base, bosId: undefined } as never), TypeError, 'bosId', 'undefined');
    expectError(() => new Seq2Seq({ ...base, eosId: 7 }), RangeError, 'eosId', '[0, 6]', '7');
    expectError(() => new Seq2Seq({ ...base, eosId: BOS }), RangeError, 'eosId', 'bosId');
    expectError(() => new Seq2Seq({ ...base, hiddenSize: 0 }), RangeError, 'hiddenSize');
    expectError(() => new Seq2Seq({ ...base, cell: 'transformer' as never }), RangeError, 'cell', '"transformer"');
    expectError(() => new Seq2Seq({ ...base, attention: 'dot', bidirectional: true }), RangeError, 'attention', "'dot'", 'bidirectional');
    expectError(() => new Seq2Seq({ ...base, bridge: 'sum' }), RangeError, 'bridge', 'bidirectional');
    expectError(() => new Seq2Seq({ ...base, bidirectional: true, bridge: 'mean' as never }), RangeError, 'bridge', '"mean"');
    expectError(() => new Seq2Seq({ ...base, paddingIdx: 6 }), RangeError, 'paddingIdx', '[0, 5]');
    expectError(() => new Seq2Seq({ ...base, paddingIdx: BOS }), RangeError, 'paddingIdx', 'bosId');
    expectError(() => new Seq2Seq({ ...base, hidenSize: 4 } as never), TypeError, 'unknown option', '"hidenSize"');
    expectError(() => new Seq2Seq({ ...base, dtype: 'float16' as never }), RangeError, 'dtype');
    expectError(() => new Seq2Seq(null as never), TypeError, 'options');
  });

  it('examples, translate and logProbability arguments', async () => {
    const model = tiny();
    expectError(() => model.checkExample({ source: [], target: [3] }, 4), RangeError, 'examples[4].source', 'at least one');
    expectError(() => model.checkExample({ source: [3, 6], target: [3] }, 1), RangeError, 'examples[1].source[1]', '[0, 5]', '6');
    expectError(() => model.checkExample({ source: [3], target: [3, EOS] }, 0), RangeError, 'examples[0].target[1]', 'eosId');
    expectError(() => model.checkExample({ source: [3], target: [BOS, 3] }, 0), RangeError, 'examples[0].target[0]', 'bosId');
    expectError(() => model.checkExample({ source: [3] }, 2), TypeError, 'examples[2].target');
    expectError(() => model.checkExample({ source: '34', target: [] }, 0), TypeError, 'examples[0].source', '"34"');
    expectError(() => model.checkExample({ source: [3.5], target: [] }, 0), RangeError, 'examples[0].source[0]', '3.5');
    expectError(() => model.checkExample(7, 3), TypeError, 'examples[3]', '{ source, target }');
    expectError(() => model.collate([]), RangeError, 'collate', 'non-empty');
    expectError(() => model.translate([3], { beamSize: 0 }), RangeError, 'beamSize', '0');
    expectError(() => model.translate([3], { maxLength: 0 }), RangeError, 'maxLength');
    expectError(() => model.translate([3], { lengthPenalty: -0.5 }), RangeError, 'lengthPenalty', '-0.5');
    expectError(() => model.translate([3], { beam: 2 } as never), TypeError, 'unknown option', '"beam"');
    expectError(() => model.translate([9]), RangeError, 'translate(source)[0]', '9');
    expectError(() => model.translate([[3], [9]]), RangeError, 'translate(sources[1])[0]', '9');
    expectError(() => model.translate([]), RangeError, 'translate(source)', 'at least one');
    expectError(() => model.logProbability([3], [EOS]), RangeError, 'logProbability(target)[0]', 'eosId');
    await expect(model.trainBatch({} as never)).rejects.toThrow(/expected a batch from collate/);
    await expect(model.trainBatch({} as never)).rejects.toBeInstanceOf(TypeError);
  });
});
