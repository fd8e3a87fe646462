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
 * The CTR backbones this library implements.
 *
 * @example
 * ```ts
 * import type { ModelName } from "./types.ts";
 * const name: ModelName = "dcnv2";
 * ```
 */
export type ModelName = "din" | "dcn" | "dcnv2" | "deepfm" | "autoint";

/**
 * Every model name, in a stable order.
 *
 * @example
 * ```ts
 * import { MODEL_NAMES } from "./types.ts";
 * for (const name of MODEL_NAMES) console.log(name);
 * ```
 */
export const MODEL_NAMES: readonly ModelName[] = ["din", "dcn", "dcnv2", "deepfm", "autoint"];

/**
 * How knowledge vectors join the backbone (METHOD.md §7.1).
 *
 * @example
 * ```ts
 * import type { KnowledgeConfig } from "./types.ts";
 * const k: KnowledgeConfig = {
 *   userDim: 256, itemDim: 256, adaptor: "hea",
 *   sharedExperts: 2, specificExperts: 6, expertArch: [128, 32],
 * };
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
   */
  adaptor: "hea" | "mlp";
  /** Shared experts (HEA), default 2. */
  sharedExperts: number;
  /** Task-specific experts per task (HEA), default 6. */
  specificExperts: number;
  /** Expert / MLP layer widths, each followed by ReLU (the output layer too), default [128, 32]. */
  expertArch: number[];
}

/**
 * The one constructor shape of every model (plain JSON data, stored beside the weights).
 *
 * @example
 * ```ts
 * import type { ModelConfig } from "./types.ts";
 * const c: ModelConfig = {
 *   items: 3707, attributes: 19, attrFields: 1, historyLength: 5, ratingValues: 6,
 *   embedDim: 32, mlp: [200, 80], seed: 1234,
 * };
 * ```
 */
export interface ModelConfig {
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
  /** Embedding width d (default 32). */
  embedDim: number;
  /** Final MLP widths (default [200, 80]); DCN's and DeepFM's deep parts use the same. */
  mlp: number[];
  /** Optional knowledge adaptor. */
  knowledge?: KnowledgeConfig;
  /** Initialisation seed. */
  seed: number;
  /** DIN attention MLP widths (default [32, 16]). */
  attentionMlp?: number[];
  /**
   * DIN only: momentum of Dice's running statistics, `running = (1 − m)·running + m·batch`
   * after every training batch (batch normalisation's convention and default, 0.1).
   */
  diceMomentum?: number;
  /** DCN / DCNv2 cross layers (default 3). */
  crossLayers?: number;
  /**
   * DCN (v1) only: reproduce the reference code's bug `x_{l+1} = 2·x0(x_lᵀw) + b` (residual lost)
   * instead of the published `x0(x_lᵀw) + b + x_l`. Default false.
   */
  dcnReferenceBug?: boolean;
  /** AutoInt self-attention layers (default 3). */
  attentionLayers?: number;
  /** AutoInt heads (default 1). */
  attentionHeads?: number;
  /** AutoInt attention size per head (default 64). */
  attentionSize?: number;
  /** Buffer element type (default float32; float64 is for gradient checks). */
  dtype?: FloatDType;
}
