#!/usr/bin/env node
/** The `fastrnn` executable (package.json "bin", built to dist/cli.js): runs the command line and sets the exit code. */
import { run } from './program.js';

// `fastrnn predict … | head`: a reader that stops early is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await run(process.argv.slice(2));
