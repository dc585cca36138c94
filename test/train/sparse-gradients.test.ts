/**
 * Row-sparse embedding gradients (Embedding sparse: true, Parameter.rows) give the same numbers as the dense
 * gradient: the same gradient values, the same gradient norm to the bit (every norm type), the same clipped
 * gradients, the same updates from every optimizer whose semantics do not depend on sparsity, and the same
 * training run through a classifier. Only zeroGrad does less (the rows it touched).
 */
import { describe, it, expect } from 'vitest';
import { Embedding } from '../../src/layers/embedding.js';
import { SequenceClassifier } from '../../src/models/classifier.js';
import type { Parameter } from '../../src/parameter.js';
import { RowSet } from '../../src/row-set.js';
import { tensor, type DType } from '../../src/tensor.js';
import { clipGradNorm, clipGradValue, gradNorm } from '../../src/train/clip.js';
import { fit } from '../../src/train/fit.js';
import { Adagrad, Adam, AdamW, RMSprop, SGD, type Optimizer } from '../../src/train/optim/index.js';
import { Rng } from '../../src/random.js';
import { expectError } from '../helpers/errors.js';

const V = 50;
const D = 4;

/** Two embeddings with the same weights, one sparse; a dense extra parameter each (same values). */
function pair(dtype: DType = 'float32'): { sparse: Embedding; dense: Embedding; extra: [Parameter, Parameter] } {
  const sparse = new Embedding({ numEmbeddings: V, embeddingDim: D, paddingIdx: 0, seed: 4, dtype, sparse: true });
  const dense = new Embedding({ numEmbeddings: V, embeddingDim: D, paddingIdx: 0, seed: 4, dtype });
  const make = (): Parameter => ({ name: 'extra', value: tensor([0.5, -1, 2], [3], dtype), grad: tensor([0.3, -0.2, 0.1], [3], dtype) });
  return { sparse, dense, extra: [make(), make()] };
}

/** Forward and backward of a batch of ids (ascending and descending, repeats, padding) through both embeddings. */
function backward(e: Embedding[], seed: number, scale = 1): void {
  const rng = new Rng(seed);
  const ids = Int32Array.from({ length: 24 }, (_, i) => (i % 7 === 6 ? 0 : Math.floor(rng.uniform(0, V))));
  const dOut = Float64Array.from({ length: 24 * D }, () => rng.uniform(-1, 1) * scale);
  for (const emb of e) {
    emb.forward({ data: ids, shape: [4, 6] });
    emb.backward({ data: emb.weight.value.data instanceof Float64Array ? dOut : Float32Array.from(dOut), shape: [4, 6, D] });
  }
}

describe('Embedding sparse: true', () => {
  it('records exactly the ids of the batch but the padding id, across accumulating backward calls', () => {
    const { sparse, dense } = pair();
    backward([sparse, dense], 1);
    backward([sparse, dense], 2);
    expect([...sparse.weight.grad.data]).toEqual([...dense.weight.grad.data]);
    const nonZeroRows = Array.from({ length: V }, (_, r) => r).filter((r) => dense.weight.grad.data.subarray(r * D, r * D + D).some((v) => v !== 0));
    expect([...sparse.weight.rows!.rows()]).toEqual(nonZeroRows);
    expect(sparse.weight.rows!.has(0)).toBe(false);
    expect(dense.weight.rows).toBeUndefined();
  });

  it('zeroGrad zeroes the recorded rows and empties the set; parameters() carries the set', () => {
    const { sparse } = pair();
    backward([sparse], 3);
    const [param] = sparse.parameters();
    expect(param.rows).toBe(sparse.weight.rows);
    sparse.zeroGrad();
    expect(sparse.weight.rows!.size).toBe(0);
    expect(sparse.weight.grad.data.every((v) => v === 0)).toBe(true);
    backward([sparse], 4);
    new Adam([param]).zeroGrad();
    expect(sparse.weight.rows!.size).toBe(0);
    expect(sparse.weight.grad.data.every((v) => v === 0)).toBe(true);
  });

  it('rejects a non-boolean sparse and a wrong rows on a parameter', () => {
    expectError(() => new Embedding({ numEmbeddings: 3, embeddingDim: 2, sparse: 1 as never }), TypeError, 'sparse', 'boolean');
    const p: Parameter = { name: 'p', value: tensor([1, 2, 3, 4], [2, 2]), grad: tensor([0, 0, 0, 0], [2, 2]), rows: new RowSet(3, 2) };
    expectError(() => new SGD([p], { lr: 1 }), TypeError, 'params[0].rows', 'RowSet covering the 4');
    expectError(() => gradNorm([{ ...p, rows: {} as RowSet }]), TypeError, 'rows');
  });
});

