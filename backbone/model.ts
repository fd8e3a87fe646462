/**
 * The contract every CTR model implements, and the checked defaults of a model configuration.
 *
 * @module
 */
import type { BatchView, InputLayer } from "./input_layer.ts";
import type { ParamStore } from "./param.ts";
import {
  type Floats,
  type ForwardMode,
  MODEL_NAMES,
  type ModelConfig,
  type ModelName,
} from "./types.ts";

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
  readonly name: ModelName;
  /** The configuration with every default filled in. */
  readonly config: ModelConfig;
  readonly store: ParamStore;
  readonly input: InputLayer;
  /**
   * Logits for the batch (own buffer, first `batch.size` valid). `mode` says how layers with batch
   * statistics behave (see {@link ForwardMode}); `backward` needs a `train` forward.
   */
  forward(batch: BatchView, mode: ForwardMode): Floats;
  /** Accumulates parameter gradients from dL/dlogit of the last (`train`) forward batch. */
  backward(dLogits: Floats, n: number): void;
}

function positiveInt(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`model config: ${field} must be a positive integer, got ${value}`);
  }
  return value;
}

function widths(value: unknown, field: string): number[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new RangeError(`model config: ${field} must be a non-empty array of widths`);
  }
  return value.map((v, i) => positiveInt(v, `${field}[${i}]`));
}

/**
 * Checks a configuration and fills in the defaults (METHOD.md §7): attention MLP [32, 16],
 * 3 cross layers, AutoInt 3 layers × 1 head × 64, HEA 2 shared + 6 specific experts of [128, 32].
 *
 * @example
 * ```ts
 * import { resolveConfig } from "./model.ts";
 * const c = resolveConfig("din", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6,
 *   embedDim: 32, mlp: [200, 80], seed: 1,
 * });
 * console.log(c.attentionMlp); // [32, 16]
 * ```
 */
export function resolveConfig(name: ModelName, config: ModelConfig): ModelConfig {
  if (!MODEL_NAMES.includes(name)) {
    throw new RangeError(`unknown model "${name}"; expected one of ${MODEL_NAMES.join(", ")}`);
  }
  if (typeof config !== "object" || config === null) {
    throw new TypeError("model config must be an object");
  }
  const out: ModelConfig = {
    items: positiveInt(config.items, "items"),
    attributes: positiveInt(config.attributes, "attributes"),
    attrFields: positiveInt(config.attrFields, "attrFields"),
    historyLength: positiveInt(config.historyLength, "historyLength"),
    ratingValues: positiveInt(config.ratingValues, "ratingValues"),
    embedDim: positiveInt(config.embedDim ?? 32, "embedDim"),
    mlp: widths(config.mlp ?? [200, 80], "mlp"),
    seed: Number.isFinite(config.seed) ? config.seed : 1234,
    dtype: config.dtype ?? "float32",
  };
  if (out.dtype !== "float32" && out.dtype !== "float64") {
    throw new RangeError(`model config: dtype must be float32 or float64, got ${out.dtype}`);
  }
  if (config.knowledge) {
    const k = config.knowledge;
    if (k.adaptor !== "hea" && k.adaptor !== "mlp") {
      throw new RangeError(
        `model config: knowledge.adaptor must be "hea" or "mlp", got ${k.adaptor}`,
      );
    }
    out.knowledge = {
      userDim: positiveInt(k.userDim, "knowledge.userDim"),
      itemDim: positiveInt(k.itemDim, "knowledge.itemDim"),
      adaptor: k.adaptor,
      sharedExperts: k.adaptor === "hea"
        ? nonNegativeInt(k.sharedExperts ?? 2, "knowledge.sharedExperts")
        : 0,
      specificExperts: k.adaptor === "hea"
        ? nonNegativeInt(k.specificExperts ?? 6, "knowledge.specificExperts")
        : 0,
      expertArch: widths(k.expertArch ?? [128, 32], "knowledge.expertArch"),
    };
    if (
      out.knowledge.adaptor === "hea" &&
      out.knowledge.sharedExperts + out.knowledge.specificExperts === 0
    ) {
      throw new RangeError("model config: HEA needs at least one expert");
    }
  }
  if (name === "din") {
    out.attentionMlp = widths(config.attentionMlp ?? [32, 16], "attentionMlp");
    const m = config.diceMomentum ?? 0.1;
    if (typeof m !== "number" || !(m > 0 && m <= 1)) {
      throw new RangeError(`model config: diceMomentum must be in (0, 1], got ${m}`);
    }
    out.diceMomentum = m;
  }
  if (name === "dcn" || name === "dcnv2") {
    out.crossLayers = positiveInt(config.crossLayers ?? 3, "crossLayers");
  }
  if (name === "dcn") out.dcnReferenceBug = config.dcnReferenceBug ?? false;
  if (name === "autoint") {
    out.attentionLayers = positiveInt(config.attentionLayers ?? 3, "attentionLayers");
    out.attentionHeads = positiveInt(config.attentionHeads ?? 1, "attentionHeads");
    out.attentionSize = positiveInt(config.attentionSize ?? 64, "attentionSize");
    const arch = out.knowledge?.expertArch;
    if (arch && arch[arch.length - 1] !== out.embedDim) {
      throw new RangeError(
        `model config: autoint reshapes x0 into ${out.embedDim}-wide fields, so ` +
          `knowledge.expertArch must end in embedDim (${out.embedDim}), got ${arch.at(-1)}`,
      );
    }
  }
  return out;
}

function nonNegativeInt(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`model config: ${field} must be a non-negative integer, got ${value}`);
  }
  return value;
}
