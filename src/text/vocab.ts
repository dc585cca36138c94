/**
 * Token ↔ id mapping, like torchtext's `build_vocab_from_iterator`: specials first (in the given order, so
 * `<unk>` is id 0 by default), then tokens by descending frequency, ties broken by code-unit order so the
 * same corpus always gives the same ids regardless of the order it was read in.
 */
import { checkInt, describe } from '../errors.js';

export const UNK = '<unk>';
export const PAD = '<pad>';

export interface VocabBuildOptions {
  /** Keep tokens seen at least this often (default 1). */
  minFreq?: number;
  /** Cap on the total size, specials included (default: no cap). */
  maxSize?: number;
  /** Reserved tokens placed first, in this order (default ['<unk>', '<pad>']). */
  specials?: string[];
}

/** The serialised form: `tokens[id]` is the token with that id; specials are a prefix of `tokens`. */
export interface VocabJSON {
  tokens: string[];
  specials: string[];
}

function checkStrings(name: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new TypeError(`${name}: expected an array of strings, received ${describe(value)}`);
  value.forEach((s, i) => {
    if (typeof s !== 'string') throw new TypeError(`${name}[${i}]: expected a string, received ${describe(s)}`);
  });
  return value as string[];
}

function checkUnique(name: string, values: readonly string[]): void {
  const seen = new Set<string>();
  values.forEach((s, i) => {
    if (seen.has(s)) throw new RangeError(`${name}: expected distinct tokens, received ${describe(s)} again at index ${i}`);
    seen.add(s);
  });
}

export class Vocab {
  private readonly itos: readonly string[];
  private readonly stoi: Map<string, number>;
  readonly specials: readonly string[];
  /** Id of `<unk>`, or -1 when it is not among the specials (then unknown tokens throw). */
  readonly unkIndex: number;
  /** Id of `<pad>`, or -1 when it is not among the specials. */
  readonly padIndex: number;

  /** Prefer `Vocab.build` or `Vocab.fromJSON`; this trusts its (already validated) input. */
  private constructor(tokens: string[], specials: string[]) {
    this.itos = Object.freeze([...tokens]);
    this.specials = Object.freeze([...specials]);
    this.stoi = new Map(tokens.map((t, i) => [t, i]));
    // Only a *special* <unk>/<pad> counts; specials are a prefix of tokens, so their position is their id.
    this.unkIndex = specials.indexOf(UNK);
    this.padIndex = specials.indexOf(PAD);
  }

  static build(tokenLists: Iterable<string[]>, options: VocabBuildOptions = {}): Vocab {
    if (tokenLists === null || typeof (tokenLists as Iterable<string[]>)?.[Symbol.iterator] !== 'function') {
      throw new TypeError(`tokenLists: expected an iterable of string arrays, received ${describe(tokenLists)}`);
    }
    const specials = checkStrings('specials', options.specials ?? [UNK, PAD]);
    checkUnique('specials', specials);
    const minFreq = checkInt('minFreq', options.minFreq ?? 1, 1);
    const maxSize = options.maxSize === undefined ? Infinity : checkInt('maxSize', options.maxSize, specials.length);

    const counts = new Map<string, number>();
    let row = 0;
    for (const tokens of tokenLists) {
      checkStrings(`tokenLists[${row++}]`, tokens);
      for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    const reserved = new Set(specials);
    const ranked = [...counts]
      .filter(([t, n]) => n >= minFreq && !reserved.has(t))
      // Plain comparison, not localeCompare: ids must not depend on the machine's locale.
      .sort(([a, na], [b, nb]) => nb - na || (a < b ? -1 : a > b ? 1 : 0))
      .map(([t]) => t);
    const room = Math.max(0, maxSize - specials.length);
    return new Vocab([...specials, ...ranked.slice(0, room)], specials);
  }

  get size(): number {
    return this.itos.length;
  }

  has(token: string): boolean {
    return this.stoi.has(token);
  }

  /** Id of a token; unknown tokens map to `<unk>` (RangeError when the vocab has no `<unk>`). */
  indexOf(token: string): number {
    if (typeof token !== 'string') throw new TypeError(`token: expected a string, received ${describe(token)}`);
    const id = this.stoi.get(token);
    if (id !== undefined) return id;
    if (this.unkIndex < 0) {
      throw new RangeError(`token: ${describe(token)} is not in the vocabulary, and there is no "${UNK}" special to map it to`);
    }
    return this.unkIndex;
  }

  tokenOf(id: number): string {
    if (typeof id !== 'number') throw new TypeError(`id: expected an integer, received ${describe(id)}`);
    if (!Number.isInteger(id) || id < 0 || id >= this.itos.length) {
      throw new RangeError(`id: expected an integer in [0, ${this.itos.length - 1}], received ${describe(id)}`);
    }
    return this.itos[id];
  }

  encode(tokens: string[]): Int32Array {
    checkStrings('tokens', tokens);
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) out[i] = this.indexOf(tokens[i]);
    return out;
  }

  decode(ids: ArrayLike<number>): string[] {
    if (typeof ids !== 'object' || ids === null || typeof ids.length !== 'number') {
      throw new TypeError(`ids: expected an array or typed array of integers, received ${describe(ids)}`);
    }
    const out: string[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= this.itos.length) {
        throw new RangeError(`ids[${i}]: expected an integer id in [0, ${this.itos.length - 1}], received ${describe(id)}`);
      }
      out[i] = this.itos[id];
    }
    return out;
  }

  /** All tokens in id order (a copy). */
  tokens(): string[] {
    return [...this.itos];
  }

  toJSON(): VocabJSON {
    return { tokens: [...this.itos], specials: [...this.specials] };
  }

  static fromJSON(json: unknown): Vocab {
    if (typeof json === 'string') {
      try {
        json = JSON.parse(json);
      } catch (e) {
        throw new TypeError(`json: expected a VocabJSON object or its JSON text, received unparsable text (${(e as Error).message})`);
      }
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new TypeError(`json: expected an object { tokens, specials }, received ${describe(json)}`);
    }
    const { tokens, specials } = json as Partial<VocabJSON>;
    checkStrings('json.tokens', tokens);
    checkStrings('json.specials', specials);
    checkUnique('json.tokens', tokens as string[]);
    (specials as string[]).forEach((s, i) => {
      if ((tokens as string[])[i] !== s) {
        throw new RangeError(`json.specials[${i}]: expected to equal json.tokens[${i}] (specials come first), received ${describe(s)} vs ${describe((tokens as string[])[i])}`);
      }
    });
    return new Vocab(tokens as string[], specials as string[]);
  }
}
