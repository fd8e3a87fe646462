/**
 * Reads table sizes from a prepared dataset, so a model fits its vocabularies.
 *
 * @module
 */
import type { CtrDataset } from "../datasets/types.ts";
import type { ModelConfig } from "./registry.ts";

/**
 * A model configuration sized for `dataset` (items, attributes, fields, history window and
 * rating rows) plus `overrides`; every option left out takes its default when the model is built
 * (embedding 32, MLP [200, 80], seed 1234, ...: see `resolveConfig`).
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
    ...overrides,
  };
}