describe('gradient norm and clipping over row-sparse gradients', () => {
  it.each([2, 1, 3, Infinity])('give the dense results to the bit (normType %s)', (normType) => {
    for (const dtype of ['float32', 'float64'] as const) {
      const { sparse, dense, extra } = pair(dtype);
      backward([sparse, dense], 5);
      const ps = [sparse.weight, extra[0]];
      const pd = [dense.weight, extra[1]];
      expect(gradNorm(ps, normType)).toBe(gradNorm(pd, normType));
      expect(clipGradNorm(ps, 0.5, normType)).toBe(clipGradNorm(pd, 0.5, normType));
      expect([...sparse.weight.grad.data]).toEqual([...dense.weight.grad.data]);
      clipGradValue(ps, 0.01);
      clipGradValue(pd, 0.01);
      expect([...sparse.weight.grad.data]).toEqual([...dense.weight.grad.data]);
      expect([...extra[0].grad.data]).toEqual([...extra[1].grad.data]);
    }
  });

  it('give the dense results when Σg² overflows (the rescaled path) and with a NaN', () => {
    const { sparse, dense } = pair('float64');
    backward([sparse, dense], 6, 1e200);
    expect(gradNorm([sparse.weight])).toBe(gradNorm([dense.weight]));
    expect(gradNorm([sparse.weight])).toBeGreaterThan(1e200);
    const row = sparse.weight.rows!.rows()[1];
    sparse.weight.grad.data[row * D + 2] = NaN;
    dense.weight.grad.data[row * D + 2] = NaN;
    expect(gradNorm([sparse.weight])).toBeNaN();
    expect(gradNorm([sparse.weight], Infinity)).toBeNaN();
    expect(clipGradNorm([sparse.weight], 1)).toBeNaN();
    expect([...sparse.weight.grad.data]).toEqual([...dense.weight.grad.data]);
  });
});

describe('optimizers over row-sparse gradients', () => {
  const optimizers: [string, (ps: Parameter[]) => Optimizer][] = [
    ['SGD', (ps) => new SGD(ps, { lr: 0.1 })],
    ['SGD momentum, weightDecay', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, weightDecay: 0.01 })],
    ['Adam', (ps) => new Adam(ps, { lr: 0.01 })],
    ['Adam amsgrad', (ps) => new Adam(ps, { lr: 0.01, amsgrad: true })],
    ['AdamW', (ps) => new AdamW(ps, { lr: 0.01 })],
    ['Adagrad', (ps) => new Adagrad(ps, { lr: 0.1 })],
    ['RMSprop', (ps) => new RMSprop(ps, { lr: 0.01, momentum: 0.5 })],
  ];
  it.each(optimizers)('%s: the same weights as from the dense gradient after clipped steps', (_, make) => {
    const { sparse, dense } = pair();
    const os = make([sparse.weight]);
    const od = make([dense.weight]);
    for (let s = 0; s < 4; s++) {
      os.zeroGrad();
      od.zeroGrad();
      backward([sparse, dense], 10 + s, 3);
      expect(clipGradNorm([sparse.weight], 1)).toBe(clipGradNorm([dense.weight], 1));
      os.step();
      od.step();
      expect([...sparse.weight.value.data]).toEqual([...dense.weight.value.data]);
    }
  });
});

describe('a classifier with sparseEmbedding', () => {
  it('trains exactly as the dense one with Adam and clipping (same weights to the bit)', async () => {
    const examples = Array.from({ length: 40 }, (_, i) => {
      const ids = Array.from({ length: 2 + (i % 6) }, (_, t) => 1 + ((i * 5 + t * 7) % 29));
      return { ids, label: ids.includes(8) ? 1 : 0 };
    });
    const make = (sparseEmbedding: boolean): SequenceClassifier =>
      new SequenceClassifier({ vocabSize: 30, embeddingDim: 6, hiddenSize: 5, numClasses: 2, cell: 'gru', bidirectional: true, pooling: 'max', backend: 'reference', seed: 7, sparseEmbedding });
    const runs = await Promise.all([make(true), make(false)].map(async (model) => {
      const history = await fit(model, examples, { epochs: 2, batchSize: 8, optimizer: { name: 'adam', lr: 0.01 }, clipGradNorm: 0.5, seed: 2, verbose: false });
      return { model, loss: history.metrics.loss };
    }));
    expect(runs[0].loss).toEqual(runs[1].loss);
    const sd = runs[1].model.stateDict();
    for (const [name, t] of Object.entries(runs[0].model.stateDict())) expect([...t.data], name).toEqual([...sd[name].data]);
    expectError(() => make('yes' as never), TypeError, 'sparseEmbedding', 'boolean');
  });
});
