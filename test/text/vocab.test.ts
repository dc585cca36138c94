import { describe, it, expect } from 'vitest';
import { Vocab } from '../../src/text/vocab.js';

const corpus = [
  ['the', 'cat', 'sat'],
  ['the', 'dog', 'sat'],
  ['the', 'bird', 'flew'],
  ['a', 'cat'],
];
// counts: the 3, cat 2, sat 2, a 1, bird 1, dog 1, flew 1

describe('Vocab.build', () => {
  it('puts specials first, then descending frequency, ties alphabetical', () => {
    const v = Vocab.build(corpus);
    expect(v.tokens()).toEqual(['<unk>', '<pad>', 'the', 'cat', 'sat', 'a', 'bird', 'dog', 'flew']);
    expect(v.size).toBe(9);
    expect(v.unkIndex).toBe(0);
    expect(v.padIndex).toBe(1);
  });

  it('does not depend on the order of the corpus', () => {
    expect(Vocab.build([...corpus].reverse()).tokens()).toEqual(Vocab.build(corpus).tokens());
  });

  it('applies minFreq', () => {
    expect(Vocab.build(corpus, { minFreq: 2 }).tokens()).toEqual(['<unk>', '<pad>', 'the', 'cat', 'sat']);
    expect(Vocab.build(corpus, { minFreq: 4 }).tokens()).toEqual(['<unk>', '<pad>']);
  });

  it('applies maxSize counting the specials', () => {
    const v = Vocab.build(corpus, { maxSize: 4 });
    expect(v.tokens()).toEqual(['<unk>', '<pad>', 'the', 'cat']);
    expect(Vocab.build(corpus, { maxSize: 2 }).tokens()).toEqual(['<unk>', '<pad>']);
  });

  it('honours custom specials and their order; a corpus token equal to a special is not duplicated', () => {
    const v = Vocab.build([['<pad>', 'x', 'x']], { specials: ['<pad>', '<bos>', '<unk>'] });
    expect(v.tokens()).toEqual(['<pad>', '<bos>', '<unk>', 'x']);
    expect(v.padIndex).toBe(0);
    expect(v.unkIndex).toBe(2);
  });

  it('reports -1 for a missing <pad>, and a plain token named <pad> is not the pad special', () => {
    const v = Vocab.build([['<pad>']], { specials: ['<unk>'] });
    expect(v.padIndex).toBe(-1);
    expect(v.indexOf('<pad>')).toBe(1);
  });

  it('accepts any iterable, e.g. a generator', () => {
    function* rows(): Generator<string[]> {
      yield ['b', 'a'];
      yield ['b'];
    }
    expect(Vocab.build(rows()).tokens()).toEqual(['<unk>', '<pad>', 'b', 'a']);
  });
});

describe('Vocab lookups', () => {
  const v = Vocab.build(corpus);

  it('maps known tokens to ids and unknown tokens to <unk>', () => {
    expect(v.indexOf('the')).toBe(2);
    expect(v.indexOf('zebra')).toBe(0);
    expect(v.has('zebra')).toBe(false);
    expect(v.tokenOf(3)).toBe('cat');
  });

  it('encodes to Int32Array and decodes back', () => {
    const ids = v.encode(['the', 'zebra', 'sat']);
    expect(ids).toBeInstanceOf(Int32Array);
    expect([...ids]).toEqual([2, 0, 4]);
    expect(v.decode(ids)).toEqual(['the', '<unk>', 'sat']);
    expect(v.decode([1, 8])).toEqual(['<pad>', 'flew']);
  });

  it('throws a RangeError naming the token when there is no <unk>', () => {
    const strict = Vocab.build(corpus, { specials: [] });
    expect(strict.unkIndex).toBe(-1);
    expect(() => strict.indexOf('zebra')).toThrow(RangeError);
    expect(() => strict.encode(['the', 'zebra'])).toThrow(/token: "zebra" is not in the vocabulary/);
  });

  it('rejects out-of-range ids naming the id and the range', () => {
    expect(() => v.decode([2, 9])).toThrow(RangeError);
    expect(() => v.decode([2, 9])).toThrow(/ids\[1\]: expected an integer id in \[0, 8\], received 9/);
    expect(() => v.decode([-1])).toThrow(/ids\[0\]: .*received -1/);
    expect(() => v.decode([1.5])).toThrow(/received 1.5/);
    expect(() => v.tokenOf(100)).toThrow(/id: expected an integer in \[0, 8\], received 100/);
  });

  it('rejects non-string tokens', () => {
    expect(() => v.encode(['ok', 3 as unknown as string])).toThrow(TypeError);
    expect(() => v.encode(['ok', 3 as unknown as string])).toThrow(/tokens\[1\]: expected a string, received 3/);
  });
});

