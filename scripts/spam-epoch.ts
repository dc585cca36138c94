/**
 * `npm run bench:spam -- [--threads 1] [--epochs 1] [--seed 1] [--optimizer adam|sparse_adam] [--dense] [--batch 32]`
 *
 * Trains the spam demo's SPAM_FULL model (src/cli/demos/spam.ts: same data, split, vocabulary, model and
 * fit options) for a few epochs and prints, per epoch, the process CPU time (process.cpuUsage, user +
 * system: on a shared machine this is steadier than wall time), the wall time and sequences/second.
 * With --threads 1 the CPU time is the work itself. `--dense` turns the sparse embedding gradient off (the
 * dense 20k×64 gradient, as before), `--optimizer` and `--batch` override the demo's. One JSON line at the end.
 */
import { fit, SequenceClassifier, Vocab } from '../src/index.js';
import { loadSpamAssassin, SPAM_FULL, spamOptimizer } from '../src/cli/demos/spam.js';
import { seededSplit } from '../src/cli/demos/common.js';

const arg = (name: string, fallback: string): string => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const threads = Number(arg('--threads', '1'));
const epochs = Number(arg('--epochs', '1'));
const seed = Number(arg('--seed', '1'));
const dense = process.argv.includes('--dense');
const c = { ...SPAM_FULL, batchSize: Number(arg('--batch', String(SPAM_FULL.batchSize))) };
const optimizerName = arg('--optimizer', spamOptimizer(c).name);

const all = loadSpamAssassin(c);
const { first } = seededSplit(all.length, 0.8, seed);
const trainSet = first.map((i) => all[i]);
const vocab = Vocab.build(trainSet.map((d) => d.tokens), { minFreq: c.minFreq, maxSize: c.maxVocab });
const model = new SequenceClassifier({
  vocabSize: vocab.size, embeddingDim: c.embeddingDim, hiddenSize: c.hiddenSize, numClasses: 2, paddingIdx: vocab.padIndex,
  cell: c.cell, bidirectional: c.bidirectional, pooling: c.pooling, backend: 'native', threads, seed, sparseEmbedding: !dense,
});
const examples = trainSet.map((d) => ({ ids: vocab.encode(d.tokens), label: d.label }));

const rows: { epoch: number; cpuSeconds: number; wallSeconds: number; sequencesPerSecond: number; loss: number }[] = [];
let cpu = process.cpuUsage();
let wall = performance.now();
await fit(model, examples, {
  epochs, batchSize: c.batchSize, optimizer: { ...spamOptimizer(c), name: optimizerName as 'adam' }, clipGradNorm: c.clip, seed, verbose: false,
  onEpochEnd: ({ epoch, logs }) => {
    const used = process.cpuUsage(cpu);
    const row = {
      epoch: epoch + 1,
      cpuSeconds: (used.user + used.system) / 1e6,
      wallSeconds: (performance.now() - wall) / 1000,
      sequencesPerSecond: examples.length / ((performance.now() - wall) / 1000),
      loss: logs.loss,
    };
    rows.push(row);
    console.log(`epoch ${row.epoch}: cpu ${row.cpuSeconds.toFixed(2)} s, wall ${row.wallSeconds.toFixed(2)} s, ${row.sequencesPerSecond.toFixed(0)} seq/s, loss ${row.loss.toFixed(4)}`);
    cpu = process.cpuUsage();
    wall = performance.now();
  },
});
console.log(JSON.stringify({ threads, seed, optimizer: optimizerName, sparseEmbedding: !dense, batchSize: c.batchSize, epochs: rows }));
