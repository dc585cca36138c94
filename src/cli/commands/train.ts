/** `fastrnn train`: its options and help; the work is in ../training/run.ts. */
import { Command, Option } from 'commander';
import { TASKS } from '../meta.js';
import { addEngine, addFields, addFormat, addTokenizers, addVerbose, integer, number } from '../options.js';
import type { Io } from '../output.js';
import { addReportOptions } from '../report.js';
import { runTrain } from '../training/run.js';
import type { TrainArgs } from '../training/settings.js';

const EXAMPLES = `
Examples:
  fastrnn train --task classify --data spam.csv --validation-split 0.1 --out spam-model
  fastrnn train --task tag --data pos.jsonl --valid dev.jsonl --bidirectional --out pos-model
  fastrnn train --task lm --data book.txt --tokenizer char --max-length 100 --time-budget 600 --out book-lm
  fastrnn train --task seq2seq --data g2p.csv --source-tokenizer char --target-tokenizer space --out g2p-model
  fastrnn train --resume --out book-lm --data book.txt --epochs 20      (continue a stopped run)

The model directory holds config.json, model.safetensors, vocab.json (vocabularies, tokenizer and names)
and history.json (and report.json with --report). Checkpoints go to <out>.checkpoint (removed when a run completes); Ctrl-C or the time
budget stops between batches, saves the model trained so far and keeps the checkpoint for --resume.`;

export function trainCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command('train').description('train a model on a data file and save it to a directory');
  cmd
    .addOption(new Option('--task <task>', 'classify (text → label), tag (a tag per token), lm (language model), seq2seq (text → text)').choices(TASKS))
    .requiredOption('--data <file>', 'training data: CSV/TSV with a header, JSONL, or plain text (lm: one text per line)')
    .option('--valid <file>', 'held-out data, measured after every epoch and at the end')
    .option('--validation-split <fraction>', 'hold out this fraction of --data instead (seeded)', number({ min: 0, max: 0.999999 }))
    .requiredOption('--out <dir>', 'the model directory to write (a new one, or a model of the same task to replace)');
  addFormat(cmd);
  addFields(cmd, true);
  addTokenizers(cmd);
  cmd
    .option('--max-length <n>', 'tokens kept per text (lm: longer texts are cut into pieces of this many)', integer(1))
    .option('--min-freq <n>', 'keep tokens seen at least this often', integer(1), 1)
    .option('--max-vocab <n>', 'cap on the vocabulary size (specials included)', integer(4))
    .addOption(new Option('--cell <cell>', 'recurrent cell').choices(['rnn', 'lstm', 'gru']).default('lstm'))
    .option('--embedding <n>', 'embedding size', integer(1), 64)
    .option('--hidden <n>', 'hidden size', integer(1), 128)
    .option('--layers <n>', 'stacked recurrent layers', integer(1, 64), 1)
    .option('--bidirectional', 'read both ways (classify, tag; seq2seq: the encoder)', false)
    .option('--dropout <p>', 'dropout between stacked layers', number({ min: 0, max: 0.99, inclusive: true }))
    .addOption(new Option('--pooling <how>', 'classify: how the states become one vector').choices(['last', 'mean', 'max']).default('mean'))
    .addOption(new Option('--attention <score>', 'seq2seq: Luong attention score').choices(['dot', 'general', 'none']).default('general'))
    .option('--no-attention', 'seq2seq: no attention (the same as --attention none)')
    .option('--epochs <n>', 'passes over the training data', integer(1), 10)
    .option('--batch-size <n>', 'sequences per batch', integer(1), 32)
    .addOption(new Option('--optimizer <name>', 'optimizer (sparse_adam: lazy Adam on a row-sparse embedding gradient, PyTorch SparseAdam; others as in torch.optim)').choices(['sgd', 'adam', 'adamw', 'sparse_adam', 'rmsprop', 'adagrad']).default('adam'))
    .option('--lr <rate>', "learning rate (default: the optimizer's, 0.001 for adam)", number({ min: 0 }))
    .option('--clip <norm>', 'clip the gradient norm to this before each step', number({ min: 0 }))
    .option('--seed <n>', 'seeds the weights, the split and the batch order', integer(0, 2 ** 52), 1)
    .option('--patience <epochs>', 'early stopping: epochs without a better held-out loss (best weights kept)', integer(0));
  addEngine(cmd);
  cmd
    .option('--time-budget <seconds>', 'stop between batches once this much training time is spent', number({ min: 0, inclusive: true }))
    .option('--checkpoint-every <batches>', 'also checkpoint every N batches (always: every epoch)', integer(1))
    .option('--checkpoint-dir <dir>', 'where checkpoints go (default: <out>.checkpoint)')
    .option('--resume', 'continue the run whose checkpoint is in the checkpoint directory', false)
    .option('--keep-checkpoint', 'keep the checkpoint directory after a completed run', false)
    .option('--stream', 'read the data from disk every epoch instead of holding it in memory (automatic above 256 MB)', false)
    .option('--json', 'print the figures as one JSON object on the last line of stdout', false)
    .option('--quiet', 'no progress output', false);
  addReportOptions(cmd, true);
  addVerbose(cmd);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action(async (options: TrainArgs, command: Command) => {
    const given = (key: string): boolean => command.getOptionValueSource(key) === 'cli';
    setExit(await runTrain(options, given, io));
  });
  return cmd;
}
