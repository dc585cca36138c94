/**
 * Seq2Seq's evaluation metrics over greedy decodes:
 *   exactMatch      the fraction of examples whose decode equals the target exactly
 *   tokenErrorRate  the mean over examples of editDistance(decode, target) / max(1, |target|)
 *                   (Levenshtein: insertions, deletions and substitutions cost 1; an empty target counts
 *                   each generated token as one error)
 */
import type { MetricSums } from '../train/trainable.js';

/** Levenshtein distance between two id sequences (two rows of the table, O(|a|·|b|) time). */
export function editDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** Sums for a batch: exactMatch and tokenErrorRate summed over examples, and the number of examples. */
export function decodeSums(hypotheses: ArrayLike<number>[], targets: ArrayLike<number>[]): MetricSums {
  let exact = 0;
  let ter = 0;
  hypotheses.forEach((h, i) => {
    const d = editDistance(h, targets[i]);
    if (d === 0 && h.length === targets[i].length) exact++;
    ter += d / Math.max(1, targets[i].length);
  });
  return { exactMatch: exact, tokenErrorRate: ter, examples: hypotheses.length };
}

/** loss (mean over target tokens), exactMatch and tokenErrorRate (means over examples) from summed sums. */
export function seq2seqMetrics(sums: MetricSums): Record<string, number> {
  const count = sums.count ?? 0;
  const n = sums.examples ?? 0;
  const out: Record<string, number> = { loss: count > 0 ? (sums.loss ?? 0) / count : 0 };
  if (n > 0) {
    out.exactMatch = (sums.exactMatch ?? 0) / n;
    out.tokenErrorRate = (sums.tokenErrorRate ?? 0) / n;
  }
  return out;
}
