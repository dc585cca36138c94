// Linear's opt-in { out }: forward and backward write into a caller-owned tensor with the same bits as the
// default calls (stale contents do not matter, dX is not accumulated across calls), the parameter gradients
// still accumulate, and a bad out is rejected — naming out and what was expected — before anything changes.
import { describe, expect, it } from 'vitest';
import { Linear } from '../../src/layers/linear.js';
import type { Tensor } from '../../src/tensor.js';
import { testBackends } from '../helpers/backends.js';
import { randomArray, seeded } from '../helpers/random.js';

const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((v, i) => Object.is(v, b[i]));
const stale = (shape: number[]): Tensor => ({ data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(NaN), shape });

describe.each(testBackends().map((b) => [b.name, b] as const))('Linear { out } on the %s engine', (_name, backend) => {
  // 24·40·12 multiply-adds: large enough for the native GEMM, not the small-call TS path
  const M = 24, K = 40, N = 12;
  const make = () => new Linear({ inFeatures: K, outFeatures: N, seed: 3, backend });
  const r = seeded(9);
  const x = { data: randomArray(r, M * K), shape: [2, M / 2, K] };
  const dy = { data: randomArray(r, M * N), shape: [2, M / 2, N] };

  it('gives the default results, twice in a row into the same tensors', () => {
    const plain = make(), reused = make();
    const y0 = plain.forward(x), dx0 = plain.backward(dy);
    const y1 = plain.forward(x), dx1 = plain.backward(dy);
    const yOut = stale([2, M / 2, N]), dxOut = stale([2, M / 2, K]);
    for (const [y, dx] of [[y0, dx0], [y1, dx1]]) {
      expect(reused.forward(x, { out: yOut })).toBe(yOut);
      expect(same(yOut.data, y.data)).toBe(true);
      expect(reused.backward(dy, { out: dxOut })).toBe(dxOut);
      expect(same(dxOut.data, dx.data)).toBe(true);
    }
    expect(same(reused.weight.grad.data, plain.weight.grad.data)).toBe(true);
    expect(same(reused.bias!.grad.data, plain.bias!.grad.data)).toBe(true);
  });

  it('rejects a bad out before writing anything', () => {
    const layer = make();
    const y = layer.forward(x);
    const before = Float32Array.from(layer.weight.grad.data);
    expect(() => layer.forward(x, { out: stale([M, N + 1]) })).toThrow(/Linear\.forward\(options\)\.out: expected shape/);
    expect(() => layer.forward(x, { out: { data: new Float64Array(M * N), shape: [2, M / 2, N] } })).toThrow(TypeError);
    expect(() => layer.forward(x, { out: { data: layer.weight.value.data.subarray(0, M * N), shape: [2, M / 2, N] } as Tensor }))
      .toThrow(/shares memory with weight/);
    expect(() => layer.forward(x, { out: { data: x.data.subarray(0, M * N), shape: [2, M / 2, N] } })).toThrow(RangeError);
    expect(() => layer.forward(x, { oot: stale([2, M / 2, N]) } as never)).toThrow(/unknown key "oot"/);
    layer.forward(x);
    const big = new Float32Array(M * K);
    big.set(dy.data);
    const dyView = { data: big.subarray(0, M * N), shape: dy.shape };
    expect(() => layer.backward(dyView, { out: { data: big, shape: [2, M / 2, K] } })).toThrow(/shares memory with dOutput/);
    expect(() => layer.backward(dy, { out: stale([2, M / 2, K + 1]) })).toThrow(RangeError);
    expect(same(layer.weight.grad.data, before)).toBe(true);
    expect(y.data.length).toBe(M * N);
  });
});
