/**
 * lm: texts (a plain-text file's lines, or a text field) → a LanguageModel (one → many) over words or
 * characters. Each text is one sequence <bos> tokens… <eos>, so generation starts from <bos> and knows
 * where a text ends; a text longer than --max-length is cut into pieces of that many predictions, each
 * piece starting where the last ended. With --condition-field the model is conditioned on that field's
 * class (e.g. a name's gender): generate --condition picks one.
 * Figures: loss (nats per token; <eos> included), bitsPerToken, perplexity. Predictions: { tokens, loss, bitsPerToken }.
 */
import { LanguageModel, type AnyModel } from '../../index.js';
import type { DataRecord } from '../records.js';
import { knownName, readName, readText } from '../fields.js';
import { META_FORMAT, type Lexicon, type TextSettings } from '../meta.js';
import { BOS, EOS, SEQUENCE_SPECIALS, TokenCounter, tokenizerFor } from '../text.js';
import { UsageError } from '../errors.js';
import { fieldRef, figure, type ModelFlags, type Task } from './task.js';

type Example = { ids: number[]; condition?: number };

function tokensOf(settings: TextSettings, record: DataRecord, source: string): string[] {
  return tokenizerFor(settings.tokenizer)(readText(record, fieldRef(settings, 'text', source)));
}

/** <bos> ids <eos> as token ids. */
export function sequenceIds(lex: Lexicon, tokens: string[]): number[] {
  return [lex.vocab.indexOf(BOS), ...lex.vocab.encode(tokens), lex.vocab.indexOf(EOS)];
}

/** The condition id of a record (a conditioned model), else undefined. */
export function conditionOf(lex: Lexicon, record: DataRecord, source: string): number | undefined {
  const s = lex.meta.settings;
  if (!lex.meta.conditions || s.fields.condition === null) return undefined;
  const ref = fieldRef(s, 'condition', source);
  return knownName(lex.index, readName(record, ref), record, ref, 'condition');
}

/** Pieces of at most max + 1 ids, each starting with the previous one's last id (every id after the first predicted once). */
function pieces(ids: number[], max: number | null): number[][] {
  if (max === null || ids.length <= max + 1) return [ids];
  const out: number[][] = [];
  for (let start = 0; start < ids.length - 1; start += max) out.push(ids.slice(start, Math.min(start + max + 1, ids.length)));
  return out;
}

export const lmTask: Task<Example> = {
  name: 'lm',
  kind: 'language-model',
  trainFields: ['text'],

  async scan(records, settings, limits, source) {
    const counter = new TokenCounter();
    const conditions = new Set<string>();
    for await (const record of records) {
      counter.add(tokensOf(settings, record, source));
      if (settings.fields.condition !== null) conditions.add(readName(record, fieldRef(settings, 'condition', source)));
    }
    return {
      format: META_FORMAT, formatVersion: 1, task: 'lm', settings,
      vocab: counter.build(SEQUENCE_SPECIALS, limits).toJSON(),
      ...(settings.fields.condition !== null ? { conditions: [...conditions].sort() } : {}),
    };
  },

  encode(lex, record, source) {
    const condition = conditionOf(lex, record, source);
    const ids = sequenceIds(lex, tokensOf(lex.meta.settings, record, source));
    return pieces(ids, lex.meta.settings.maxLength).map((p) => (condition === undefined ? { ids: p } : { ids: p, condition }));
  },

  build(lex, f: ModelFlags) {
    if (f.bidirectional) throw new UsageError('--bidirectional: a language model reads left to right; expected no --bidirectional with --task lm');
    return new LanguageModel({
      vocabSize: lex.vocab.size, embeddingDim: f.embedding, hiddenSize: f.hidden, cell: f.cell, numLayers: f.layers, dropout: f.dropout,
      paddingIdx: lex.vocab.padIndex, startId: lex.vocab.indexOf(BOS),
      condition: lex.meta.conditions ? { kind: 'class', numClasses: lex.meta.conditions.length } : null,
      seed: f.seed, backend: f.backend, threads: f.threads,
    });
  },

  figures(m) {
    return { loss: figure(m.loss), bitsPerToken: figure(m.bitsPerToken), perplexity: figure(m.perplexity) };
  },

  async predict(model: AnyModel, lex, records, source) {
    const lm = model as LanguageModel;
    return records.map((record) => {
      const tokens = tokensOf(lex.meta.settings, record, source);
      const ids = sequenceIds(lex, tokens);
      const loss = -lm.logProb(ids, conditionOf(lex, record, source)) / (ids.length - 1);
      return { tokens: tokens.length, loss: figure(loss), bitsPerToken: figure(loss / Math.LN2) };
    });
  },
};
