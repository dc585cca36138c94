/**
 * Model directories from the command line's side: checking an --out directory before any training (so a
 * run never fails at the end for want of a place to write), loading a trained model with the vocab.json
 * that `train` wrote, and refusing a directory of another task with a message that says which.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { loadModel, ModelDirectoryError, readModelConfig, type AnyModel } from '../index.js';
import { lexicon, parseMeta, TASK_KIND, taskOfKind, type Lexicon, type TaskName } from './meta.js';
import { CliError } from './errors.js';

export interface Engine {
  backend: 'auto' | 'native' | 'reference';
  threads?: number;
}

/**
 * Checks that `out` can be written: its parent exists and takes new entries, and `out` is new, empty, or
 * a model directory of `task` (which the new model replaces). Nothing is left behind.
 */
export async function checkOutDir(out: string, task: TaskName, option = '--out'): Promise<void> {
  const target = resolve(out);
  const parent = dirname(target);
  const parentInfo = await stat(parent).catch((err: NodeJS.ErrnoException) => {
    throw new CliError(`${option} ${out}: expected a directory inside an existing folder, but ${parent} ${err.code === 'ENOENT' ? 'does not exist' : `cannot be read (${err.code})`}`);
  });
  if (!parentInfo.isDirectory()) throw new CliError(`${option} ${out}: expected a directory inside a folder, but ${parent} is a file`);
  const probe = await mkdtemp(join(parent, `.${basename(target)}.probe-`)).catch((err: NodeJS.ErrnoException) => {
    throw new CliError(`${option} ${out}: cannot write into ${parent} (${err.code ?? err.message})`);
  });
  await rm(probe, { recursive: true, force: true });
  const info = await stat(target).catch(() => null);
  if (!info) return;
  if (!info.isDirectory()) throw new CliError(`${option} ${out}: expected a directory, but it is a file`);
  const entries = await readdir(target);
  if (entries.length === 0) return;
  const config = await readModelConfig(target).catch(() => null);
  if (!config) {
    throw new CliError(`${option} ${out}: expected a new or empty directory, or a model directory to replace; it holds other files (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''})`);
  }
  if (config.kind !== TASK_KIND[task]) {
    throw new CliError(`${option} ${out}: holds a model trained with --task ${taskOfKind(config.kind) ?? config.kind}; expected a new directory or a --task ${task} model to replace`);
  }
}

/** A trained model and its Lexicon; `expect` rejects a directory of another task. */
export async function loadCliModel(dir: string, engine: Engine, expect?: TaskName[], command?: string): Promise<{ model: AnyModel; lex: Lexicon; task: TaskName }> {
  try {
    return await load(dir, engine, expect, command);
  } catch (err) {
    // The library's own messages start with the function's name; here the option is what the user typed.
    if (err instanceof ModelDirectoryError) throw new CliError(`--model ${dir}: ${err.message.replace(/^loadModel: /, '')}`);
    throw err;
  }
}

async function load(dir: string, engine: Engine, expect: TaskName[] | undefined, command: string | undefined): Promise<{ model: AnyModel; lex: Lexicon; task: TaskName }> {
  const config = await readModelConfig(dir);
  const task = taskOfKind(config.kind);
  if (!task) throw new CliError(`--model ${dir}: expected a model of one of the tasks classify, tag, lm, seq2seq; received kind ${JSON.stringify(config.kind)}`);
  if (expect && !expect.includes(task)) {
    throw new CliError(`--model ${dir}: ${command ?? 'this command'} expected a model trained with --task ${expect.join(' or ')}, received one trained with --task ${task}`);
  }
  const { model, vocab } = await loadModel(dir, { backend: engine.backend, ...(engine.threads !== undefined ? { threads: engine.threads } : {}) });
  if (vocab === null) throw new CliError(`--model ${dir}: expected a vocab.json beside the weights (fastrnn train writes one); there is none`);
  const meta = parseMeta(vocab, join(dir, 'vocab.json'));
  if (meta.task !== task) throw new CliError(`--model ${dir}: vocab.json is for a ${meta.task} model, but config.json holds a ${task} model`);
  return { model, lex: lexicon(meta), task };
}
