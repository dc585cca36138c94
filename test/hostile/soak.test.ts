/**
 * The leak soak, short: 6,000 layer calls (forward/backward, sync and async, every layer kind) and 60 model
 * create/save/load cycles on the native engine keep RSS and external memory flat — the fitted slopes stay
 * under the bounds. A short run's RSS is noisy (other test files run beside it), so RSS gets a loose bound and
 * the JS heap and external memory (what a leak in JS or in the addon's buffers would grow) tight ones;
 * `npm run soak` (100,000 calls, 1,000 cycles) holds RSS to 64 B per call and 16 KiB per cycle.
 */
import { describe, expect, it } from 'vitest';
import { layerCalls, modelCycles, soak } from '../../scripts/soak-lib.js';
import { testBackends } from '../helpers/backends.js';

const backend = testBackends().at(-1)!.name as 'native' | 'reference';

describe('leak soak (short)', () => {
  it('layer calls keep memory flat', async () => {
    const step = layerCalls(backend);
    for (let i = 0; i < 3000; i++) await step(i); // warm-up: the JIT and V8's inline caches settle first
    const s = await soak(6000, 100, step);
    console.log(`soak calls: RSS slope ${s.rss.toFixed(1)} B/call, JS heap ${s.heap.toFixed(2)} B/call, external ${s.external.toFixed(2)} B/call`);
    expect(s.rss).toBeLessThan(4096);
    expect(s.heap).toBeLessThan(128); // about 35 here: code and feedback still settling; 0.1 over 100,000 calls
    expect(s.external).toBeLessThan(16);
  }, 120_000);

  it('model create/save/load cycles keep memory flat', async () => {
    const m = modelCycles(backend);
    try {
      const s = await soak(60, 3, m.step);
      console.log(`soak cycles: RSS slope ${s.rss.toFixed(0)} B/cycle, JS heap ${s.heap.toFixed(0)} B/cycle, external ${s.external.toFixed(0)} B/cycle`);
      expect(s.rss).toBeLessThan(256 * 1024);
      expect(s.heap).toBeLessThan(16 * 1024);
      expect(s.external).toBeLessThan(4096);
    } finally {
      m.cleanup();
    }
  }, 120_000);
});
