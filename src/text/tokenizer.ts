/**
 * A basic English tokenizer in the spirit of torchtext's `basic_english`: lower-case, then split into runs
 * of letters/digits and single punctuation marks.
 *
 *   "This movie was fantastic and I loved it." → this movie was fantastic and i loved it .
 *   "don't"    → don ' t        (as basic_english: the apostrophe is its own token)
 *   "3.14"     → 3 . 14         (digits are word characters, the dot is punctuation)
 *   "naïve café" → naïve café   (any Unicode letter, digit or combining mark belongs to a word)
 *
 * Differences from basic_english, chosen so no character is silently lost: `"`, `;` and `:` become tokens
 * instead of being dropped, and every other symbol (e.g. `$`, `-`, `/`, emoji) is a token of its own.
 * Like basic_english, the HTML line break `<br />` (common in review corpora) counts as whitespace.
 */
import { checkBoolean, describe } from '../errors.js';

export interface TokenizerOptions {
  /** Lower-case the text before splitting (default true). */
  lowercase?: boolean;
}

// A word is a run of letters, combining marks (so decomposed "é" stays whole) and digits; anything else
// that is not whitespace is one token per code point (the `u` flag keeps astral characters whole).
const TOKEN = /[\p{L}\p{M}\p{N}]+|[^\s\p{L}\p{M}\p{N}]/gu;
const HTML_BREAK = /<br\s*\/?>/gi;

export class Tokenizer {
  readonly lowercase: boolean;

  constructor(options: TokenizerOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`Tokenizer options: expected an object, received ${describe(options)}`);
    }
    this.lowercase = options.lowercase === undefined ? true : checkBoolean('lowercase', options.lowercase);
  }

  tokenize(text: string): string[] {
    if (typeof text !== 'string') throw new TypeError(`text: expected a string, received ${describe(text)}`);
    let s = text.replace(HTML_BREAK, ' ');
    if (this.lowercase) s = s.toLowerCase();
    return s.match(TOKEN) ?? [];
  }
}
