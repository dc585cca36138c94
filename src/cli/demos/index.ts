/**
 * `fastrnn demo NAME`: four demos on real data no one here wrote, one per sequence shape, each with a
 * quality target on a seeded held-out part (issue 9):
 *
 *   spam       many → one     SpamAssassin mails, bidirectional GRU classifier   accuracy ≥ 98.5 %
 *   moby-dick  char LM        Moby-Dick, LSTM H256 for 180 s, plus a sample       ≤ 2.05 bits/char
 *   names      one → many     first names conditioned on gender                  ≤ 1.93 nats/char, ≥ 80 % novel
 *   g2p        seq2seq        CMUdict spelling → phonemes, attention             word error rate ≤ 30 %
 *
 * runDemo returns the figures (the metric names of the CLI's --json) plus trainSeconds,
 * sequencesPerSecond and `target`; progress and results go to options.log one line at a time.
 */
import { withReport, type DemoOptions, type DemoResult } from './common.js';
import { runSpam } from './spam.js';
import { runMobyDick } from './moby-dick.js';
import { runNames } from './names.js';
import { runG2p } from './g2p.js';

export type { DemoOptions, DemoResult } from './common.js';

export const DEMO_NAMES = ['spam', 'moby-dick', 'names', 'g2p'] as const;
export type DemoName = (typeof DEMO_NAMES)[number];

const RUNNERS: Record<DemoName, (options: DemoOptions) => Promise<DemoResult>> = {
  spam: runSpam,
  'moby-dick': runMobyDick,
  names: runNames,
  g2p: runG2p,
};

export async function runDemo(name: string, options: DemoOptions): Promise<Record<string, number | string>> {
  if (!(DEMO_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(`demo: expected one of ${DEMO_NAMES.join(', ')}, received ${JSON.stringify(name)}`);
  }
  checkOptions(options);
  return withReport(options.report, () => RUNNERS[name as DemoName](options));
}

function checkOptions(options: DemoOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`demo options: expected { tiny, seed, threads?, timeBudgetSeconds?, log }, received ${String(options)}`);
  if (typeof options.tiny !== 'boolean') throw new TypeError(`demo options.tiny: expected a boolean, received ${JSON.stringify(options.tiny)}`);
  if (!Number.isInteger(options.seed) || options.seed < 0) throw new RangeError(`demo options.seed: expected a non-negative integer, received ${JSON.stringify(options.seed)}`);
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw new RangeError(`demo options.threads: expected a positive integer, received ${JSON.stringify(options.threads)}`);
  }
  if (options.timeBudgetSeconds !== undefined && !(typeof options.timeBudgetSeconds === 'number' && options.timeBudgetSeconds > 0 && Number.isFinite(options.timeBudgetSeconds))) {
    throw new RangeError(`demo options.timeBudgetSeconds: expected a positive number of seconds, received ${JSON.stringify(options.timeBudgetSeconds)}`);
  }
  if (options.report !== undefined && (typeof options.report !== 'string' || options.report === '')) {
    throw new TypeError(`demo options.report: expected a directory path (a non-empty string), received ${JSON.stringify(options.report)}`);
  }
  if (typeof options.log !== 'function') throw new TypeError(`demo options.log: expected a function (line: string) => void, received ${typeof options.log}`);
}
