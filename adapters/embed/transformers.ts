/**
 * Local sentence embeddings with transformers.js (`@huggingface/transformers`, ONNX Runtime): any
 * feature-extraction model on disk or on the Hugging Face Hub (BGE-M3, bge-small, MiniLM, ...).
 *
 * The `feature-extraction` pipeline loads the tokenizer and model; tokenisation (with the
 * `maxTokens` truncation), pooling and normalisation are done here so that every option is
 * explicit: `mean` averages the hidden states of the real (attention-mask 1) tokens, `cls` takes
 * the first token's hidden state (BGE's dense vector). Texts are sorted by length before batching
 * to cut padding; padding never changes a vector, so results do not depend on the batch.
 *
 * @module
 */
import {
  env,
  type FeatureExtractionPipeline,
  pipeline,
  type Tensor,
} from "@huggingface/transformers";
import type { Embedder } from "../../plugins/types.ts";
import { localModelKey, resolveLocalModel } from "../local_model.ts";
import { checkBatchSize, type ProgressCallback } from "./progress.ts";

/** How token states become one vector. */
export type TransformersPooling = "mean" | "cls";

/** Options of {@link transformersEmbedder}. */
export interface TransformersEmbedderOptions {
  /** Pooling of the last hidden states (default `mean`; BGE models want `cls`). */
  pooling?: TransformersPooling;
  /** L2-normalise the pooled vector (default true). */
  normalize?: boolean;
  /** Truncate inputs to this many tokens, special tokens included (default: the model's limit). */
  maxTokens?: number;
  /** Texts per forward pass (default 32). */
  batchSize?: number;
  /**
   * Folder holding local models by id (sets transformers.js's global `env.localModelPath`).
   * Not needed when `model` is a path to the model's folder.
   */
  localModelPath?: string;
  /** Allow downloads from the Hub (sets the global `env.allowRemoteModels`; default unchanged). */
  allowRemoteModels?: boolean;
  /**
   * Weights variant, e.g. `fp32`, `fp16`, `q8` (default: the model's config). The values of
   * transformers.js's `DataType`, spelled out so this API names no type of the library's.
   */
  dtype?:
    | "auto"
    | "fp32"
    | "fp16"
    | "q8"
    | "int8"
    | "uint8"
    | "q4"
    | "bnb4"
    | "q4f16"
    | "q2"
    | "q2f16"
    | "q1"
    | "q1f16";
  /**
   * ONNX Runtime device, e.g. `cpu`, `cuda`, `webgpu` (default: the library's choice). The values
   * of transformers.js's `DeviceType`, spelled out like `dtype`'s.
   */
  device?:
    | "auto"
    | "gpu"
    | "cpu"
    | "wasm"
    | "webgpu"
    | "cuda"
    | "dml"
    | "coreml"
    | "webnn"
    | "webnn-npu"
    | "webnn-gpu"
    | "webnn-cpu";
  /** Hub revision (default `main`). */
  revision?: string;
  /** Called after each batch of an `embed` call. */
  onProgress?: ProgressCallback;
}

/** A transformers.js embedder; `dispose` frees the ONNX session. */
export interface TransformersEmbedder extends Embedder {
  /** The model as loaded: a Hub id, or the absolute path of a local folder. */
  readonly model: string;
  /** Effective truncation length (the smaller of `maxTokens` and the model's limit). */
  readonly maxTokens: number;
  /** Frees the ONNX session; the embedder cannot be used afterwards. */
  dispose(): Promise<void>;
}

/**
 * Loads `model` (a Hub id such as `Xenova/bge-small-en-v1.5`, a model id under
 * `localModelPath`, or a path to a model folder) and returns an embedder. The vector size is read
 * from the model by embedding one probe text.
 *
 * The `id` is `transformers:<model>:<pooling>:<norm|raw>:max<N>[:<dtype>]`, where a local folder
 * given by path appears as `local/<folder name>@<hash of its config and tokenizer files>` so the id
 * does not depend on where the folder lives.
 *
 * @example
 * ```ts
 * import { transformersEmbedder } from "./transformers.ts";
 * // A model folder in transformers.js layout, e.g. the GloVe extractor of ../shared/models:
 * async function embedOne(folder: string): Promise<number> {
 *   const embedder = await transformersEmbedder(folder, { pooling: "mean", allowRemoteModels: false });
 *   const [v] = await embedder.embed(["a quiet drama"]);
 *   await embedder.dispose();
 *   return v.length; // 25 for glove-twitter-25d-avg
 * }
 * ```
 */
