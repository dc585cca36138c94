import { describe, it, expect } from 'vitest';
import { binaryCrossEntropyWithLogits, crossEntropy, mseLoss, sigmoid, softmax, type Reduction } from '../../src/train/losses.js';
import { tensor, type Tensor } from '../../src/tensor.js';
import { numericGradient, relativeError } from '../helpers/gradcheck.js';

const TOL = 1e-6;
const REDUCTIONS: Reduction[] = ['mean', 'sum'];

/** A float64 tensor with deterministic, varied values. */
function f64(shape: number[], seed: number, scale = 2): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => scale * Math.sin(seed * 12.9898 + i * 78.233));
  return tensor(values, shape, 'float64');
}

describe('softmax / sigmoid', () => {
  it('softmax rows sum to 1 and survive huge logits', () => {
    const s = softmax(tensor([[1, 2, 3], [1000, 1000, -1000]], undefined, 'float64'));
    expect(s.data[0] + s.data[1] + s.data[2]).toBeCloseTo(1, 15);
    const e = [Math.exp(-2), Math.exp(-1), 1];
    const z = e[0] + e[1] + e[2];
    expect(relativeError(s.data.subarray(0, 3), e.map((v) => v / z))).toBeLessThan(1e-15);
    expect([...s.data.subarray(3)]).toEqual([0.5, 0.5, 0]);
    expect(s.data).toBeInstanceOf(Float64Array);
    expect(softmax(tensor([1, 2])).data).toBeInstanceOf(Float32Array);
  });

  it('sigmoid is stable at both ends', () => {
    const s = sigmoid(tensor([0, 800, -800, 2], undefined, 'float64'));
    expect([...s.data.subarray(0, 3)]).toEqual([0.5, 1, 0]);
    expect(s.data[3]).toBeCloseTo(1 / (1 + Math.exp(-2)), 15);
  });
});

describe('crossEntropy', () => {
  it('matches a hand computation', () => {
    // row 0: logits [0, ln 3] target 1 → −log(3/4); row 1: [0, 0] target 0 → log 2
    const logits = tensor([[0, Math.log(3)], [0, 0]], undefined, 'float64');
    const { loss, grad } = crossEntropy(logits, [1, 0]);
    expect(loss).toBeCloseTo((Math.log(4 / 3) + Math.log(2)) / 2, 14);
    // grad = (softmax − onehot) / 2 = [[1/4, −1/4], [−1/4, 1/4]] / 2
    expect(relativeError(grad.data, [0.125, -0.125, -0.25, 0.25])).toBeLessThan(1e-15);
    expect(grad.shape).toEqual([2, 2]);
  });

  for (const reduction of REDUCTIONS) {
    for (const ignoreIndex of [-100, 2]) {
      it(`passes a float64 gradient check (reduction ${reduction}, ignoreIndex ${ignoreIndex})`, () => {
        const logits = f64([5, 4], 1, 3);
        const targets = [2, 0, 3, ignoreIndex, 2];
        const opts = { reduction, ignoreIndex };
        const { grad } = crossEntropy(logits, targets, opts);
        expect(grad.data).toBeInstanceOf(Float64Array);
        const num = numericGradient(() => crossEntropy(logits, targets, opts).loss, logits.data as Float64Array);
        expect(relativeError(grad.data, num)).toBeLessThanOrEqual(TOL);
        if (ignoreIndex === 2) {
          // ignored rows get exactly zero gradient
          expect([...grad.data.subarray(0, 4)]).toEqual([0, 0, 0, 0]);
        }
      });
    }
  }

  it('means over non-ignored targets only', () => {
    const logits = tensor([[0, 0], [5, -5], [0, 0]], undefined, 'float64');
    const all = crossEntropy(logits, [0, 1, 1]);
    const some = crossEntropy(logits, [0, -100, 1]);
    expect(some.loss).toBeCloseTo(Math.log(2), 14);
    expect(all.loss).toBeCloseTo((2 * Math.log(2) + 10 + Math.log1p(Math.exp(-10))) / 3, 12);
  });

  it('gives loss 0 and zero grad when every target is ignored (PyTorch: NaN)', () => {
    const { loss, grad } = crossEntropy(tensor([[1, 2], [3, 4]]), [-100, -100]);
    expect(loss).toBe(0);
    expect([...grad.data]).toEqual([0, 0, 0, 0]);
  });

  it('is stable for huge logits and keeps float32 dtype', () => {
    const { loss, grad } = crossEntropy(tensor([[1000, 0, -1000]]), [1]);
    expect(loss).toBeCloseTo(1000, 9);
    expect(grad.data).toBeInstanceOf(Float32Array);
    expect([...grad.data]).toEqual([1, -1, 0]);
  });

  it('rejects out-of-range and non-integer targets naming index and value', () => {
    const logits = tensor([[0, 0, 0], [0, 0, 0]]);
    expect(() => crossEntropy(logits, [0, 3])).toThrow(RangeError);
    expect(() => crossEntropy(logits, [0, 3])).toThrow(/targets\[1\]: expected a class id in \[0, 2\] or ignoreIndex -100, received 3/);
    expect(() => crossEntropy(logits, [-1, 0])).toThrow(/targets\[0\]: .*received -1/);
    expect(() => crossEntropy(logits, [0.5, 0])).toThrow(/targets\[0\]: .*received 0.5/);
    expect(() => crossEntropy(logits, [NaN, 0])).toThrow(/targets\[0\]: .*received NaN/);
  });

  it('rejects wrong shapes, lengths and options', () => {
    expect(() => crossEntropy(tensor([1, 2, 3]), [0])).toThrow(RangeError);
    expect(() => crossEntropy(tensor([1, 2, 3]), [0])).toThrow(/logits: expected a 2-D tensor, received shape \[3\]/);
    expect(() => crossEntropy(tensor([[1, 2]]), [0, 1])).toThrow(/targets: expected length 1 .*received 2/);
    expect(() => crossEntropy({ data: [1, 2], shape: [1, 2] } as unknown as Tensor, [0])).toThrow(TypeError);
    expect(() => crossEntropy(tensor([[1, 2]]), null as unknown as number[])).toThrow(/targets: .*received null/);
    expect(() => crossEntropy(tensor([[1, 2]]), [0], { reduction: 'avg' as Reduction })).toThrow(/reduction: expected one of "mean", "sum", received "avg"/);
    expect(() => crossEntropy(tensor([[1, 2]]), [0], { ignoreIndex: NaN })).toThrow(/ignoreIndex: .*received NaN/);
  });
});

