/**
 * Records from a data file, read line by line so a file larger than memory streams:
 *
 *   csv    a header line, then one record per row (RFC 4180 quoting; csv-parse does the parsing)
 *   tsv    the same with tabs
 *   jsonl  one JSON object per line (blank lines skipped)
 *   text   one record { text } per non-blank line
 *
 *   for await (const { line, fields } of readRecords('train.csv')) …   // fields: { text: '…', label: 'spam' }
 *
 * Every record carries the line it came from, and every malformed line is a DataError that names it
 * ("train.jsonl:14: expected a JSON object, received …"), so a bad record in a million can be found.
 * The format follows the file's extension unless given; standard input (`-`) is JSONL when its first
 * non-blank line starts with `{`, plain text otherwise.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';

export const DATA_FORMATS = ['csv', 'tsv', 'jsonl', 'text'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

/** One record: its fields by name, the 1-based line it ends on, and (CSV) the header's column names. */
export interface DataRecord {
  line: number;
  fields: Record<string, unknown>;
  columns?: readonly string[];
}

/** A file that cannot be read, or a line in it that is malformed; the message names the file and line. */
export class DataError extends Error {
  override name = 'DataError';
}

export interface ReadOptions {
  /** default: from the extension (.csv, .tsv, .jsonl/.ndjson/.json, anything else text); stdin: sniffed */
  format?: DataFormat;
  /** the name messages use (default: the path, or "<stdin>") */
  name?: string;
}

/** The format a path's extension stands for. */
export function formatFromPath(path: string): DataFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv') return 'tsv';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  return 'text';
}

/** Checks that `path` is a readable, non-empty regular file (DataError otherwise); `what` names it in messages. */
export async function checkDataFile(path: string, what = path): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(`${what}: expected a data file, but ${code === 'ENOENT' ? 'there is no such file' : `it cannot be read (${code ?? (err as Error).message})`}`);
  }
  if (!info.isFile()) throw new DataError(`${what}: expected a data file, received a ${info.isDirectory() ? 'directory' : 'special file'}`);
  if (info.size === 0) throw new DataError(`${what}: expected records, but the file is empty`);
}

/**
 * The records of a file (a path, or "-" for standard input) or of a stream, in order. Throws DataError
 * for a missing file or a malformed line; a file with no records at all is a DataError too.
 */
export async function* readRecords(source: string | Readable, options: ReadOptions = {}): AsyncGenerator<DataRecord> {
  const stdin = source === '-';
  const name = options.name ?? (typeof source === 'string' && !stdin ? source : '<stdin>');
  const input = (): Readable => {
    if (typeof source !== 'string') return source;
    if (stdin) return process.stdin;
    return createReadStream(source);
  };
  const format = options.format ?? (typeof source === 'string' && !stdin ? formatFromPath(source) : undefined);
  let count = 0;
  try {
    const records = format === 'csv' || format === 'tsv' ? csvRecords(input(), name, format === 'tsv' ? '\t' : ',') : lineRecords(input(), name, format);
    for await (const record of records) {
      count++;
      yield record;
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(`${name}: cannot be read (${code === 'ENOENT' ? 'no such file' : code ?? (err as Error).message})`);
  }
  if (count === 0) throw new DataError(`${name}: expected at least one record, found none${format === 'csv' || format === 'tsv' ? ' (a header alone has no records)' : ''}`);
}

async function* csvRecords(input: Readable, name: string, delimiter: string): AsyncGenerator<DataRecord> {
  let columns: string[] | null = null;
  const parser = parse({
    bom: true,
    delimiter,
    info: true,
    skip_empty_lines: true,
    columns: (header: string[]) => {
      columns = header.map((c) => c.trim());
      const seen = new Set<string>();
      for (const c of columns) {
        if (seen.has(c)) throw new DataError(`${name}:1: expected distinct column names in the header, received ${JSON.stringify(c)} twice`);
        seen.add(c);
      }
      return columns;
    },
  });
  input.on('error', (err) => parser.destroy(err));
  let lastLine = 1;
  try {
    for await (const row of input.pipe(parser) as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      lastLine = row.info.lines;
      yield { line: row.info.lines, fields: row.record, columns: columns ?? [] };
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    const e = err as CsvError & { lines?: number };
    if (typeof e.code === 'string' && e.code.startsWith('CSV_') || e.code === 'INVALID_OPENING_QUOTE') {
      // An unclosed quote is found at the end of the file: the record that opened it starts after the last good one.
      const line = e.code === 'CSV_QUOTE_NOT_CLOSED' ? lastLine + 1 : (e.lines ?? lastLine + 1);
      throw new DataError(`${name}:${line}: malformed CSV (${e.message})`);
    }
    throw err;
  }
}

async function* lineRecords(input: Readable, name: string, format: 'jsonl' | 'text' | undefined): AsyncGenerator<DataRecord> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let kind = format;
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    kind ??= text.trimStart().startsWith('{') ? 'jsonl' : 'text';
    if (kind === 'text') {
      yield { line: n, fields: { text } };
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new DataError(`${name}:${n}: malformed JSON line (${(err as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DataError(`${name}:${n}: expected a JSON object per line, received ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
    }
    yield { line: n, fields: value as Record<string, unknown> };
  }
}
