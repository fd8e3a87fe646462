/**
 * Reads table sizes from a prepared dataset, so a model fits its vocabularies.
 *
 * @module
 */
import type { CtrDataset } from "../datasets/types.ts";
import type { ModelConfig } from "./types.ts";

/**
 * A model configuration sized for `dataset` (items, attributes, fields, history window and
 * rating rows), with the reference defaults (embedding 32, MLP [200, 80], seed 1234) unless
 * `overrides` says otherwise.
 *
 * @example
 * ```ts
 * import type { CtrDataset } from "../datasets/types.ts";
 * import { modelConfigFor } from "./dataset_config.ts";
 * import { createModel } from "./create_model.ts";
 * function dinFor(dataset: CtrDataset) {
 *   return createModel("din", modelConfigFor(dataset, { seed: 1 }));
 * }
 * ```
 */
export function modelConfigFor(
  dataset: CtrDataset,
  overrides: Partial<ModelConfig> = {},
): ModelConfig {
  return {
    items: dataset.items.raw.length,
    attributes: dataset.attributes.raw.length,
    attrFields: dataset.attrFields,
    historyLength: dataset.historyLength,
    ratingValues: dataset.domain.ratingScale[1] + 1,
    embedDim: 32,
    mlp: [200, 80],
    seed: 1234,
    ...overrides,
  };
}
