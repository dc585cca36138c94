// nearest / nearestIds: cosine neighbours on a hand-set embedding whose answer is known; specials, the
// padding row and zero rows are never neighbours; bad words and shapes are named.
import { describe, expect, it } from 'vitest';
import { Embedding } from '../../src/layers/embedding.js';
import { Vocab } from '../../src/text/vocab.js';
import { SequenceClassifier } from '../../src/models/classifier.js';
import { nearest, nearestIds } from '../../src/diagnostics/nearest.js';
import { expectError } from '../helpers/errors.js';

const ROWS: [string, number[]][] = [
  ['<unk>', [1, 0, 0]],
  ['<pad>', [0, 0, 0]],
  ['king', [1, 1, 0]],
  ['queen', [1, 0.9, 0.1]],
  ['apple', [0, 0, 1]],
  ['banana', [0, 0.1, 1]],
  ['car', [-1, -1, 0]],
  ['void', [0, 0, 0]], // a zero row that is not padding: no direction, never a neighbour
];
const vocab = Vocab.fromJSON({ tokens: ROWS.map(([w]) => w), specials: ['<unk>', '<pad>'] });
const embedding = new Embedding({ numEmbeddings: ROWS.length, embeddingDim: 3, paddingIdx: 1 });
embedding.weight.value.data.set(ROWS.flatMap(([, v]) => v));

const cos = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i], 0) / (Math.hypot(...a) * Math.hypot(...b));
const row = (w: string): number[] => ROWS.find(([t]) => t === w)![1];

describe('nearest', () => {
  it('ranks words by cosine similarity, excluding the word itself, specials, padding and zero rows', () => {
    const got = nearest(embedding, vocab, 'king', 10);
    expect(got.map((n) => n.word)).toEqual(['queen', 'banana', 'apple', 'car']);
    for (const n of got) expect(n.similarity).toBeCloseTo(cos(row('king'), row(n.word)), 6);
    expect(got[3].similarity).toBeCloseTo(-1, 6);
    expect(nearest(embedding, vocab, 'apple', 1)).toEqual([{ word: 'banana', similarity: expect.closeTo(cos(row('apple'), row('banana')), 6) }]);
  });

  it('includes specials when asked (never the padding row); ties go to the lower id', () => {
    expect(nearest(embedding, vocab, 'king', 2, { includeSpecials: true }).map((n) => n.word)).toEqual(['queen', '<unk>']);
    const twins = new Embedding({ numEmbeddings: 4, embeddingDim: 2 });
    twins.weight.value.data.set([1, 0, 2, 0, 0, 1, 3, 0]);
    expect(nearestIds(twins, 2, 3).map((n) => n.id)).toEqual([0, 1, 3]);
    expect(nearestIds(twins, 0, 2)).toEqual([{ id: 1, similarity: 1 }, { id: 3, similarity: 1 }]);
  });

  it('accepts a model (its embedding) or a bare weight tensor', () => {
    const model = new SequenceClassifier({ vocabSize: ROWS.length, embeddingDim: 3, hiddenSize: 2, numClasses: 2, paddingIdx: 1, seed: 1, backend: 'reference' });
    model.embedding.weight.value.data.set(embedding.weight.value.data);
    expect(nearest(model, vocab, 'queen', 3)).toEqual(nearest(embedding, vocab, 'queen', 3));
    const ids = nearestIds(embedding.weight.value, vocab.indexOf('king'), 10, { exclude: [0] });
    expect(ids.map((n) => vocab.tokenOf(n.id))).toEqual(['queen', 'banana', 'apple', 'car']); // a bare tensor has no padding row: <pad> is all zeros anyway
  });

  it('names the bad word, and every other bad argument', () => {
    expectError(() => nearest(embedding, vocab, 'kingg', 3), RangeError, 'nearest(word)', '"kingg"', 'in the vocabulary');
    expectError(() => nearest(embedding, vocab, '<pad>', 3), RangeError, 'non-zero embedding row', 'id 1');
    expectError(() => nearest(embedding, vocab, 'king', 0), RangeError, 'nearest(k)', '>= 1', '0');
    expectError(() => nearest(embedding, vocab, 42 as never), TypeError, 'nearest(word)', 'a string', '42');
    expectError(() => nearest(embedding, {} as never, 'king'), TypeError, 'nearest(vocab)', 'a Vocab');
    const small = Vocab.fromJSON({ tokens: ['<unk>', 'king'], specials: ['<unk>'] });
    expectError(() => nearest(embedding, small, 'king'), RangeError, `${ROWS.length} tokens`, 'received 2');
    expectError(() => nearestIds(embedding, 8), RangeError, 'nearestIds(id)', '[0, 7]', '8');
    expectError(() => nearestIds({ data: new Float32Array(6), shape: [6] }, 0), RangeError, 'nearestIds(embedding)', '2-D', '[6]');
    expectError(() => nearestIds('weights' as never, 0), TypeError, 'an Embedding', '"weights"');
    expectError(() => nearestIds(embedding, 2, 3, { exclude: 5 as never }), TypeError, 'options.exclude', '5');
  });
});
