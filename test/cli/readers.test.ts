// src/data/readers.ts: CSV (quoting, multi-line fields, BOM, CRLF), TSV, JSONL and plain text, read record by
// record with the line each came from; malformed lines named; streams read as they arrive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { checkDataFile, DataError, formatFromPath, readRecords, type DataRecord } from '../../src/data/readers.js';
import { tempDir } from './helpers.js';

let dir = '';
let cleanup = (): void => {};
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function all(source: string | Readable, format?: 'csv' | 'tsv' | 'jsonl' | 'text'): Promise<DataRecord[]> {
  const out: DataRecord[] = [];
  for await (const r of readRecords(source, format ? { format } : {})) out.push(r);
  return out;
}

async function failure(source: string | Readable, format?: 'csv' | 'tsv' | 'jsonl' | 'text'): Promise<DataError> {
  try {
    await all(source, format);
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected a DataError');
}

describe('CSV and TSV', () => {
  it('reads quoted fields (commas, quotes, newlines), a BOM, CRLF and blank lines, with the line each record ends on', async () => {
    const path = file('a.csv', '\uFEFFtext,label\r\n"hello, world",a\r\n\r\n"say ""hi""",b\r\n"two\nlines",c\r\n');
    const records = await all(path);
    expect(records.map((r) => r.fields)).toEqual([
      { text: 'hello, world', label: 'a' },
      { text: 'say "hi"', label: 'b' },
      { text: 'two\nlines', label: 'c' },
    ]);
    expect(records.map((r) => r.line)).toEqual([2, 4, 6]);
    expect(records[0].columns).toEqual(['text', 'label']);
  });

  it('reads TSV by extension', async () => {
    const records = await all(file('a.tsv', 'text\tlabel\nhello, world\tx\n'));
    expect(records[0].fields).toEqual({ text: 'hello, world', label: 'x' });
  });

  it('names the line of a record with too many fields, of an unclosed quote, and a repeated column', async () => {
    expect((await failure(file('b.csv', 'text,label\na,b\nc,d,e\n'))).message).toMatch(/b\.csv:3: malformed CSV \(Invalid Record Length/);
    expect((await failure(file('q.csv', 'text,label\na,b\n"c,d\ne,f\n'))).message).toMatch(/q\.csv:3: malformed CSV \(Quote Not Closed/);
    expect((await failure(file('d.csv', 'text,text\na,b\n'))).message).toBe(`${join(dir, 'd.csv')}:1: expected distinct column names in the header, received "text" twice`);
  });

  it('a header alone has no records', async () => {
    expect((await failure(file('h.csv', 'text,label\n'))).message).toContain('expected at least one record, found none (a header alone has no records)');
  });
});

describe('JSONL and text', () => {
  it('JSONL: one object per line, blank lines skipped, values kept as JSON has them', async () => {
    const records = await all(file('a.jsonl', '{"text": "a", "n": 1}\n\n{"text": ["b", "c"], "ok": true}\n'));
    expect(records).toEqual([
      { line: 1, fields: { text: 'a', n: 1 } },
      { line: 3, fields: { text: ['b', 'c'], ok: true } },
    ]);
  });

  it('JSONL: names a line that is not JSON, or not an object', async () => {
    expect((await failure(file('b.jsonl', '{"a": 1}\n{"a": \n'))).message).toMatch(/b\.jsonl:2: malformed JSON line \(/);
    expect((await failure(file('c.jsonl', '{"a": 1}\n"text"\n'))).message).toMatch(/c\.jsonl:2: expected a JSON object per line, received "text"/);
  });

  it('text: one { text } per non-blank line, CRLF and all', async () => {
    const records = await all(file('a.txt', 'first line\r\n\r\n  second  \r\n'));
    expect(records).toEqual([
      { line: 1, fields: { text: 'first line' } },
      { line: 3, fields: { text: '  second  ' } },
    ]);
  });

  it('a stream is JSONL when its first line is an object, else text', async () => {
    expect(await all(Readable.from(['\n{"text": "x"}\n']))).toEqual([{ line: 2, fields: { text: 'x' } }]);
    expect(await all(Readable.from(['just words\n']))).toEqual([{ line: 1, fields: { text: 'just words' } }]);
  });

  it('yields each record as it arrives, before the stream ends (files larger than memory)', async () => {
    const stream = new PassThrough();
    const it = readRecords(stream, { format: 'jsonl' })[Symbol.asyncIterator]();
    stream.write('{"text": "first"}\n');
    const first = await it.next();
    expect(first.value).toEqual({ line: 1, fields: { text: 'first' } });
    stream.end('{"text": "second"}\n');
    expect((await it.next()).value).toEqual({ line: 2, fields: { text: 'second' } });
    expect((await it.next()).done).toBe(true);
  });
});

describe('files', () => {
  it('picks the format from the extension', () => {
    expect(['a.csv', 'a.TSV', 'a.jsonl', 'a.ndjson', 'a.json', 'a.txt', 'a'].map(formatFromPath)).toEqual(['csv', 'tsv', 'jsonl', 'jsonl', 'jsonl', 'text', 'text']);
  });

  it('checkDataFile: a missing file, a directory and an empty file are DataErrors saying so', async () => {
    mkdirSync(join(dir, 'folder'));
    await expect(checkDataFile(join(dir, 'missing.csv'), '--data missing.csv')).rejects.toThrow('--data missing.csv: expected a data file, but there is no such file');
    await expect(checkDataFile(join(dir, 'folder'), '--data folder')).rejects.toThrow('--data folder: expected a data file, received a directory');
    await expect(checkDataFile(file('empty.txt', ''), '--data empty.txt')).rejects.toThrow('--data empty.txt: expected records, but the file is empty');
    await expect(checkDataFile(file('ok.txt', 'x\n'))).resolves.toBeUndefined();
  });

  it('reading a missing file is a DataError, not a stack of stream internals', async () => {
    expect((await failure(join(dir, 'gone.jsonl'))).message).toBe(`${join(dir, 'gone.jsonl')}: cannot be read (no such file)`);
    expect((await failure(join(dir, 'gone.csv'))).message).toBe(`${join(dir, 'gone.csv')}: cannot be read (no such file)`);
  });
});
