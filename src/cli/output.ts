/**
 * Where a command's words go. Results go to stdout; with --json the figures are one JSON object on the
 * last line of stdout and every other line (progress, notes) goes to stderr, so
 * `fastrnn eval … --json | tail -1` is always the figures.
 */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export class Output {
  constructor(
    private readonly io: Io,
    private readonly json: boolean,
    private readonly quiet = false,
  ) {}

  /** A line of the human-readable result (stderr under --json). */
  line(text = ''): void {
    (this.json ? this.io.stderr : this.io.stdout).write(`${text}\n`);
  }

  /** A note about progress: stderr (none with --quiet). */
  note(text: string): void {
    if (!this.quiet) this.io.stderr.write(`${text}\n`);
  }

  /** Data written to stdout as it is (predictions, generated text). */
  data(text: string): void {
    this.io.stdout.write(text);
  }

  /** The figures: one JSON line on stdout under --json, else an aligned table. */
  figures(values: Record<string, number | string>): void {
    if (this.json) {
      this.io.stdout.write(`${JSON.stringify(values)}\n`);
      return;
    }
    const width = Math.max(...Object.keys(values).map((k) => k.length));
    for (const [k, v] of Object.entries(values)) this.line(`${k.padEnd(width)}  ${v}`);
  }
}