describe('binaryCrossEntropyWithLogits', () => {
  it('matches the direct formula and is stable for large |x|', () => {
    const x = tensor([0, 2, -3, 100, -100], undefined, 'float64');
    const y = tensor([1, 0, 0.25, 0, 1], undefined, 'float64');
    const { loss } = binaryCrossEntropyWithLogits(x, y, { reduction: 'sum' });
    const naive = (xi: number, yi: number): number => -(yi * Math.log(1 / (1 + Math.exp(-xi))) + (1 - yi) * Math.log(1 - 1 / (1 + Math.exp(-xi))));
    const expected = naive(0, 1) + naive(2, 0) + naive(-3, 0.25) + 100 + 100; // large |x|: loss ≈ |x| (naive form overflows)
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeCloseTo(expected, 12);
  });

  for (const reduction of REDUCTIONS) {
    it(`passes a float64 gradient check (reduction ${reduction})`, () => {
      const x = f64([3, 4], 2, 4);
      const y = f64([3, 4], 3, 0.5);
      for (let i = 0; i < y.data.length; i++) y.data[i] += 0.5; // into [0, 1]
      const { grad } = binaryCrossEntropyWithLogits(x, y, { reduction });
      const num = numericGradient(() => binaryCrossEntropyWithLogits(x, y, { reduction }).loss, x.data as Float64Array);
      expect(grad.shape).toEqual([3, 4]);
      expect(relativeError(grad.data, num)).toBeLessThanOrEqual(TOL);
    });
  }

  it('rejects mismatched shapes and targets outside [0, 1]', () => {
    expect(() => binaryCrossEntropyWithLogits(tensor([1, 2]), tensor([1, 0, 1]))).toThrow(RangeError);
    expect(() => binaryCrossEntropyWithLogits(tensor([1, 2]), tensor([1, 0, 1]))).toThrow(/targets: expected shape \[2\], received \[3\]/);
    expect(() => binaryCrossEntropyWithLogits(tensor([1, 2]), tensor([1, 2]))).toThrow(/targets.data\[1\]: expected a value in \[0, 1\], received 2/);
    expect(() => binaryCrossEntropyWithLogits(tensor([1, 2]), tensor([NaN, 0]))).toThrow(/targets.data\[0\]: .*received NaN/);
  });
});

describe('mseLoss', () => {
  it('matches a hand computation', () => {
    const { loss, grad } = mseLoss(tensor([1, 2, 3], undefined, 'float64'), tensor([1, 0, 4], undefined, 'float64'));
    expect(loss).toBeCloseTo(5 / 3, 15); // (0 + 4 + 1) / 3
    expect(relativeError(grad.data, [0, 4 / 3, -2 / 3])).toBeLessThan(1e-15);
  });

  for (const reduction of REDUCTIONS) {
    it(`passes a float64 gradient check (reduction ${reduction})`, () => {
      const a = f64([2, 3, 2], 4);
      const b = f64([2, 3, 2], 5);
      const { grad } = mseLoss(a, b, { reduction });
      const num = numericGradient(() => mseLoss(a, b, { reduction }).loss, a.data as Float64Array);
      expect(relativeError(grad.data, num)).toBeLessThanOrEqual(TOL);
    });
  }

  it('rejects mismatched shapes naming the argument', () => {
    expect(() => mseLoss(tensor([[1, 2]]), tensor([1, 2]))).toThrow(RangeError);
    expect(() => mseLoss(tensor([[1, 2]]), tensor([1, 2]))).toThrow(/target: expected shape \[1, 2\], received \[2\]/);
    expect(() => mseLoss(42 as unknown as Tensor, tensor([1]))).toThrow(/input: expected a Tensor \{ data, shape \}, received 42/);
  });
});
