/**
 * Running the `fastrnn` command line as a user does — a child process — and the tiny data files its
 * tests train on (written into a temporary directory, seconds to learn).
 *
 * The process runs src/cli/main.ts bundled once per test file by esbuild (what tsx and tsup use), into
 * node_modules/.cache inside the package so the native engine is found as from dist/: a process then
 * starts in a tenth of a second instead of the half second tsx needs to compile the sources every time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll } from 'vitest';

export const ROOT = resolve(__dirname, '../..');
export const MAIN = join(ROOT, 'src/cli/main.ts');

let bundled: Promise<string> | null = null;
let bundleDir: string | null = null;

// Registered by every test file that imports this module: the file's bundle goes when its tests are done.
afterAll(() => {
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

/** src/cli/main.ts as one ESM file (packages stay imports), built on first use. */
function entry(): Promise<string> {
  bundled ??= (async () => {
    const dir = join(ROOT, 'node_modules', '.cache', 'fastrnn-cli-test', String(process.pid));
    const outfile = join(dir, 'cli.mjs');
    await build({ entryPoints: [MAIN], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'silent' });
    bundleDir = dir;
    return outfile;
  })();
  return bundled;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `fastrnn ...args`; `input` is written to its stdin (which is then closed). */
export async function startCli(args: string[], { input, cwd = ROOT }: { input?: string; cwd?: string } = {}): Promise<{ child: ChildProcess; done: Promise<CliResult> }> {
  const child = spawn(process.execPath, [await entry(), ...args], { cwd, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdin!.end(input ?? '');
  const done = new Promise<CliResult>((ok, fail) => {
    child.on('error', fail);
    child.on('close', (code, signal) => ok({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export async function cli(args: string[], options: { input?: string; cwd?: string } = {}): Promise<CliResult> {
  return (await startCli(args, options)).done;
}

/** The last line of stdout, parsed (the --json figures). */
export function lastJson(r: CliResult): Record<string, unknown> {
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

/** The JSON lines of stdout (predict). */
export function jsonLines(r: CliResult): Record<string, unknown>[] {
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'fastrnn-cli-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A seeded generator (Park–Miller), so the data files are the same every run. */
function rng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => Math.floor(((s = (s * 48271) % 2147483647) / 2147483647) * n);
}

const csvCell = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** classify: a mood word decides the label; CSV with quoting, a comma inside one text. */
export function writeClassifyCsv(path: string, n = 160, seed = 1): void {
  const r = rng(seed);
  const good = ['great', 'good', 'lovely', 'happy'];
  const bad = ['awful', 'bad', 'sad', 'poor'];
  const filler = ['the', 'a', 'movie', 'was', 'very', 'and', 'it', 'plot'];
  const rows = ['text,label'];
  for (let i = 0; i < n; i++) {
    const positive = r(2) === 1;
    const words = Array.from({ length: 2 + r(5) }, () => filler[r(filler.length)]);
    words.splice(r(words.length + 1), 0, (positive ? good : bad)[r(4)]);
    const text = i === 3 ? `${words.join(' ')}, "quoted"` : words.join(' ');
    rows.push(`${csvCell(text)},${positive ? 'pos' : 'neg'}`);
  }
  writeFileSync(path, rows.join('\n') + '\n');
}

/** tag: DET NOUN VERB sentences, half with tags as a string and half as JSON arrays. */
export function writeTagJsonl(path: string, n = 120, seed = 2): void {
  const r = rng(seed);
  const words: Record<string, string[]> = { DET: ['the', 'a'], NOUN: ['cat', 'dog', 'mat', 'man'], VERB: ['sat', 'ran', 'saw'] };
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const tags = Array.from({ length: 1 + r(2) }, () => ['DET', 'NOUN', 'VERB']).flat();
    const tokens = tags.map((t) => words[t][r(words[t].length)]);
    lines.push(JSON.stringify(i % 2 ? { text: tokens.join(' '), tags: tags.join(' ') } : { text: tokens, tags }));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

/** lm: short sentences, one per line (plain text). */
export function writeLmText(path: string, n = 90, seed = 3): void {
  const r = rng(seed);
  const sentences = ['the cat sat on the mat', 'the dog sat on the log', 'a man ran home'];
  writeFileSync(path, Array.from({ length: n }, () => sentences[r(3)]).join('\n') + '\n');
}

/** seq2seq: a string of letters → its letters reversed and upper-cased, space-separated (chars → tokens). */
export function writeSeq2SeqCsv(path: string, n = 200, seed = 4): void {
  const r = rng(seed);
  const rows = ['source,target'];
  for (let i = 0; i < n; i++) {
    const s = Array.from({ length: 2 + r(3) }, () => 'abcd'[r(4)]).join('');
    rows.push(`${s},${[...s].reverse().join(' ').toUpperCase()}`);
  }
  writeFileSync(path, rows.join('\n') + '\n');
}

/** Small model flags that learn the tiny data in a few epochs. */
export const SMALL = ['--embedding', '8', '--hidden', '16', '--lr', '0.03', '--seed', '1'];
