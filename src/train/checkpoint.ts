/**
 * Training checkpoints: one directory that fit (src/train/fit.ts) saves into and resumes from exactly.
 *
 *   model-<g>.safetensors      the model's weights (its state dict, PyTorch names)
 *   optimizer-<g>.safetensors  the optimizer's buffers, named "<parameter>#<buffer>" (e.g. rnn.weight_ih_l0#exp_avg)
 *   best-<g>.safetensors       the best epoch's weights, when early stopping restores them
 *   checkpoint.json            written last: points at the files above and holds the rest — optimizer lr
 *                              and step counts, schedule state, the data Rng and the model's Rngs, the
 *                              position (epoch, chunk, batch), the partial epoch's sums and the history
 *
 * Atomic: every file is written to a temporary name, fsynced and renamed; <g> (the generation) grows with
 * each save, so until the new checkpoint.json replaces the old one, the old one points at complete files
 * of its own. Files of older generations are removed afterwards. A crash at any moment leaves a complete
 * checkpoint (the old or the new) in the directory.
 *
 * Numbers that JSON cannot hold (NaN, ±Infinity: a best value not yet set, a NaN metric) are written as
 * { "$number": "NaN" } and read back.
 *
 * Models with dropout own Rngs; fit saves them when the model has `rngStates()` / `setRngStates()` (the
 * optional pair checkpoints need besides TrainableModel). `rngStateOf(layer)` reads a recurrent layer's
 * dropout Rng for that purpose.
 */
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from '../errors.js';
import type { StateDict } from '../parameter.js';
import type { Rng } from '../random.js';
import type { RecurrentLayer } from '../layers/recurrent.js';
import type { DType, Tensor } from '../tensor.js';
import { loadSafetensors, saveSafetensors } from '../io/safetensors.js';
import type { OptimizerStateDict } from './optim/optimizer.js';

export const CHECKPOINT_FORMAT = 'fastrnn-checkpoint';
export const CHECKPOINT_VERSION = 1;
const INDEX = 'checkpoint.json';
const OURS = /^(model|optimizer|best)-\d+\.safetensors$|^\.(model|optimizer|best)-\d+\.safetensors\..*\.tmp$|^\.checkpoint\.json\..*\.tmp$/;

/** What a checkpoint holds: tensors go to safetensors files, `state` (JSON) to checkpoint.json. */
export interface CheckpointContents {
  model: StateDict;
  optimizer: OptimizerStateDict;
  best: StateDict | null;
  state: Record<string, unknown>;
}

/** The model's dropout Rngs: the optional pair fit uses when the model has it. */
export interface RngStateful {
  rngStates(): unknown;
  setRngStates(states: unknown): void;
}

export function hasRngStates(model: object): model is RngStateful {
  const m = model as Partial<RngStateful>;
  return typeof m.rngStates === 'function' && typeof m.setRngStates === 'function';
}

/** The state of the Rng a layer owns for dropout (RecurrentLayer.rngState / setRngState). */
export function rngStateOf(layer: object): number[] {
  return rngOf(layer).getState();
}

export function setRngStateOf(layer: object, state: unknown): void {
  rngOf(layer).setState(state as number[]);
}

function rngOf(layer: object): Pick<Rng, 'getState' | 'setState'> {
  const l = layer as Partial<RecurrentLayer>;
  if (typeof l.rngState !== 'function' || typeof l.setRngState !== 'function') {
    throw new TypeError(`rngStateOf(layer): expected a layer that owns a dropout Rng (a RecurrentLayer), received ${describe(layer)}`);
  }
  return { getState: () => l.rngState!() as [number, number, number, number], setState: (s: readonly number[]) => l.setRngState!(s) };
}

/** True when `dir` holds a checkpoint to resume from. */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, INDEX));
}

/** Saves a checkpoint into `dir` (created if missing), atomically replacing the one there. */
export async function writeCheckpoint(dir: string, contents: CheckpointContents): Promise<void> {
  await mkdir(dir, { recursive: true });
  const generation = (await readGeneration(dir)) + 1;
  const files: Record<string, string> = { model: `model-${generation}.safetensors`, optimizer: `optimizer-${generation}.safetensors` };
  if (contents.best) files.best = `best-${generation}.safetensors`;
  const { tensors, steps } = flattenOptimizer(contents.optimizer);
  await saveSafetensors(join(dir, files.model), contents.model);
  await saveSafetensors(join(dir, files.optimizer), tensors);
  if (contents.best) await saveSafetensors(join(dir, files.best), contents.best);
  const index = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, generation, files, optimizer: { lr: contents.optimizer.lr, steps }, ...contents.state };
  await writeFileAtomic(join(dir, INDEX), JSON.stringify(index, encodeNumber, 1));
  await syncDir(dir);
  const keep = new Set([...Object.values(files), INDEX]);
  for (const name of await readdir(dir)) {
    if (!keep.has(name) && OURS.test(name)) await unlink(join(dir, name)).catch(() => undefined);
  }
}

