/**
 * Text ↔ tokens for the command line, and vocabularies built from streamed records.
 *
 *   word   the basic English tokenizer (lower-case words and punctuation marks) — for tagging, where tags
 *          go one per whitespace token, the whitespace tokens, lower-cased
 *   char   every character (code point) as it is
 *   space  the whitespace-separated tokens as they are (phonemes "HH AH L OW", pre-tokenised text)
 *
 * Tokens join back with spaces, characters with nothing.
 */
import { Tokenizer, Vocab, UNK, PAD } from '../index.js';

export const TOKENIZERS = ['word', 'char', 'space'] as const;
export type TokenizerKind = (typeof TOKENIZERS)[number];

export const BOS = '<bos>';
export const EOS = '<eos>';

/** Specials of a plain vocabulary (ids 0, 1) and of one that also starts and ends sequences (ids 2, 3). */
export const PLAIN_SPECIALS = [UNK, PAD];
export const SEQUENCE_SPECIALS = [UNK, PAD, BOS, EOS];

const basic = new Tokenizer();

/** The function that splits a text; `whitespaceWords`: 'word' splits on whitespace (tagging). */
export function tokenizerFor(kind: TokenizerKind, { whitespaceWords = false } = {}): (text: string) => string[] {
  switch (kind) {
    case 'char':
      return (text) => [...text];
    case 'space':
      return splitSpace;
    case 'word':
      return whitespaceWords ? (text) => splitSpace(text.toLowerCase()) : (text) => basic.tokenize(text);
  }
}

function splitSpace(text: string): string[] {
  const t = text.trim();
  return t === '' ? [] : t.split(/\s+/u);
}

export function joinTokens(kind: TokenizerKind, tokens: readonly string[]): string {
  return tokens.join(kind === 'char' ? '' : ' ');
}

/** Token counts gathered record by record, then turned into a Vocab (same ids as Vocab.build on the lists). */
export class TokenCounter {
  private readonly counts = new Map<string, number>();

  add(tokens: readonly string[]): void {
    for (const t of tokens) this.counts.set(t, (this.counts.get(t) ?? 0) + 1);
  }

  get distinct(): number {
    return this.counts.size;
  }

  build(specials: string[], { minFreq = 1, maxSize }: { minFreq?: number; maxSize?: number } = {}): Vocab {
    return Vocab.build(this.lists(), { specials, minFreq, maxSize });
  }

  /** Each token repeated as often as it was seen, in pieces (Vocab.build counts list entries). */
  private *lists(): Generator<string[]> {
    const PIECE = 1 << 16;
    for (const [token, n] of this.counts) {
      for (let done = 0; done < n; done += PIECE) yield new Array<string>(Math.min(PIECE, n - done)).fill(token);
    }
  }
}
