/**
 * fit's progress display on stdout: a cli-progress bar per epoch (on a TTY with verbose 'auto', or with
 * 'bar') followed by a summary line, or the summary line alone ('lines', and 'auto' when stdout is not a
 * TTY, e.g. a CI log). verbose false prints nothing.
 */
import cliProgress from 'cli-progress';
import { formatNumber } from './fit-history.js';

export interface ProgressDisplay {
  /** an epoch begins (or resumes at `done` batches); batches is undefined for an async iterable */
  startEpoch(epoch: number, epochs: number, batches: number | undefined, done: number): void;
  /** `done` batches of the epoch have run; loss is the epoch's running mean */
  update(done: number, loss: number): void;
  /** the epoch's summary line */
  endEpoch(line: string): void;
  /** training ended (also on errors): stop any bar */
  stop(): void;
}

const silent: ProgressDisplay = { startEpoch() {}, update() {}, endEpoch() {}, stop() {} };

export function createDisplay(verbose: 'auto' | 'bar' | 'lines' | false, out: NodeJS.WriteStream = process.stdout): ProgressDisplay {
  if (verbose === false) return silent;
  const bars = verbose === 'bar' || (verbose === 'auto' && out.isTTY === true);
  return bars ? new BarDisplay(out) : new LineDisplay(out);
}

class LineDisplay implements ProgressDisplay {
  constructor(private readonly out: NodeJS.WritableStream) {}
  startEpoch(): void {}
  update(): void {}
  endEpoch(line: string): void {
    this.out.write(line + '\n');
  }
  stop(): void {}
}

class BarDisplay implements ProgressDisplay {
  private bar: cliProgress.SingleBar | null = null;

  constructor(private readonly out: NodeJS.WritableStream) {}

  startEpoch(epoch: number, epochs: number, batches: number | undefined, done: number): void {
    this.stop();
    if (batches === undefined) return; // an async iterable: its length is unknown, so the summary line alone
    this.bar = new cliProgress.SingleBar(
      {
        format: `epoch ${epoch + 1}/${epochs} [{bar}] {value}/{total} | loss {loss} | {duration_formatted} < {eta_formatted}`,
        stream: this.out,
        hideCursor: true,
        clearOnComplete: true,
        noTTYOutput: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(batches, done, { loss: '-' });
  }

  update(done: number, loss: number): void {
    this.bar?.update(done, { loss: formatNumber(loss) });
  }

  endEpoch(line: string): void {
    this.stop();
    this.out.write(line + '\n');
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
