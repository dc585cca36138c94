/**
 * The parent's handle on one benchmark child process: spawn, one request/one reply over stdin/stdout
 * (lines starting with TAG; anything else a library prints is kept for error messages), time-outs that
 * kill the child, and exit. The child's side: bench/systems/node-child.ts and pytorch_child.py.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

export const TAG = '@@bench ';

export interface Reply {
  type: 'hello' | 'ready' | 'na' | 'warm' | 'capped' | 'rep' | 'trace' | 'finished' | 'error';
  [key: string]: unknown;
}

export interface Launch {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export class ChildTimeout extends Error {
  override name = 'ChildTimeout';
}

export class Child {
  private proc: ChildProcessWithoutNullStreams;
  private waiting: ((r: Reply | Error) => void) | null = null;
  private queue: Reply[] = [];
  private tail: string[] = [];
  exited = false;

  constructor(launch: Launch) {
    this.proc = spawn(launch.command, launch.args, { cwd: launch.cwd, env: { ...process.env, ...launch.env }, stdio: 'pipe' });
    const keep = (line: string) => {
      this.tail.push(line);
      if (this.tail.length > 20) this.tail.shift();
    };
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      if (!line.startsWith(TAG)) return keep(line);
      const reply = JSON.parse(line.slice(TAG.length)) as Reply;
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w(reply);
      } else this.queue.push(reply);
    });
    createInterface({ input: this.proc.stderr }).on('line', keep);
    this.proc.on('error', (err) => this.fail(err));
    this.proc.on('exit', (code, signal) => {
      this.exited = true;
      this.fail(new Error(`child exited (${signal ?? `code ${code}`})${this.tail.length ? ': ' + this.lastWords() : ''}`));
    });
  }

  /** The last lines the child printed outside the protocol (errors, warnings). */
  lastWords(): string {
    return this.tail.slice(-3).join(' | ').slice(0, 300);
  }

  private fail(err: Error): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w(err);
    }
  }

  /** The next reply (e.g. the hello after spawn); rejects after timeoutMs, killing the child. */
  next(timeoutMs: number): Promise<Reply> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.exited) return Promise.reject(new Error(`child has exited${this.tail.length ? ': ' + this.lastWords() : ''}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        this.kill();
        reject(new ChildTimeout(`no reply in ${(timeoutMs / 1000).toFixed(0)} s (killed)`));
      }, timeoutMs);
      this.waiting = (r) => {
        clearTimeout(timer);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
    });
  }

  request(message: Record<string, unknown>, timeoutMs: number): Promise<Reply> {
    if (this.exited) return Promise.reject(new Error(`child has exited${this.tail.length ? ': ' + this.lastWords() : ''}`));
    this.proc.stdin.write(JSON.stringify(message) + '\n');
    return this.next(timeoutMs);
  }

  kill(): void {
    if (!this.exited) this.proc.kill('SIGKILL');
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.stdin.write(JSON.stringify({ cmd: 'exit' }) + '\n');
    const timer = setTimeout(() => this.kill(), 5000);
    await gone;
    clearTimeout(timer);
  }
}
