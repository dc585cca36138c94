/**
 * A trained model as a directory, the same for every model kind:
 *   config.json        { format: 'fastrnn-model', formatVersion: 1, fastrnn: <version>, kind, config }
 *   model.safetensors  the state dict, PyTorch parameter names and shapes
 *   vocab.json         the model's vocabulary, when it owns one
 * The directory is written whole or not at all: everything goes into a temporary sibling directory (each file
 * fsynced), which then replaces the target by rename — a crash or a full disk never leaves a half-written
 * model where a good one used to be. Replacing an existing directory takes two renames (old → <tmp>.old, then
 * <tmp> → target); a process killed between them leaves no target but a complete previous directory at
 * <tmp>.old, which loading reads and the next save puts back (recoverModelDir), so the previous model is never
 * lost. Loading checks the format, the kind and every tensor before the model
 * is used, and builds the model on the engine the caller chooses (weights are engine-independent).
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { describe } from '../errors.js';
import type { Backend } from '../backend/backend.js';
import type { BackendChoice } from '../backend/select.js';
import type { TrainableModel } from '../train/trainable.js';
import { serializeSafetensors } from './safetensors-write.js';
import { loadSafetensorsSync } from './safetensors.js';
import { FASTRNN_VERSION } from '../version.js';

export const MODEL_FORMAT = 'fastrnn-model';
export const MODEL_FORMAT_VERSION = 1;

/** Thrown when a model directory is missing, unreadable, of another format or kind, or inconsistent. */
export class ModelDirectoryError extends Error {
  override name = 'ModelDirectoryError';
}

export interface ModelDirectoryConfig {
  format: string;
  formatVersion: number;
  fastrnn: string;
  kind: string;
  config: Record<string, unknown>;
}

/** Where a loaded model runs (weights are engine-independent). */
export interface EngineOptions {
  backend?: BackendChoice | Backend;
  threads?: number;
}

/** The engine fields of `options` that are set (so they override nothing else in a model's config). */
export function engineOptions(options: EngineOptions = {}): EngineOptions {
  const out: EngineOptions = {};
  if (options.backend !== undefined) out.backend = options.backend;
  if (options.threads !== undefined) out.threads = options.threads;
  return out;
}

/** Something with a JSON form to store as vocab.json (a Vocab). */
export interface SavableVocab {
  toJSON(): unknown;
}

