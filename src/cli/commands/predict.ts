/**
 * `fastrnn predict --model DIR [--data FILE]`: one JSON object per input record on stdout, in order —
 * { label, probability } (classify), { tokens, tags } (tag), { target } (seq2seq), { tokens, loss,
 * bitsPerToken } (lm). Without --data it reads standard input: JSONL, or plain text with one input per line.
 */
import { Command, Option } from 'commander';
import type { DataFormat, DataRecord } from '../records.js';
import { dataSource, records } from '../data.js';
import { EXIT_OK, UsageError } from '../errors.js';
import { TASKS, type TaskName } from '../meta.js';
import { loadCliModel, type Engine } from '../model-dir.js';
import { addEngine, addFields, addFormat, addVerbose, integer } from '../options.js';
import type { Io } from '../output.js';
import { taskFor } from '../tasks/index.js';
import { withFields, type FieldArgs } from './field-args.js';

interface PredictArgs extends FieldArgs, Engine {
  model: string;
  data?: string;
  format?: DataFormat;
  task?: TaskName;
  batchSize: number;
  beamSize: number;
}

export function predictCommand(io: Io, setExit: (code: number) => void, stdinIsTTY: () => boolean): Command {
  const cmd = new Command('predict')
    .description('predict for every record of a file (or of stdin), one JSON object per line')
    .requiredOption('--model <dir>', 'a model directory written by fastrnn train')
    .option('--data <file>', 'inputs (default: stdin; "-" too): CSV/TSV, JSONL, or text with one input per line')
    .addOption(new Option('--task <task>', 'fail unless the model was trained for this task').choices(TASKS));
  addFormat(cmd);
  addFields(cmd, false);
  cmd
    .option('--batch-size <n>', 'inputs per batch', integer(1), 64)
    .option('--beam-size <n>', 'seq2seq: beam search width (1: greedy)', integer(1, 256), 1);
  addEngine(cmd);
  addVerbose(cmd);
  cmd.addHelpText('after', `
Examples:
  fastrnn predict --model spam-model --data new-mails.csv > predictions.jsonl
  echo "the cat sat on the mat" | fastrnn predict --model pos-model`);
  cmd.action(async (args: PredictArgs) => {
    if ((args.data === undefined || args.data === '-') && stdinIsTTY()) {
      throw new UsageError('predict: expected --data FILE or inputs on standard input (a pipe or a file), received a terminal');
    }
    setExit(await runPredict(args, io));
  });
  return cmd;
}

async function runPredict(args: PredictArgs, io: Io): Promise<number> {
  const { model, lex: saved, task: name } = await loadCliModel(args.model, args, args.task ? [args.task] : undefined, 'predict');
  // Plain text on stdin is one input per line: the text (or seq2seq source) field.
  const lex = withFields(saved, args);
  const task = taskFor(name);
  const src = await dataSource(args.data ?? '-', '--data', args.format);
  const textKey = name === 'seq2seq' ? 'source' : 'text';
  const field = lex.meta.settings.fields[textKey];
  let batch: DataRecord[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const out = await task.predict(model, lex, batch, src.name, { beamSize: args.beamSize });
    io.stdout.write(out.map((o) => JSON.stringify(o)).join('\n') + '\n');
    batch = [];
  };
  for await (const record of records(src)) {
    // A plain-text line is { text }: read it as whichever field holds the model's input.
    if (record.columns === undefined && Object.keys(record.fields).length === 1 && 'text' in record.fields && field !== 'text' && !(field in record.fields)) {
      record.fields = { [field]: record.fields.text };
    }
    batch.push(record);
    if (batch.length >= args.batchSize) await flush();
  }
  await flush();
  return EXIT_OK;
}
