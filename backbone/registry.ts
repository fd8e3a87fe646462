/**
 * The one record of backbones: name → `{ defaults, resolve, create }` (see {@link Backbone}).
 * Each model file owns its options and their defaults; adding a backbone means writing its file
 * and adding it here (import, record entry, options type) — nothing else changes: `createModel`,
 * `resolveConfig`, safetensors loading, the eval CLI's `--backbones` and the names all follow this
 * record.
 *
 * @module
 */
import { resolveSharedConfig } from "./config.ts";
import type { Backbone } from "./model.ts";
import { autoIntBackbone, type AutoIntOptions } from "./models/autoint.ts";
import { dcnBackbone, type DcnOptions, dcnv2Backbone } from "./models/dcn.ts";
import { deepFmBackbone } from "./models/deepfm.ts";
import { dienBackbone, type DienOptions } from "./models/dien.ts";
import { dinBackbone, type DinOptions } from "./models/din.ts";
import { fiBiNetBackbone, type FiBiNetOptions } from "./models/fibinet.ts";
import { fiGnnBackbone, type FiGnnOptions } from "./models/fignn.ts";
import { gru4RecBackbone, type Gru4RecOptions } from "./models/gru4rec.ts";
import { xDeepFmBackbone, type XDeepFmOptions } from "./models/xdeepfm.ts";
import type { BaseModelConfig, ResolvedBaseConfig } from "./types.ts";

/**
 * The built-in backbones, in a stable order.
 *
 * @example
 * ```ts
 * import { BACKBONES } from "./registry.ts";
 * console.log(BACKBONES.autoint.defaults.attentionHeads); // 1
 * ```
 */
export const BACKBONES: Readonly<{
  din: Backbone<DinOptions>;
  dcn: Backbone<DcnOptions>;
  dcnv2: Backbone<Pick<DcnOptions, "crossLayers">>;
  deepfm: Backbone;
  autoint: Backbone<AutoIntOptions>;
  xdeepfm: Backbone<XDeepFmOptions>;
  fibinet: Backbone<FiBiNetOptions>;
  fignn: Backbone<FiGnnOptions>;
  gru4rec: Backbone<Gru4RecOptions>;
  dien: Backbone<DienOptions>;
}> = Object.freeze({
  din: dinBackbone,
  dcn: dcnBackbone,
  dcnv2: dcnv2Backbone,
  deepfm: deepFmBackbone,
  autoint: autoIntBackbone,
  xdeepfm: xDeepFmBackbone,
  fibinet: fiBiNetBackbone,
  fignn: fiGnnBackbone,
  gru4rec: gru4RecBackbone,
  dien: dienBackbone,
});

/**
 * The options of every built-in backbone (each optional, each owned by its model file).
 *
 * @example
 * ```ts
 * import type { BackboneOptions } from "./registry.ts";
 * const o: BackboneOptions = { crossLayers: 2, attentionHeads: 2 };
 * ```
 */
export type BackboneOptions =
  & DinOptions
  & DcnOptions
  & AutoIntOptions
  & XDeepFmOptions
  & FiBiNetOptions
  & FiGnnOptions
  & Gru4RecOptions
  & DienOptions;

/**
 * The name of a built-in backbone.
 *
 * @example
 * ```ts
 * import type { ModelName } from "./registry.ts";
 * const name: ModelName = "dcnv2";
 * ```
 */
export type ModelName = keyof typeof BACKBONES;

/**
 * Every built-in backbone name, in the record's order.
 *
 * @example
 * ```ts
 * import { MODEL_NAMES } from "./registry.ts";
 * for (const name of MODEL_NAMES) console.log(name);
 * ```
 */
export const MODEL_NAMES: readonly ModelName[] = Object.freeze(
  Object.keys(BACKBONES) as ModelName[],
);

/**
 * A model configuration as a caller writes it (plain JSON data): the table sizes are required,
 * every other option defaults (shared ones in `config.ts`, each backbone's in its model file).
 *
 * @example
 * ```ts
 * import type { ModelConfig } from "./registry.ts";
 * const c: ModelConfig = {
 *   items: 3707, attributes: 19, attrFields: 1, historyLength: 5, ratingValues: 6, seed: 1234,
 * };
 * ```
 */
export type ModelConfig = BaseModelConfig & BackboneOptions;

/**
 * A model configuration with every default filled in, as a built model holds it (the options of
 * its own backbone set, the others absent).
 *
 * @example
 * ```ts
 * import { resolveConfig, type ResolvedModelConfig } from "./registry.ts";
 * const c: ResolvedModelConfig = resolveConfig("dcn", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6,
 * });
 * console.log(c.embedDim, c.crossLayers); // 32 3
 * ```
 */
export type ResolvedModelConfig = ResolvedBaseConfig & BackboneOptions;

const registered = new Map<string, Backbone<object>>(Object.entries(BACKBONES));

/**
 * Adds a backbone under a new name, so `createModel`, `resolveConfig` and safetensors loading
 * know it. For a backbone of your own without editing this file; a built-in one belongs in
 * {@link BACKBONES}. Registration is per thread: `DataParallel` workers know only the built-ins.
 *
 * @example
 * ```ts
 * import { registerBackbone } from "./registry.ts";
 * import { deepFmBackbone } from "./models/deepfm.ts";
 * registerBackbone("deepfm-copy", deepFmBackbone);
 * ```
 */
export function registerBackbone<O extends object>(name: string, backbone: Backbone<O>): void {
  if (!/^[a-z][a-z0-9_-]*$/.test(name)) {
    throw new RangeError(
      `registerBackbone: name ${JSON.stringify(name)} must match [a-z][a-z0-9_-]*`,
    );
  }
  if (registered.has(name)) {
    throw new RangeError(`registerBackbone: a backbone named "${name}" is already registered`);
  }
  registered.set(name, backbone as unknown as Backbone<object>);
}

/**
 * Every backbone name known in this thread: the built-ins, then the registered ones.
 *
 * @example
 * ```ts
 * import { backboneNames } from "./registry.ts";
 * console.log(backboneNames().includes("din")); // true
 * ```
 */
export function backboneNames(): string[] {
  return [...registered.keys()];
}

/**
 * The registry entry of a backbone; throws a `RangeError` listing the known names otherwise.
 *
 * @example
 * ```ts
 * import { backboneOf } from "./registry.ts";
 * console.log(backboneOf("din").defaults);
 * ```
 */
export function backboneOf(name: string): Backbone<object> {
  const backbone = registered.get(name);
  if (!backbone) {
    throw new RangeError(
      `unknown model "${name}"; expected one of ${backboneNames().join(", ")}`,
    );
  }
  return backbone;
}

/**
 * Checks a configuration and fills in the defaults: the shared ones (embedding 32, MLP [200, 80],
 * seed 1234, HEA 2 shared + 6 specific experts of [128, 32]), then the backbone's own (DIN
 * attention MLP [32, 16], 3 cross layers, AutoInt 3 layers × 1 head × 64, xDeepFM CIN [50, 50], FiBiNET
 * reduction ratio 0.5 and bilinear type "all", FiGNN 2 propagation steps, GRU4Rec history GRU 64,
 * DIEN `gru` evolution).
 *
 * @example
 * ```ts
 * import { resolveConfig } from "./registry.ts";
 * const c = resolveConfig("din", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6, seed: 1,
 * });
 * console.log(c.attentionMlp); // [32, 16]
 * ```
 */
export function resolveConfig(name: string, config: ModelConfig): ResolvedModelConfig {
  const backbone = backboneOf(name);
  return backbone.resolve(config, resolveSharedConfig(config));
}
