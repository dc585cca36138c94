/**
 * Token-level evaluation for a sequence tagger: sums that add up over batches, and the metrics they give.
 *
 * Sums (MetricSums, added key by key across batches):
 *   loss      cross-entropy summed over real tokens          count    real tokens
 *   correct   tokens whose arg-max tag is the gold tag
 *   tp:<k>    tokens predicted k whose gold tag is k         fp:<k>   predicted k, gold another tag
 *   fn:<k>    gold k, predicted another tag                  (zero entries are left out)
 *
 * Metrics: loss (mean per token), tokenAccuracy, per-tag f1 as `f1:<k>` = 2·tp / (2·tp + fp + fn) for every
 * tag that occurs in the gold tags or the predictions, and f1 = the macro average of those. A tag that is
 * predicted but never gold (or gold but never predicted) scores 0 and counts in the average; a tag in
 * neither is left out. Token-level, not span-level (no BIO chunking): one label per token.
 * With no tokens at all every metric is 0, as a mean over nothing is 0 in losses.ts.
 */
import type { MetricSums } from '../train/trainable.js';
import type { Tensor } from '../tensor.js';

/** The index of each row's largest logit ([N, C] → N tag ids); ties go to the lower index. */
export function argmaxRows(logits: Tensor): Int32Array {
  const [n, c] = logits.shape;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const off = r * c;
    let best = 0;
    for (let j = 1; j < c; j++) if (logits.data[off + j] > logits.data[off + best]) best = j;
    out[r] = best;
  }
  return out;
}

/**
 * Count, correct and per-tag tp/fp/fn for predictions against gold tags; positions whose gold tag is
 * `ignoreIndex` (padding) are skipped. `loss` is not included: the caller adds its own summed loss.
 */
export function tagCounts(predicted: ArrayLike<number>, gold: ArrayLike<number>, ignoreIndex: number): MetricSums {
  const sums: MetricSums = { count: 0, correct: 0 };
  const add = (key: string): void => {
    sums[key] = (sums[key] ?? 0) + 1;
  };
  for (let i = 0; i < gold.length; i++) {
    const g = gold[i];
    if (g === ignoreIndex) continue;
    const p = predicted[i];
    sums.count++;
    if (p === g) {
      sums.correct++;
      add(`tp:${g}`);
    } else {
      add(`fp:${p}`);
      add(`fn:${g}`);
    }
  }
  return sums;
}

/** Per-tag F1 for every tag with a tp, fp or fn entry, keyed by tag id (ascending). */
export function perTagF1(sums: MetricSums): Map<number, number> {
  const tags = new Set<number>();
  for (const key of Object.keys(sums)) {
    const m = /^(tp|fp|fn):(\d+)$/.exec(key);
    if (m && sums[key] > 0) tags.add(Number(m[2]));
  }
  const out = new Map<number, number>();
  for (const k of [...tags].sort((a, b) => a - b)) {
    const tp = sums[`tp:${k}`] ?? 0;
    const fp = sums[`fp:${k}`] ?? 0;
    const fn = sums[`fn:${k}`] ?? 0;
    out.set(k, (2 * tp) / (2 * tp + fp + fn));
  }
  return out;
}

/** loss (mean per token), tokenAccuracy, f1 (macro) and f1:<tag> from summed evaluation counts. */
export function taggerMetrics(sums: MetricSums): Record<string, number> {
  const count = sums.count ?? 0;
  const perTag = perTagF1(sums);
  let macro = 0;
  for (const f of perTag.values()) macro += f;
  const out: Record<string, number> = {
    loss: count > 0 ? (sums.loss ?? 0) / count : 0,
    tokenAccuracy: count > 0 ? (sums.correct ?? 0) / count : 0,
    f1: perTag.size > 0 ? macro / perTag.size : 0,
  };
  for (const [k, f] of perTag) out[`f1:${k}`] = f;
  return out;
}
