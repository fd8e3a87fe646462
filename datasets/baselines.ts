/**
 * Non-neural baselines and the statistics-control features, computed only from training-period
 * data: a global prior, smoothed user and item positive rates, and their naive-Bayes logit sum.
 *
 * Definitions (issue "eval controls"): prior p = positive rate of the training targets; user rate =
 * (likes + m p) / (n + m) over the user's positions 0..s; item rate = (likes + m p) / (count + m)
 * over the item's training targets (p for unseen items); naive Bayes =
 * sigmoid(logit(user) + logit(item) - logit(p)); m = 10.
 *
 * @module
 */
import type { CtrDataset, SampleSplit } from "./types.ts";

/** Options of {@linkcode fitRateBaselines}. */
export interface RateBaselineOptions {
  /** Smoothing strength m (pseudo-count towards the prior), default 10. */
  smoothing?: number;
}

/** Fitted training-period counts behind the baselines. */
export interface RateBaselines {
  /** Positive rate of the training targets. */
  prior: number;
  /** Smoothing strength m. */
  smoothing: number;
  /** Per dense user index: training-period interactions (positions 0..s) and likes among them. */
  userCount: Int32Array;
  /** Likes among `userCount`, per dense user index. */
  userLikes: Int32Array;
  /** Per dense item index: training targets and likes among them. */
  itemCount: Int32Array;
  /** Likes among `itemCount`, per dense item index. */
  itemLikes: Int32Array;
  /** The split whose targets the item counts come from (`dataset.train`). */
  itemTargets: SampleSplit;
}

/**
 * Counts what the baselines need from the training period only: `dataset.trainPeriod` (users) and
 * `dataset.train` (items, prior). Validation and test targets are never read.
 *
 * @example
 * ```ts
 * import { fitRateBaselines } from "./baselines.ts";
 * import { prepareDataset } from "./prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 40, items: 60 } });
 * const b = fitRateBaselines(dataset);
 * console.assert(b.prior > 0 && b.prior < 1);
 * ```
 */
export function fitRateBaselines(d: CtrDataset, options: RateBaselineOptions = {}): RateBaselines {
  const threshold = d.domain.likeThreshold;
  const userCount = new Int32Array(d.users.raw.length);
  const userLikes = new Int32Array(d.users.raw.length);
  const itemCount = new Int32Array(d.items.raw.length);
  const itemLikes = new Int32Array(d.items.raw.length);
  const tp = d.trainPeriod;
  for (let r = 0; r < tp.size; r++) {
    userCount[tp.user[r]]++;
    if (tp.rating[r] > threshold) userLikes[tp.user[r]]++;
  }
  let likes = 0;
  for (let r = 0; r < d.train.size; r++) {
    itemCount[d.train.item[r]]++;
    if (d.train.label[r] > 0) {
      itemLikes[d.train.item[r]]++;
      likes++;
    }
  }
  return {
    prior: d.train.size ? likes / d.train.size : 0.5,
    smoothing: options.smoothing ?? 10,
    userCount,
    userLikes,
    itemCount,
    itemLikes,
    itemTargets: d.train,
  };
}

const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Scores of the three non-neural baselines on a split. */
export interface BaselineScores {
  /** The user's smoothed training-period positive rate, per sample. */
  userRate: Float32Array;
  /** The item's smoothed positive rate over training targets, per sample. */
  itemRate: Float32Array;
  /** sigmoid(logit(user rate) + logit(item rate) - logit(prior)), per sample. */
  naiveBayes: Float32Array;
}

/**
 * Scores a split (meant for validation or test) with the user-rate, item-rate and naive-Bayes
 * baselines, from training-period counts.
 *
 * @example
 * ```ts
 * import { baselineScores, fitRateBaselines } from "./baselines.ts";
 * import { prepareDataset } from "./prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 40, items: 60 } });
 * const scores = baselineScores(fitRateBaselines(dataset), dataset.test);
 * console.assert(scores.naiveBayes.length === dataset.test.size);
 * ```
 */
export function baselineScores(
  b: RateBaselines,
  split: SampleSplit,
): BaselineScores {
  const n = split.size, m = b.smoothing, p = b.prior;
  const userRate = new Float32Array(n), itemRate = new Float32Array(n);
  const naiveBayes = new Float32Array(n);
  const lp = logit(p);
  for (let r = 0; r < n; r++) {
    const u = split.user[r], i = split.item[r];
    const ur = (b.userLikes[u] + m * p) / (b.userCount[u] + m);
    const ir = (b.itemLikes[i] + m * p) / (b.itemCount[i] + m);
    userRate[r] = ur;
    itemRate[r] = ir;
    naiveBayes[r] = sigmoid(logit(ur) + logit(ir) - lp);
  }
  return { userRate, itemRate, naiveBayes };
}

/** Per-sample dense features of the statistics control, in the backbone's knowledge-input shape. */
export interface StatisticsFeatures {
  /** `[user rate, log1p(user count) / 5]` per sample (`row[s] = s`). */
  user: { dim: number; data: Float32Array; row: Int32Array };
  /** `[item rate, log1p(item count) / 5]` per sample. */
  item: { dim: number; data: Float32Array; row: Int32Array };
}

/**
 * The statistics-control features of a split: smoothed training-period positive rates and counts of
 * the sample's user and item. Training and validation targets (period 0) use leave-one-out counts,
 * so no sample sees its own label; test targets use the full training-period counts.
 *
 * @example
 * ```ts
 * import { fitRateBaselines, statisticsFeatures } from "./baselines.ts";
 * import { prepareDataset } from "./prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 40, items: 60 } });
 * const f = statisticsFeatures(fitRateBaselines(dataset), dataset.train);
 * console.assert(f.user.dim === 2);
 * ```
 */
export function statisticsFeatures(b: RateBaselines, split: SampleSplit): StatisticsFeatures {
  const n = split.size, m = b.smoothing, p = b.prior;
  const user = new Float32Array(n * 2), item = new Float32Array(n * 2);
  const row = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    row[r] = r;
    const u = split.user[r], i = split.item[r];
    // A training target is itself counted in its user's positions 0..s; the item counts only
    // training-split targets, so validation targets are not in them.
    const ownUser = split.period[r] === 0 ? 1 : 0;
    const ownItem = split === b.itemTargets ? 1 : 0;
    const uc = b.userCount[u] - ownUser, ul = b.userLikes[u] - ownUser * split.label[r];
    const ic = b.itemCount[i] - ownItem, il = b.itemLikes[i] - ownItem * split.label[r];
    user[2 * r] = (ul + m * p) / (uc + m);
    user[2 * r + 1] = Math.log1p(uc) / 5;
    item[2 * r] = (il + m * p) / (ic + m);
    item[2 * r + 1] = Math.log1p(ic) / 5;
  }
  return { user: { dim: 2, data: user, row }, item: { dim: 2, data: item, row } };
}
