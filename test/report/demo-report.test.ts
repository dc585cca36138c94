// `fastrnn demo NAME --report DIR`: the demos train through one `train` (src/cli/demos/common.ts), which
// passes the report directory on to fit.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from '../cli/helpers.js';

const { dir, cleanup } = tempDir();
afterAll(() => cleanup());

describe('fastrnn demo --report', () => {
  it('the tiny spam demo writes a report of its training run', async () => {
    const report = join(dir, 'spam-report');
    const r = await cli(['demo', 'spam', '--tiny', '--report', report]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(report)).toEqual(expect.arrayContaining(['index.html', 'loss.svg', 'gradient-norm.svg', 'step-gradients.svg', 'hidden-state.svg']));
    const data = JSON.parse(readFileSync(join(report, 'report.json'), 'utf8'));
    expect(data.title).toBe('fastrnn demo: classifier');
    expect(data.batches.gradNorm.length).toBeGreaterThan(0);
    expect(data.history.epochs).toBeGreaterThan(0);
  });
});
