/**
 * What `fastrnn train` stores in a model directory's vocab.json besides the weights: the task, how text
 * was read (field names, tokenizers, length limit), the vocabularies (two for seq2seq: source and
 * target) and the names behind the model's class / tag / condition ids — all that eval, predict and
 * generate need to turn text into ids and ids back into text.
 *
 *   { "format": "fastrnn-cli-vocab", "formatVersion": 1, "task": "classify",
 *     "settings": { "fields": { "text": "text", "label": "label", … }, "tokenizer": "word", … },
 *     "vocab": { "tokens": ["<unk>", "<pad>", …], "specials": [ … ] }, "labels": ["ham", "spam"] }
 */
import { Vocab, type VocabJSON } from '../index.js';
import { TOKENIZERS, type TokenizerKind } from './text.js';
import { CliError } from './errors.js';

export const TASKS = ['classify', 'tag', 'lm', 'seq2seq'] as const;
export type TaskName = (typeof TASKS)[number];

/** The model kind (config.json) each task trains. */
export const TASK_KIND: Record<TaskName, string> = { classify: 'classifier', tag: 'tagger', lm: 'language-model', seq2seq: 'seq2seq' };

export function taskOfKind(kind: string): TaskName | undefined {
  return TASKS.find((t) => TASK_KIND[t] === kind);
}

export const META_FORMAT = 'fastrnn-cli-vocab';

/** Field names of a record; condition is the lm's optional class field (null: unconditioned). */
export interface FieldNames {
  text: string;
  label: string;
  tags: string;
  source: string;
  target: string;
  condition: string | null;
}

export const DEFAULT_FIELDS: FieldNames = { text: 'text', label: 'label', tags: 'tags', source: 'source', target: 'target', condition: null };

export interface TextSettings {
  fields: FieldNames;
  /** text (classify, tag, lm) or source (seq2seq) */
  tokenizer: TokenizerKind;
  /** seq2seq targets */
  targetTokenizer: TokenizerKind;
  /** tokens kept per text (an lm splits longer texts into pieces); null: all */
  maxLength: number | null;
}

export interface CliMeta {
  format: typeof META_FORMAT;
  formatVersion: 1;
  task: TaskName;
  settings: TextSettings;
  vocab: VocabJSON;
  targetVocab?: VocabJSON;
  /** class names by id (classify) */
  labels?: string[];
  /** tag names by id (tag) */
  tags?: string[];
  /** condition names by id (a conditioned lm) */
  conditions?: string[];
}

/** A CliMeta with its vocabularies built and its names indexed. */
export interface Lexicon {
  meta: CliMeta;
  vocab: Vocab;
  targetVocab: Vocab | null;
  /** name → id of the task's labels, tags or conditions */
  index: Map<string, number>;
  names: string[];
}

export function lexicon(meta: CliMeta): Lexicon {
  const names = meta.labels ?? meta.tags ?? meta.conditions ?? [];
  return {
    meta,
    vocab: Vocab.fromJSON(meta.vocab),
    targetVocab: meta.targetVocab ? Vocab.fromJSON(meta.targetVocab) : null,
    index: new Map(names.map((n, i) => [n, i])),
    names,
  };
}

/** Checks the JSON of a vocab.json; `where` names the file in messages. */
export function parseMeta(json: unknown, where: string): CliMeta {
  const bad = (what: string): never => {
    throw new CliError(`${where}: expected the vocab.json that fastrnn train writes (${what}); a model saved from code needs save(dir, { vocab }) with the CLI's format`);
  };
  if (typeof json !== 'object' || json === null) return bad('an object');
  const m = json as Partial<CliMeta>;
  if (m.format !== META_FORMAT) return bad(`format "${META_FORMAT}", received ${JSON.stringify(m.format)}`);
  if (m.formatVersion !== 1) return bad(`formatVersion 1, received ${JSON.stringify(m.formatVersion)}`);
  if (!TASKS.includes(m.task as TaskName)) return bad(`a task among ${TASKS.join(', ')}, received ${JSON.stringify(m.task)}`);
  const s = m.settings;
  if (typeof s !== 'object' || s === null || typeof s.fields !== 'object' || s.fields === null) return bad('settings.fields');
  for (const k of ['tokenizer', 'targetTokenizer'] as const) {
    if (!TOKENIZERS.includes(s[k])) return bad(`settings.${k} among ${TOKENIZERS.join(', ')}, received ${JSON.stringify(s[k])}`);
  }
  for (const k of ['labels', 'tags', 'conditions'] as const) {
    const v = m[k];
    if (v !== undefined && (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))) return bad(`${k} as an array of strings`);
  }
  try {
    Vocab.fromJSON(m.vocab);
    if (m.targetVocab !== undefined) Vocab.fromJSON(m.targetVocab);
  } catch (err) {
    return bad(`a valid vocabulary: ${(err as Error).message}`);
  }
  if (m.task === 'seq2seq' && m.targetVocab === undefined) return bad('a targetVocab for seq2seq');
  if (m.task === 'classify' && !m.labels) return bad('labels for classify');
  if (m.task === 'tag' && !m.tags) return bad('tags for tag');
  return m as CliMeta;
}
