/**
 * The options every backbone shares, their defaults (the reference's, written once here) and the
 * checks a configuration goes through. Each model file owns the defaults of its own options.
 *
 * @module
 */
import type {
  BaseModelConfig,
  KnowledgeConfig,
  ResolvedBaseConfig,
  ResolvedKnowledgeConfig,
} from "./types.ts";

/**
 * Defaults of the shared options: embedding width 32, final MLP [200, 80], seed 1234, float32.
 *
 * @example
 * ```ts
 * import { SHARED_DEFAULTS } from "./config.ts";
 * console.log(SHARED_DEFAULTS.embedDim); // 32
 * ```
 */
export const SHARED_DEFAULTS: Readonly<{
  embedDim: number;
  mlp: readonly number[];
  seed: number;
  dtype: "float32";
}> = Object.freeze({ embedDim: 32, mlp: Object.freeze([200, 80]), seed: 1234, dtype: "float32" });

/**
 * Defaults of the knowledge adaptor: HEA with 2 shared and 6 task-specific experts of [128, 32]
 * (the MLP adaptor has no experts).
 *
 * @example
 * ```ts
 * import { KNOWLEDGE_DEFAULTS } from "./config.ts";
 * console.log(KNOWLEDGE_DEFAULTS.adaptor); // "hea"
 * ```
 */
export const KNOWLEDGE_DEFAULTS: Readonly<{
  adaptor: "hea";
  sharedExperts: number;
  specificExperts: number;
  expertArch: readonly number[];
}> = Object.freeze({
  adaptor: "hea",
  sharedExperts: 2,
  specificExperts: 6,
  expertArch: Object.freeze([128, 32]),
});

/**
 * A positive integer, or a `RangeError` naming the field.
 *
 * @example
 * ```ts
 * import { positiveInt } from "./config.ts";
 * positiveInt(3, "crossLayers"); // 3
 * ```
 */
export function positiveInt(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`model config: ${field} must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * A positive finite number, or a `RangeError` naming the field.
 *
 * @example
 * ```ts
 * import { positiveNumber } from "./config.ts";
 * positiveNumber(0.5, "reductionRatio"); // 0.5
 * ```
 */
export function positiveNumber(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`model config: ${field} must be a positive number, got ${value}`);
  }
  return value;
}

/**
 * A non-negative integer, or a `RangeError` naming the field.
 *
 * @example
 * ```ts
 * import { nonNegativeInt } from "./config.ts";
 * nonNegativeInt(0, "knowledge.sharedExperts"); // 0
 * ```
 */
export function nonNegativeInt(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`model config: ${field} must be a non-negative integer, got ${value}`);
  }
  return value;
}

/**
 * A fresh non-empty array of positive layer widths, or a `RangeError` naming the field.
 *
 * @example
 * ```ts
 * import { widths } from "./config.ts";
 * widths([32, 16], "attentionMlp"); // [32, 16]
 * ```
 */
export function widths(value: unknown, field: string): number[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new RangeError(`model config: ${field} must be a non-empty array of widths`);
  }
  return value.map((v, i) => positiveInt(v, `${field}[${i}]`));
}

/**
 * Checks that the knowledge adaptor's output is one `embedDim`-wide field, as a backbone that
 * reshapes x0 into fields (`model`) needs; a `RangeError` otherwise.
 *
 * @example
 * ```ts
 * import { knowledgeAsFields, resolveSharedConfig } from "./config.ts";
 * const shared = resolveSharedConfig({
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6, embedDim: 8,
 *   knowledge: { userDim: 16, itemDim: 16, expertArch: [32, 8] },
 * });
 * knowledgeAsFields(shared, "autoint"); // passes: the experts end in 8 = embedDim
 * ```
 */
export function knowledgeAsFields(config: ResolvedBaseConfig, model: string): void {
  const arch = config.knowledge?.expertArch;
  if (arch && arch[arch.length - 1] !== config.embedDim) {
    throw new RangeError(
      `model config: ${model} reshapes x0 into ${config.embedDim}-wide fields, so ` +
        `knowledge.expertArch must end in embedDim (${config.embedDim}), got ${arch.at(-1)}`,
    );
  }
}

function resolveKnowledge(k: KnowledgeConfig): ResolvedKnowledgeConfig {
  const adaptor = k.adaptor ?? KNOWLEDGE_DEFAULTS.adaptor;
  if (adaptor !== "hea" && adaptor !== "mlp") {
    throw new RangeError(`model config: knowledge.adaptor must be "hea" or "mlp", got ${adaptor}`);
  }
  const hea = adaptor === "hea";
  const out: ResolvedKnowledgeConfig = {
    userDim: positiveInt(k.userDim, "knowledge.userDim"),
    itemDim: positiveInt(k.itemDim, "knowledge.itemDim"),
    adaptor,
    sharedExperts: hea
      ? nonNegativeInt(
        k.sharedExperts ?? KNOWLEDGE_DEFAULTS.sharedExperts,
        "knowledge.sharedExperts",
      )
      : 0,
    specificExperts: hea
      ? nonNegativeInt(
        k.specificExperts ?? KNOWLEDGE_DEFAULTS.specificExperts,
        "knowledge.specificExperts",
      )
      : 0,
    expertArch: widths(k.expertArch ?? KNOWLEDGE_DEFAULTS.expertArch, "knowledge.expertArch"),
  };
  if (hea && out.sharedExperts + out.specificExperts === 0) {
    throw new RangeError("model config: HEA needs at least one expert");
  }
  return out;
}

/**
 * Checks the shared options of a configuration and fills in their defaults
 * ({@link SHARED_DEFAULTS}, {@link KNOWLEDGE_DEFAULTS}); a backbone's `resolve` adds its own.
 *
 * @example
 * ```ts
 * import { resolveSharedConfig } from "./config.ts";
 * const c = resolveSharedConfig({
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6,
 *   knowledge: { userDim: 64, itemDim: 64 },
 * });
 * console.log(c.mlp, c.knowledge?.expertArch); // [200, 80] [128, 32]
 * ```
 */
export function resolveSharedConfig(config: BaseModelConfig): ResolvedBaseConfig {
  if (typeof config !== "object" || config === null) {
    throw new TypeError("model config must be an object");
  }
  const out: ResolvedBaseConfig = {
    items: positiveInt(config.items, "items"),
    attributes: positiveInt(config.attributes, "attributes"),
    attrFields: positiveInt(config.attrFields, "attrFields"),
    historyLength: positiveInt(config.historyLength, "historyLength"),
    ratingValues: positiveInt(config.ratingValues, "ratingValues"),
    embedDim: positiveInt(config.embedDim ?? SHARED_DEFAULTS.embedDim, "embedDim"),
    mlp: widths(config.mlp ?? SHARED_DEFAULTS.mlp, "mlp"),
    seed: Number.isFinite(config.seed) ? config.seed! : SHARED_DEFAULTS.seed,
    dtype: config.dtype ?? SHARED_DEFAULTS.dtype,
  };
  if (out.dtype !== "float32" && out.dtype !== "float64") {
    throw new RangeError(`model config: dtype must be float32 or float64, got ${out.dtype}`);
  }
  if (config.knowledge) out.knowledge = resolveKnowledge(config.knowledge);
  return out;
}
