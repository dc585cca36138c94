/**
 * A data file as fit's examples: read record by record (src/data/readers.ts), encoded by the task with the
 * vocabularies of a Lexicon. Small files become arrays (shuffled by fit across the whole file every
 * epoch); large ones — or any with --stream — an async iterable that reads the file again each epoch, so
 * memory holds one chunk, not the file. A held-out fraction of a stream is chosen record by record with
 * a seeded hash, the same records every epoch and every resumed run.
 */
import { stat } from 'node:fs/promises';
import { checkDataFile, readRecords, type DataFormat, type DataRecord } from './records.js';
import type { Lexicon } from './meta.js';
import type { Task } from './tasks/index.js';
import { CliError } from './errors.js';

/** Files above this size are streamed unless the caller decides otherwise. */
export const STREAM_THRESHOLD_BYTES = 256 * 1024 * 1024;

export interface DataSource {
  /** the path, or "-" for standard input */
  path: string;
  format?: DataFormat;
  /** how messages name it: the path, or "<stdin>" */
  name: string;
}

export async function dataSource(path: string, option: string, format?: DataFormat): Promise<DataSource> {
  if (path !== '-') await checkDataFile(path, `${option} ${path}`);
  return { path, format, name: path === '-' ? '<stdin>' : path };
}

export function records(src: DataSource): AsyncGenerator<DataRecord> {
  return readRecords(src.path, { format: src.format, name: src.name });
}

export async function isLarge(src: DataSource): Promise<boolean> {
  return src.path !== '-' && (await stat(src.path)).size > STREAM_THRESHOLD_BYTES;
}

/** Every example of a file, in order. */
export async function encodeAll<E>(task: Task<E>, lex: Lexicon, src: DataSource): Promise<E[]> {
  const out: E[] = [];
  for await (const record of records(src)) for (const e of task.encode(lex, record, src.name)) out.push(e);
  if (out.length === 0) throw new CliError(`${src.name}: expected at least one example, but no record had anything to learn from`);
  return out;
}

/** A seeded, stateless choice of held-out records: record i is held out when its hash falls below `fraction`. */
export function heldOut(seed: number, fraction: number): (index: number) => boolean {
  return (index) => {
    // splitmix32-style mixing of (seed, index): uniform enough, the same on every run.
    let h = (Math.imul(index + 1, 0x9e3779b9) ^ Math.imul(seed + 0x632be5ab, 0x85ebca6b)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    return h / 2 ** 32 < fraction;
  };
}

/**
 * The examples of a file as an iterable that starts over each time (fit reads it once per epoch);
 * `keep(i)` selects records by index. `seen` counts the examples handed out.
 */
export function streamed<E>(task: Task<E>, lex: Lexicon, src: DataSource, keep: (index: number) => boolean = () => true): AsyncIterable<E> & { seen: number } {
  const iterable = {
    seen: 0,
    async *[Symbol.asyncIterator](): AsyncGenerator<E> {
      let index = 0;
      for await (const record of records(src)) {
        if (!keep(index++)) continue;
        for (const e of task.encode(lex, record, src.name)) {
          iterable.seen++;
          yield e;
        }
      }
    },
  };
  return iterable;
}
