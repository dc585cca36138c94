/**
 * seq2seq: a source field and a target field, each with its own tokenizer (--source-tokenizer,
 * --target-tokenizer; e.g. a word's characters → its phonemes) → a Seq2Seq encoder–decoder with Luong
 * attention. Two vocabularies: the source's (<unk>, <pad>, …) and the target's (<unk>, <pad>, <bos>,
 * <eos>, …), <pad> the same id in both.
 * Figures: exactMatch, tokenErrorRate (edit distance / target length), wordErrorRate = 1 − exactMatch,
 * loss. Predictions: { target } (greedy, or beam search with --beam-size).
 */
import { Seq2Seq, type AnyModel } from '../../index.js';
import type { DataRecord } from '../records.js';
import { readTokens } from '../fields.js';
import { META_FORMAT, type Lexicon, type TextSettings } from '../meta.js';
import { BOS, EOS, joinTokens, PLAIN_SPECIALS, SEQUENCE_SPECIALS, TokenCounter, tokenizerFor } from '../text.js';
import { fieldRef, figure, truncate, type ModelFlags, type Task } from './task.js';

type Example = { source: Int32Array; target: Int32Array };

function sourceTokens(s: TextSettings, record: DataRecord, source: string): string[] {
  return truncate(readTokens(record, fieldRef(s, 'source', source), tokenizerFor(s.tokenizer)), s.maxLength);
}

function targetTokens(s: TextSettings, record: DataRecord, source: string): string[] {
  return truncate(readTokens(record, fieldRef(s, 'target', source), tokenizerFor(s.targetTokenizer)), s.maxLength);
}

function sourceIds(lex: Lexicon, record: DataRecord, source: string): Int32Array {
  const tokens = sourceTokens(lex.meta.settings, record, source);
  return tokens.length === 0 ? Int32Array.of(lex.vocab.unkIndex) : lex.vocab.encode(tokens);
}

export const seq2seqTask: Task<Example> = {
  name: 'seq2seq',
  kind: 'seq2seq',
  trainFields: ['source', 'target'],

  async scan(records, settings, limits, source) {
    const sources = new TokenCounter();
    const targets = new TokenCounter();
    for await (const record of records) {
      sources.add(sourceTokens(settings, record, source));
      targets.add(targetTokens(settings, record, source));
    }
    return {
      format: META_FORMAT, formatVersion: 1, task: 'seq2seq', settings,
      vocab: sources.build(PLAIN_SPECIALS, limits).toJSON(),
      targetVocab: targets.build(SEQUENCE_SPECIALS, limits).toJSON(),
    };
  },

  encode(lex, record, source) {
    return [{ source: sourceIds(lex, record, source), target: lex.targetVocab!.encode(targetTokens(lex.meta.settings, record, source)) }];
  },

  build(lex, f: ModelFlags) {
    const target = lex.targetVocab!;
    return new Seq2Seq({
      sourceVocabSize: lex.vocab.size, targetVocabSize: target.size, embeddingDim: f.embedding, hiddenSize: f.hidden, cell: f.cell, numLayers: f.layers,
      bidirectional: f.bidirectional, attention: f.attention, bosId: target.indexOf(BOS), eosId: target.indexOf(EOS), paddingIdx: target.padIndex,
      seed: f.seed, backend: f.backend, threads: f.threads,
    });
  },

  figures(m) {
    const exactMatch = m.exactMatch ?? 0;
    return { exactMatch: figure(exactMatch), tokenErrorRate: figure(m.tokenErrorRate ?? 1), wordErrorRate: figure(1 - exactMatch), loss: figure(m.loss) };
  },

  async predict(model: AnyModel, lex, records, source, { beamSize }) {
    const sources = records.map((r) => sourceIds(lex, r, source));
    const decoded = (model as Seq2Seq).translate(sources, { beamSize });
    return decoded.map((ids) => ({ target: joinTokens(lex.meta.settings.targetTokenizer, lex.targetVocab!.decode(ids)) }));
  },
};
