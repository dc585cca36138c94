// The recorder's sampling schedule: an explicit gradientEvery samples exactly every N-th batch; the default
// N = max(5, ⌈batches / 40⌉) also puts a due sample off while measuring has cost more than 5 % of the
// training time (fast steps with a costly measurement get few samples, slow steps get all of them).
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { GRU } from '../../src/layers/gru.js';
import { Rng } from '../../src/random.js';
import { checkReportOptions } from '../../src/report/options.js';
import { ReportRecorder } from '../../src/report/recorder.js';
import type { TrainableModel } from '../../src/train/trainable.js';

function setup(T: number) {
  const layer = new GRU({ inputSize: 3, hiddenSize: 8, seed: 1, backend: 'reference' });
  const rng = new Rng(2);
  const x = { data: Float32Array.from({ length: 8 * T * 3 }, () => rng.uniform(-1, 1)), shape: [8, T, 3] };
  const dOutput = { data: Float32Array.from({ length: 8 * T * 8 }, () => rng.uniform(-1, 1)), shape: [8, T, 8] };
  const model = { rnn: layer } as unknown as TrainableModel<unknown, unknown>;
  const step = async (pause: number) => {
    layer.train();
    layer.forward(x);
    layer.backward({ dOutput });
    if (pause > 0) await sleep(pause);
    return { loss: 1, count: 1 };
  };
  return { model, step };
}

async function sampled(recorder: ReportRecorder, T: number, pause: number, batches = 40): Promise<number[]> {
  const { model, step } = setup(T);
  for (let b = 0; b < batches; b++) await recorder.trainBatch(model, b, 0, () => step(pause));
  return recorder.state().samples.map((s) => s.batch);
}

describe('ReportRecorder sampling', () => {
  it('gradientEvery given: exactly every N-th batch, whatever it costs', async () => {
    const r = new ReportRecorder(checkReportOptions({ dir: 'x', gradientEvery: 7 }), null, 40);
    expect(await sampled(r, 60, 0)).toEqual([0, 7, 14, 21, 28, 35]);
  });

  it('default: every 5th batch when measuring is cheap next to training', async () => {
    const r = new ReportRecorder(checkReportOptions({ dir: 'x' }), null, 40);
    expect(r.every).toBe(5);
    expect(await sampled(r, 3, 40)).toEqual([0, 5, 10, 15, 20, 25, 30, 35]);
  });

  it('default: samples put off while measuring costs more than 5 % of the training time', async () => {
    const r = new ReportRecorder(checkReportOptions({ dir: 'x' }), null, 40);
    const batches = await sampled(r, 200, 0);
    expect(batches[0]).toBe(0);
    expect(batches.length).toBeLessThan(4);
  });
});