function writeFileSynced(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The previous directories a killed save left beside `target` (`.<name>.tmp-XXXXXX.old`), newest first. */
async function leftovers(target: string): Promise<string[]> {
  const prefix = `.${basename(target)}.tmp-`;
  const names = await readdir(dirname(target)).catch(() => [] as string[]);
  const found: { path: string; time: number }[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.old')) continue;
    const path = join(dirname(target), name);
    const info = await stat(join(path, 'config.json')).catch(() => null);
    if (info) found.push({ path, time: info.mtimeMs });
  }
  return found.sort((a, b) => b.time - a.time).map((f) => f.path);
}

/**
 * The directory to read for `dir`: `dir` itself, or — when a save was killed between its two renames and
 * `dir` is gone — the complete previous directory it left at `.<name>.tmp-XXXXXX.old`.
 */
export async function resolveModelDir(dir: string): Promise<string> {
  const target = resolve(dir);
  if (await stat(target).then(() => true, () => false)) return target;
  return (await leftovers(target))[0] ?? target;
}

/** Puts back the previous directory a killed save left aside (see resolveModelDir), before a new save. */
export async function recoverModelDir(dir: string): Promise<void> {
  const target = resolve(dir);
  if (await stat(target).then(() => true, () => false)) return;
  const [previous] = await leftovers(target);
  if (previous) await rename(previous, target);
}

/** Writes `model` (and its vocabulary, if given) to `dir`, replacing what was there only once all is written. */
export async function saveModel(model: TrainableModel, dir: string, { vocab }: { vocab?: SavableVocab | null } = {}): Promise<void> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`saveModel(dir): expected a directory path, received ${describe(dir)}`);
  const target = resolve(dir);
  const parent = dirname(target);
  await recoverModelDir(target).catch(() => undefined);
  const tmp = await mkdtemp(join(parent, `.${basename(target)}.tmp-`)).catch((err: Error) => {
    throw new ModelDirectoryError(`saveModel: cannot write into ${parent}: ${err.message}`);
  });
  try {
    const config: ModelDirectoryConfig = {
      format: MODEL_FORMAT, formatVersion: MODEL_FORMAT_VERSION, fastrnn: FASTRNN_VERSION, kind: model.kind, config: model.config(),
    };
    writeFileSynced(join(tmp, 'model.safetensors'), serializeSafetensors(model.stateDict(), { format: MODEL_FORMAT, kind: model.kind }));
    if (vocab) writeFileSynced(join(tmp, 'vocab.json'), JSON.stringify(vocab.toJSON()));
    writeFileSynced(join(tmp, 'config.json'), `${JSON.stringify(config, null, 2)}\n`); // last: marks a complete directory
    const old = await stat(target).then(() => `${tmp}.old`, () => null);
    if (old) await rename(target, old);
    await rename(tmp, target);
    // The one this save set aside, and any an earlier killed save left.
    for (const stale of [...(old ? [old] : []), ...(await leftovers(target))]) await rm(stale, { recursive: true, force: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err instanceof ModelDirectoryError ? err : new ModelDirectoryError(`saveModel: could not write ${target}: ${(err as Error).message}`);
  }
}

/** Reads and checks config.json of a model directory (no weights yet). */
export async function readModelConfig(dir: string): Promise<ModelDirectoryConfig> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`loadModel(dir): expected a directory path, received ${describe(dir)}`);
  const path = join(await resolveModelDir(dir), 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ModelDirectoryError(`loadModel: expected a model directory with config.json, but ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ModelDirectoryError(`loadModel: ${path} is not valid JSON (${(err as Error).message})`);
  }
  const c = parsed as Partial<ModelDirectoryConfig>;
  if (typeof c !== 'object' || c === null || c.format !== MODEL_FORMAT) {
    throw new ModelDirectoryError(`loadModel: expected ${path} with format "${MODEL_FORMAT}", received ${describe((c as { format?: unknown })?.format)}`);
  }
  if (c.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new ModelDirectoryError(`loadModel: expected formatVersion ${MODEL_FORMAT_VERSION}, received ${describe(c.formatVersion)} (written by fastrnn ${describe(c.fastrnn)})`);
  }
  if (typeof c.kind !== 'string' || typeof c.config !== 'object' || c.config === null) {
    throw new ModelDirectoryError(`loadModel: ${path} lacks a model kind and config object`);
  }
  return c as ModelDirectoryConfig;
}

/**
 * Loads the weights of `dir` into a model built by `build(config)`; `expectKind` rejects a directory of
 * another kind. Every tensor is checked (names and shapes, strict) before any is written.
 */
export async function loadModelInto<M extends TrainableModel>(
  dir: string,
  build: (config: Record<string, unknown>) => M,
  { expectKind }: { expectKind?: string } = {},
): Promise<{ model: M; vocab: unknown | null }> {
  const c = await readModelConfig(dir);
  const root = await resolveModelDir(dir);
  if (expectKind !== undefined && c.kind !== expectKind) {
    throw new ModelDirectoryError(`loadModel: expected a ${expectKind} model directory, received a ${c.kind} one (${resolve(dir)})`);
  }
  const model = build(c.config);
  const weightsPath = join(root, 'model.safetensors');
  let weights;
  try {
    weights = loadSafetensorsSync(weightsPath, { dtype: c.config.dtype === 'float64' ? 'float64' : 'float32' });
  } catch (err) {
    throw new ModelDirectoryError(`loadModel: ${weightsPath}: ${(err as Error).message}`);
  }
  try {
    model.loadStateDict(weights);
  } catch (err) {
    throw new ModelDirectoryError(`loadModel: the weights in ${weightsPath} do not fit the ${c.kind} config: ${(err as Error).message}`);
  }
  const vocabPath = join(root, 'vocab.json');
  const text = await readFile(vocabPath, 'utf8').catch(() => null);
  let vocab: unknown = null;
  if (text !== null) {
    try {
      vocab = JSON.parse(text) as unknown;
    } catch (err) {
      throw new ModelDirectoryError(`loadModel: ${vocabPath} is not valid JSON (${(err as Error).message})`);
    }
  }
  return { model, vocab };
}
