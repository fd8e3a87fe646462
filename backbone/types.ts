/**
 * Shared types of the backbone: float buffers, knowledge inputs and model configurations.
 *
 * @module
 */
import type { SampleSplit } from "../datasets/types.ts";

/**
 * A contiguous float buffer. Training uses `Float32Array`; gradient checks build the same model
 * in `Float64Array` so finite differences are exact enough to compare with tight tolerances.
 *
 * @example
 * ```ts
 * import type { Floats } from "./types.ts";
 * const x: Floats = new Float32Array(4);
 * ```
 */
export type Floats = Float32Array | Float64Array;

/**
 * Element type of every buffer a model allocates.
 *
 * @example
 * ```ts
 * import type { FloatDType } from "./types.ts";
 * const dtype: FloatDType = "float64"; // gradient checks
 * ```
 */
export type FloatDType = "float32" | "float64";

/**
 * Knowledge vectors of one kind (user or item), looked up per sample.
 * `data` holds `data.length / dim` rows of `dim` floats; `row[s]` is the row of sample `s`, or
 * -1 when the sample has no knowledge (it then gets a zero vector, as the reference does for a
 * missing id).
 *
 * @example
 * ```ts
 * import type { KnowledgeInput } from "./types.ts";
 * const users: KnowledgeInput = {
 *   dim: 2,
 *   data: new Float32Array([0.1, 0.2, 0.3, 0.4]),
 *   row: new Int32Array([0, 1, -1]),
 * };
 * ```
 */
export interface KnowledgeInput {
  /** Vector width D. */
  dim: number;
  /** Row-major vectors, `rows * dim`. */
  data: Float32Array;
  /** Row of each sample (length = split size); -1 = none. */
  row: Int32Array;
}

/**
 * Everything a CTR model reads for one split: the columnar samples and, optionally, knowledge.
 *
 * @example
 * ```ts
 * import type { CtrInputs } from "./types.ts";
 * import type { SampleSplit } from "../datasets/types.ts";
 * function withoutKnowledge(split: SampleSplit): CtrInputs {
 *   return { split };
 * }
 * ```
 */
export interface CtrInputs {
  /** The samples. */
  split: SampleSplit;
  /** User-side knowledge (task u of the adaptor). */
  userKnowledge?: KnowledgeInput;
  /** Item-side knowledge (task i of the adaptor). */
  itemKnowledge?: KnowledgeInput;
}

/**
 * How a forward pass treats layers with batch statistics (DIN's Dice; the other backbones have
 * none and compute every mode alike):
 *
 * - `train`: normalise with the statistics of the current batch, update the running statistics
 *   and keep what `backward` needs (training only).
 * - `infer`: normalise with the running statistics, so every sample's output depends on that
 *   sample alone (prediction, serving, ONNX export).
 * - `reference-eval`: normalise with the statistics of the current batch without touching the
 *   running statistics, as the authors' code evaluates (the DIN parity script only: a score then
 *   depends on the other samples of its batch).
 *
 * @example
 * ```ts
 * import type { ForwardMode } from "./types.ts";
 * const serving: ForwardMode = "infer";
 * ```
 */
export type ForwardMode = "train" | "infer" | "reference-eval";

/**
 * How knowledge vectors join the backbone (docs/method.md#adaptor), as a caller writes it: the
 * widths are required, everything else defaults (HEA, 2 shared + 6 specific experts of [128, 32];
 * see `KNOWLEDGE_DEFAULTS`).
 *
 * @example
 * ```ts
 * import type { KnowledgeConfig } from "./types.ts";
 * const k: KnowledgeConfig = { userDim: 256, itemDim: 256 };
 * const ablation: KnowledgeConfig = { userDim: 256, itemDim: 256, adaptor: "mlp" };
 * ```
 */
export interface KnowledgeConfig {
  /** Width of user knowledge vectors. */
  userDim: number;
  /** Width of item knowledge vectors. */
  itemDim: number;
  /**
   * `hea`: hybrid-expert adaptor (shared + task-specific experts, softmax gates);
   * `mlp`: one MLP shared by both vectors.
   * @default "hea"
   */
  adaptor?: "hea" | "mlp";
  /**
   * Shared experts (HEA; 0 for the MLP adaptor).
   * @default 2
   */
  sharedExperts?: number;
  /**
   * Task-specific experts per task (HEA; 0 for the MLP adaptor).
   * @default 6
   */
  specificExperts?: number;
  /**
   * Expert / MLP layer widths, each followed by ReLU (the output layer too).
   * @default [128, 32]
   */
  expertArch?: number[];
}

/**
 * A {@link KnowledgeConfig} with every default filled in, as a built model holds it.
 *
 * @example
 * ```ts
 * import type { ResolvedKnowledgeConfig } from "./types.ts";
 * const k: ResolvedKnowledgeConfig = {
 *   userDim: 256, itemDim: 256, adaptor: "hea",
 *   sharedExperts: 2, specificExperts: 6, expertArch: [128, 32],
 * };
 * ```
 */
export type ResolvedKnowledgeConfig = Required<KnowledgeConfig>;

/**
 * The options every backbone takes (plain JSON data, stored beside the weights): the table sizes
 * are required, the rest defaults (`SHARED_DEFAULTS`). Each backbone adds its own options; the
 * full input type is `ModelConfig` (see `registry.ts`).
 *
 * @example
 * ```ts
 * import type { BaseModelConfig } from "./types.ts";
 * const c: BaseModelConfig = {
 *   items: 3707, attributes: 19, attrFields: 1, historyLength: 5, ratingValues: 6, seed: 1,
 * };
 * ```
 */
export interface BaseModelConfig {
  /** Rows of the item table (vocabulary size including padding row 0). */
  items: number;
  /** Rows of the attribute table (including padding row 0). */
  attributes: number;
  /** Attribute fields per item (ML-1M: 1, Amazon: 2). */
  attrFields: number;
  /** History window T. */
  historyLength: number;
  /** Rows of the rating table: highest rating + 1 (ML-1M: 6). */
  ratingValues: number;
  /**
   * Embedding width d.
   * @default 32
   */
  embedDim?: number;
  /**
   * Final MLP widths; DCN's and DeepFM's deep parts use the same.
   * @default [200, 80]
   */
  mlp?: number[];
  /** Optional knowledge adaptor. */
  knowledge?: KnowledgeConfig;
  /**
   * Initialisation seed.
   * @default 1234
   */
  seed?: number;
  /**
   * Buffer element type (float64 is for gradient checks).
   * @default "float32"
   */
  dtype?: FloatDType;
}

/**
 * A {@link BaseModelConfig} with every shared default filled in.
 *
 * @example
 * ```ts
 * import type { ResolvedBaseConfig } from "./types.ts";
 * const c: ResolvedBaseConfig = {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6,
 *   embedDim: 32, mlp: [200, 80], seed: 1234, dtype: "float32",
 * };
 * ```
 */
export interface ResolvedBaseConfig extends BaseModelConfig {
  /** Embedding width d. */
  embedDim: number;
  /** Final MLP widths. */
  mlp: number[];
  /** Initialisation seed. */
  seed: number;
  /** Buffer element type. */
  dtype: FloatDType;
  /** The knowledge adaptor, defaults filled in. */
  knowledge?: ResolvedKnowledgeConfig;
}

// The backbone names and the full configuration types follow the registry (one record of
// backbones); they are re-exported here, where callers have always imported them.
export {
  MODEL_NAMES,
  type ModelConfig,
  type ModelName,
  type ResolvedModelConfig,
} from "./registry.ts";
