/**
 * tag: a text field and a tags field (one tag per whitespace token of the text — a string or a JSON array;
 * the text may be a JSON array of tokens too) → a SequenceTagger (many → many).
 * Figures: tokenAccuracy, f1 (macro over tags), loss. Predictions: { tokens, tags }.
 */
import { SequenceTagger, type AnyModel } from '../../index.js';
import type { DataRecord } from '../records.js';
import { knownName, readTags, readTokens } from '../fields.js';
import { META_FORMAT, type Lexicon, type TextSettings } from '../meta.js';
import { PLAIN_SPECIALS, TokenCounter, tokenizerFor } from '../text.js';
import { CliError } from '../errors.js';
import { fieldRef, figure, truncate, type ModelFlags, type Task } from './task.js';

type Example = { ids: Int32Array; tags: Int32Array };

function tokensOf(settings: TextSettings, record: DataRecord, source: string): string[] {
  return readTokens(record, fieldRef(settings, 'text', source), tokenizerFor(settings.tokenizer, { whitespaceWords: true }));
}

/** The tokens, the tags (one per token) and both cut to maxLength. */
function taggedTokens(settings: TextSettings, record: DataRecord, source: string): { tokens: string[]; tags: string[] } {
  const tokens = tokensOf(settings, record, source);
  const tags = readTags(record, fieldRef(settings, 'tags', source), tokens.length);
  return { tokens: truncate(tokens, settings.maxLength), tags: truncate(tags, settings.maxLength) };
}

export const tagTask: Task<Example> = {
  name: 'tag',
  kind: 'tagger',
  trainFields: ['text', 'tags'],

  async scan(records, settings, limits, source) {
    const counter = new TokenCounter();
    const tags = new Set<string>();
    for await (const record of records) {
      const t = taggedTokens(settings, record, source);
      counter.add(t.tokens);
      for (const tag of t.tags) tags.add(tag);
    }
    if (tags.size < 2) throw new CliError(`${source}: expected at least 2 different tags, received ${tags.size} (${[...tags].join(', ')})`);
    return { format: META_FORMAT, formatVersion: 1, task: 'tag', settings, vocab: counter.build(PLAIN_SPECIALS, limits).toJSON(), tags: [...tags].sort() };
  },

  encode(lex: Lexicon, record, source) {
    const s = lex.meta.settings;
    const { tokens, tags } = taggedTokens(s, record, source);
    if (tokens.length === 0) return []; // nothing to tag
    const ref = fieldRef(s, 'tags', source);
    return [{ ids: lex.vocab.encode(tokens), tags: Int32Array.from(tags, (t) => knownName(lex.index, t, record, ref, 'tag')) }];
  },

  build(lex, f: ModelFlags) {
    return new SequenceTagger({
      vocabSize: lex.vocab.size, embeddingDim: f.embedding, hiddenSize: f.hidden, numTags: lex.names.length, cell: f.cell, numLayers: f.layers,
      bidirectional: f.bidirectional, dropout: f.dropout, paddingIdx: lex.vocab.padIndex, seed: f.seed, backend: f.backend, threads: f.threads,
      sparseEmbedding: f.sparseEmbedding,
    });
  },

  figures(m) {
    return { tokenAccuracy: figure(m.tokenAccuracy), f1: figure(m.f1), loss: figure(m.loss) };
  },

  async predict(model: AnyModel, lex, records, source) {
    const s = lex.meta.settings;
    const tokens = records.map((r) => truncate(tokensOf(s, r, source), s.maxLength));
    const nonEmpty = tokens.map((t, i) => [t, i] as const).filter(([t]) => t.length > 0);
    const predicted = nonEmpty.length ? (model as SequenceTagger).predict(nonEmpty.map(([t]) => lex.vocab.encode(t))) : [];
    const out: Record<string, unknown>[] = tokens.map((t) => ({ tokens: t, tags: [] as string[] }));
    nonEmpty.forEach(([, i], k) => {
      out[i].tags = predicted[k].map((id) => lex.names[id]);
    });
    return out;
  },
};
