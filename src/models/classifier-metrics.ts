/**
 * The classifier's evaluation: per-batch sums (added across batches by fit's evaluate) and the metrics
 * made from them at the end, as scikit-learn defines them.
 *
 * Single-label sums: `loss` (summed cross-entropy), `count` (examples) and the confusion matrix, sparse,
 * as keys `cm:<true>:<predicted>`. Metrics:
 *   loss      mean cross-entropy
 *   accuracy  correct / examples
 *   macroF1   the mean over classes of 2TP / (2TP + FP + FN), over the classes that occur as a label or a
 *             prediction (sklearn's f1_score(average='macro') without `labels`)
 *   mcc       Matthews correlation; for K classes Gorodkin's R_K (sklearn's matthews_corrcoef):
 *             (c·s − Σ p_k t_k) / √((s² − Σ p_k²)(s² − Σ t_k²)), 0 when a factor is 0 — which for two
 *             classes is (TP·TN − FP·FN) / √((TP+FP)(TP+FN)(TN+FP)(TN+FN))
 *
 * Multi-label (a class applies when its logit is > 0, i.e. sigmoid > 0.5) sums: `loss` (summed binary
 * cross-entropy) and `count` (examples × classes, the terms it averages over), `examples`, `exact`, `tp`,
 * `fp`, `fn`. Metrics: loss (mean per class and example, as PyTorch's BCEWithLogitsLoss), accuracy
 * (exact match: every class right, sklearn's subset accuracy) and microF1 = 2TP / (2TP + FP + FN).
 */
import type { MetricSums } from '../train/trainable.js';
import type { FloatArray } from '../tensor.js';

/** Confusion-matrix sums of one batch: logits [B, C] row-major, targets [B]. */
export function singleLabelSums(logits: FloatArray, targets: Int32Array, C: number): MetricSums {
  const sums: MetricSums = {};
  for (let b = 0; b < targets.length; b++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (logits[b * C + c] > logits[b * C + best]) best = c;
    const key = `cm:${targets[b]}:${best}`;
    sums[key] = (sums[key] ?? 0) + 1;
  }
  return sums;
}

/** Exact-match and micro-F1 sums of one batch: logits and multi-hot targets [B, C]. */
export function multiLabelSums(logits: FloatArray, multiHot: FloatArray, C: number): MetricSums {
  const B = logits.length / C;
  let exact = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let b = 0; b < B; b++) {
    let allRight = true;
    for (let c = 0; c < C; c++) {
      const predicted = logits[b * C + c] > 0;
      const actual = multiHot[b * C + c] === 1;
      if (predicted && actual) tp++;
      else if (predicted) fp++;
      else if (actual) fn++;
      if (predicted !== actual) allRight = false;
    }
    if (allRight) exact++;
  }
  return { examples: B, exact, tp, fp, fn };
}

export function singleLabelMetrics(sums: MetricSums): Record<string, number> {
  const count = sums.count ?? 0;
  const predicted = new Map<number, number>();
  const actual = new Map<number, number>();
  const hits = new Map<number, number>();
  let correct = 0;
  for (const [key, n] of Object.entries(sums)) {
    if (!key.startsWith('cm:')) continue;
    const [, t, p] = key.split(':').map(Number);
    actual.set(t, (actual.get(t) ?? 0) + n);
    predicted.set(p, (predicted.get(p) ?? 0) + n);
    if (t === p) {
      hits.set(t, (hits.get(t) ?? 0) + n);
      correct += n;
    }
  }
  const classes = new Set([...actual.keys(), ...predicted.keys()]);
  let f1Sum = 0;
  for (const k of classes) {
    const tp = hits.get(k) ?? 0;
    const denominator = (predicted.get(k) ?? 0) + (actual.get(k) ?? 0); // 2TP + FP + FN
    f1Sum += denominator > 0 ? (2 * tp) / denominator : 0;
  }
  const s = [...actual.values()].reduce((a, b) => a + b, 0);
  let pt = 0;
  let pp = 0;
  let tt = 0;
  for (const k of classes) {
    const p = predicted.get(k) ?? 0;
    const t = actual.get(k) ?? 0;
    pt += p * t;
    pp += p * p;
    tt += t * t;
  }
  const denominator = Math.sqrt(s * s - pp) * Math.sqrt(s * s - tt);
  return {
    loss: count > 0 ? (sums.loss ?? 0) / count : NaN,
    accuracy: s > 0 ? correct / s : NaN,
    macroF1: classes.size > 0 ? f1Sum / classes.size : NaN,
    mcc: denominator > 0 ? (correct * s - pt) / denominator : 0,
  };
}

export function multiLabelMetrics(sums: MetricSums): Record<string, number> {
  const { count = 0, loss = 0, examples = 0, exact = 0, tp = 0, fp = 0, fn = 0 } = sums;
  const denominator = 2 * tp + fp + fn;
  return {
    loss: count > 0 ? loss / count : NaN,
    accuracy: examples > 0 ? exact / examples : NaN,
    microF1: denominator > 0 ? (2 * tp) / denominator : 0,
  };
}
