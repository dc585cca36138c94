// The training report in a real browser: Debian's chromium (installed by .ci/run when missing), driven by
// playwright-core, opens index.html from disk with every network request refused, and checks that each
// chart drew data marks inside a visible SVG and that the nearest-words table has rows; the screenshot goes
// to test/output/report/ (ignored by git).
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SequenceClassifier } from '../../src/models/classifier.js';
import { fit } from '../../src/train/fit.js';
import { Rng } from '../../src/random.js';
import { Vocab } from '../../src/text/vocab.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = resolve('test/output/report');
const CHARTS = ['loss', 'metrics', 'learning-rate', 'throughput', 'gradient-norm', 'step-gradients', 'step-gradient-profile', 'hidden-state'];

const WORDS = ['free', 'money', 'meeting', 'today', 'offer', 'project', 'click', 'report', 'winner', 'agenda'];
const vocab = Vocab.build([WORDS, WORDS.slice(0, 5)]);

function examples(n: number): { ids: number[]; label: number }[] {
  const rng = new Rng(7);
  const free = vocab.indexOf('free');
  return Array.from({ length: n }, () => {
    const ids = Array.from({ length: 4 + rng.int(12) }, () => 2 + rng.int(WORDS.length));
    return { ids, label: ids.includes(free) ? 1 : 0 };
  });
}

let browser: Browser;
let page: string;

beforeAll(async () => {
  const dir = join(await mkdtemp(join(tmpdir(), 'fastrnn-report-browser-')), 'report');
  const model = new SequenceClassifier({ vocabSize: vocab.size, embeddingDim: 8, hiddenSize: 8, numClasses: 2, cell: 'lstm', bidirectional: true, seed: 1, backend: 'reference', paddingIdx: vocab.padIndex });
  await fit(model, examples(96), { epochs: 4, batchSize: 16, validationSplit: 0.25, clipGradNorm: 0.5, seed: 1, verbose: false, report: { dir, vocab, gradientEvery: 2 } });
  page = join(dir, 'index.html');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
});

describe('the report page in headless Chromium', () => {
  it('renders every chart with data, needs no network, and is saved as a screenshot', async () => {
    const tab = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const requested: string[] = [];
    await tab.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      requested.push(url);
      return route.abort();
    });
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    await tab.goto(pathToFileURL(page).href);

    const found = await tab.$$eval('figure[data-chart]', (figures) =>
      figures.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          name: f.getAttribute('data-chart'),
          // data marks: the children of Vega's mark groups (role-mark), not axes or legends
          marks: f.querySelectorAll('svg g.role-mark > *').length,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          rows: f.querySelectorAll('table tr td').length,
        };
      }),
    );
    const byName = new Map(found.map((c) => [c.name, c]));
    for (const name of CHARTS) {
      const c = byName.get(name);
      expect(c, name).toBeDefined();
      expect(c!.marks, `${name}: data marks`).toBeGreaterThan(0);
      expect(c!.width, `${name}: width`).toBeGreaterThan(100);
      expect(c!.height, `${name}: height`).toBeGreaterThan(50);
    }
    // the heat maps draw one cell per value
    expect(byName.get('hidden-state')!.marks).toBeGreaterThan(16 * 4);
    expect(byName.get('nearest')!.rows).toBeGreaterThan(0);
    const data = await tab.$eval('#report-data', (el) => JSON.parse(el.textContent ?? 'null'));
    expect(data.format).toBe('fastrnn-report');
    expect(requested).toEqual([]);
    expect(errors).toEqual([]);

    await mkdir(OUTPUT, { recursive: true });
    const shot = join(OUTPUT, 'report.png');
    const png = await tab.screenshot({ path: shot, fullPage: true });
    expect(png.length).toBeGreaterThan(20_000);
    await tab.close();
  });
});
