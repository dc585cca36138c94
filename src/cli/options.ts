/**
 * Option parsing shared by the commands (commander): number parsers whose errors say what was expected,
 * and the option groups several commands take (data format and fields, engine, output).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DATA_FORMATS } from './records.js';
import { TOKENIZERS } from './text.js';

/** An integer in [min, max]. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`}, received ${JSON.stringify(value)}.`);
    }
    return n;
  };
}

/** A finite number above `min` (or at least min when inclusive) and at most `max`. */
export function number({ min = -Infinity, max = Infinity, inclusive = false } = {}): (value: string) => number {
  return (value) => {
    const n = Number(value);
    const low = inclusive ? n < min : n <= min;
    if (value.trim() === '' || !Number.isFinite(n) || low || n > max) {
      const range = [min > -Infinity ? `${inclusive ? '>=' : '>'} ${min}` : '', max < Infinity ? `<= ${max}` : ''].filter(Boolean).join(' and ');
      throw new InvalidArgumentError(`expected a number${range ? ` ${range}` : ''}, received ${JSON.stringify(value)}.`);
    }
    return n;
  };
}

/** --format: how the data file is laid out (default: from the extension). */
export function addFormat(cmd: Command): Command {
  return cmd.addOption(new Option('--format <format>', 'data layout (default: from the extension: .csv, .tsv, .jsonl; else text, one record per line)').choices(DATA_FORMATS));
}

/** The field options; on eval/predict their defaults are the ones the model was trained with. */
export function addFields(cmd: Command, defaults: boolean): Command {
  const d = (name: string): string => (defaults ? ` (default: ${name})` : ' (default: as in training)');
  return cmd
    .option('--text-field <name>', `field holding the text${d('text')}`)
    .option('--label-field <name>', `classify: field holding the label${d('label')}`)
    .option('--tags-field <name>', `tag: field holding the tags, one per whitespace token (a string or a JSON array)${d('tags')}`)
    .option('--source-field <name>', `seq2seq: field holding the source${d('source')}`)
    .option('--target-field <name>', `seq2seq: field holding the target${d('target')}`)
    .option('--condition-field <name>', `lm: field holding a class to condition on${defaults ? ' (default: none)' : ' (default: as in training)'}`);
}

export function addTokenizers(cmd: Command): Command {
  return cmd
    .addOption(new Option('--tokenizer <kind>', 'word: lower-case words and punctuation; char: characters; space: whitespace-separated tokens as they are').choices(TOKENIZERS).default('word'))
    .addOption(new Option('--source-tokenizer <kind>', 'seq2seq sources (default: --tokenizer)').choices(TOKENIZERS))
    .addOption(new Option('--target-tokenizer <kind>', 'seq2seq targets (default: --tokenizer)').choices(TOKENIZERS));
}

/** --backend and --threads. */
export function addEngine(cmd: Command): Command {
  return cmd
    .addOption(new Option('--backend <engine>', 'auto: the native engine when it loads, else the reference').choices(['auto', 'native', 'reference']).default('auto'))
    .option('--threads <n>', 'threads of the native engine (default: its own choice)', integer(1, 1024));
}

/** --verbose: stack traces on errors (read before parsing too, so even a parse failure honours it). */
export function addVerbose(cmd: Command): Command {
  return cmd.option('--verbose', 'print the stack trace of an error');
}
