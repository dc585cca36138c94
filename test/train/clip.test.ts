import { describe, it, expect } from 'vitest';
import type { Parameter } from '../../src/parameter.js';
import { tensor } from '../../src/tensor.js';
import { clipGradNorm, clipGradValue, gradNorm } from '../../src/train/clip.js';

function p(name: string, grad: number[], dtype: 'float32' | 'float64' = 'float64'): Parameter {
  return { name, value: tensor(grad.map(() => 0), [grad.length], dtype), grad: tensor(grad, [grad.length], dtype) };
}

describe('clipGradNorm', () => {
  it('grads [3, 4], maxNorm 1 → returns 5 and scales by 1/(5 + 1e-6)', () => {
    const a = p('a', [3, 4]);
    expect(clipGradNorm([a], 1)).toBe(5);
    const coef = 1 / (5 + 1e-6);
    // PyTorch 1.13 float64 gives exactly these: [0.599999880000024, 0.799999840000032]
    expect([...a.grad.data]).toEqual([3 * coef, 4 * coef]);
    expect(a.grad.data[0]).toBe(0.599999880000024);
    expect(a.grad.data[1]).toBe(0.799999840000032);
  });

  it('takes the norm over all parameters together', () => {
    const a = p('a', [3, -4]);
    const b = p('b', [12]);
    expect(clipGradNorm([a, b], 6.5)).toBe(13); // √(9 + 16 + 144)
    const coef = 6.5 / (13 + 1e-6);
    expect([...a.grad.data, ...b.grad.data]).toEqual([3 * coef, -4 * coef, 12 * coef]);
  });

  it('leaves gradients alone when the norm is already small enough (coefficient clamped to 1)', () => {
    const a = p('a', [0.3, 0.4]);
    expect(clipGradNorm([a], 0.5)).toBeCloseTo(0.5, 15); // 0.5/(0.5 + 1e-6) < 1 → scaled, just barely
    const b = p('b', [0.3, 0.4]);
    expect(clipGradNorm([b], 1)).toBeCloseTo(0.5, 15);
    expect([...b.grad.data]).toEqual([0.3, 0.4]);
  });

  it('supports normType Infinity, 1 and 3 (PyTorch 1.13 values)', () => {
    const a = p('a', [3, -4]);
    const b = p('b', [12]);
    expect(clipGradNorm([a, b], 2, Infinity)).toBe(12);
    expect([...a.grad.data, ...b.grad.data]).toEqual([0.4999999583333369, -0.6666666111111158, 1.9999998333333475]);

    const c = p('c', [1, -2]);
    const d = p('d', [3]);
    expect(clipGradNorm([c, d], 1, 1)).toBe(6);
    expect([...c.grad.data, ...d.grad.data]).toEqual([0.16666663888889352, -0.33333327777778704, 0.49999991666668053]);

    const e = p('e', [1, -2]);
    const f = p('f', [3]);
    expect(clipGradNorm([e, f], 1, 3)).toBeCloseTo(3.3019272488946263, 14); // ∛36
    expect(e.grad.data[0]).toBeCloseTo(0.30285334041851636, 14);
  });

  it('works on float32 gradients in place', () => {
    const a = p('a', [3, 4], 'float32');
    expect(clipGradNorm([a], 1)).toBe(5);
    expect(a.grad.data).toBeInstanceOf(Float32Array);
    expect([...a.grad.data]).toEqual([Math.fround(3 / (5 + 1e-6)), Math.fround(4 / (5 + 1e-6))]);
  });

  it('returns a non-finite norm and leaves gradients unchanged', () => {
    const a = p('a', [1, NaN]);
    expect(clipGradNorm([a], 1)).toBeNaN();
    expect([...a.grad.data]).toEqual([1, NaN]);
    const b = p('b', [1, Infinity]);
    expect(clipGradNorm([b], 1)).toBe(Infinity);
    expect([...b.grad.data]).toEqual([1, Infinity]);
    expect(gradNorm([p('c', [NaN, 1])], Infinity)).toBeNaN();
  });

  it('handles zero, empty and extreme-magnitude gradients', () => {
    expect(clipGradNorm([p('z', [0, 0])], 1)).toBe(0);
    expect(clipGradNorm([], 1)).toBe(0);
    expect(gradNorm([p('big', [3e200, 4e200])]) / 5e200).toBeCloseTo(1, 14); // Σg² overflows; the scaled sum does not
    expect(gradNorm([p('tiny', [3e-200, 4e-200])]) / 5e-200).toBeCloseTo(1, 14);
  });

  it('rejects bad arguments naming the argument and the value', () => {
    const a = p('a', [1]);
    expect(() => clipGradNorm([a], NaN)).toThrow(RangeError);
    expect(() => clipGradNorm([a], NaN)).toThrow(/maxNorm: expected a finite number >= 0, received NaN/);
    expect(() => clipGradNorm([a], -1)).toThrow(/maxNorm: .*received -1/);
    expect(() => clipGradNorm([a], 1, 0)).toThrow(RangeError);
    expect(() => clipGradNorm([a], 1, 0)).toThrow(/normType: expected a number > 0 or Infinity, received 0/);
    expect(() => clipGradNorm([a], 1, '2' as unknown as number)).toThrow(TypeError);
    expect(() => clipGradNorm('a' as unknown as Parameter[], 1)).toThrow(/params: expected an array of Parameters, received "a"/);
    expect(() => clipGradNorm([{ name: 'x' } as Parameter], 1)).toThrow(/params\[0\].value: expected a Tensor/);
  });
});

describe('clipGradValue', () => {
  it('clamps every gradient into [−v, v]', () => {
    const a = p('a', [-3, -0.5, 0, 0.5, 3]);
    const b = p('b', [NaN, 2]);
    clipGradValue([a, b], 1);
    expect([...a.grad.data]).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect([...b.grad.data]).toEqual([NaN, 1]);
  });

  it('rejects a bad clipValue', () => {
    expect(() => clipGradValue([p('a', [1])], -1)).toThrow(RangeError);
    expect(() => clipGradValue([p('a', [1])], -1)).toThrow(/clipValue: expected a finite number >= 0, received -1/);
    expect(() => clipGradValue([p('a', [1])], NaN)).toThrow(/clipValue: .*received NaN/);
  });
});
