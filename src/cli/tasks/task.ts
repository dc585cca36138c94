/**
 * One task of the command line (classify, tag, lm, seq2seq): how records become vocabularies, examples
 * and a model, how the model's metrics are named in the CLI's figures, and how predictions become text.
 * The four implementations sit beside this file; `taskFor(name)` picks one.
 */
import type { AnyModel } from '../../index.js';
import type { DataRecord } from '../records.js';
import type { FieldRef } from '../fields.js';
import type { CliMeta, FieldNames, Lexicon, TaskName, TextSettings } from '../meta.js';

/** The model's shape and engine, from the train command's flags. */
export interface ModelFlags {
  cell: 'rnn' | 'lstm' | 'gru';
  embedding: number;
  hidden: number;
  layers: number;
  bidirectional: boolean;
  dropout?: number;
  pooling: 'last' | 'mean' | 'max';
  attention: 'dot' | 'general' | 'none';
  seed: number;
  backend: 'auto' | 'native' | 'reference';
  threads?: number;
  /** the embedding records the rows its gradient touches (for --optimizer sparse_adam) */
  sparseEmbedding?: boolean;
}

/** How vocabularies are cut. */
export interface VocabLimits {
  minFreq: number;
  maxSize?: number;
}

export interface PredictOptions {
  /** seq2seq: beam search width (1: greedy) */
  beamSize: number;
}

/** Option names of the fields, for messages. */
export const FIELD_OPTIONS: Record<keyof FieldNames, string> = {
  text: '--text-field', label: '--label-field', tags: '--tags-field', source: '--source-field', target: '--target-field', condition: '--condition-field',
};

export function fieldRef(settings: TextSettings, key: keyof FieldNames, source: string): FieldRef {
  return { source, field: settings.fields[key] ?? '', option: FIELD_OPTIONS[key] };
}

export interface Task<E = unknown> {
  readonly name: TaskName;
  /** the model kind it trains */
  readonly kind: string;
  /** the fields training reads (label, tags, … are not needed to predict) */
  readonly trainFields: readonly (keyof FieldNames)[];
  /** Reads every training record once: vocabularies and names. */
  scan(records: AsyncIterable<DataRecord>, settings: TextSettings, limits: VocabLimits, source: string): Promise<CliMeta>;
  /** The examples of one record for fit/evaluate: none (nothing to learn), one, or several (a long lm text). */
  encode(lex: Lexicon, record: DataRecord, source: string): E[];
  /** A new model for the vocabularies and names of `lex`. */
  build(lex: Lexicon, flags: ModelFlags): AnyModel;
  /** The model's evaluate() metrics under the CLI's names. */
  figures(metrics: Record<string, number>): Record<string, number>;
  /** One JSON object per record (same order). */
  predict(model: AnyModel, lex: Lexicon, records: DataRecord[], source: string, options: PredictOptions): Promise<Record<string, unknown>[]>;
}

/** Keeps the first `max` tokens (all when max is null). */
export function truncate<T>(tokens: T[], max: number | null): T[] {
  return max === null || tokens.length <= max ? tokens : tokens.slice(0, max);
}

/** Rounds a figure for display and JSON (6 significant digits are plenty for a metric). */
export function figure(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(6)) : x;
}
