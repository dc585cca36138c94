/**
 * classify: a text field and a label field → a SequenceClassifier (many → one).
 * Figures: accuracy, f1 (macro F1), mcc, loss. Predictions: { label, probability }.
 */
import { SequenceClassifier, padSequences, type AnyModel } from '../../index.js';
import type { DataRecord } from '../records.js';
import { knownName, readName, readText } from '../fields.js';
import { META_FORMAT, type CliMeta, type Lexicon, type TextSettings } from '../meta.js';
import { PLAIN_SPECIALS, TokenCounter, tokenizerFor } from '../text.js';
import { CliError } from '../errors.js';
import { fieldRef, figure, truncate, type ModelFlags, type Task, type VocabLimits } from './task.js';

type Example = { ids: Int32Array; label: number };

/** Token ids of a record's text (at least one: an empty text reads as <unk>). */
export function textIds(lex: Lexicon, record: DataRecord, source: string, key: 'text' | 'source' = 'text'): Int32Array {
  const s = lex.meta.settings;
  const tokens = truncate(tokenizerFor(s.tokenizer)(readText(record, fieldRef(s, key, source))), s.maxLength);
  return tokens.length === 0 ? Int32Array.of(lex.vocab.unkIndex) : lex.vocab.encode(tokens);
}

export const classifyTask: Task<Example> = {
  name: 'classify',
  kind: 'classifier',
  trainFields: ['text', 'label'],

  async scan(records, settings, limits, source) {
    const counter = new TokenCounter();
    const labels = new Set<string>();
    const split = tokenizerFor(settings.tokenizer);
    for await (const record of records) {
      counter.add(truncate(split(readText(record, fieldRef(settings, 'text', source))), settings.maxLength));
      labels.add(readName(record, fieldRef(settings, 'label', source)));
    }
    if (labels.size < 2) throw new CliError(`${source}: expected at least 2 different labels to classify, received ${labels.size} (${[...labels].join(', ')})`);
    return meta(settings, counter, limits, [...labels].sort());
  },

  encode(lex, record, source) {
    const label = knownName(lex.index, readName(record, fieldRef(lex.meta.settings, 'label', source)), record, fieldRef(lex.meta.settings, 'label', source), 'label');
    return [{ ids: textIds(lex, record, source), label }];
  },

  build(lex, f: ModelFlags) {
    return new SequenceClassifier({
      vocabSize: lex.vocab.size, embeddingDim: f.embedding, hiddenSize: f.hidden, numClasses: lex.names.length, cell: f.cell, numLayers: f.layers,
      bidirectional: f.bidirectional, dropout: f.dropout, paddingIdx: lex.vocab.padIndex, pooling: f.pooling, seed: f.seed, backend: f.backend, threads: f.threads,
      sparseEmbedding: f.sparseEmbedding,
    });
  },

  figures(m) {
    return { accuracy: figure(m.accuracy), f1: figure(m.macroF1), mcc: figure(m.mcc), loss: figure(m.loss) };
  },

  async predict(model: AnyModel, lex, records, source) {
    const ids = records.map((r) => textIds(lex, r, source));
    const batch = padSequences(ids, lex.vocab.padIndex);
    const probs = (model as SequenceClassifier).predictProba(batch.ids, batch.lengths);
    const C = lex.names.length;
    return records.map((_, b) => {
      let best = 0;
      for (let c = 1; c < C; c++) if (probs.data[b * C + c] > probs.data[b * C + best]) best = c;
      return { label: lex.names[best], probability: figure(probs.data[b * C + best]) };
    });
  },
};

function meta(settings: TextSettings, counter: TokenCounter, limits: VocabLimits, labels: string[]): CliMeta {
  return {
    format: META_FORMAT, formatVersion: 1, task: 'classify', settings,
    vocab: counter.build(PLAIN_SPECIALS, limits).toJSON(), labels,
  };
}
