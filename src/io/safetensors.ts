/**
 * safetensors (https://github.com/huggingface/safetensors), the weight format PyTorch users share models in.
 * Reading validates the whole header before touching tensor bytes and copies every tensor out, so a
 * hostile file yields a SafetensorsError — never an out-of-bounds read, a crash, or a view into the file.
 * F32, F64, F16, BF16 (and integer dtypes) load as float32 by default or float64 on request.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { checkOneOf, describe } from '../errors.js';
import type { DType, Tensor } from '../tensor.js';
import { SafetensorsError } from './safetensors-error.js';
import { decodeTensorData } from './safetensors-dtypes.js';
import { readHeader } from './safetensors-header.js';

export { SafetensorsError } from './safetensors-error.js';
export { MAX_HEADER_BYTES } from './safetensors-header.js';
export { saveSafetensors, saveSafetensorsSync, serializeSafetensors } from './safetensors-write.js';

export interface SafetensorsLoadOptions {
  /** element type of the returned tensors; 'float32' unless asked */
  dtype?: DType;
}

export interface SafetensorsContents {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

export function parseSafetensors(buffer: Uint8Array, options: SafetensorsLoadOptions = {}): SafetensorsContents {
  if (!(buffer instanceof Uint8Array)) throw new TypeError(`buffer: expected a Uint8Array or Buffer, received ${describe(buffer)}`);
  const dtype = readOptions(options);
  const header = readHeader(buffer);
  const data = buffer.subarray(header.dataStart);
  // fromEntries defines own properties, so a tensor named "__proto__" stays a tensor
  const tensors = Object.fromEntries(
    header.entries.map((e) => [e.name, { data: decodeTensorData(data.subarray(e.begin, e.end), e.dtype, dtype), shape: e.shape }]),
  ) as Record<string, Tensor>;
  return { tensors, metadata: header.metadata };
}

/** Loads the state dict from a file path or from bytes already in memory. */
export async function loadSafetensors(pathOrBuffer: string | Uint8Array, options?: SafetensorsLoadOptions): Promise<Record<string, Tensor>> {
  return (await loadSafetensorsWithMetadata(pathOrBuffer, options)).tensors;
}

export async function loadSafetensorsWithMetadata(pathOrBuffer: string | Uint8Array, options?: SafetensorsLoadOptions): Promise<SafetensorsContents> {
  if (typeof pathOrBuffer !== 'string') return parseSafetensors(pathOrBuffer, options);
  return parseFile(pathOrBuffer, await readFile(pathOrBuffer), options);
}

export function loadSafetensorsSync(pathOrBuffer: string | Uint8Array, options?: SafetensorsLoadOptions): Record<string, Tensor> {
  return loadSafetensorsWithMetadataSync(pathOrBuffer, options).tensors;
}

export function loadSafetensorsWithMetadataSync(pathOrBuffer: string | Uint8Array, options?: SafetensorsLoadOptions): SafetensorsContents {
  if (typeof pathOrBuffer !== 'string') return parseSafetensors(pathOrBuffer, options);
  return parseFile(pathOrBuffer, readFileSync(pathOrBuffer), options);
}

/** Names the file in the error, since "header is not valid JSON" alone does not say which of many. */
function parseFile(path: string, bytes: Uint8Array, options?: SafetensorsLoadOptions): SafetensorsContents {
  try {
    return parseSafetensors(bytes, options);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new SafetensorsError(`${path}: ${e.message}`);
    throw e;
  }
}

function readOptions(options: unknown): DType {
  if (options === undefined) return 'float32';
  if (typeof options !== 'object' || options === null) throw new TypeError(`options: expected an object { dtype? }, received ${describe(options)}`);
  const { dtype } = options as SafetensorsLoadOptions;
  return dtype === undefined ? 'float32' : checkOneOf('options.dtype', dtype, ['float32', 'float64'] as const);
}
