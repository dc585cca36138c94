/**
 * SparseAdam against PyTorch 1.13: torch.optim.SparseAdam on an nn.Embedding(sparse=True) plus
 * torch.optim.Adam on a dense parameter, four steps in float64 (test/fixtures/make_sparse_adam.py wrote
 * sparse_adam.json). Here one SparseAdam drives both, with the gradients our Embedding's backward computes.
 */
import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { Embedding } from '../../src/layers/embedding.js';
import type { Parameter } from '../../src/parameter.js';
import { tensor } from '../../src/tensor.js';
import { Adam, SparseAdam } from '../../src/train/optim/index.js';
import { fit } from '../../src/train/fit.js';
import { SequenceClassifier } from '../../src/models/classifier.js';
import { relativeError } from '../helpers/gradcheck.js';
import { expectError } from '../helpers/errors.js';

interface Golden {
  lr: number;
  betas: [number, number];
  eps: number;
  paddingIdx: number;
  weight0: number[][];
  w0: number[];
  steps: { ids: number[][]; dOut: number[][][]; gW: number[]; weight: number[][]; w: number[] }[];
}

const golden = JSON.parse(readFileSync(new URL('../fixtures/sparse_adam.json', import.meta.url), 'utf8')) as Golden;

function setup(sparse: boolean): { emb: Embedding; w: Parameter } {
  const emb = new Embedding({ numEmbeddings: 6, embeddingDim: 3, paddingIdx: golden.paddingIdx, dtype: 'float64', sparse });
  emb.weight.value.data.set(golden.weight0.flat());
  const w: Parameter = { name: 'w', value: tensor(golden.w0, [4], 'float64'), grad: tensor([0, 0, 0, 0], [4], 'float64') };
  return { emb, w };
}

/** Zeroes the gradients, runs the embedding's forward and backward and sets w's gradient for step s. */
function gradients(emb: Embedding, w: Parameter, s: number, zero: () => void): void {
  const step = golden.steps[s];
  zero();
  emb.forward({ data: Int32Array.from(step.ids.flat()), shape: [2, 4] });
  emb.backward(tensor(step.dOut.flat(2), [2, 4, 3], 'float64'));
  w.grad.data.set(step.gW);
}

describe('SparseAdam', () => {
  it('follows PyTorch SparseAdam (embedding rows) + Adam (dense parameter) step by step', () => {
    const { emb, w } = setup(true);
    const params = [...emb.parameters(), w];
    const opt = new SparseAdam(params, { lr: golden.lr, betas: golden.betas, eps: golden.eps });
    golden.steps.forEach((step, s) => {
      gradients(emb, w, s, () => opt.zeroGrad());
      opt.step();
      expect(relativeError(emb.weight.value.data, step.weight.flat()), `embedding after step ${s + 1}`).toBeLessThan(1e-12);
      expect(relativeError(w.value.data, step.w), `w after step ${s + 1}`).toBeLessThan(1e-12);
    });
  });

  it('is lazy: a row the step did not see keeps its weights and moments exactly; Adam moves it', () => {
    const lazy = setup(true);
    const eager = setup(true);
    const lazyOpt = new SparseAdam([lazy.emb.weight], { lr: golden.lr });
    const eagerOpt = new Adam([eager.emb.weight], { lr: golden.lr });
    for (let s = 0; s < golden.steps.length; s++) {
      const seen = new Set(golden.steps[s].ids.flat());
      const before = lazy.emb.weight.value.data.slice();
      const momentsBefore = lazyOpt.stateDict().state.weight?.buffers.exp_avg.data;
      gradients(lazy.emb, lazy.w, s, () => lazyOpt.zeroGrad());
      gradients(eager.emb, eager.w, s, () => eagerOpt.zeroGrad());
      lazyOpt.step();
      eagerOpt.step();
      const after = lazy.emb.weight.value.data;
      const moments = lazyOpt.stateDict().state.weight.buffers.exp_avg.data;
      for (let row = 1; row < 6; row++) {
        const slice = (a: ArrayLike<number>) => Array.from({ length: 3 }, (_, j) => a[row * 3 + j]);
        if (seen.has(row)) continue;
        expect(slice(after), `step ${s + 1} row ${row}`).toEqual(slice(before));
        if (momentsBefore) expect(slice(moments)).toEqual(slice(momentsBefore));
      }
    }
    // Step 4 saw only row 4; Adam still moved rows 1, 2, 3 and 5 with their decaying moments.
    expect(relativeError(lazy.emb.weight.value.data, eager.emb.weight.value.data)).toBeGreaterThan(1e-3);
    expect(lazyOpt.stateDict().state.weight.step).toBe(4);
  });

  it('updates a dense parameter (no rows) exactly as Adam does', () => {
    const a = setup(false);
    const b = setup(false);
    const sparseOpt = new SparseAdam([a.emb.weight, a.w], { lr: golden.lr, betas: golden.betas, eps: golden.eps });
    const adam = new Adam([b.emb.weight, b.w], { lr: golden.lr, betas: golden.betas, eps: golden.eps });
    for (let s = 0; s < golden.steps.length; s++) {
      gradients(a.emb, a.w, s, () => sparseOpt.zeroGrad());
      gradients(b.emb, b.w, s, () => adam.zeroGrad());
      sparseOpt.step();
      adam.step();
    }
    expect([...a.emb.weight.value.data]).toEqual([...b.emb.weight.value.data]);
    expect([...a.w.value.data]).toEqual([...b.w.value.data]);
  });

  it('has no weight decay and no amsgrad, as PyTorch', () => {
    const { emb } = setup(true);
    expectError(() => new SparseAdam([emb.weight], { weightDecay: 0.1 } as never), RangeError, 'weightDecay', 'SparseAdam', '0.1');
    expectError(() => new SparseAdam([emb.weight], { amsgrad: true } as never), RangeError, 'amsgrad', 'expected it unset');
    expectError(() => new SparseAdam([emb.weight], null as never), TypeError, 'options', 'null');
    expectError(() => new SparseAdam([emb.weight], { betas: [0.9, 1] }), RangeError, 'betas[1]');
  });

  it("trains a classifier through fit as { name: 'sparse_adam' }", async () => {
    const examples = Array.from({ length: 48 }, (_, i) => {
      const ids = Array.from({ length: 3 + (i % 5) }, (_, t) => 1 + ((i * 7 + t * 3) % 9));
      return { ids, label: ids.includes(3) ? 1 : 0 };
    });
    const model = new SequenceClassifier({ vocabSize: 10, embeddingDim: 4, hiddenSize: 5, numClasses: 2, cell: 'gru', backend: 'reference', seed: 3, sparseEmbedding: true });
    const before = model.embedding.weight.value.data.slice();
    const history = await fit(model, examples, { epochs: 3, batchSize: 8, optimizer: { name: 'sparse_adam', lr: 0.05 }, seed: 1, verbose: false });
    expect(history.epochs).toBe(3);
    expect(history.metrics.loss[2]).toBeLessThan(history.metrics.loss[0]);
    // Row 0 (the padding row) never moves; every id that occurs did.
    expect(Array.from(model.embedding.weight.value.data.subarray(0, 4))).toEqual(Array.from(before.subarray(0, 4)));
    expect(model.embedding.weight.value.data[4]).not.toBe(before[4]);
    await expect(fit(model, examples, { epochs: 1, optimizer: { name: 'sparse_adam', weightDecay: 1 } as never, verbose: false })).rejects.toThrow(/options\.optimizer\.weightDecay/);
  });
});
