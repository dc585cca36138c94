/**
 * The one contract between models and the training loop (src/train/fit.ts): every model — classifier,
 * tagger, language model, seq2seq — implements it, so there is one fit loop, one checkpoint format and one
 * progress display for all of them.
 *
 * Examples are plain objects (`{ ids, label }`, `{ ids, tags }`, `{ ids, condition? }`, `{ source, target }`)
 * with ids as number[] or Int32Array. The model checks them, pads them into batches and computes its loss;
 * fit only orders, groups, times and steps.
 *
 * Losses: trainBatch computes the MEAN loss over the batch's loss terms (examples, or non-padding tokens)
 * and backpropagates that mean, as PyTorch's default reduction does; it returns the mean and the number of
 * terms so fit can report an exact epoch mean (Σ mean·count / Σ count).
 */
import type { Module } from '../layers/module.js';

/** Sums that evaluation accumulates over batches (by key, added) and turns into metrics at the end. */
export type MetricSums = Record<string, number>;

export interface TrainableModel<Example = unknown, Batch = unknown> extends Module {
  /** The model kind written to config.json: 'classifier' | 'tagger' | 'language-model' | 'seq2seq'. */
  readonly kind: string;

  /** Checks one example (TypeError/RangeError naming `examples[index]` and the field) and normalises it. */
  checkExample(example: unknown, index: number): Example;

  /** The length fit groups examples by (bucketing: each batch pads little). */
  exampleLength(example: Example): number;

  /** Pads a group of checked examples into one batch (lengths, masks — whatever the model needs). */
  collate(examples: Example[]): Batch;

  /**
   * One training step's forward and backward on a batch, in training mode: the mean loss is backpropagated
   * and parameter gradients accumulate (fit zeroes them before, clips and steps after). Async so the
   * native engine's kernels run off the event loop.
   */
  trainBatch(batch: Batch): Promise<{ loss: number; count: number }>;

  /** Evaluation sums for a batch in eval mode (at least `loss` — summed, not averaged — and `count`). */
  evaluateBatch(batch: Batch): Promise<MetricSums>;

  /** Metrics from summed MetricSums: at least `loss` (the mean); e.g. accuracy, f1, tokenAccuracy. */
  metrics(sums: MetricSums): Record<string, number>;

  /** Optional: batches must keep their order and must not be shuffled (stateful training, TBPTT). */
  readonly ordered?: boolean;

  /** Optional: called at the start of every epoch (e.g. a stateful language model resets its state). */
  onEpochStart?(): void;

  /** JSON-serialisable constructor options, enough to rebuild the model with `loadModel` (io/model-dir.ts). */
  config(): Record<string, unknown>;
}

/** Adds one batch's sums into a running total. */
export function addSums(total: MetricSums, sums: MetricSums): void {
  for (const [k, v] of Object.entries(sums)) total[k] = (total[k] ?? 0) + v;
}