export async function transformersEmbedder(
  model: string,
  options: TransformersEmbedderOptions = {},
): Promise<TransformersEmbedder> {
  const { pooling, normalize, batchSize } = checkEmbedderOptions(options);
  if (options.localModelPath !== undefined) {
    env.localModelPath = withTrailingSlash(options.localModelPath);
  }
  if (options.allowRemoteModels !== undefined) env.allowRemoteModels = options.allowRemoteModels;
  const { extractor, local, source } = await loadExtractor(model, options);
  const maxTokens = await truncationLength(extractor, model, options.maxTokens);
  const embedBatch = (texts: string[]) =>
    embedTokens(extractor, texts, { model, maxTokens, pooling, normalize });

  let dim: number;
  try {
    dim = (await embedBatch(["dimension probe"]))[0].length;
  } catch (error) {
    await extractor.dispose();
    throw error;
  }
  const id = [
    "transformers",
    local ? await localModelKey(local) : model,
    pooling,
    normalize ? "norm" : "raw",
    `max${maxTokens}`,
    ...(options.dtype ? [options.dtype] : []),
  ].join(":");

  async function embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const started = performance.now();
    texts.forEach((text, i) => {
      if (typeof text !== "string") {
        throw new TypeError(`transformersEmbedder(${model}): texts[${i}] is ${typeof text}`);
      }
    });
    const order = texts.map((_, i) => i).sort((a, b) => texts[a].length - texts[b].length);
    const out: Float32Array[] = new Array(texts.length);
    for (let from = 0; from < order.length; from += batchSize) {
      signal?.throwIfAborted();
      const indices = order.slice(from, from + batchSize);
      const vectors = await embedBatch(indices.map((i) => texts[i]));
      indices.forEach((i, k) => out[i] = vectors[k]);
      options.onProgress?.({
        done: Math.min(from + batchSize, texts.length),
        total: texts.length,
        elapsedMs: performance.now() - started,
      });
    }
    return out;
  }

  return {
    id,
    dim,
    model: source,
    maxTokens,
    embed,
    dispose: () => extractor.dispose(),
  };
}

/** The options that need checking, checked, with their defaults. */
function checkEmbedderOptions(
  options: TransformersEmbedderOptions,
): { pooling: TransformersPooling; normalize: boolean; batchSize: number } {
  const pooling = options.pooling ?? "mean";
  if (pooling !== "mean" && pooling !== "cls") {
    throw new RangeError(`transformersEmbedder: pooling must be "mean" or "cls", got ${pooling}`);
  }
  const normalize = options.normalize ?? true;
  const batchSize = checkBatchSize(options.batchSize ?? 32, "transformersEmbedder batchSize");
  if (
    options.maxTokens !== undefined &&
    !(Number.isInteger(options.maxTokens) && options.maxTokens > 0)
  ) {
    throw new RangeError(
      `transformersEmbedder: maxTokens must be a positive integer, got ${options.maxTokens}`,
    );
  }
  return { pooling, normalize, batchSize };
}

/**
 * The feature-extraction pipeline of `model`: from its local folder when it has one (`local`),
 * else by id through transformers.js's own lookup (`source` is what was loaded).
 */
