/**
 * The `fastrnn` command: its subcommands, and the one place where failures become an exit code and one
 * line on stderr (errors.ts). `run(argv)` never throws and never exits the process, so tests and
 * embedders can call it.
 */
import { Command, Help, type Option } from 'commander';
import { FASTRNN_VERSION } from '../index.js';
import { describeFailure, EXIT_OK } from './errors.js';
import type { Io } from './output.js';
import { trainCommand } from './commands/train.js';
import { evalCommand } from './commands/eval.js';
import { predictCommand } from './commands/predict.js';
import { generateCommand } from './commands/generate.js';
import { inspectCommand } from './commands/inspect.js';
import { demoCommand } from './commands/demo.js';

export function buildProgram(io: Io, setExit: (code: number) => void, stdinIsTTY: () => boolean): Command {
  const program = new Command('fastrnn')
    .description('Recurrent networks (RNN, LSTM, GRU) from the command line: train, evaluate, predict, generate, inspect.')
    .version(FASTRNN_VERSION, '--version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showSuggestionAfterError(true)
    .addHelpText('after', `
Run "fastrnn <command> --help" for a command's options. Exit codes: 0 ok, 1 failure, 2 usage, 130 interrupted.`);
  for (const cmd of [
    trainCommand(io, setExit),
    evalCommand(io, setExit),
    predictCommand(io, setExit, stdinIsTTY),
    generateCommand(io, setExit),
    inspectCommand(io, setExit),
    demoCommand(io, setExit),
  ]) {
    program.addCommand(cmd);
  }
  // addCommand does not pass settings down (only .command() does): each subcommand throws instead of exiting.
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) }).configureHelp({ optionDescription });
  }
  return program;
}

/** An option's help line without "(default: false)" on every flag. */
function optionDescription(option: Option): string {
  return new Help().optionDescription(option).replace(/ \(default: false\)$/, '');
}

/** Runs the command line; resolves to the exit code. */
export async function run(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }, stdinIsTTY = () => process.stdin.isTTY === true): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => (code = c), stdinIsTTY);
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    const { code: failure, text } = describeFailure(err, argv.includes('--verbose'));
    if (text) io.stderr.write(`${text}\n`);
    return failure;
  }
}
