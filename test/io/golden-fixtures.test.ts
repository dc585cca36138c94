/**
 * The PyTorch golden fixtures load through the safetensors reader and are internally consistent, so a
 * layer test that fails against them points at the layer, not at the fixture.
 */
import { describe, expect, it } from 'vitest';
import { gateCount } from '../../src/backend/backend.js';
import type { Tensor } from '../../src/tensor.js';
import { listGoldenFixtures, loadGoldenFixture } from '../helpers/golden.js';

function expectedParamShapes(c: ReturnType<typeof loadGoldenFixture>['config']): Record<string, number[]> {
  const G = gateCount(c.cell);
  const H = c.hiddenSize;
  const P = c.projSize ?? H; // PyTorch's proj_size (LSTM projection fixtures), else H
  const D = c.bidirectional ? 2 : 1;
  const shapes: Record<string, number[]> = {};
  for (let l = 0; l < c.numLayers; l++) {
    for (const suffix of c.bidirectional ? ['', '_reverse'] : ['']) {
      const I = l === 0 ? c.inputSize : D * P;
      shapes[`weight_ih_l${l}${suffix}`] = [G * H, I];
      shapes[`weight_hh_l${l}${suffix}`] = [G * H, P];
      if (c.bias) {
        shapes[`bias_ih_l${l}${suffix}`] = [G * H];
        shapes[`bias_hh_l${l}${suffix}`] = [G * H];
      }
      if (c.projSize !== undefined) shapes[`weight_hr_l${l}${suffix}`] = [P, H];
    }
  }
  return shapes;
}

const shapes = (group: Record<string, Tensor | undefined>) =>
  Object.fromEntries(Object.entries(group).map(([k, t]) => [k, t?.shape]));

describe('PyTorch golden fixtures', () => {
  const names = listGoldenFixtures();

  it('cover every cell', () => {
    for (const cell of ['rnn_tanh', 'rnn_relu', 'lstm', 'gru']) expect(names.filter((n) => n.startsWith(`${cell}_`)).length).toBeGreaterThanOrEqual(12);
  });

  it.each(names)('%s has the names and shapes its config implies', (name) => {
    const f = loadGoldenFixture(name);
    const c = f.config;
    const { B, T, hiddenSize: H } = c;
    const P = c.projSize ?? H;
    const D = c.bidirectional ? 2 : 1;
    const LD = c.numLayers * D;
    const lstm = c.cell === 'lstm';
    const state = [LD, B, P];
    const cell = [LD, B, H];
    const params = expectedParamShapes(c);
    expect(c.batchFirst).toBe(true);
    expect(shapes(f.params)).toEqual(params);
    expect(shapes(f.inputs)).toEqual({
      x: [B, T, c.inputSize],
      ...(c.hasInitialState ? { h0: state } : {}),
      ...(c.hasInitialState && lstm ? { c0: cell } : {}),
    });
    expect(shapes(f.outputs)).toEqual({ output: [B, T, D * P], h_n: state, ...(lstm ? { c_n: cell } : {}) });
    expect(shapes(f.upstream)).toEqual({ d_output: [B, T, D * P], d_h_n: state, ...(lstm ? { d_c_n: cell } : {}) });
    expect(shapes(f.grads)).toEqual({
      ...params,
      x: [B, T, c.inputSize],
      ...(c.hasInitialState ? { h0: state } : {}),
      ...(c.hasInitialState && lstm ? { c0: cell } : {}),
    });
    for (const t of Object.values({ ...f.params, ...f.outputs, ...f.grads })) expect(t!.data.every(Number.isFinite)).toBe(true);
  });

  it('loads as float64 on request', () => {
    const f = loadGoldenFixture(names[0], { dtype: 'float64' });
    expect(f.inputs.x.data).toBeInstanceOf(Float64Array);
  });

  it('long sequences show gradient decay: |dL/dx| shrinks going back from the last step', () => {
    const long = names.filter((n) => loadGoldenFixture(n).upstreamKind === 'last_step');
    expect(long.length).toBe(3);
    for (const name of long) {
      const { grads, config } = loadGoldenFixture(name);
      const { B, T, inputSize: I } = config;
      const stepNorm = (t: number) => {
        let s = 0;
        for (let b = 0; b < B; b++) for (let i = 0; i < I; i++) s += grads.x.data[(b * T + t) * I + i] ** 2;
        return Math.sqrt(s);
      };
      expect(stepNorm(0)).toBeLessThan(1e-3 * stepNorm(T - 1));
    }
  });
});
