/**
 * fit's `report` option: a directory, or the directory and what the report should look at.
 *
 *   fit(model, examples, { report: 'out/report' });
 *   fit(model, examples, { report: { dir: 'out/report', vocab, words: ['free', 'money'], gradientEvery: 20 } });
 */
import { checkInt, describe } from '../errors.js';
import { Vocab } from '../text/vocab.js';

export interface ReportOptions {
  /** where index.html, one SVG per chart and report.json go (created if missing; files are replaced one by one, atomically) */
  dir: string;
  /** a title for the page (default: the model's kind) */
  title?: string;
  /** the token ids whose hidden states the heat map shows (default: the first validation example, else the first training example) */
  input?: ArrayLike<number>;
  /** the model's input vocabulary: labels the heat map with tokens, and gives the nearest-words table its words */
  vocab?: Vocab;
  /** words whose nearest neighbours are listed (default: the 8 most frequent alphabetic words of 4+ letters in vocab) */
  words?: string[];
  /** list nearest words (default: true when vocab is given; set false for a character vocabulary) */
  nearest?: boolean;
  /**
   * measure ‖∂L/∂h_t‖ per time step every N training batches. Default: N = max(5, ⌈total batches / 40⌉)
   * (about 40 samples a run; 25 when the number of batches is unknown), and a due sample is put off while
   * measuring has cost more than 5 % of the training time so far. Given explicitly: exactly every N batches.
   */
  gradientEvery?: number;
  /** how many sequences of a sampled batch the per-step norms average over (default 8) */
  gradientSequences?: number;
  /** time steps kept per sample, counted back from the sequences' ends (default 200) */
  gradientSteps?: number;
}

export interface ResolvedReportOptions {
  dir: string;
  title: string | null;
  input: number[] | null;
  vocab: Vocab | null;
  words: string[] | null;
  nearest: boolean;
  gradientEvery: number | null;
  gradientSequences: number;
  gradientSteps: number;
}

const KEYS = ['dir', 'title', 'input', 'vocab', 'words', 'nearest', 'gradientEvery', 'gradientSequences', 'gradientSteps'];

/** Checks options.report (a directory path or ReportOptions). */
export function checkReportOptions(value: unknown, name = 'options.report'): ResolvedReportOptions {
  const o: ReportOptions = typeof value === 'string' ? { dir: value } : (value as ReportOptions);
  if (typeof o !== 'object' || o === null || Array.isArray(o)) {
    throw new TypeError(`${name}: expected a directory path or { dir, title?, input?, vocab?, words?, nearest?, gradientEvery?, gradientSequences?, gradientSteps? }, received ${describe(value)}`);
  }
  for (const key of Object.keys(o)) if (!KEYS.includes(key)) throw new TypeError(`${name}.${key}: unknown option; expected one of ${KEYS.join(', ')}`);
  if (typeof o.dir !== 'string' || o.dir === '') throw new TypeError(`${name}${typeof value === 'string' ? '' : '.dir'}: expected a directory path (a non-empty string), received ${describe(o.dir)}`);
  if (o.title !== undefined && typeof o.title !== 'string') throw new TypeError(`${name}.title: expected a string, received ${describe(o.title)}`);
  if (o.vocab !== undefined && !(o.vocab instanceof Vocab)) throw new TypeError(`${name}.vocab: expected a Vocab, received ${describe(o.vocab)}`);
  if (o.nearest !== undefined && typeof o.nearest !== 'boolean') throw new TypeError(`${name}.nearest: expected a boolean, received ${describe(o.nearest)}`);
  return {
    dir: o.dir,
    title: o.title ?? null,
    input: o.input === undefined ? null : checkIds(`${name}.input`, o.input),
    vocab: o.vocab ?? null,
    words: o.words === undefined ? null : checkWords(`${name}.words`, o.words),
    nearest: o.nearest ?? o.vocab !== undefined,
    gradientEvery: o.gradientEvery === undefined ? null : checkInt(`${name}.gradientEvery`, o.gradientEvery, 1),
    gradientSequences: checkInt(`${name}.gradientSequences`, o.gradientSequences ?? 8, 1),
    gradientSteps: checkInt(`${name}.gradientSteps`, o.gradientSteps ?? 200, 1),
  };
}

function checkIds(name: string, value: unknown): number[] {
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) throw new TypeError(`${name}: expected token ids (an array or a typed array), received ${describe(value)}`);
  const ids = Array.from(value as ArrayLike<number>);
  if (ids.length === 0) throw new RangeError(`${name}: expected at least one token id, received an empty sequence`);
  ids.forEach((id, i) => checkInt(`${name}[${i}]`, id, 0));
  return ids;
}

function checkWords(name: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new TypeError(`${name}: expected an array of words, received ${describe(value)}`);
  value.forEach((w, i) => {
    if (typeof w !== 'string' || w === '') throw new TypeError(`${name}[${i}]: expected a non-empty string, received ${describe(w)}`);
  });
  return [...value];
}

/** The default sampling interval of the per-step gradient norms (see ReportOptions.gradientEvery). */
export function defaultGradientEvery(totalBatches: number | undefined): number {
  return totalBatches === undefined ? 25 : Math.max(5, Math.ceil(totalBatches / 40));
}
