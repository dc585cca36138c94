/**
 * Denormals: the native engine flushes them to zero (FTZ/DAZ) in its threads and during each kernel call,
 * so a batch of denormal-heavy inputs costs about what an ordinary one does (without it: 50–120× slower on
 * x86), and the JS thread's own floating-point mode is restored after every call (JS keeps its denormals).
 * The long version with a table: `npm run bench:denormals`.
 */
import { describe, expect, it } from 'vitest';
import { LSTM, Linear, RNN } from '../../src/index.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { relativeError } from '../helpers/gradcheck.js';

function uniform(n: number, scale: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 48271) % 2147483647;
    a[i] = (s / 2147483647 * 2 - 1) * scale;
  }
  return a;
}

/** JS double arithmetic on denormals, through values the JIT cannot fold. */
function jsKeepsDenormals(): boolean {
  const v = [Number.MIN_VALUE, 1e-310];
  return v[0] * v.length / 2 > 0 && v[1] + v[0] !== v[1] - v[1];
}

describe('denormals on the native engine', () => {
  it('do not slow a training step down by more than 2×', () => {
    const [B, T, H] = [16, 32, 64];
    const layer = new LSTM({ inputSize: H, hiddenSize: H, backend: 'native', threads: 1, seed: 1 });
    const time = (scale: number) => {
      const x = { data: uniform(B * T * H, scale, 1), shape: [B, T, H] };
      const h0 = { data: uniform(B * H, scale, 2), shape: [1, B, H] };
      const dOutput = { data: uniform(B * T * H, scale, 3), shape: [B, T, H] };
      let best = Infinity;
      for (let r = 0; r < 7; r++) {
        const start = performance.now();
        layer.forward(x, h0);
        layer.backward({ dOutput });
        best = Math.min(best, performance.now() - start);
      }
      return best;
    };
    time(1);
    const ratios: number[] = [];
    for (let k = 0; k < 3; k++) ratios.push(time(1e-39) / time(1));
    expect(Math.min(...ratios)).toBeLessThan(2);
  });

  it("leave the JS thread's floating-point mode as it was (sync and async calls)", async () => {
    expect(jsKeepsDenormals()).toBe(true);
    const rnn = new RNN({ inputSize: 4, hiddenSize: 4, backend: 'native', threads: 2, seed: 1 });
    const x = { data: uniform(2 * 3 * 4, 1e-39, 1), shape: [2, 3, 4] };
    rnn.forward(x);
    expect(jsKeepsDenormals()).toBe(true);
    await rnn.forwardAsync(x);
    expect(jsKeepsDenormals()).toBe(true);
    new Linear({ inFeatures: 4, outFeatures: 2, backend: 'native', threads: 1 }).forward({ data: uniform(8, 1e-39, 3), shape: [2, 4] });
    expect(jsKeepsDenormals()).toBe(true);
  });

  it('give the reference engine\'s results up to the flushed denormals', () => {
    const native = new RNN({ inputSize: 8, hiddenSize: 8, backend: 'native', threads: 1, seed: 4 });
    const ref = new RNN({ inputSize: 8, hiddenSize: 8, backend: referenceBackend, seed: 4 });
    const data = uniform(3 * 5 * 8, 1, 5);
    for (let i = 0; i < data.length; i += 3) data[i] *= 1e-39; // a third of the inputs denormal
    const a = native.forward({ data, shape: [3, 5, 8] }).output.data;
    const b = ref.forward({ data, shape: [3, 5, 8] }).output.data;
    expect(relativeError(a, b)).toBeLessThan(1e-5);
  });
});
