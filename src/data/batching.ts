/**
 * Mini-batches of variable-length token sequences: right-padding with lengths, and length-bucketed batch
 * order so each batch pads little (less wasted compute) while the order stays shuffled and seeded.
 */
import type { IdTensor } from '../layers/embedding.js';
import { checkInt, describe } from '../errors.js';
import { Rng } from '../random.js';

export interface PaddedBatch {
  ids: IdTensor & { data: Int32Array };
  lengths: Int32Array;
}

/** Right-pads sequences to the longest one (or truncates them to `maxLength`). Empty sequences are rejected. */
export function padSequences(sequences: ArrayLike<number>[], padId: number, maxLength = Infinity): PaddedBatch {
  if (!Array.isArray(sequences) || sequences.length === 0) {
    throw new RangeError(`padSequences(sequences): expected a non-empty array of id sequences, received ${describe(sequences)}`);
  }
  checkInt('padSequences(padId)', padId, 0);
  const lengths = new Int32Array(sequences.length);
  sequences.forEach((s, b) => {
    if (!s || s.length === 0) throw new RangeError(`padSequences(sequences[${b}]): expected at least one id, received an empty sequence`);
    lengths[b] = Math.min(s.length, maxLength);
  });
  const T = Math.max(...lengths);
  const data = new Int32Array(sequences.length * T).fill(padId);
  sequences.forEach((s, b) => {
    for (let t = 0; t < lengths[b]; t++) data[b * T + t] = s[t];
  });
  return { ids: { data, shape: [sequences.length, T] }, lengths };
}

/**
 * Batches of example indices, grouped by similar length: shuffle, cut into pools of `poolBatches` batches,
 * sort each pool by length, cut into batches, shuffle the batches. Same seed, same order.
 */
export function bucketedBatches(lengths: ArrayLike<number>, batchSize: number, rng: Rng, poolBatches = 50): number[][] {
  checkInt('batchSize', batchSize, 1);
  const order = rng.shuffle(Array.from({ length: lengths.length }, (_, i) => i));
  const batches: number[][] = [];
  const pool = batchSize * poolBatches;
  for (let start = 0; start < order.length; start += pool) {
    const chunk = order.slice(start, start + pool).sort((a, b) => lengths[a] - lengths[b]);
    for (let i = 0; i < chunk.length; i += batchSize) batches.push(chunk.slice(i, i + batchSize));
  }
  return rng.shuffle(batches);
}
