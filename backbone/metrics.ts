/**
 * Evaluation metrics over a whole split: exact tie-aware ROC AUC and clipped LogLoss.
 *
 * @module
 */

/**
 * ROC AUC by ranking: sorts once (O(n log n)) and gives tied scores their average rank, so it
 * equals the Mann–Whitney statistic (and sklearn's `roc_auc_score`). Labels are 0/1 (a label
 * > 0.5 counts as positive). Throws when only one class is present.
 *
 * @example
 * ```ts
 * import { auc } from "./metrics.ts";
 * auc(new Float32Array([1, 0, 1]), new Float32Array([0.9, 0.1, 0.4])); // 1
 * ```
 */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = labels.length;
  if (scores.length !== n) {
    throw new RangeError(`auc: ${n} labels but ${scores.length} scores`);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new RangeError(`auc: score ${i} is NaN`);
    order[i] = i;
  }
  const keys = Float64Array.from({ length: n }, (_, i) => scores[i]);
  order.sort((a, b) => keys[a] - keys[b]);
  let positives = 0, rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && keys[order[j + 1]] === keys[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]] > 0.5) {
        positives++;
        rankSum += avgRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    throw new RangeError(
      `auc: needs both classes, got ${positives} positives / ${negatives} negatives`,
    );
  }
  return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
}

/**
 * Mean binary cross-entropy of probabilities, each clipped to `[eps, 1 − eps]` first
 * (default eps 1e-7).
 *
 * @example
 * ```ts
 * import { logLoss } from "./metrics.ts";
 * logLoss(new Float32Array([1, 0]), new Float32Array([0.8, 0.3])); // ≈ 0.2899
 * ```
 */
export function logLoss(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  options: { eps?: number } = {},
): number {
  const n = labels.length;
  if (probabilities.length !== n) {
    throw new RangeError(`logLoss: ${n} labels but ${probabilities.length} probabilities`);
  }
  if (n === 0) throw new RangeError("logLoss: empty input");
  const eps = options.eps ?? 1e-7;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(Math.max(probabilities[i], eps), 1 - eps);
    const y = labels[i];
    sum -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
  }
  return sum / n;
}
