// Stopping a training run between batches — on --time-budget, on Ctrl-C — and continuing it with --resume:
// the model trained so far is saved, the checkpoint is kept, and the resumed run ends with the same weights
// as a run that was never stopped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, lastJson, SMALL, startCli, tempDir, writeClassifyCsv, writeLmText } from './helpers.js';

let dir = '';
let cleanup = (): void => {};
beforeAll(() => {
  ({ dir, cleanup } = tempDir());
  writeClassifyCsv(join(dir, 'cls.csv'), 200);
  writeLmText(join(dir, 'lm.txt'), 600);
});
afterAll(() => cleanup());

const base = (out: string): string[] => ['train', '--task', 'classify', '--data', join(dir, 'cls.csv'), '--validation-split', '0.2', '--out', out, '--epochs', '3', '--batch-size', '16', '--json', '--quiet', ...SMALL];

describe('--time-budget and --resume', () => {
  it('stops after the first batch, saves the model and checkpoint, and resumes to the same weights as an uninterrupted run', async () => {
    const whole = join(dir, 'whole');
    const parts = join(dir, 'parts');
    const [uninterrupted, stopped] = await Promise.all([cli(base(whole)), cli([...base(parts), '--time-budget', '0'])]);
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);
    expect(stopped.code, stopped.stderr).toBe(0);
    const early = lastJson(stopped);
    expect(early).toMatchObject({ stopped: 'time-budget', epochs: 0 });
    expect(existsSync(join(parts, 'model.safetensors'))).toBe(true);
    expect(existsSync(join(`${parts}.checkpoint`, 'checkpoint.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(parts, 'history.json'), 'utf8'))).toMatchObject({ aborted: true, stoppedBy: 'time-budget' });
    expect(stopped.stderr).toContain('--resume');

    // Only what must be said again: the run's settings come from the checkpoint.
    const resumed = await cli(['train', '--resume', '--data', join(dir, 'cls.csv'), '--out', parts, '--json', '--quiet']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(lastJson(resumed)).toMatchObject({ stopped: 'completed', epochs: 3 });
    expect(existsSync(`${parts}.checkpoint`)).toBe(false);
    expect(readFileSync(join(parts, 'model.safetensors')).equals(readFileSync(join(whole, 'model.safetensors')))).toBe(true);
    expect(lastJson(resumed).accuracy).toBe(lastJson(uninterrupted).accuracy);
  });

  it('a resumed run trains further when given more epochs', async () => {
    const out = join(dir, 'more');
    const first = await cli([...base(out), '--keep-checkpoint']);
    expect(lastJson(first)).toMatchObject({ stopped: 'completed', epochs: 3 });
    expect(existsSync(join(`${out}.checkpoint`, 'checkpoint.json'))).toBe(true);
    const more = await cli(['train', '--resume', '--data', join(dir, 'cls.csv'), '--out', out, '--epochs', '5', '--json', '--quiet']);
    expect(more.code, more.stderr).toBe(0);
    expect(lastJson(more)).toMatchObject({ stopped: 'completed', epochs: 5 });
    expect(JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')).metrics.loss).toHaveLength(5);
  });

  it('--resume refuses a checkpoint of another task', async () => {
    const out = join(dir, 'other-task');
    const stopped = await cli([...base(out), '--time-budget', '0']);
    expect(stopped.code).toBe(0);
    const r = await cli(['train', '--resume', '--task', 'lm', '--data', join(dir, 'lm.txt'), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error: --resume: the checkpoint in .* is of a classify run; expected --task classify \(or none\), received --task lm$/);
  });
});

describe('Ctrl-C', () => {
  it('stops between batches, saves the model and keeps the last checkpoint intact (exit code 130)', async () => {
    const out = join(dir, 'interrupted');
    const ckpt = join(`${out}.checkpoint`, 'checkpoint.json');
    const { child, done } = await startCli([
      'train', '--task', 'lm', '--data', join(dir, 'lm.txt'), '--tokenizer', 'char', '--out', out, '--epochs', '100000', '--checkpoint-every', '2', '--json', ...SMALL,
    ]);
    const deadline = Date.now() + 30_000;
    while (!existsSync(ckpt) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(ckpt), 'a checkpoint was written').toBe(true);
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('interrupted: stopping after this batch');
    expect(lastJson(r)).toMatchObject({ stopped: 'interrupt' });
    const checkpoint = JSON.parse(readFileSync(ckpt, 'utf8'));
    expect(checkpoint.format).toBe('fastrnn-checkpoint');
    expect(existsSync(join(out, 'config.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')).stoppedBy).toBe('interrupt');
  });
});
