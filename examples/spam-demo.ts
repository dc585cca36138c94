/**
 * npm run demo — trains a many-to-one spam classifier (Embedding → RNN → pooling → Linear → softmax) on
 * the real SpamAssassin corpus, with a seeded 80/20 split, and prints held-out accuracy, training time and
 * training sequences/second. Saves nothing.
 *
 * Options (environment): FASTRNN_BACKEND=auto|native|reference, CELL=rnn|lstm|gru, EPOCHS, SEED.
 */
import cliProgress from 'cli-progress';
import { performance } from 'node:perf_hooks';
import { SequenceClassifier } from '../src/models/classifier.js';
import { Vocab } from '../src/text/vocab.js';
import { Adam } from '../src/train/optim/adam.js';
import { bucketedBatches, padSequences } from '../src/data/batching.js';
import { Rng } from '../src/random.js';
import { loadSpamAssassin } from './spam-data.js';
import type { BackendChoice } from '../src/backend/select.js';

const MAX_TOKENS = 200;
const EPOCHS = Number(process.env.EPOCHS ?? 4);
const SEED = Number(process.env.SEED ?? 42);
const BATCH = 32;
const backend = (process.env.FASTRNN_BACKEND ?? 'auto') as BackendChoice;
const cell = (process.env.CELL ?? 'rnn') as 'rnn' | 'lstm' | 'gru';

const rng = new Rng(SEED);
const data = loadSpamAssassin(MAX_TOKENS);
const order = rng.shuffle(data.map((_, i) => i));
const cut = Math.floor(order.length * 0.8);
const train = order.slice(0, cut).map((i) => data[i]);
const test = order.slice(cut).map((i) => data[i]);

const vocab = Vocab.build(train.map((d) => d.tokens), { minFreq: 2, maxSize: 20000 });
const encode = (tokens: string[]): Int32Array => vocab.encode(tokens);
const trainIds = train.map((d) => encode(d.tokens));
const testIds = test.map((d) => encode(d.tokens));

const model = new SequenceClassifier({
  vocabSize: vocab.size,
  embeddingDim: 32,
  hiddenSize: 32,
  numClasses: 2,
  paddingIdx: vocab.padIndex,
  pooling: 'mean',
  cell,
  backend,
  seed: SEED,
});
const optimizer = new Adam(model.parameters(), { lr: 3e-3 });

console.log(`fastrnn spam demo: ${data.length} mails (${data.filter((d) => d.label === 1).length} spam), ` +
  `${train.length} train / ${test.length} held out, vocab ${vocab.size}, cell: ${cell}, engine: ${model.rnn.backend.name}`);

function accuracy(ids: Int32Array[], labels: number[]): number {
  model.eval();
  let correct = 0;
  for (let s = 0; s < ids.length; s += 256) {
    const { ids: batch, lengths } = padSequences(ids.slice(s, s + 256), vocab.padIndex);
    const logits = model.forward(batch, lengths).data;
    for (let b = 0; b < lengths.length; b++) {
      const predicted = logits[b * 2 + 1] > logits[b * 2] ? 1 : 0;
      if (predicted === labels[s + b]) correct++;
    }
  }
  model.train();
  return correct / ids.length;
}

const bar = new cliProgress.SingleBar(
  { format: 'epoch {epoch} [{bar}] {value}/{total} batches | loss {loss} | {speed} seq/s', hideCursor: true },
  cliProgress.Presets.shades_classic,
);
let trainingMs = 0;
let sequences = 0;
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  const batches = bucketedBatches(trainIds.map((s) => s.length), BATCH, rng);
  bar.start(batches.length, 0, { epoch, loss: '-', speed: '-' });
  let lossSum = 0;
  const start = performance.now();
  for (const [i, batch] of batches.entries()) {
    const { ids, lengths } = padSequences(batch.map((j) => trainIds[j]), vocab.padIndex);
    const { loss } = model.trainStep(ids, lengths, batch.map((j) => train[j].label), optimizer, { clipNorm: 1.0 });
    lossSum += loss;
    sequences += batch.length;
    const elapsed = (trainingMs + performance.now() - start) / 1000;
    bar.update(i + 1, { loss: (lossSum / (i + 1)).toFixed(4), speed: Math.round(sequences / elapsed) });
  }
  trainingMs += performance.now() - start;
  bar.stop();
  console.log(`epoch ${epoch}: mean loss ${(lossSum / batches.length).toFixed(4)}, held-out accuracy ${(100 * accuracy(testIds, test.map((d) => d.label))).toFixed(2)}%`);
}

const acc = accuracy(testIds, test.map((d) => d.label));
console.log(`\nheld-out accuracy: ${(100 * acc).toFixed(2)}% on ${test.length} mails`);
console.log(`training time:     ${(trainingMs / 1000).toFixed(1)} s for ${EPOCHS} epochs (${model.rnn.backend.name} engine)`);
console.log(`throughput:        ${Math.round(sequences / (trainingMs / 1000))} training sequences/second (≤ ${MAX_TOKENS} tokens each)`);
