// Async kernel calls: same bits as the sync ones, the event loop keeps ticking while they run, and
// concurrent calls on the same buffers are serialized by the engine (never raced).
import { describe, expect, it } from 'vitest';
import { loadNativeBackend } from '../../src/backend/native.js';
import { backwardArgs, forwardArgs, randomInputs, type RnnConfig } from '../helpers/random.js';
import { watchEventLoop } from '../../bench/event-loop.js';

const native = loadNativeBackend({ threads: 2 });
const base = { reverse: false, withH0: true, withBias: true, withDy: true, withDhN: true };
const same = (a: Float32Array | null, b: Float32Array | null): boolean =>
  a === null ? b === null : b !== null && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('native engine, async calls', () => {
  it('give bit-identical results to the sync calls', async () => {
    const c: RnnConfig = { ...base, cell: 'rnn_relu', T: 9, B: 5, I: 33, H: 70, reverse: true };
    const p = randomInputs(c, 1);
    const fs = forwardArgs(c, p), fa = forwardArgs(c, p);
    native.recurrentForward(c.cell, fs);
    await native.recurrentForwardAsync(c.cell, fa);
    expect(same(fa.y, fs.y)).toBe(true);
    expect(same(fa.hN, fs.hN)).toBe(true);
    const bs = backwardArgs(c, p, fs.y), ba = backwardArgs(c, p, fa.y);
    native.recurrentBackward(c.cell, bs);
    await native.recurrentBackwardAsync(c.cell, ba);
    for (const k of ['dx', 'dh0', 'dWeightIh', 'dWeightHh', 'dBiasIh', 'dBiasHh'] as const) expect(same(ba[k], bs[k]), k).toBe(true);
  });

  it('leave the event loop free during a large training step', async () => {
    const c: RnnConfig = { ...base, cell: 'rnn_tanh', T: 100, B: 64, I: 512, H: 512 };
    const p = randomInputs(c, 2);
    const f = forwardArgs(c, p);
    const watch = watchEventLoop();
    const start = performance.now();
    let elapsed = 0;
    let seen = { ticks: 0, worstGapMs: Infinity };
    try {
      // Repeat until the work clearly dwarfs the bound, whatever the machine's speed.
      while (elapsed < 600) {
        await native.recurrentForwardAsync(c.cell, f);
        await native.recurrentBackwardAsync(c.cell, backwardArgs(c, p, f.y));
        elapsed = performance.now() - start;
      }
    } finally {
      seen = watch.stop();
    }
    expect(seen.ticks).toBeGreaterThan(20);
    expect(seen.worstGapMs).toBeLessThan(100);
  });

  it('serialize concurrent calls on the same buffers: two backward calls accumulate like two sync calls', async () => {
    const c: RnnConfig = { ...base, cell: 'rnn_tanh', T: 20, B: 16, I: 64, H: 96 };
    const p = randomInputs(c, 3);
    const f = forwardArgs(c, p);
    native.recurrentForward(c.cell, f);
    // Sync reference: two calls accumulating into the same parameter gradients, each into its own dx.
    const sync = backwardArgs(c, p, f.y);
    native.recurrentBackward(c.cell, sync);
    const syncDx = sync.dx!.slice();
    native.recurrentBackward(c.cell, { ...sync, dx: new Float32Array(sync.dx!.length) });
    const shared = backwardArgs(c, p, f.y);
    const other = { ...shared, dx: new Float32Array(shared.dx!.length), dh0: new Float32Array(shared.dh0.length) };
    await Promise.all([native.recurrentBackwardAsync(c.cell, shared), native.recurrentBackwardAsync(c.cell, other)]);
    expect(same(shared.dWeightIh, sync.dWeightIh)).toBe(true);
    expect(same(shared.dWeightHh, sync.dWeightHh)).toBe(true);
    expect(same(shared.dBiasIh, sync.dBiasIh)).toBe(true);
    expect(same(shared.dx, syncDx)).toBe(true);
    const fresh = backwardArgs(c, p, f.y);
    fresh.dx!.fill(0);
    native.recurrentBackward(c.cell, fresh);
    expect(same(other.dx, fresh.dx)).toBe(true);
  });

  it('let a sync call made while an async one runs wait for it', async () => {
    const c: RnnConfig = { ...base, cell: 'rnn_tanh', T: 50, B: 32, I: 256, H: 256 };
    const p = randomInputs(c, 4);
    const a = forwardArgs(c, p), b = forwardArgs(c, p);
    const pending = native.recurrentForwardAsync(c.cell, a);
    native.recurrentForward(c.cell, b);
    await pending;
    expect(same(a.y, b.y)).toBe(true);
  });

  it('reject (not throw) on invalid arguments', async () => {
    const c: RnnConfig = { ...base, cell: 'rnn_tanh', T: 2, B: 2, I: 2, H: 2 };
    const f = forwardArgs(c, randomInputs(c, 5));
    const bad = { ...f, y: new Float32Array(3) };
    const promise = native.recurrentForwardAsync(c.cell, bad);
    expect(promise).toBeInstanceOf(Promise);
    await expect(promise).rejects.toThrow(RangeError);
  });
});
