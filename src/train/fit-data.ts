/**
 * fit's data: checking examples (model.checkExample), the validation split, and the batch order.
 *
 * An array is one chunk per epoch: checked once up front, then length-bucketed and shuffled each epoch
 * with the seeded Rng (bucketedBatches), or cut in order for an ordered model or shuffle: false.
 * An async iterable (data larger than memory) is read in chunks of batchSize × POOL_BATCHES examples in
 * arrival order, each chunk checked as it arrives and bucketed on its own; every epoch starts the iterable
 * over ([Symbol.asyncIterator]() again), and a resumed run skips the examples already consumed.
 */
import { bucketedBatches } from '../data/batching.js';
import type { Rng } from '../random.js';
import type { TrainableModel } from './trainable.js';

/** Batches per bucketing pool (bucketedBatches' default) and per chunk of an async iterable. */
export const POOL_BATCHES = 50;

type Model<E> = TrainableModel<E, unknown>;

/**
 * Checks one example; the model names it `examples[i]`, which is rewritten to `where[i]` (e.g.
 * options.validationData[i]) so the message points at the argument that holds it.
 */
export function checkOne<E>(model: Model<E>, example: unknown, index: number, where: string): E {
  try {
    return model.checkExample(example, index);
  } catch (e) {
    if (where !== 'examples' && e instanceof Error && e.message.startsWith('examples[')) {
      const Ctor = e.constructor as ErrorConstructor;
      throw new Ctor(where + e.message.slice('examples'.length));
    }
    throw e;
  }
}

export function checkAll<E>(model: Model<E>, examples: unknown[], where: string): E[] {
  if (examples.length === 0) throw new RangeError(`${where}: expected at least one example, received an empty array`);
  return examples.map((e, i) => checkOne(model, e, i, where));
}

/** Holds out a fraction: a seeded random subset, or the last fraction for an ordered model (order matters). */
export function splitValidation<E>(examples: E[], fraction: number, rng: Rng, ordered: boolean): { train: E[]; validation: E[] } {
  const n = examples.length;
  const held = Math.max(1, Math.round(n * fraction));
  if (held >= n) throw new RangeError(`options.validationSplit: ${fraction} of ${n} examples leaves none to train on; expected a smaller fraction or more examples`);
  if (ordered) return { train: examples.slice(0, n - held), validation: examples.slice(n - held) };
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const isHeld = new Uint8Array(n);
  for (let k = 0; k < held; k++) isHeld[order[k]] = 1;
  return { train: examples.filter((_, i) => !isHeld[i]), validation: examples.filter((_, i) => isHeld[i]) };
}

/** The training batches of one chunk, as indices into it. */
export function batchOrder<E>(model: Model<E>, chunk: E[], batchSize: number, shuffle: boolean, rng: Rng): number[][] {
  if (model.ordered || !shuffle) return inOrder(chunk.length, batchSize);
  return bucketedBatches(chunk.map((e) => model.exampleLength(e)), batchSize, rng, POOL_BATCHES);
}

/** Evaluation batches: sorted by length so each pads little (in order for an ordered model). */
export function evaluationOrder<E>(model: Model<E>, chunk: E[], batchSize: number): number[][] {
  if (model.ordered) return inOrder(chunk.length, batchSize);
  const lengths = chunk.map((e) => model.exampleLength(e));
  const order = Array.from({ length: chunk.length }, (_, i) => i).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return batches;
}

function inOrder(n: number, batchSize: number): number[][] {
  const batches: number[][] = [];
  for (let i = 0; i < n; i += batchSize) batches.push(Array.from({ length: Math.min(batchSize, n - i) }, (_, k) => i + k));
  return batches;
}

/** Where an epoch's examples come from. */
export interface ExampleSource<E> {
  /** examples per epoch, when known (an array) */
  readonly size: number | undefined;
  /** the epoch's chunks, starting after `skip` examples (a multiple of the chunk size) */
  chunks(skip: number): AsyncGenerator<E[]>;
}

export function arraySource<E>(examples: E[]): ExampleSource<E> {
  return {
    size: examples.length,
    async *chunks(skip: number) {
      if (skip < examples.length) yield skip === 0 ? examples : examples.slice(skip);
    },
  };
}

/** Chunks of an async iterable, checked as they arrive; `where` names the argument in errors. */
export function streamSource<E>(model: Model<E>, iterable: AsyncIterable<unknown>, chunkSize: number, where: string): ExampleSource<E> {
  return {
    size: undefined,
    async *chunks(skip: number) {
      let index = 0;
      let chunk: E[] = [];
      for await (const raw of iterable) {
        if (index++ < skip) continue;
        chunk.push(checkOne(model, raw, index - 1, where));
        if (chunk.length === chunkSize) {
          yield chunk;
          chunk = [];
        }
      }
      if (chunk.length > 0) yield chunk;
      if (index === 0) {
        throw new RangeError(
          `${where}: the async iterable yielded no examples; for more than one epoch (or validation every epoch) pass an iterable whose [Symbol.asyncIterator]() starts over, not a generator object`,
        );
      }
    },
  };
}
