// generate and inspect on a trained language model (plain and conditioned), through the command line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, lastJson, SMALL, tempDir, writeLmText } from './helpers.js';

let dir = '';
let cleanup = (): void => {};
let lm = '';
let names = '';
beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  writeLmText(join(dir, 'lm.txt'));
  const rows = ['name,gender', ...Array.from({ length: 60 }, (_, i) => (i % 2 ? `${['anna', 'emma', 'mia'][i % 3]},F` : `${['tom', 'max', 'leo'][i % 3]},M`))];
  writeFileSync(join(dir, 'names.csv'), rows.join('\n') + '\n');
  lm = join(dir, 'lm-model');
  names = join(dir, 'names-model');
  const [a, b] = await Promise.all([
    cli(['train', '--task', 'lm', '--data', join(dir, 'lm.txt'), '--out', lm, '--epochs', '8', '--quiet', ...SMALL]),
    cli(['train', '--task', 'lm', '--data', join(dir, 'names.csv'), '--text-field', 'name', '--condition-field', 'gender', '--tokenizer', 'char', '--out', names, '--epochs', '30', '--batch-size', '8', '--quiet', ...SMALL]),
  ]);
  expect(a.code, a.stderr).toBe(0);
  expect(b.code, b.stderr).toBe(0);
});
afterAll(() => cleanup());

describe('generate', () => {
  it('samples words from <bos>, the same text for the same seed, one line per sample', async () => {
    const args = ['generate', '--model', lm, '--length', '12', '--temperature', '0.7', '--top-k', '5', '--seed', '7', '--count', '3'];
    const [a, b] = await Promise.all([cli(args), cli(args)]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const lines = a.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(/^[a-z<>]+( [a-z<>]+)*$/);
  });

  it('continues a prompt greedily (temperature 0) and reports samples as JSON', async () => {
    const r = await cli(['generate', '--model', lm, '--prompt', 'The dog', '--temperature', '0', '--length', '20', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const sample = lastJson(r);
    expect(sample.text).toMatch(/^the dog /);
    expect(sample).toMatchObject({ tokens: expect.any(Number), ended: expect.any(Boolean) });
  });

  it('generates names for a condition, and names the classes when the condition is missing or unknown', async () => {
    const [f, m] = await Promise.all(['F', 'M'].map((c) => cli(['generate', '--model', names, '--condition', c, '--temperature', '0', '--length', '10'])));
    expect(f.code, f.stderr).toBe(0);
    expect(['anna', 'emma', 'mia']).toContain(f.stdout.trim());
    expect(['tom', 'max', 'leo']).toContain(m.stdout.trim());
    const missing = await cli(['generate', '--model', names]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('conditioned on gender; expected one of: F, M');
    const unknown = await cli(['generate', '--model', names, '--condition', 'X']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('expected one of F, M, received "X"');
    const extra = await cli(['generate', '--model', lm, '--condition', 'F']);
    expect(extra.code).toBe(1);
    expect(extra.stderr).toContain('takes no condition');
  });
});

describe('inspect', () => {
  it('summarises the model: task, shape, vocabulary, parameter count and shapes', async () => {
    const r = await cli(['inspect', '--model', lm]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('a model trained with --task lm (kind language-model');
    expect(r.stdout).toMatch(/parameters: [\d,]+/);
    expect(r.stdout).toContain('rnn.weight_hh_l0');
    expect(r.stdout).toContain('[64, 16]');
  });

  it('traces hidden states, finds neighbours and measures gradient norms per step (--json too)', async () => {
    const r = await cli(['inspect', '--model', lm, '--trace', 'the cat sat', '--nearest', 'cat', '--k', '3', '--grad-norms', join(dir, 'lm.txt'), '--examples', '4', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = lastJson(r) as { parameters: number; trace: { tokens: string[]; rows: number[][] }; nearest: { word: string }[]; gradNorms: number[] };
    expect(j.parameters).toBeGreaterThan(1000);
    expect(j.trace.tokens).toEqual(['the', 'cat', 'sat']);
    expect(j.trace.rows).toHaveLength(3);
    expect(j.trace.rows[0]).toHaveLength(16);
    expect(j.nearest).toHaveLength(3);
    expect(j.nearest.map((n) => n.word)).not.toContain('cat');
    expect(j.gradNorms.length).toBeGreaterThanOrEqual(3);
    expect(j.gradNorms.at(-1)).toBeCloseTo(1, 5); // ‖u‖ = 1 reaches the last state whole
    // The human table is on stderr under --json.
    expect(r.stderr).toContain('‖∂L/∂h_t‖');
  });

  it('rejects a --nearest word outside the vocabulary', async () => {
    const r = await cli(['inspect', '--model', lm, '--nearest', 'zebra']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`error: --nearest: "zebra" is not in the model's vocabulary (15 tokens)`);
  });
});
