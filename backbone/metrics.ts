/**
 * Evaluation metrics over a whole split: exact tie-aware ROC AUC and clipped LogLoss. Both are
 * strict about their input: labels must be exactly 0 or 1, scores and probabilities finite (and
 * probabilities within [0, 1]); anything else is an error naming the index and the value, since a
 * silently wrong metric (a label of 2 makes LogLoss negative; a NaN label counted as a negative)
 * is worse than none.
 *
 * @module
 */

/** Throws unless every label is exactly 0 or 1 (and there are as many as `n`). */
function checkLabels(labels: ArrayLike<number>, n: number, metric: string, what: string): void {
  if (labels.length !== n) {
    throw new RangeError(`${metric}: ${labels.length} labels but ${n} ${what}`);
  }
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) {
      throw new RangeError(`${metric}: label ${i} is ${y}; labels must be 0 or 1`);
    }
  }
}

/**
 * ROC AUC by ranking: sorts once (O(n log n)) and gives tied scores their average rank, so it
 * equals the Mann–Whitney statistic, P(score⁺ > score⁻) + ½·P(tie) (and scikit-learn's
 * `roc_auc_score`). Labels must be 0 or 1 and scores finite (any real scale: probabilities or
 * logits); throws otherwise, and when only one class is present.
 *
 * @example
 * ```ts
 * import { auc } from "./metrics.ts";
 * auc(new Float32Array([1, 0, 1]), new Float32Array([0.9, 0.1, 0.4])); // 1
 * ```
 */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = scores.length;
  checkLabels(labels, n, "auc", "scores");
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(scores[i])) {
      throw new RangeError(`auc: score ${i} is ${scores[i]}; scores must be finite numbers`);
    }
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
      if (labels[order[k]] === 1) {
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
 * Options of {@link logLoss}.
 *
 * @example
 * ```ts
 * import type { LogLossOptions } from "./metrics.ts";
 * const asBefore: LogLossOptions = { eps: 1e-7 };
 * ```
 */
export interface LogLossOptions {
  /**
   * Probabilities are clipped to `[eps, 1 − eps]` before the logarithm (LogLoss is infinite at an
   * exact 0 or 1 on the wrong side). `"auto"` is the machine epsilon of the probabilities' type,
   * as scikit-learn's `log_loss` does since 1.2 (`np.finfo(y_pred.dtype).eps`): 2⁻²³ ≈ 1.19e-7
   * for a `Float32Array` (what `predict` returns), 2⁻⁵² ≈ 2.22e-16 for anything else. A number
   * must be in [0, 0.5); 0 means no clipping.
   * @default "auto"
   */
  eps?: number | "auto";
}

const FLOAT32_EPS = 2 ** -23;
const FLOAT64_EPS = Number.EPSILON;

/**
 * Mean binary cross-entropy `−mean(y·ln p + (1 − y)·ln(1 − p))` of probabilities, each clipped
 * to `[eps, 1 − eps]` first (see {@link LogLossOptions.eps}). Labels must be 0 or 1 and
 * probabilities finite numbers in [0, 1]; throws otherwise.
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
  options: LogLossOptions = {},
): number {
  const n = probabilities.length;
  checkLabels(labels, n, "logLoss", "probabilities");
  if (n === 0) throw new RangeError("logLoss: empty input");
  const eps = options.eps === undefined || options.eps === "auto"
    ? (probabilities instanceof Float32Array ? FLOAT32_EPS : FLOAT64_EPS)
    : options.eps;
  if (typeof eps !== "number" || !(eps >= 0 && eps < 0.5)) {
    throw new RangeError(`logLoss: eps must be "auto" or a number in [0, 0.5), got ${eps}`);
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const raw = probabilities[i];
    if (!(raw >= 0 && raw <= 1)) {
      throw new RangeError(
        `logLoss: probability ${i} is ${raw}; probabilities must be finite numbers in [0, 1]`,
      );
    }
    const p = Math.min(Math.max(raw, eps), 1 - eps);
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / n;
}
