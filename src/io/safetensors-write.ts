/**
 * Writes a state dict as safetensors: names sorted (same dict → same bytes), tensors laid contiguously in
 * that order, header JSON padded with spaces to a multiple of 8 so the data buffer starts 8-byte aligned.
 * Saving goes through a temporary file in the target directory and a rename, so a crash or a full disk
 * never leaves a half-written model where a good one used to be.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { checkTensor, describe } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { fromLittleEndian } from './endian.js';
import { METADATA_KEY } from './safetensors-header.js';

export function serializeSafetensors(stateDict: Record<string, Tensor>, metadata?: Record<string, string>): Buffer {
  const names = checkStateDict(stateDict);
  if (metadata !== undefined) checkMetadata(metadata);

  const parts: string[] = [];
  if (metadata !== undefined) parts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  let offset = 0;
  for (const name of names) {
    const t = stateDict[name];
    const info = { dtype: t.data instanceof Float64Array ? 'F64' : 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset += t.data.byteLength;
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const headerLength = Math.ceil(json.length / 8) * 8;

  const out = Buffer.alloc(8 + headerLength + offset, 0x20); // spaces pad the header; data overwrites the rest
  out.writeBigUInt64LE(BigInt(headerLength), 0);
  json.copy(out, 8);
  let position = 8 + headerLength;
  for (const name of names) {
    const { data } = stateDict[name];
    const bytes = out.subarray(position, position + data.byteLength);
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    fromLittleEndian(bytes, data.BYTES_PER_ELEMENT); // the same swap turns host order into little-endian
    position += data.byteLength;
  }
  return out;
}

/** Writes `path` atomically (temporary file + fsync + rename). */
export async function saveSafetensors(path: string, stateDict: Record<string, Tensor>, metadata?: Record<string, string>): Promise<void> {
  const bytes = serializeSafetensors(stateDict, metadata);
  const temp = tempPathFor(path);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
}

/** Synchronous twin of saveSafetensors, for CLIs and exit handlers. */
export function saveSafetensorsSync(path: string, stateDict: Record<string, Tensor>, metadata?: Record<string, string>): void {
  const bytes = serializeSafetensors(stateDict, metadata);
  const temp = tempPathFor(path);
  try {
    const fd = openSync(temp, 'wx');
    try {
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (e) {
    try {
      unlinkSync(temp);
    } catch {
      // the temp file may never have been created
    }
    throw e;
  }
}

/** Same directory as the target, so the rename never crosses file systems. */
function tempPathFor(path: string): string {
  if (typeof path !== 'string' || path === '') throw new TypeError(`path: expected a non-empty string, received ${describe(path)}`);
  const random = Math.random().toString(36).slice(2, 10);
  return join(dirname(path), `.${basename(path)}.${process.pid}.${random}.tmp`);
}

function checkStateDict(stateDict: unknown): string[] {
  if (typeof stateDict !== 'object' || stateDict === null || Array.isArray(stateDict)) {
    throw new TypeError(`stateDict: expected an object mapping names to Tensors, received ${describe(stateDict)}`);
  }
  const names = Object.keys(stateDict).sort();
  for (const name of names) {
    if (name === METADATA_KEY) throw new RangeError(`stateDict: the name ${JSON.stringify(METADATA_KEY)} is reserved for metadata in safetensors`);
    const value = (stateDict as Record<string, unknown>)[name];
    const rank = typeof value === 'object' && value !== null && Array.isArray((value as Tensor).shape) ? (value as Tensor).shape.length : 0;
    checkTensor(`stateDict[${JSON.stringify(name)}]`, value, rank);
  }
  return names;
}

function checkMetadata(metadata: unknown): void {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new TypeError(`metadata: expected an object of strings, received ${describe(metadata)}`);
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new TypeError(`metadata[${JSON.stringify(k)}]: expected a string, received ${describe(v)}`);
  }
}
