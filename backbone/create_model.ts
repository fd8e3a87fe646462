/**
 * One entry point for every backbone: `createModel(name, config)`, by name from the registry.
 *
 * @module
 */
import type { CtrModel } from "./model.ts";
import { backboneOf, type ModelConfig, resolveConfig } from "./registry.ts";

/**
 * Builds a model from a plain JSON configuration (defaults filled in, see `resolveConfig`).
 * Equal configs (seed included) give bit-identical initial weights.
 *
 * @example
 * ```ts
 * import { createModel } from "./create_model.ts";
 * const model = createModel("din", {
 *   items: 3707, attributes: 19, attrFields: 1, historyLength: 5, ratingValues: 6, seed: 1234,
 * });
 * console.log(model.config.embedDim); // 32
 * ```
 */
export function createModel(name: string, config: ModelConfig): CtrModel {
  return backboneOf(name).create(resolveConfig(name, config));
}