/** Reads the checkpoint in `dir`; tensors come back in `dtype` (the model's). */
export async function readCheckpoint(dir: string, dtype: DType): Promise<CheckpointContents> {
  const path = join(dir, INDEX);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new RangeError(`options.resume: expected a checkpoint directory holding ${INDEX}, received ${describe(dir)} (${(e as Error).message})`);
  }
  const { files, optimizer, state } = checkIndex(path, text);
  const model = await loadSafetensors(join(dir, files.model), { dtype });
  const buffers = await loadSafetensors(join(dir, files.optimizer), { dtype });
  const best = files.best !== undefined ? await loadSafetensors(join(dir, files.best), { dtype }) : null;
  return { model, optimizer: unflattenOptimizer(optimizer.lr, optimizer.steps, buffers), best, state };
}

/**
 * checkpoint.json parsed and checked whole: its format, the file names (plain names of this checkpoint's
 * own files, so a hostile index cannot point outside the directory) and the optimizer's lr and steps.
 */
function checkIndex(path: string, text: string): { files: Record<'model' | 'optimizer', string> & { best?: string }; optimizer: { lr: number; steps: Record<string, number> }; state: Record<string, unknown> } {
  let index: unknown;
  try {
    index = JSON.parse(text, decodeNumber);
  } catch (e) {
    throw new RangeError(`${path}: expected the JSON index of a checkpoint, but it does not parse (${(e as Error).message})`);
  }
  if (typeof index !== 'object' || index === null || Array.isArray(index)) throw new RangeError(`${path}: expected a JSON object, received ${describe(index)}`);
  const { files, optimizer, generation: _g, format, version, ...state } = index as Record<string, unknown>;
  if (format !== CHECKPOINT_FORMAT || version !== CHECKPOINT_VERSION) {
    throw new RangeError(`${path}: expected format ${CHECKPOINT_FORMAT} version ${CHECKPOINT_VERSION}, received ${describe(format)} version ${describe(version)}`);
  }
  if (typeof files !== 'object' || files === null) throw new RangeError(`${path}: expected "files" { model, optimizer, best? }, received ${describe(files)}`);
  const f = files as Record<string, unknown>;
  for (const key of ['model', 'optimizer', 'best']) {
    if (key === 'best' && f.best === undefined) continue;
    const name = f[key];
    if (typeof name !== 'string' || !new RegExp(`^${key}-\\d+\\.safetensors$`).test(name)) {
      throw new RangeError(`${path}: expected files.${key} to name a ${key}-<generation>.safetensors file in the checkpoint directory, received ${describe(name)}`);
    }
  }
  const o = optimizer as { lr?: unknown; steps?: unknown } | null;
  if (typeof o !== 'object' || o === null || typeof o.lr !== 'number' || typeof o.steps !== 'object' || o.steps === null || Array.isArray(o.steps)) {
    throw new RangeError(`${path}: expected "optimizer" { lr: number, steps: { [parameter]: integer } }, received ${describe(optimizer)}`);
  }
  for (const [name, step] of Object.entries(o.steps)) {
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) throw new RangeError(`${path}: expected optimizer.steps[${JSON.stringify(name)}] to be a step count, received ${describe(step)}`);
  }
  return { files: f as Record<'model' | 'optimizer', string> & { best?: string }, optimizer: o as { lr: number; steps: Record<string, number> }, state };
}

function flattenOptimizer(sd: OptimizerStateDict): { tensors: Record<string, Tensor>; steps: Record<string, number> } {
  const tensors: Record<string, Tensor> = {};
  const steps: Record<string, number> = {};
  for (const [name, entry] of Object.entries(sd.state)) {
    steps[name] = entry.step;
    for (const [buffer, t] of Object.entries(entry.buffers)) tensors[`${name}#${buffer}`] = t;
  }
  return { tensors, steps };
}

function unflattenOptimizer(lr: number, steps: Record<string, number>, tensors: Record<string, Tensor>): OptimizerStateDict {
  const state: OptimizerStateDict['state'] = {};
  for (const [name, step] of Object.entries(steps)) state[name] = { step, buffers: {} };
  for (const [key, t] of Object.entries(tensors)) {
    const cut = key.lastIndexOf('#');
    const entry = state[key.slice(0, cut)];
    if (cut < 0 || !entry) throw new RangeError(`checkpoint optimizer file: expected tensors named "<parameter>#<buffer>" for parameters with a step count, received ${describe(key)}`);
    entry.buffers[key.slice(cut + 1)] = t;
  }
  return { lr, state };
}

async function readGeneration(dir: string): Promise<number> {
  try {
    const g = (JSON.parse(await readFile(join(dir, INDEX), 'utf8')) as { generation?: unknown }).generation;
    return typeof g === 'number' && Number.isInteger(g) ? g : 0;
  } catch {
    return 0;
  }
}

/** temp file in the same directory + fsync + rename, as saveSafetensors does. */
async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = join(path, '..', `.${INDEX}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
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

/** Makes the renames durable; platforms that cannot fsync a directory (Windows) skip it. */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // not supported here: the renames are still atomic, only their durability across power loss is weaker
  }
}

function encodeNumber(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? { $number: String(value) } : value;
}

function decodeNumber(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === '$number') return Number((value as { $number: string }).$number);
  }
  return value;
}
