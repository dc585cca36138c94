import { describe, it, expect } from 'vitest';
import { Tokenizer } from '../../src/text/tokenizer.js';

describe('Tokenizer', () => {
  const tok = new Tokenizer();

  it('lower-cases and splits off punctuation (the README example)', () => {
    expect(tok.tokenize('This movie was fantastic and I loved it.')).toEqual([
      'this', 'movie', 'was', 'fantastic', 'and', 'i', 'loved', 'it', '.',
    ]);
  });

  it("splits apostrophes as basic_english does: don't → don ' t", () => {
    expect(tok.tokenize("Don't stop")).toEqual(['don', "'", 't', 'stop']);
  });

  it('keeps digits in words and splits decimal points', () => {
    expect(tok.tokenize('Rated 10/10, cost $3.50!')).toEqual(['rated', '10', '/', '10', ',', 'cost', '$', '3', '.', '50', '!']);
  });

  it('keeps Unicode letters, digits and combining marks inside words', () => {
    expect(tok.tokenize('Naïve CAFÉ über 東京 ١٢٣')).toEqual(['naïve', 'café', 'über', '東京', '١٢٣']);
    // "e" + U+0301 COMBINING ACUTE ACCENT stays one word
    expect(tok.tokenize('cafe\u0301 ok')).toEqual(['cafe\u0301', 'ok']);
  });

  it('collapses any whitespace and treats <br /> as a space', () => {
    expect(tok.tokenize('  a\t\tb\n\nc  ')).toEqual(['a', 'b', 'c']);
    expect(tok.tokenize('good.<br /><br />Bad')).toEqual(['good', '.', 'bad']);
    expect(tok.tokenize('')).toEqual([]);
    expect(tok.tokenize(' \n ')).toEqual([]);
  });

  it('keeps quotes, colons, semicolons and emoji as their own tokens', () => {
    expect(tok.tokenize('"Wow": yes; 🎉')).toEqual(['"', 'wow', '"', ':', 'yes', ';', '🎉']);
  });

  it('can keep case', () => {
    expect(new Tokenizer({ lowercase: false }).tokenize('Hello World')).toEqual(['Hello', 'World']);
  });

  it('rejects a non-string with a TypeError naming the argument and value', () => {
    expect(() => tok.tokenize(42 as unknown as string)).toThrow(TypeError);
    expect(() => tok.tokenize(42 as unknown as string)).toThrow(/text: expected a string, received 42/);
    expect(() => tok.tokenize(null as unknown as string)).toThrow(/text: .*received null/);
  });

  it('rejects a non-boolean lowercase option', () => {
    expect(() => new Tokenizer({ lowercase: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => new Tokenizer({ lowercase: 'yes' as unknown as boolean })).toThrow(/lowercase: expected a boolean, received "yes"/);
  });
});
