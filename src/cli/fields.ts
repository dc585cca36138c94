/**
 * Reading the named fields of a record (a CSV column, a JSONL key), with messages that name the file,
 * the line, the field and the option that chose it:
 *
 *   train.csv: expected a column "label" (--label-field), but the header has: text, category
 *   dev.jsonl:7: expected a field "tags" (--tags-field), received none
 */
import { DataError, type DataRecord } from './records.js';

/** Where a record came from and which option names the field (for messages). */
export interface FieldRef {
  source: string;
  field: string;
  option: string;
}

function where(record: DataRecord, ref: FieldRef): string {
  return `${ref.source}:${record.line}`;
}

function raw(record: DataRecord, ref: FieldRef): unknown {
  const value = record.fields[ref.field];
  if (value !== undefined) return value;
  if (record.columns) {
    throw new DataError(`${ref.source}: expected a column ${JSON.stringify(ref.field)} (${ref.option}), but the header has: ${record.columns.join(', ')}`);
  }
  const keys = Object.keys(record.fields);
  const hint = keys.length === 1 && keys[0] === 'text' && record.fields.text !== undefined ? ' (a plain-text file has only "text"; use CSV or JSONL)' : keys.length ? ` (it has ${keys.map((k) => JSON.stringify(k)).join(', ')})` : '';
  throw new DataError(`${where(record, ref)}: expected a field ${JSON.stringify(ref.field)} (${ref.option}), received none${hint}`);
}

function show(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** A text: a string (numbers and booleans are taken as written). */
export function readText(record: DataRecord, ref: FieldRef): string {
  const value = raw(record, ref);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new DataError(`${where(record, ref)}: expected ${JSON.stringify(ref.field)} (${ref.option}) to be a text, received ${show(value)}`);
}

/** A class name: a non-empty string, number or boolean, as a string. */
export function readName(record: DataRecord, ref: FieldRef): string {
  const value = raw(record, ref);
  const name = typeof value === 'string' ? value.trim() : typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
  if (name === null || name === '') {
    throw new DataError(`${where(record, ref)}: expected ${JSON.stringify(ref.field)} (${ref.option}) to be a name (a non-empty string or a number), received ${show(value)}`);
  }
  return name;
}

/** A JSON array of strings/numbers as strings — a JSONL array, or a CSV cell holding one ("[\"DET\", \"NOUN\"]") — else null. */
function tokenArray(value: unknown): string[] | null {
  if (typeof value === 'string' && value.trimStart().startsWith('[')) {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  return Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number') ? value.map(String) : null;
}

/**
 * A token sequence: a JSON array of strings/numbers (taken as the tokens), or a string split by `split`.
 */
export function readTokens(record: DataRecord, ref: FieldRef, split: (text: string) => string[]): string[] {
  const value = raw(record, ref);
  const array = Array.isArray(value) ? tokenArray(value) : null;
  if (array) return array;
  if (typeof value === 'string') return split(value);
  throw new DataError(`${where(record, ref)}: expected ${JSON.stringify(ref.field)} (${ref.option}) to be a text or an array of tokens, received ${show(value)}`);
}

/** Tags: a string with one tag per whitespace token, or a JSON array of names (in a CSV cell too); as many as `count`. */
export function readTags(record: DataRecord, ref: FieldRef, count: number): string[] {
  const value = raw(record, ref);
  let tags = tokenArray(value);
  if (tags === null && typeof value === 'string') tags = value.trim() === '' ? [] : value.trim().split(/\s+/u);
  if (tags === null) {
    throw new DataError(`${where(record, ref)}: expected ${JSON.stringify(ref.field)} (${ref.option}) to be a string of tags or an array of them, received ${show(value)}`);
  }
  if (tags.length !== count) {
    throw new DataError(`${where(record, ref)}: expected ${count} tags (one per token of the text), received ${tags.length}`);
  }
  return tags;
}

/** A name that must be one of `known` (an eval label, tag or condition never seen in training is an error). */
export function knownName(index: Map<string, number>, name: string, record: DataRecord, ref: FieldRef, what: string): number {
  const id = index.get(name);
  if (id !== undefined) return id;
  const list = [...index.keys()];
  const shown = list.length > 12 ? `${list.slice(0, 12).join(', ')}, …` : list.join(', ');
  throw new DataError(`${where(record, ref)}: ${what} ${JSON.stringify(name)} was never seen in training; expected one of: ${shown}`);
}
