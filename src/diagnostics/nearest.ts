/**
 * Embedding neighbours: the words whose learned vectors point the same way — the seed's check that an
 * embedding has learned something (after training, "free" sits near "win", not near "meeting").
 *
 *   nearest(model.embedding, vocab, 'free', 5);       // [{ word: 'win', similarity: 0.83 }, …]
 *   nearestIds(model.embedding, 42, 5);               // [{ id: 17, similarity: 0.83 }, …] (no vocab)
 *
 * Similarity is the cosine of the angle between embedding rows, cos(a, b) = a·b / (‖a‖ ‖b‖), summed in
 * float64. Never returned as a neighbour: the query itself, the embedding's padding row (paddingIdx), rows
 * that are all zeros (no direction, so no cosine) and — for `nearest`, unless includeSpecials — the
 * vocabulary's specials (<unk>, <pad>, …). Results are sorted by similarity, highest first (ties: lower id
 * first); fewer than k come back when fewer candidates exist.
 */
import type { Tensor } from '../tensor.js';
import { checkBoolean, checkInt, checkTensor, describe } from '../errors.js';
import { Embedding } from '../layers/embedding.js';
import { Vocab } from '../text/vocab.js';

/** An Embedding, its weight tensor [N, D], or a model that has an `embedding`. */
export type EmbeddingSource = Embedding | Tensor | { readonly embedding: Embedding };

export interface Neighbour {
  word: string;
  similarity: number;
}

export interface NeighbourId {
  id: number;
  similarity: number;
}

export interface NearestOptions {
  /** also consider the vocabulary's specials as neighbours (default false) */
  includeSpecials?: boolean;
}

export interface NearestIdsOptions {
  /** ids never returned (besides the query, the padding row and zero rows) */
  exclude?: Iterable<number>;
}

/** The k words whose embedding rows have the highest cosine similarity to `word`'s row. */
export function nearest(source: EmbeddingSource, vocab: Vocab, word: string, k = 10, options: NearestOptions = {}): Neighbour[] {
  if (!(vocab instanceof Vocab)) throw new TypeError(`nearest(vocab): expected a Vocab, received ${describe(vocab)}`);
  if (typeof word !== 'string') throw new TypeError(`nearest(word): expected a string, received ${describe(word)}`);
  if (typeof options !== 'object' || options === null) throw new TypeError(`nearest(options): expected { includeSpecials? }, received ${describe(options)}`);
  const includeSpecials = checkBoolean('nearest(options.includeSpecials)', options.includeSpecials ?? false);
  const table = tableOf('nearest', source);
  if (table.rows !== vocab.size) {
    throw new RangeError(`nearest(vocab): expected a vocabulary of ${table.rows} tokens (one per embedding row), received ${vocab.size}`);
  }
  // Not indexOf: an unknown word must not quietly become <unk>.
  if (!vocab.has(word)) throw new RangeError(`nearest(word): expected a word in the vocabulary (${vocab.size} tokens), received ${describe(word)}`);
  const exclude = includeSpecials ? [] : vocab.specials.map((s) => vocab.indexOf(s));
  return rank('nearest', table, vocab.indexOf(word), k, exclude).map(({ id, similarity }) => ({ word: vocab.tokenOf(id), similarity }));
}

/** The k ids whose embedding rows have the highest cosine similarity to row `id` (no vocabulary needed). */
export function nearestIds(source: EmbeddingSource, id: number, k = 10, options: NearestIdsOptions = {}): NeighbourId[] {
  if (typeof options !== 'object' || options === null) throw new TypeError(`nearestIds(options): expected { exclude? }, received ${describe(options)}`);
  const table = tableOf('nearestIds', source);
  const query = checkInt('nearestIds(id)', id, 0, table.rows - 1);
  const exclude: number[] = [];
  if (options.exclude !== undefined) {
    if (typeof (options.exclude as Iterable<number>)?.[Symbol.iterator] !== 'function') {
      throw new TypeError(`nearestIds(options.exclude): expected an iterable of ids, received ${describe(options.exclude)}`);
    }
    for (const e of options.exclude) exclude.push(checkInt('nearestIds(options.exclude[…])', e, 0, table.rows - 1));
  }
  return rank('nearestIds', table, query, k, exclude);
}

interface Table {
  data: ArrayLike<number>;
  rows: number;
  dim: number;
  paddingIdx: number | null;
}

function tableOf(call: string, source: EmbeddingSource): Table {
  if (source instanceof Embedding) return { data: source.weight.value.data, rows: source.numEmbeddings, dim: source.embeddingDim, paddingIdx: source.paddingIdx };
  if (typeof source === 'object' && source !== null && 'embedding' in source && source.embedding instanceof Embedding) return tableOf(call, source.embedding);
  if (typeof source !== 'object' || source === null || !('data' in source)) {
    throw new TypeError(`${call}(embedding): expected an Embedding, a weight tensor [N, D] or a model with an embedding, received ${describe(source)}`);
  }
  const [rows, dim] = checkTensor(`${call}(embedding)`, source, 2);
  return { data: source.data, rows, dim, paddingIdx: null };
}

function rank(call: string, t: Table, query: number, k: number, exclude: readonly number[]): NeighbourId[] {
  checkInt(`${call}(k)`, k, 1);
  const { data, rows, dim } = t;
  const norms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += data[r * dim + j] * data[r * dim + j];
    norms[r] = Math.sqrt(s);
  }
  if (norms[query] === 0) {
    throw new RangeError(`${call}: expected the query (id ${query}) to have a non-zero embedding row, received a row of zeros (it has no direction, so no cosine)`);
  }
  const skip = new Set<number>([query, ...exclude]);
  if (t.paddingIdx !== null) skip.add(t.paddingIdx);
  const out: NeighbourId[] = [];
  for (let r = 0; r < rows; r++) {
    if (skip.has(r) || norms[r] === 0) continue;
    let dot = 0;
    for (let j = 0; j < dim; j++) dot += data[query * dim + j] * data[r * dim + j];
    out.push({ id: r, similarity: dot / (norms[query] * norms[r]) });
  }
  out.sort((a, b) => b.similarity - a.similarity || a.id - b.id);
  return out.slice(0, k);
}
