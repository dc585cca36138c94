/**
 * The leak soak, short: 6,000 layer calls (forward/backward, sync and async, every layer kind) and 60 model
 * create/save/load cycles on the native engine keep RSS and external memory flat — the fitted slopes stay
 * under the bounds. The bounds are looser than `npm run soak`'s (100,000 calls, 1,000 cycles: 64 B per call,
 * 16 KiB per cycle) because a short run's RSS is noisier; a leak of a kilobyte per call still fails.
 */
import { describe, expect, it } from 'vitest';
import { layerCalls, modelCycles, soak } from '../../scripts/soak-lib.js';
import { testBackends } from '../helpers/backends.js';

const backend = testBackends().at(-1)!.name as 'native' | 'reference';

describe('leak soak (short)', () => {
  it('layer calls keep memory flat', async () => {
    const s = await soak(6000, 100, layerCalls(backend));
    console.log(`soak calls: RSS slope ${s.rss.toFixed(1)} B/call, external ${s.external.toFixed(2)} B/call`);
    expect(s.rss).toBeLessThan(512);
    expect(s.external).toBeLessThan(16);
  }, 120_000);

  it('model create/save/load cycles keep memory flat', async () => {
    const m = modelCycles(backend);
    try {
      const s = await soak(60, 3, m.step);
      console.log(`soak cycles: RSS slope ${s.rss.toFixed(0)} B/cycle, external ${s.external.toFixed(0)} B/cycle`);
      expect(s.rss).toBeLessThan(256 * 1024);
      expect(s.external).toBeLessThan(4096);
    } finally {
      m.cleanup();
    }
  }, 120_000);
});
