/**
 * `fastrnn eval --model DIR --data FILE`: the model's figures on labelled data (fields and tokenizer as in
 * training unless given). A label, tag or condition never seen in training is an error naming its line.
 */
import { Command, Option } from 'commander';
import { evaluate, type TrainableModel } from '../../index.js';
import { dataSource, encodeAll, isLarge, streamed } from '../data.js';
import type { DataFormat } from '../records.js';
import { EXIT_OK } from '../errors.js';
import { TASKS, type TaskName } from '../meta.js';
import { loadCliModel, type Engine } from '../model-dir.js';
import { addEngine, addFields, addFormat, addVerbose, integer } from '../options.js';
import { Output, type Io } from '../output.js';
import { taskFor } from '../tasks/index.js';
import { figure } from '../tasks/task.js';
import { withFields, type FieldArgs } from './field-args.js';

interface EvalArgs extends FieldArgs, Engine {
  model: string;
  data: string;
  format?: DataFormat;
  task?: TaskName;
  batchSize: number;
  json: boolean;
}

export function evalCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command('eval')
    .description("measure a trained model on labelled data: the task's figures")
    .requiredOption('--model <dir>', 'a model directory written by fastrnn train')
    .requiredOption('--data <file>', 'labelled data in the layout the model was trained on')
    .addOption(new Option('--task <task>', 'fail unless the model was trained for this task').choices(TASKS));
  addFormat(cmd);
  addFields(cmd, false);
  cmd.option('--batch-size <n>', 'sequences per batch', integer(1), 64);
  addEngine(cmd);
  cmd.option('--json', 'print the figures as one JSON object on the last line of stdout', false);
  addVerbose(cmd);
  cmd.addHelpText('after', `
Figures by task: classify accuracy, f1 (macro), mcc; tag tokenAccuracy, f1 (macro over tags);
lm loss (nats per token), bitsPerToken, perplexity; seq2seq exactMatch, tokenErrorRate, wordErrorRate;
all with loss, examples and evalSeconds.`);
  cmd.action(async (args: EvalArgs) => {
    setExit(await runEval(args, io));
  });
  return cmd;
}

async function runEval(args: EvalArgs, io: Io): Promise<number> {
  const out = new Output(io, args.json);
  const { model, lex: saved, task: name } = await loadCliModel(args.model, args, args.task ? [args.task] : undefined, 'eval');
  const lex = withFields(saved, args);
  const task = taskFor(name);
  const src = await dataSource(args.data, '--data', args.format);
  const examples = (await isLarge(src)) ? streamed(task, lex, src) : await encodeAll(task, lex, src);
  const started = performance.now();
  const metrics = await evaluate(model as unknown as TrainableModel, examples as unknown[] | AsyncIterable<unknown>, { batchSize: args.batchSize });
  const seconds = (performance.now() - started) / 1000;
  const count = Array.isArray(examples) ? examples.length : examples.seen;
  out.line(`${name} model ${args.model} on ${src.name}: ${count} examples`);
  out.figures({ ...task.figures(metrics), examples: count, evalSeconds: figure(seconds) });
  return EXIT_OK;
}
