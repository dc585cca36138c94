/**
 * The training report from the command line: `fastrnn train --report DIR` (fit writes it; its report.json
 * is then kept in the model directory) and `fastrnn inspect --model DIR --report OUT` (the same views for a
 * saved model: the recorded report.json, or history.json alone, plus a trace and nearest words computed
 * from the loaded model).
 */
import { copyFile, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { modelReport, parseReportData, writeReport, type History, type ReportData, type ReportOptions, type TrainableModel } from '../index.js';
import { CliError } from './errors.js';
import type { Lexicon, TaskName } from './meta.js';
import { integer } from './options.js';
import { tokenizerFor } from './text.js';

export interface ReportArgs {
  report?: string;
  reportInput?: string;
  reportWords?: string;
  reportEvery?: number;
}

export const RECORDED_REPORT = 'report.json';

export function addReportOptions(cmd: Command, forTraining: boolean): void {
  cmd
    .option('--report <dir>', forTraining
      ? 'write a training report there: an HTML page (loss, gradients through time, hidden states, nearest words) and one SVG per chart'
      : 'write the training report of this model there (an HTML page and one SVG per chart)')
    .option('--report-input <text>', 'the text whose hidden states the report shows (default: the first held-out example)')
    .option('--report-words <words>', 'comma-separated words whose nearest neighbours the report lists (default: frequent words)');
  if (forTraining) cmd.option('--report-every <batches>', 'measure the gradient per time step every N batches (default: about 40 times a run)', integer(1));
}

/** The text of --report-input as token ids of the model's input vocabulary. */
function inputIds(text: string | undefined, lex: Lexicon, task: TaskName): number[] | undefined {
  if (text === undefined) return undefined;
  const tokens = tokenizerFor(lex.meta.settings.tokenizer, { whitespaceWords: task === 'tag' })(text);
  if (tokens.length === 0) throw new CliError('--report-input: expected a text with at least one token, received none');
  return Array.from(lex.vocab.encode(tokens));
}

function words(list: string | undefined): string[] | undefined {
  if (list === undefined) return undefined;
  const out = list.split(',').map((w) => w.trim()).filter(Boolean);
  if (out.length === 0) throw new CliError(`--report-words: expected comma-separated words, received ${JSON.stringify(list)}`);
  return out;
}

/** fit's report option for `fastrnn train`, or undefined without --report. */
export function trainReportOptions(args: ReportArgs, lex: Lexicon, task: TaskName): ReportOptions | undefined {
  if (args.report === undefined) return undefined;
  const input = inputIds(args.reportInput, lex, task);
  const chosen = words(args.reportWords);
  return {
    dir: args.report,
    title: `fastrnn train --task ${task}`,
    vocab: lex.vocab,
    nearest: lex.meta.settings.tokenizer !== 'char',
    ...(input ? { input } : {}),
    ...(chosen ? { words: chosen } : {}),
    ...(args.reportEvery !== undefined ? { gradientEvery: args.reportEvery } : {}),
  };
}

/**
 * Keeps the report's data with the model (model directory/report.json), written atomically — only a report
 * written by this run (created at or after `since`), never one an earlier run left in the same directory.
 */
export async function keepRecordedReport(reportDir: string, modelDir: string, since: Date): Promise<boolean> {
  const target = join(modelDir, RECORDED_REPORT);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    const source = join(reportDir, RECORDED_REPORT);
    const { created } = JSON.parse(await readFile(source, 'utf8')) as { created?: string };
    if (!(typeof created === 'string' && Date.parse(created) >= since.getTime())) return false;
    await copyFile(source, tmp);
    await rename(tmp, target);
    return true;
  } catch {
    await rm(tmp, { force: true });
    return false; // fit warned already when it could not write the report
  }
}

async function readJson(path: string): Promise<unknown | null> {
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

/** `fastrnn inspect --report OUT`: writes the model's report; returns the files written. */
export async function writeInspectReport(modelDir: string, model: TrainableModel, lex: Lexicon, task: TaskName, args: ReportArgs): Promise<{ files: string[]; data: ReportData }> {
  const recordedPath = join(modelDir, RECORDED_REPORT);
  const recordedJson = await readJson(recordedPath);
  let recorded: ReportData | null = null;
  if (recordedJson !== null) {
    try {
      recorded = parseReportData(recordedJson, recordedPath);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
  }
  const history = recorded ? null : ((await readJson(join(modelDir, 'history.json'))) as History | null);
  const data = modelReport(model, {
    recorded,
    history,
    title: recorded?.title ?? `fastrnn ${task} model ${modelDir}`,
    vocab: lex.vocab,
    nearest: lex.meta.settings.tokenizer !== 'char',
    input: inputIds(args.reportInput, lex, task) ?? null,
    words: words(args.reportWords) ?? null,
  });
  return { files: await writeReport(args.report!, data), data };
}
