/**
 * How the command line fails: one readable line on stderr and an exit code.
 *
 *   0  ok            1  failure (bad data, a model directory of another task, an unwritable directory, …)
 *   2  usage         (an unknown command or option, a missing or malformed option value)
 *   130 interrupted  (Ctrl-C; what was trained so far is saved, the checkpoint stays for --resume)
 *
 * A stack trace is printed only with --verbose: the message alone says what was expected and what arrived.
 */
import { CommanderError } from 'commander';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** A failure the user can fix (bad data, wrong directory): printed as its message alone. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Options that do not go together, or a value that cannot be used: exit code 2. */
export class UsageError extends CliError {
  override name = 'UsageError';
}

/** The exit code and the line to print for an error thrown by a command. */
export function describeFailure(err: unknown, verbose: boolean): { code: number; text: string } {
  if (err instanceof CommanderError) {
    const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version';
    // Commander has already printed its message ("error: unknown option '--x'").
    return { code: ok ? EXIT_OK : EXIT_USAGE, text: '' };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const code = e instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
  const message = e.message.split('\n')[0];
  const known = e instanceof CliError || e instanceof TypeError || e instanceof RangeError || e.name === 'DataError' || e.name === 'ModelDirectoryError';
  const line = `error: ${known ? message : `${e.name}: ${message}`}`;
  return { code, text: verbose && e.stack ? `${line}\n${e.stack}` : line };
}
