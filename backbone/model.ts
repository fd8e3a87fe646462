/**
 * The contract every CTR model implements, and the shape of a backbone's registry entry.
 *
 * @module
 */
import type { BatchView, InputLayer } from "./input_layer.ts";
import type { ParamStore } from "./param.ts";
import type { ResolvedModelConfig } from "./registry.ts";
import type { BaseModelConfig, Floats, ForwardMode, ResolvedBaseConfig } from "./types.ts";

/**
 * A trainable CTR model: logits for a batch, and gradients into its parameter store.
 *
 * @example
 * ```ts
 * import type { CtrModel } from "./model.ts";
 * function parameterCount(m: CtrModel): number {
 *   return m.store.count();
 * }
 * ```
 */
export interface CtrModel {
  /** The backbone's name in the registry (`din`, `dcnv2`, ...). */
  readonly name: string;
  /** The configuration with every default filled in. */
  readonly config: ResolvedModelConfig;
  /** Every parameter and state tensor of the model. */
  readonly store: ParamStore;
  /** The embedding and knowledge-adaptor layer every backbone starts with. */
  readonly input: InputLayer;
  /**
   * Logits for the batch (own buffer, first `batch.size` valid). `mode` says how layers with batch
   * statistics behave (see {@link ForwardMode}); `backward` needs a `train` forward.
   */
  forward(batch: BatchView, mode: ForwardMode): Floats;
  /**
   * Accumulates parameter gradients from dL/dlogit of the last (`train`) forward batch. `share` is
   * this batch's part of the whole step's batch (a data-parallel shard's size over the step's), for
   * a loss term of the model's own that averages over its batch (DIEN's auxiliary loss).
   */
  backward(dLogits: Floats, n: number, share?: number): void;
}

/**
 * One backbone as the registry holds it: the defaults of its own options, how it checks and fills
 * them in, and how it is built. `O` is the backbone's own options, all optional; the shared ones
 * (sizes, embedding, MLP, knowledge, seed) are resolved before `resolve` sees them.
 *
 * @example
 * ```ts
 * import type { Backbone } from "./model.ts";
 * import { positiveInt } from "./config.ts";
 * import { DeepFm } from "./models/deepfm.ts";
 * interface WideOptions { width?: number }
 * // DeepFM with a wider embedding by default (a backbone of its own would build its own model).
 * const wide: Backbone<WideOptions> = {
 *   defaults: { width: 64 },
 *   resolve: (config, shared) => ({
 *     ...shared,
 *     width: positiveInt(config.width ?? 64, "width"),
 *     embedDim: config.embedDim ?? config.width ?? 64,
 *   }),
 *   create: (config) => new DeepFm(config),
 * };
 * console.log(wide.defaults.width); // 64
 * ```
 */
export interface Backbone<O extends object = Record<never, never>> {
  /** The default of each of the backbone's own options. */
  readonly defaults: Readonly<Required<O>>;
  /**
   * Raised when a change alters the backbone's results, so that results cached under the old
   * code (the eval's finished trainings) are not taken for the new.
   *
   * @default 1
   */
  readonly version?: number;
  /**
   * Checks the backbone's own options in `config` and returns `shared` (the resolved shared
   * options) with them added, defaults filled in. Throws a `RangeError` naming the field.
   */
  resolve(
    config: BaseModelConfig & O,
    shared: ResolvedBaseConfig,
  ): ResolvedBaseConfig & Required<O>;
  /** Builds the model from a configuration `resolve` returned. */
  create(config: ResolvedBaseConfig & Required<O>): CtrModel;
}
