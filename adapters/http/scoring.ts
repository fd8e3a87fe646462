/**
 * Candidate scoring: one user, a history window and N candidates become one batch of N samples in
 * the backbone's columnar layout (the same layout training used), with the user's knowledge vector
 * on every sample and each candidate's item vector (absent knowledge = row -1 = a zero vector,
 * exactly as training treated a missing entity).
 *
 * The whole candidate list is one batch, scored in `infer` mode: DIN's Dice activations use the
 * running statistics kept in training, so every backbone scores each candidate on its own and a
 * candidate's score does not depend on the other candidates in the request or on their order.
 *
 * @module
 */
import { predict } from "../../backbone/trainer.ts";
import type { CtrModel } from "../../backbone/model.ts";
import type { CtrInputs, KnowledgeInput } from "../../backbone/types.ts";
import { emptySplit } from "../../datasets/split.ts";

/**
 * What scoring reads of a bundle.
 *
 * @example
 * ```ts
 * import type { ScoringModel } from "./scoring.ts";
 * import type { ServingBundle } from "./bundle.ts";
 * function example(bundle: ServingBundle) {
 *   const scoring: ScoringModel = bundle;
 * }
 * ```
 */
export interface ScoringModel {
  /** The trained backbone. */
  model: CtrModel;
  /** Item attribute ids, `items * attrFields`. */
  itemAttrs: Int32Array;
}

/**
 * One scoring request in dense ids.
 *
 * @example
 * ```ts
 * import type { CandidateBatch } from "./scoring.ts";
 * const batch: CandidateBatch = {
 *   items: Int32Array.of(3, 4), historyItem: Int32Array.of(0, 1, 2), historyRating: Int32Array.of(0, 5, 3),
 * };
 * ```
 */
export interface CandidateBatch {
  /** Dense candidate item ids. */
  items: Int32Array;
  /** History window, `historyLength` dense items, oldest first, 0 = padding. */
  historyItem: Int32Array;
  /** Ratings of the window (0 = padding). */
  historyRating: Int32Array;
  /** The user's knowledge vector, or null for none. */
  userVector?: Float32Array | null;
  /** Each candidate's knowledge vector, or null for none (same length as `items`). */
  itemVectors?: (Float32Array | null)[];
}

/**
 * The backbone inputs of a candidate batch.
 *
 * @example
 * ```ts
 * import { candidateInputs } from "./scoring.ts";
 * import { createModel } from "../../backbone/create_model.ts";
 * const model = createModel("deepfm", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 2, ratingValues: 6,
 *   embedDim: 4, mlp: [8], seed: 1,
 * });
 * const inputs = candidateInputs({ model, itemAttrs: new Int32Array(10) }, {
 *   items: Int32Array.of(3, 4), historyItem: Int32Array.of(1, 2), historyRating: Int32Array.of(5, 2),
 * });
 * console.log(inputs.split.size); // 2
 * ```
 */
export function candidateInputs(bundle: ScoringModel, batch: CandidateBatch): CtrInputs {
  const { model, itemAttrs } = bundle;
  const A = model.config.attrFields, T = model.config.historyLength, n = batch.items.length;
  if (batch.historyItem.length !== T || batch.historyRating.length !== T) {
    throw new RangeError(`candidateInputs: history must hold ${T} items and ratings`);
  }
  const split = emptySplit(n, T, A);
  split.item = batch.items;
  split.period.fill(1);
  const histAttrs = new Int32Array(T * A);
  for (let t = 0; t < T; t++) {
    const h = batch.historyItem[t];
    for (let f = 0; f < A; f++) histAttrs[t * A + f] = itemAttrs[h * A + f];
  }
  for (let r = 0; r < n; r++) {
    const it = batch.items[r];
    for (let f = 0; f < A; f++) split.attrs[r * A + f] = itemAttrs[it * A + f];
    split.histItem.set(batch.historyItem, r * T);
    split.histRating.set(batch.historyRating, r * T);
    split.histAttrs.set(histAttrs, r * T * A);
  }
  const k = model.config.knowledge;
  if (!k) return { split };
  const user: KnowledgeInput = {
    dim: k.userDim,
    data: batch.userVector ?? new Float32Array(0),
    row: new Int32Array(n).fill(batch.userVector ? 0 : -1),
  };
  const vectors = batch.itemVectors ?? [];
  let rows = 0;
  for (const v of vectors) if (v) rows++;
  const data = new Float32Array(rows * k.itemDim), row = new Int32Array(n).fill(-1);
  rows = 0;
  for (let r = 0; r < n; r++) {
    const v = vectors[r];
    if (!v) continue;
    data.set(v, rows * k.itemDim);
    row[r] = rows++;
  }
  return { split, userKnowledge: user, itemKnowledge: { dim: k.itemDim, data, row } };
}

/**
 * Click probabilities of the candidates, in order (one backbone batch).
 *
 * @example
 * ```ts
 * import { scoreCandidates } from "./scoring.ts";
 * import { createModel } from "../../backbone/create_model.ts";
 * const model = createModel("dcn", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 2, ratingValues: 6,
 *   embedDim: 4, mlp: [8], seed: 1,
 * });
 * const p = scoreCandidates({ model, itemAttrs: new Int32Array(10) }, {
 *   items: Int32Array.of(3, 4), historyItem: Int32Array.of(1, 2), historyRating: Int32Array.of(5, 2),
 * });
 * ```
 */
export function scoreCandidates(bundle: ScoringModel, batch: CandidateBatch): Float32Array {
  const inputs = candidateInputs(bundle, batch);
  return predict(bundle.model, inputs, { batchSize: Math.max(1, batch.items.length) });
}