describe('Vocab JSON', () => {
  it('round-trips exactly, through an object and through text', () => {
    const v = Vocab.build(corpus, { specials: ['<pad>', '<unk>', '<eos>'], maxSize: 6 });
    const back = Vocab.fromJSON(v.toJSON());
    expect(back.tokens()).toEqual(v.tokens());
    expect(back.specials).toEqual(v.specials);
    expect(back.unkIndex).toBe(1);
    expect(back.padIndex).toBe(0);
    expect(back.toJSON()).toEqual(v.toJSON());
    const viaText = Vocab.fromJSON(JSON.stringify(v));
    expect(viaText.toJSON()).toEqual(v.toJSON());
  });

  it('rejects malformed input', () => {
    expect(() => Vocab.fromJSON(null)).toThrow(TypeError);
    expect(() => Vocab.fromJSON(null)).toThrow(/json: expected an object \{ tokens, specials \}, received null/);
    expect(() => Vocab.fromJSON('{oops')).toThrow(TypeError);
    expect(() => Vocab.fromJSON({ tokens: ['a', 1], specials: [] })).toThrow(/json.tokens\[1\]: expected a string, received 1/);
    expect(() => Vocab.fromJSON({ tokens: ['a'] })).toThrow(/json.specials: expected an array of strings, received undefined/);
  });

  it('rejects duplicate tokens and specials that are not the prefix', () => {
    expect(() => Vocab.fromJSON({ tokens: ['<unk>', 'a', 'a'], specials: ['<unk>'] })).toThrow(RangeError);
    expect(() => Vocab.fromJSON({ tokens: ['<unk>', 'a', 'a'], specials: ['<unk>'] })).toThrow(/json.tokens: .*received "a" again at index 2/);
    expect(() => Vocab.fromJSON({ tokens: ['a', '<unk>'], specials: ['<unk>'] })).toThrow(/json.specials\[0\]: .*received "<unk>" vs "a"/);
  });
});

describe('Vocab.build option checks', () => {
  it('rejects bad minFreq / maxSize / specials / corpus, naming argument and value', () => {
    expect(() => Vocab.build(corpus, { minFreq: NaN })).toThrow(RangeError);
    expect(() => Vocab.build(corpus, { minFreq: NaN })).toThrow(/minFreq: expected an integer >= 1, received NaN/);
    expect(() => Vocab.build(corpus, { minFreq: 0 })).toThrow(/minFreq: .*received 0/);
    expect(() => Vocab.build(corpus, { minFreq: '2' as unknown as number })).toThrow(TypeError);
    expect(() => Vocab.build(corpus, { maxSize: 1 })).toThrow(/maxSize: expected an integer >= 2, received 1/);
    expect(() => Vocab.build(corpus, { maxSize: 2.5 })).toThrow(RangeError);
    expect(() => Vocab.build(corpus, { specials: ['<unk>', '<unk>'] })).toThrow(/specials: .*received "<unk>" again at index 1/);
    expect(() => Vocab.build(42 as unknown as string[][])).toThrow(/tokenLists: expected an iterable of string arrays, received 42/);
    expect(() => Vocab.build([['a'], 'b' as unknown as string[]])).toThrow(/tokenLists\[1\]: expected an array of strings, received "b"/);
  });
});
