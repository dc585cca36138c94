/**
 * npx tsx examples/pytorch/make-start.ts [--out DIR] [--cell rnn|lstm|gru] [--nonlinearity tanh|relu] [--pooling last|mean|max]
 *     [--layers 2] [--bidirectional] [--dropout 0] [--hidden 24] [--embedding 16] [--epochs 1] [--start-examples 800] [--seed 7]
 *
 * The fastrnn side of the PyTorch hand-off (README.md beside this file). Trains a small SequenceClassifier
 * briefly with `fit` (--epochs 1 on the first --start-examples 800 training examples), so there is something
 * left for PyTorch to learn, on a synthetic task, and writes into DIR (default examples/pytorch/run):
 *   start/              the model directory (config.json, model.safetensors) that ddp_train.py continues
 *   train.jsonl         training examples, one `{ "ids": [...], "label": k }` a line
 *   valid.jsonl         held-out examples, same form
 *   start-logits.json   { logits: [[...], ...] }: fastrnn's logits on valid.jsonl, line by line, so the
 *                       PyTorch side can check it computes the same function before it trains
 *
 * The task: sequences of 5–40 tokens over a vocabulary of 24 (id 0 is padding); three marker tokens (1, 2, 3)
 * are sprinkled among noise tokens (4–23); the label is the marker that occurs most often (no ties).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SequenceClassifier, Rng, fit, evaluate, padSequences } from '../../src/index.js';

const { values: a } = parseArgs({
  options: {
    out: { type: 'string', default: 'examples/pytorch/run' },
    cell: { type: 'string', default: 'lstm' },
    pooling: { type: 'string', default: 'mean' },
    nonlinearity: { type: 'string' },
    dropout: { type: 'string', default: '0' },
    layers: { type: 'string', default: '2' },
    bidirectional: { type: 'boolean', default: false },
    hidden: { type: 'string', default: '24' },
    embedding: { type: 'string', default: '16' },
    epochs: { type: 'string', default: '1' },
    'start-examples': { type: 'string', default: '800' },
    examples: { type: 'string', default: '4000' },
    seed: { type: 'string', default: '7' },
  },
});

const VOCAB = 24;
const CLASSES = 3;
const seed = Number(a.seed);
const rng = new Rng(seed);

function example(): { ids: number[]; label: number } {
  for (;;) {
    const length = 5 + rng.int(36);
    const ids = Array.from({ length }, () => (rng.next() < 0.3 ? 1 + rng.int(CLASSES) : 4 + rng.int(VOCAB - 4)));
    const counts = [1, 2, 3].map((m) => ids.filter((id) => id === m).length);
    const best = Math.max(...counts);
    if (counts.filter((c) => c === best).length === 1) return { ids, label: counts.indexOf(best) };
  }
}

const n = Number(a.examples);
const all = Array.from({ length: n }, example);
const train = all.slice(0, Math.floor(n * 0.8));
const valid = all.slice(train.length);

const model = new SequenceClassifier({
  vocabSize: VOCAB,
  embeddingDim: Number(a.embedding),
  hiddenSize: Number(a.hidden),
  numClasses: CLASSES,
  cell: a.cell as 'rnn' | 'lstm' | 'gru',
  nonlinearity: a.nonlinearity as 'tanh' | 'relu' | undefined,
  dropout: Number(a.dropout),
  numLayers: Number(a.layers),
  bidirectional: a.bidirectional,
  pooling: a.pooling as 'last' | 'mean' | 'max',
  paddingIdx: 0,
  seed,
});
await fit(model, train.slice(0, Number(a['start-examples'])), { epochs: Number(a.epochs), batchSize: 32, optimizer: { name: 'adam', lr: 3e-3 }, seed, verbose: 'lines' });
const metrics = await evaluate(model, valid);
console.log(`fastrnn start model: ${model.rnn.backend.name} engine, config ${JSON.stringify(model.config())}`);
console.log(`fastrnn start model: valid accuracy ${(100 * metrics.accuracy).toFixed(2)} %, loss ${metrics.loss.toFixed(4)}`);

// fastrnn's logits on valid.jsonl, in file order (eval mode; packed lengths, so padding changes nothing)
model.eval();
const logits: number[][] = [];
for (let s = 0; s < valid.length; s += 100) {
  const { ids, lengths } = padSequences(valid.slice(s, s + 100).map((e) => e.ids), 0);
  const out = model.forward(ids, lengths).data;
  for (let b = 0; b < lengths.length; b++) logits.push(Array.from(out.subarray(b * CLASSES, (b + 1) * CLASSES)));
}

await mkdir(a.out, { recursive: true });
await model.save(join(a.out, 'start'));
const jsonl = (rows: { ids: number[]; label: number }[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
await writeFile(join(a.out, 'train.jsonl'), jsonl(train));
await writeFile(join(a.out, 'valid.jsonl'), jsonl(valid));
await writeFile(join(a.out, 'start-logits.json'), JSON.stringify({ data: 'valid.jsonl', logits }));
console.log(`wrote ${join(a.out, 'start')}/, train.jsonl (${train.length}), valid.jsonl (${valid.length}), start-logits.json`);
