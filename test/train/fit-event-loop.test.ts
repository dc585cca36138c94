// fit runs the recurrent kernels on the native engine's worker: a Node service keeps answering while a
// model trains. An HTTP-like timer ticking every millisecond keeps ticking through epochs whose batches
// each take far longer than the worst gap allowed.
import { describe, expect, it } from 'vitest';
import { loadNativeBackend } from '../../src/backend/native.js';
import { SequenceClassifier } from '../../src/models/classifier.js';
import { fit } from '../../src/train/fit.js';
import { watchEventLoop } from '../../bench/event-loop.js';
import { seeded } from '../helpers/random.js';

const skip = process.env.FASTRNN_TEST_REFERENCE_ONLY === '1';

describe.skipIf(skip)('fit and the event loop', () => {
  it('keeps the event loop ticking while it trains on the native engine', async () => {
    const r = seeded(9);
    const B = 32, T = 120;
    const examples = Array.from({ length: 4 * B }, () => ({
      ids: Array.from({ length: T }, () => 1 + Math.floor(r() * 40)), label: Math.floor(r() * 2),
    }));
    const model = new SequenceClassifier({ vocabSize: 41, embeddingDim: 128, hiddenSize: 256, numClasses: 2, cell: 'lstm', backend: loadNativeBackend({ threads: 2 }), seed: 1 });
    const batchMs: number[] = [];
    let last = performance.now();
    const watch = watchEventLoop();
    let seen = { ticks: 0, worstGapMs: Infinity };
    try {
      await fit(model, examples, {
        epochs: 2, batchSize: B, verbose: false, seed: 1,
        onBatchEnd: () => { const now = performance.now(); batchMs.push(now - last); last = now; },
      });
    } finally {
      seen = watch.stop();
    }
    const medianBatch = [...batchMs].sort((a, b) => a - b)[batchMs.length >> 1];
    expect(batchMs.length).toBe(8);
    expect(seen.ticks).toBeGreaterThan(20);
    // The loop is never blocked for a whole batch: the kernels, most of a batch, run off the main thread
    // (a synchronous fit would leave gaps as long as a batch).
    expect(seen.worstGapMs).toBeLessThan(medianBatch * 0.75);
  });
});
