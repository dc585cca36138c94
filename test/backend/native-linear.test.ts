// The native Linear kernels equal the reference (within 1e-5 relative) on small (≤ 8 rows: the unpacked
// path) and large row counts, odd sizes, with and without bias and dx, accumulating into dWeight/dBias/dx;
// results do not depend on the thread count; the seam rejects wrong calls with TypeError/RangeError.
import { describe, expect, it } from 'vitest';
import type { LinearBackwardArgs, LinearForwardArgs } from '../../src/backend/backend.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { loadNativeAddon, loadNativeBackend } from '../../src/backend/native.js';
import { relativeError } from '../helpers/gradcheck.js';
import { pick, randomArray, seeded } from '../helpers/random.js';

const addon = loadNativeAddon();

function call(M: number, N: number, K: number, withBias: boolean, withDx: boolean, seed: number) {
  const r = seeded(seed);
  const x = randomArray(r, M * K), weight = randomArray(r, N * K, 0.3), bias = withBias ? randomArray(r, N, 0.3) : null;
  const forward: LinearForwardArgs<Float32Array> = { M, N, K, y: new Float32Array(M * N).fill(7), x, weight, bias };
  const backward: LinearBackwardArgs<Float32Array> = {
    M, N, K, dx: withDx ? randomArray(r, M * K, 0.1) : null, dWeight: randomArray(r, N * K, 0.1), dBias: withBias ? randomArray(r, N, 0.1) : null,
    dy: randomArray(r, M * N), x, weight,
  };
  return { forward, backward };
}

const shapes: [number, number, number][] = [[1, 1, 1], [3, 10, 128], [8, 7, 33], [9, 10, 128], [32, 10, 256], [100, 17, 65], [257, 3, 19]];

describe('native Linear', () => {
  const native = loadNativeBackend({ threads: 2 });
  it.each(shapes)('matches the reference: M %i N %i K %i', (M, N, K) => {
    for (const [withBias, withDx] of [[true, true], [false, true], [true, false]] as const) {
      const a = call(M, N, K, withBias, withDx, M * 7 + N), b = call(M, N, K, withBias, withDx, M * 7 + N);
      native.linearForward(a.forward);
      referenceBackend.linearForward(b.forward);
      expect(relativeError(a.forward.y, b.forward.y), 'y').toBeLessThanOrEqual(1e-5);
      native.linearBackward(a.backward);
      referenceBackend.linearBackward(b.backward);
      for (const k of ['dx', 'dWeight', 'dBias'] as const) {
        if (b.backward[k] === null) expect(a.backward[k], k).toBeNull();
        else expect(relativeError(a.backward[k]!, b.backward[k]!), k).toBeLessThanOrEqual(1e-5);
      }
    }
  });

  it('is bit-identical with 1, 2 and 3 threads', () => {
    const runs = [1, 2, 3].map((threads) => {
      const c = call(64, 24, 300, true, true, 5);
      const be = loadNativeBackend({ threads });
      be.linearForward(c.forward);
      be.linearBackward(c.backward);
      return [c.forward.y, c.backward.dx!, c.backward.dWeight, c.backward.dBias!];
    });
    for (const other of runs.slice(1)) other.forEach((a, i) => expect(Buffer.from(a.buffer).equals(Buffer.from(runs[0][i].buffer))).toBe(true));
  });

  it('rejects 600 random wrong calls with TypeError/RangeError, addon and adapter alike', () => {
    const r = seeded(3);
    const bad = (n: number): unknown => pick(r, [new Float32Array(n + 1), new Float64Array(n), [0], 'x', null, new Float32Array(Math.max(0, n - 1))]);
    for (let i = 0; i < 600; i++) {
      const backward = r() < 0.5;
      const c = call(4, 3, 5, true, true, i);
      const args = { ...(backward ? c.backward : c.forward) } as Record<string, unknown>;
      const what = r();
      if (what < 0.2) args[pick(r, ['M', 'N', 'K'])] = pick(r, [0, -1, 1.5, NaN, '3', null, 2 ** 60]);
      else if (what < 0.3) args.y = args.dx = args.x; // an output sharing memory with x
      else {
        const key = pick(r, backward ? ['dWeight', 'dy', 'x', 'weight', 'dx', 'dBias'] : ['y', 'x', 'weight', 'bias']);
        const n = (args[key] as Float32Array | null)?.length ?? 3;
        let v = bad(n);
        if (v === null && ['dx', 'dBias', 'bias'].includes(key)) v = 'not null';
        args[key] = v;
      }
      const fns = backward ? [() => addon.linearBackward(args as never), () => loadNativeBackend({ threads: 1 }).linearBackward(args as never)]
        : [() => addon.linearForward(args as never), () => loadNativeBackend({ threads: 1 }).linearForward(args as never)];
      for (const fn of fns) {
        let error: unknown = null;
        try { fn(); } catch (e) { error = e; }
        expect(error instanceof TypeError || error instanceof RangeError, `call ${i}: ${String(error)}`).toBe(true);
      }
    }
  });
});
