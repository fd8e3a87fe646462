/**
 * Knowledge encoders behind the `Embedder` seam: the offline `hashing` default, transformers.js
 * models, Hugging Face Inference, a vector cache in front of any of them, and CLI spec parsing.
 *
 * @example
 * ```ts
 * import { cachedEmbedder, fitHashingEmbedder, MemoryVectorCache } from "./mod.ts";
 * const embedder = cachedEmbedder(fitHashingEmbedder(["likes noir"]), new MemoryVectorCache());
 * const [vector] = await embedder.embed(["likes noir"]);
 * ```
 *
 * @module
 */
export * from "./progress.ts";
export { ENGLISH_STOPWORDS } from "../../util/stopwords.ts";
export * from "./hashing.ts";
export * from "./transformers.ts";
export * from "./hf.ts";
export * from "./text_hash.ts";
export * from "./memory_cache.ts";
export * from "./cached.ts";
export * from "./spec.ts";
