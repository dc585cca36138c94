/**
 * The train command's settings: its flags as commander hands them over, the record of a run that the
 * checkpoint directory keeps (run.json: the task, the vocabularies, the model's shape and the training
 * settings) so `--resume` continues the same run without repeating a flag, and the merge of the two
 * (a flag given again on the command line wins, e.g. --epochs to train further).
 */
import type { ReportArgs } from '../report.js';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataFormat } from '../records.js';
import { CliError, UsageError } from '../errors.js';
import { DEFAULT_FIELDS, parseMeta, type CliMeta, type TaskName, type TextSettings } from '../meta.js';
import type { TokenizerKind } from '../text.js';
import type { ModelFlags } from '../tasks/index.js';

export type OptimizerName = 'sgd' | 'adam' | 'adamw' | 'sparse_adam' | 'rmsprop' | 'adagrad';

/** The train command's options (commander's camelCase names). */
export interface TrainArgs extends ReportArgs {
  task?: TaskName;
  data: string;
  valid?: string;
  validationSplit?: number;
  out: string;
  format?: DataFormat;
  textField?: string;
  labelField?: string;
  tagsField?: string;
  sourceField?: string;
  targetField?: string;
  conditionField?: string;
  tokenizer: TokenizerKind;
  sourceTokenizer?: TokenizerKind;
  targetTokenizer?: TokenizerKind;
  maxLength?: number;
  minFreq: number;
  maxVocab?: number;
  cell: ModelFlags['cell'];
  embedding: number;
  hidden: number;
  layers: number;
  bidirectional: boolean;
  dropout?: number;
  pooling: ModelFlags['pooling'];
  attention: ModelFlags['attention'] | false;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  lr?: number;
  clip?: number;
  seed: number;
  threads?: number;
  backend: ModelFlags['backend'];
  patience?: number;
  timeBudget?: number;
  checkpointEvery?: number;
  checkpointDir?: string;
  resume: boolean;
  keepCheckpoint: boolean;
  stream: boolean;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
}

/** What a run trains with (kept in run.json; flags given again override). */
export interface TrainingSettings {
  data: string;
  format?: DataFormat;
  valid?: string;
  validationSplit?: number;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  lr?: number;
  clip?: number;
  seed: number;
  patience?: number;
  stream: boolean;
}

export interface RunRecord {
  format: 'fastrnn-cli-run';
  formatVersion: 1;
  task: TaskName;
  meta: CliMeta;
  flags: Omit<ModelFlags, 'backend' | 'threads'>;
  training: TrainingSettings;
}

const RUN_FILE = 'run.json';

const TRAINING_KEYS = ['data', 'format', 'valid', 'validationSplit', 'epochs', 'batchSize', 'optimizer', 'lr', 'clip', 'seed', 'patience', 'stream'] as const;

/** The training settings: the flags, or on --resume the saved ones with the flags given again on top. */
export function trainingSettings(args: TrainArgs, given: (key: string) => boolean, saved: RunRecord | null): TrainingSettings {
  const fromArgs: TrainingSettings = {
    data: args.data, format: args.format, valid: args.valid, validationSplit: args.validationSplit, epochs: args.epochs, batchSize: args.batchSize,
    optimizer: args.optimizer, lr: args.lr, clip: args.clip, seed: args.seed, patience: args.patience, stream: args.stream,
  };
  if (!saved) return fromArgs;
  const merged = { ...saved.training } as Record<string, unknown>;
  for (const k of TRAINING_KEYS) if (given(k)) merged[k] = fromArgs[k];
  if (given('valid')) delete merged.validationSplit;
  if (given('validationSplit')) delete merged.valid;
  return merged as unknown as TrainingSettings;
}

/** How text is read, from the flags (a new run). */
export function textSettings(args: TrainArgs, task: TaskName, given: (key: string) => boolean): TextSettings {
  const only: [string, string, TaskName][] = [
    ['conditionField', '--condition-field', 'lm'], ['sourceTokenizer', '--source-tokenizer', 'seq2seq'], ['targetTokenizer', '--target-tokenizer', 'seq2seq'],
    ['pooling', '--pooling', 'classify'], ['attention', '--attention', 'seq2seq'],
  ];
  for (const [key, flag, owner] of only) {
    if (given(key) && task !== owner) throw new UsageError(`${flag}: only --task ${owner} takes it, received it with --task ${task}`);
  }
  return {
    fields: {
      text: args.textField ?? DEFAULT_FIELDS.text, label: args.labelField ?? DEFAULT_FIELDS.label, tags: args.tagsField ?? DEFAULT_FIELDS.tags,
      source: args.sourceField ?? DEFAULT_FIELDS.source, target: args.targetField ?? DEFAULT_FIELDS.target, condition: args.conditionField ?? null,
    },
    tokenizer: args.sourceTokenizer ?? args.tokenizer,
    targetTokenizer: args.targetTokenizer ?? args.tokenizer,
    maxLength: args.maxLength ?? null,
  };
}

export function modelFlags(args: TrainArgs): Omit<ModelFlags, 'backend' | 'threads'> {
  return {
    cell: args.cell, embedding: args.embedding, hidden: args.hidden, layers: args.layers, bidirectional: args.bidirectional,
    ...(args.dropout !== undefined ? { dropout: args.dropout } : {}), pooling: args.pooling, attention: args.attention === false ? 'none' : args.attention, seed: args.seed,
  };
}

/** Writes run.json into the checkpoint directory (created if missing), atomically. */
export async function writeRun(dir: string, run: RunRecord): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${RUN_FILE}.${process.pid}.tmp`);
  await writeFile(tmp, `${JSON.stringify(run)}\n`);
  await rename(tmp, join(dir, RUN_FILE));
}

/** The run.json of a checkpoint directory (for --resume). */
export async function readRun(dir: string): Promise<RunRecord> {
  const path = join(dir, RUN_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliError(`--resume: expected a checkpoint of fastrnn train in ${dir} (with ${RUN_FILE}), found none; train without --resume first, or point --checkpoint-dir at it`);
  }
  let run: RunRecord;
  try {
    run = JSON.parse(text) as RunRecord;
  } catch (err) {
    throw new CliError(`--resume: ${path} is not valid JSON (${(err as Error).message})`);
  }
  if (run?.format !== 'fastrnn-cli-run' || run.formatVersion !== 1) throw new CliError(`--resume: expected ${path} of format fastrnn-cli-run version 1, received ${JSON.stringify(run?.format)}`);
  run.meta = parseMeta(run.meta, path);
  return run;
}
