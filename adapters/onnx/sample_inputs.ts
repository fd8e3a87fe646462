/**
 * Seeded random inputs that are valid for a model configuration, for checking an export without
 * the data it was trained on: every id inside its vocabulary, some history steps padded, and (with
 * knowledge) normal vectors with some rows missing.
 *
 * @module
 */
import { SeededRandom } from "../../util/random.ts";
import type { CtrInputs, KnowledgeInput, ModelConfig } from "../../backbone/types.ts";
import { emptySplit } from "../../datasets/split.ts";

/**
 * `size` samples for a model with `config`: target items in `[1, items)`, attributes in
 * `[1, attributes)`, ratings in `[1, ratingValues)`, about one history step in five padded (id 0),
 * and about one knowledge row in ten missing (row -1, a zero vector).
 *
 * @example
 * ```ts
 * import { sampleInputs } from "./sample_inputs.ts";
 * const inputs = sampleInputs({
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6,
 *   embedDim: 8, mlp: [16], seed: 1,
 * }, { size: 64, seed: 7 });
 * console.log(inputs.split.size); // 64
 * ```
 */
export function sampleInputs(
  config: ModelConfig,
  options: { size: number; seed: number },
): CtrInputs {
  const rng = new SeededRandom(options.seed), n = options.size;
  const A = config.attrFields, T = config.historyLength;
  const id = (rows: number) => (rows > 1 ? 1 + rng.int(rows - 1) : 0);
  const split = emptySplit(n, T, A);
  for (let s = 0; s < n; s++) split.item[s] = id(config.items);
  for (let s = 0; s < n * A; s++) split.attrs[s] = id(config.attributes);
  for (let s = 0; s < n * T; s++) {
    if (rng.uniform() < 0.2) continue; // padding
    split.histItem[s] = id(config.items);
    split.histRating[s] = id(config.ratingValues);
    for (let f = 0; f < A; f++) split.histAttrs[s * A + f] = id(config.attributes);
  }
  const k = config.knowledge;
  if (!k) return { split };
  const vectors = (dim: number): KnowledgeInput => ({
    dim,
    data: Float32Array.from({ length: n * dim }, () => rng.normal()),
    row: Int32Array.from({ length: n }, (_, s) => (rng.uniform() < 0.1 ? -1 : s)),
  });
  return { split, userKnowledge: vectors(k.userDim), itemKnowledge: vectors(k.itemDim) };
}
