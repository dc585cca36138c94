/**
 * Reads and validates a safetensors header, trusting nothing in the file:
 *   [u64 little-endian N] [N bytes of UTF-8 JSON, maybe space-padded] [data buffer]
 *   JSON = { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: { string: string } }
 * Offsets are relative to the data buffer, which the tensors must cover exactly: no overlap, no gap,
 * no trailing bytes (as the reference Rust implementation requires). Nothing here reads tensor bytes.
 */
import { describe } from '../errors.js';
import { findDuplicateKey } from './json-duplicate-keys.js';
import { SafetensorsError } from './safetensors-error.js';
import { DTYPE_SIZE, UNSUPPORTED_DTYPES, isSupportedDType, type SafetensorsDType } from './safetensors-dtypes.js';

/** A header this large is not a tensor index but an attack or a wrong file; refuse before decoding it. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;
export const METADATA_KEY = '__metadata__';

export interface TensorEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** byte offsets into the data buffer, end exclusive */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  entries: TensorEntry[];
  metadata: Record<string, string>;
  /** where the data buffer starts in the file: 8 + N */
  dataStart: number;
  dataLength: number;
}

export function readHeader(bytes: Uint8Array): SafetensorsHeader {
  if (bytes.length < 8) {
    throw new SafetensorsError(`safetensors: expected at least 8 bytes (the u64 header length), received a file of ${bytes.length} bytes`);
  }
  const declared = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(`safetensors: header length ${declared} bytes exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt file or not safetensors)`);
  }
  const headerLength = Number(declared);
  if (8 + headerLength > bytes.length) {
    throw new SafetensorsError(
      `safetensors: header length is ${headerLength} bytes but only ${bytes.length - 8} bytes follow the 8-byte length prefix (truncated file?)`,
    );
  }
  const text = decodeUtf8(bytes.subarray(8, 8 + headerLength));
  const json = parseJson(text);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;

  const entries: TensorEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(json)) {
    if (name === METADATA_KEY) metadata = readMetadata(value);
    else entries.push(readEntry(name, value, dataLength));
  }
  checkCoverage(entries, dataLength);
  return { entries, metadata, dataStart, dataLength };
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    // ignoreBOM keeps a byte-order mark in the text, so JSON.parse refuses it as the spec requires
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new SafetensorsError(`safetensors: header (${bytes.length} bytes) is not valid UTF-8`);
  }
}

function parseJson(text: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const preview = text.length > 60 ? text.slice(0, 60) + '…' : text;
    throw new SafetensorsError(`safetensors: header is not valid JSON (${(e as Error).message}); it begins ${JSON.stringify(preview)}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SafetensorsError(`safetensors: header must be a JSON object, received ${describe(json)}`);
  }
  const dup = findDuplicateKey(text);
  if (dup) {
    const where =
      dup.path.length === 0 ? 'tensor name' : dup.path[0] === METADATA_KEY ? 'metadata key' : `field in header entry ${JSON.stringify(dup.path[0])}:`;
    throw new SafetensorsError(`safetensors: duplicate ${where} ${JSON.stringify(dup.key)} (each name must appear once; JSON would keep only the last)`);
  }
  return json as Record<string, unknown>;
}

function readMetadata(value: unknown): Record<string, string> {
  if (value === null) return {}; // the reference implementation reads null as "no metadata"
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new SafetensorsError(`safetensors: "${METADATA_KEY}" must be an object of strings, received ${describe(value)}`);
  }
  const pairs = Object.entries(value as Record<string, unknown>);
  for (const [k, v] of pairs) {
    if (typeof v !== 'string') throw new SafetensorsError(`safetensors: metadata value for ${JSON.stringify(k)} must be a string, received ${describe(v)}`);
  }
  // fromEntries defines own properties, so a key like "__proto__" stays data instead of touching the prototype
  return Object.fromEntries(pairs) as Record<string, string>;
}

function readEntry(name: string, value: unknown, dataLength: number): TensorEntry {
  const at = `safetensors: header entry ${JSON.stringify(name)}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SafetensorsError(`${at}: expected an object { dtype, shape, data_offsets }, received ${describe(value)}`);
  }
  const entry = value as Record<string, unknown>;
  for (const field of ['dtype', 'shape', 'data_offsets']) {
    if (!(field in entry)) throw new SafetensorsError(`${at} is missing "${field}" (expected { dtype, shape, data_offsets })`);
  }
  const dtype = readDType(at, entry.dtype);
  const shape = entry.shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(`${at}: shape must be an array of non-negative integers, received ${JSON.stringify(shape)}`);
  }
  const offsets = entry.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw new SafetensorsError(`${at}: data_offsets must be two non-negative integers [begin, end], received ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw new SafetensorsError(`${at}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataLength) {
    throw new SafetensorsError(`${at}: data_offsets [${begin}, ${end}] reach past the end of the ${dataLength}-byte data buffer`);
  }
  // a zero dimension makes numel 0 even if the other dimensions would overflow a double
  const numel = shape.includes(0) ? 0 : (shape as number[]).reduce((a, d) => a * d, 1);
  const needed = numel * DTYPE_SIZE[dtype];
  if (needed !== end - begin) {
    throw new SafetensorsError(
      `${at}: shape [${shape.join(', ')}] of ${dtype} needs ${needed} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`,
    );
  }
  return { name, dtype, shape: [...(shape as number[])], begin, end };
}

function readDType(at: string, value: unknown): SafetensorsDType {
  const supported = Object.keys(DTYPE_SIZE).join(', ');
  if (typeof value !== 'string') throw new SafetensorsError(`${at}: dtype must be a string such as "F32", received ${describe(value)}`);
  if (isSupportedDType(value)) return value;
  if (UNSUPPORTED_DTYPES.includes(value)) {
    throw new SafetensorsError(`${at}: dtype ${JSON.stringify(value)} is not supported by this reader (supported: ${supported})`);
  }
  throw new SafetensorsError(`${at}: unknown dtype ${JSON.stringify(value)} (expected one of ${supported})`);
}

/** The tensors, sorted by offset, must tile the data buffer exactly. */
function checkCoverage(entries: readonly TensorEntry[], dataLength: number): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  let previous: TensorEntry | null = null;
  for (const e of sorted) {
    if (e.begin < position && previous) {
      throw new SafetensorsError(
        `safetensors: tensors ${JSON.stringify(previous.name)} [${previous.begin}, ${previous.end}] and ${JSON.stringify(e.name)} [${e.begin}, ${e.end}] overlap in the data buffer`,
      );
    }
    if (e.begin > position) {
      throw new SafetensorsError(`safetensors: bytes [${position}, ${e.begin}) of the data buffer belong to no tensor (gap before ${JSON.stringify(e.name)})`);
    }
    position = e.end;
    previous = e;
  }
  if (position !== dataLength) {
    throw new SafetensorsError(`safetensors: the last ${dataLength - position} of ${dataLength} data bytes belong to no tensor (trailing bytes after the last tensor)`);
  }
}
