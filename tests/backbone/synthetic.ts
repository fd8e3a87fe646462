/**
 * Synthetic CTR samples for the backbone tests: a planted signal (item quality, attribute
 * affinity with the history, and the history's mean rating) so that training must lift AUC.
 *
 * @module
 */
import { emptySplit } from "../../datasets/split.ts";
import type { SampleSplit } from "../../datasets/types.ts";
import { SeededRandom } from "../../util/random.ts";
import type { CtrInputs, KnowledgeInput, ModelConfig } from "../../backbone/types.ts";

/** Shape of a synthetic dataset. */
export interface SyntheticShape {
  items: number;
  attributes: number;
  attrFields: number;
  historyLength: number;
  ratingMax: number;
}

/** A small default shape. */
export const SMALL: SyntheticShape = {
  items: 40,
  attributes: 7,
  attrFields: 2,
  historyLength: 3,
  ratingMax: 5,
};

/**
 * Samples with labels drawn from a logistic model of item quality, attribute match between the
 * target and the history, and the history's mean rating.
 *
 * @example
 * ```ts
 * import { SMALL, syntheticSplit } from "./synthetic.ts";
 * const split = syntheticSplit(SMALL, { size: 100, seed: 1 });
 * ```
 */
export function syntheticSplit(
  shape: SyntheticShape,
  options: { size: number; seed: number },
): SampleSplit {
  const { items, attributes, attrFields: A, historyLength: T, ratingMax } = shape;
  const n = options.size;
  // World parameters come from a fixed seed so train and test share them.
  const world = new SeededRandom(777);
  const quality = Float64Array.from({ length: items }, () => world.normal());
  const itemAttr = Int32Array.from(
    { length: items * A },
    (_, i) => 1 + ((i * 7 + Math.floor(i / A) * 3) % (attributes - 1)),
  );
  const rng = new SeededRandom(options.seed);
  const s = emptySplit(n, T, A);
  for (let r = 0; r < n; r++) {
    s.user[r] = 1 + rng.int(50);
    s.position[r] = 11 + rng.int(20);
    const it = 1 + rng.int(items - 1);
    s.item[r] = it;
    for (let f = 0; f < A; f++) s.attrs[r * A + f] = itemAttr[it * A + f];
    let match = 0, ratingSum = 0;
    for (let t = 0; t < T; t++) {
      const h = 1 + rng.int(items - 1);
      s.histItem[r * T + t] = h;
      for (let f = 0; f < A; f++) {
        const a = itemAttr[h * A + f];
        s.histAttrs[(r * T + t) * A + f] = a;
        if (a === s.attrs[r * A + f]) match++;
      }
      const rt = 1 + rng.int(ratingMax);
      s.histRating[r * T + t] = rt;
      ratingSum += rt;
    }
    const z = 1.5 * quality[it] + 0.8 * match + 0.6 * (ratingSum / T - (ratingMax + 1) / 2);
    const y = rng.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    s.label[r] = y;
    s.rating[r] = y ? 4 : 2;
  }
  return s;
}

/**
 * Knowledge vectors per user (`userDim`) and per item (`itemDim`) that carry part of the
 * planted signal; about one sample in ten has no knowledge (row -1).
 *
 * @example
 * ```ts
 * import { SMALL, syntheticKnowledge, syntheticSplit } from "./synthetic.ts";
 * const split = syntheticSplit(SMALL, { size: 50, seed: 1 });
 * const k = syntheticKnowledge(split, SMALL, { userDim: 6, itemDim: 6, seed: 2 });
 * ```
 */
export function syntheticKnowledge(
  split: SampleSplit,
  shape: SyntheticShape,
  options: { userDim: number; itemDim: number; seed: number },
): { userKnowledge: KnowledgeInput; itemKnowledge: KnowledgeInput } {
  const rng = new SeededRandom(options.seed);
  const users = 51;
  const userData = Float32Array.from({ length: users * options.userDim }, () => rng.normal());
  const itemData = Float32Array.from({ length: shape.items * options.itemDim }, () => rng.normal());
  const userRow = new Int32Array(split.size), itemRow = new Int32Array(split.size);
  for (let r = 0; r < split.size; r++) {
    userRow[r] = rng.uniform() < 0.1 ? -1 : split.user[r];
    itemRow[r] = rng.uniform() < 0.1 ? -1 : split.item[r];
  }
  return {
    userKnowledge: { dim: options.userDim, data: userData, row: userRow },
    itemKnowledge: { dim: options.itemDim, data: itemData, row: itemRow },
  };
}

/** Inputs with or without knowledge. */
export function syntheticInputs(
  shape: SyntheticShape,
  options: { size: number; seed: number; knowledge?: { userDim: number; itemDim: number } },
): CtrInputs {
  const split = syntheticSplit(shape, options);
  if (!options.knowledge) return { split };
  return {
    split,
    ...syntheticKnowledge(split, shape, { ...options.knowledge, seed: options.seed + 1 }),
  };
}

/** A model config for the shape with small widths. */
export function smallConfig(shape: SyntheticShape, extra: Partial<ModelConfig> = {}): ModelConfig {
  return {
    items: shape.items,
    attributes: shape.attributes,
    attrFields: shape.attrFields,
    historyLength: shape.historyLength,
    ratingValues: shape.ratingMax + 1,
    embedDim: 4,
    mlp: [6, 5],
    seed: 3,
    ...extra,
  };
}
