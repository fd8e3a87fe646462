/**
 * One entry point for every backbone: `createModel(name, config)`.
 *
 * @module
 */
import { type CtrModel, resolveConfig } from "./model.ts";
import { AutoInt } from "./models/autoint.ts";
import { Dcn } from "./models/dcn.ts";
import { DeepFm } from "./models/deepfm.ts";
import { Din } from "./models/din.ts";
import type { ModelConfig, ModelName } from "./types.ts";

/**
 * Builds a model from a plain JSON configuration (defaults filled in, see `resolveConfig`).
 * Equal configs (seed included) give bit-identical initial weights.
 *
 * @example
 * ```ts
 * import { createModel } from "./create_model.ts";
 * const model = createModel("din", {
 *   items: 3707, attributes: 19, attrFields: 1, historyLength: 5, ratingValues: 6,
 *   embedDim: 32, mlp: [200, 80], seed: 1234,
 * });
 * ```
 */
export function createModel(name: ModelName, config: ModelConfig): CtrModel {
  const resolved = resolveConfig(name, config);
  switch (name) {
    case "din":
      return new Din(resolved);
    case "dcn":
    case "dcnv2":
      return new Dcn(name, resolved);
    case "deepfm":
      return new DeepFm(resolved);
    case "autoint":
      return new AutoInt(resolved);
  }
}
