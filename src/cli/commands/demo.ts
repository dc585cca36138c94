/**
 * `fastrnn demo NAME`: one of the real-data demos (src/cli/demos/), which prints its progress and figures
 * with the target beside them. The demos module loads on demand, so the other commands never read the
 * demo corpora.
 */
import { Command } from 'commander';
import { EXIT_OK, UsageError } from '../errors.js';
import { addVerbose, integer, number } from '../options.js';
import { Output, type Io } from '../output.js';

/** Listed here too, so `demo --help` needs no corpus; the demos module's DEMO_NAMES is checked at run time. */
const NAMES = ['spam', 'moby-dick', 'names', 'g2p'];

interface DemoArgs {
  json: boolean;
  tiny: boolean;
  seed: number;
  threads?: number;
  timeBudget?: number;
  report?: string;
}

export function demoCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command('demo')
    .description(`train and measure a model on a real corpus: ${NAMES.join(', ')}`)
    .argument('<name>', `the demo: ${NAMES.join(' | ')}`)
    .option('--json', 'print the figures as one JSON object on the last line of stdout', false)
    .option('--tiny', 'a seconds-long run on a small slice (checks the wiring, not the quality)', false)
    .option('--seed <n>', 'seeds the split, the weights and the batch order', integer(0, 2 ** 52), 1)
    .option('--threads <n>', 'threads of the native engine', integer(1, 1024))
    .option('--time-budget <seconds>', 'stop training once this much time is spent', number({ min: 0 }))
    .option('--report <dir>', 'write a training report there (an HTML page and one SVG per chart)');
  addVerbose(cmd);
  cmd.addHelpText('after', `
Demos:
  spam       SpamAssassin mails, spam or not (many → one): accuracy, F1, MCC
  moby-dick  a character language model of Moby-Dick (one → many): bits per character, a sample
  names      first names conditioned on gender (one → many): loss per character, novel names
  g2p        CMUdict spelling → pronunciation with attention (seq2seq): word and phoneme error rates`);
  cmd.action(async (name: string, args: DemoArgs) => {
    setExit(await runDemoCommand(name, args, io));
  });
  return cmd;
}

async function runDemoCommand(name: string, args: DemoArgs, io: Io): Promise<number> {
  const out = new Output(io, args.json);
  const demos = await import('../demos/index.js');
  if (!(demos.DEMO_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`demo: expected one of ${demos.DEMO_NAMES.join(', ')}, received ${JSON.stringify(name)}`);
  }
  const figures = await demos.runDemo(name, {
    tiny: args.tiny,
    seed: args.seed,
    ...(args.threads !== undefined ? { threads: args.threads } : {}),
    ...(args.timeBudget !== undefined ? { timeBudgetSeconds: args.timeBudget } : {}),
    ...(args.report !== undefined ? { report: args.report } : {}),
    log: (line: string) => out.line(line),
  });
  if (args.json) out.figures(figures);
  return EXIT_OK;
}