async function loadExtractor(
  model: string,
  options: TransformersEmbedderOptions,
): Promise<{ extractor: FeatureExtractionPipeline; local: string | undefined; source: string }> {
  let local: string | undefined;
  try {
    // An explicit localModelPath keeps transformers.js's own lookup by id under it.
    const found = resolveLocalModel(model, options.localModelPath ? { modelsDir: "" } : {});
    local = "folder" in found ? found.folder : undefined;
  } catch (error) {
    throw new Error(`transformersEmbedder: ${(error as Error).message}`);
  }
  const source = local ?? model;
  let extractor: FeatureExtractionPipeline;
  try {
    extractor = await pipeline("feature-extraction", source, {
      dtype: options.dtype,
      device: options.device,
      revision: options.revision,
      local_files_only: local !== undefined || env.allowRemoteModels === false,
    });
  } catch (error) {
    throw new Error(
      `transformersEmbedder: cannot load model ${JSON.stringify(model)}` +
        (local ? ` from folder ${local}` : ` (local model path ${env.localModelPath})`) +
        `: ${error instanceof Error ? error.message : error}`,
      { cause: error },
    );
  }
  return { extractor, local, source };
}

/**
 * The effective truncation length: the smaller of `maxTokens` and the model's limit. Disposes the
 * pipeline and throws when neither is known.
 */
async function truncationLength(
  extractor: FeatureExtractionPipeline,
  model: string,
  maxTokensOption: number | undefined,
): Promise<number> {
  // Tokenizers without a known limit declare a huge placeholder (transformers uses 1e30).
  const declared = extractor.tokenizer.model_max_length;
  const modelLimit = declared > 1_000_000 ? Infinity : declared;
  const maxTokens = Math.min(maxTokensOption ?? Infinity, modelLimit);
  if (!Number.isFinite(maxTokens)) {
    await extractor.dispose();
    throw new Error(
      `transformersEmbedder: model ${model} declares no model_max_length; set maxTokens`,
    );
  }
  return maxTokens;
}

/** One forward pass over `texts` (tokenised with truncation), pooled into one vector each. */
async function embedTokens(
  extractor: FeatureExtractionPipeline,
  texts: string[],
  how: { model: string; maxTokens: number; pooling: TransformersPooling; normalize: boolean },
): Promise<Float32Array[]> {
  const inputs = extractor.tokenizer(texts, {
    padding: true,
    truncation: true,
    max_length: how.maxTokens,
  });
  const outputs = await extractor.model(inputs);
  const hidden: Tensor | undefined = outputs.last_hidden_state ?? outputs.token_embeddings ??
    outputs.logits;
  if (!hidden || hidden.dims.length !== 3) {
    throw new Error(
      `transformersEmbedder(${how.model}): expected a [batch, tokens, hidden] output, got ` +
        (hidden ? `dims [${hidden.dims}]` : `outputs ${Object.keys(outputs).join(", ")}`),
    );
  }
  return pool(hidden, inputs.attention_mask as Tensor, how.pooling, how.normalize);
}

/** Pools `[batch, tokens, hidden]` states over the attention mask. */
function pool(
  hidden: Tensor,
  attentionMask: Tensor,
  pooling: TransformersPooling,
  normalize: boolean,
): Float32Array[] {
  const [batch, tokens, size] = hidden.dims;
  const states = hidden.to("float32").data as Float32Array;
  const mask = attentionMask.data as BigInt64Array;
  const out: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const vector = new Float64Array(size);
    if (pooling === "cls") {
      const offset = b * tokens * size;
      for (let h = 0; h < size; h++) vector[h] = states[offset + h];
    } else {
      let count = 0;
      for (let t = 0; t < tokens; t++) {
        if (mask[b * tokens + t] === 0n) continue;
        count++;
        const offset = (b * tokens + t) * size;
        for (let h = 0; h < size; h++) vector[h] += states[offset + h];
      }
      // An empty text has no tokens at all when the tokenizer adds none: zero vector.
      if (count > 0) { for (let h = 0; h < size; h++) vector[h] /= count; }
    }
    if (normalize) {
      let norm = 0;
      for (let h = 0; h < size; h++) norm += vector[h] * vector[h];
      // Same floor as transformers.js's normalize: a zero vector stays zero.
      const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
      for (let h = 0; h < size; h++) vector[h] *= scale;
    }
    out.push(Float32Array.from(vector));
  }
  return out;
}

function withTrailingSlash(folder: string): string {
  return folder.endsWith("/") ? folder : `${folder}/`;
}
