/**
 * A cache in front of any embedder: vectors are looked up by (encoder id, {@link textHash}), only
 * the missing texts are embedded, in batches, and each batch is written to the cache as soon as it
 * is done, so a killed run keeps every finished batch and a rerun embeds only what is left.
 *
 * @module
 */
import type { Embedder, VectorCache } from "../../plugins/types.ts";
import { checkBatchSize, type ProgressCallback } from "./progress.ts";
import { textHash } from "./text_hash.ts";

/** Options of {@link cachedEmbedder}. */
export interface CachedEmbedderOptions {
  /** Missing texts per call to the wrapped embedder and per cache write (default 256). */
  batchSize?: number;
  /** Hashes per cache lookup (default 10,000). */
  lookupSize?: number;
  /** Called after the lookup and after each embedded batch; counts input texts with a vector. */
  onProgress?: ProgressCallback;
}

/** Running totals of a cached embedder, over all its calls. */
export interface CachedEmbedderStats {
  /** Texts asked for. */
  requested: number;
  /** Distinct texts found in the cache. */
  cacheHits: number;
  /** Distinct texts sent to the wrapped embedder. */
  embedded: number;
}

/** An embedder that reads and fills a vector cache; `stats` says how much work it saved. */
export interface CachedEmbedder extends Embedder {
  /** The wrapped embedder. */
  readonly inner: Embedder;
  /** Running totals over all calls. */
  readonly stats: CachedEmbedderStats;
}

/**
 * Wraps `embedder` with `cache`. Same `id` and `dim` as the wrapped embedder (the id is the cache's
 * encoder key). Duplicate texts in one call are embedded once and share one vector object.
 * Concurrent calls do not coordinate: a text missing in both may be embedded by both (the cache
 * keeps one copy), so run one embedding job per cache and encoder at a time.
 *
 * @example
 * ```ts
 * import { cachedEmbedder } from "./cached.ts";
 * import { MemoryVectorCache } from "./memory_cache.ts";
 * import { fitHashingEmbedder } from "./hashing.ts";
 * const cache = new MemoryVectorCache();
 * const embedder = cachedEmbedder(fitHashingEmbedder(["likes noir"]), cache);
 * await embedder.embed(["likes noir", "likes noir"]);
 * embedder.stats.embedded; // 1
 * ```
 */
export function cachedEmbedder(
  embedder: Embedder,
  cache: VectorCache,
  options: CachedEmbedderOptions = {},
): CachedEmbedder {
  const batchSize = checkBatchSize(options.batchSize ?? 256, "cachedEmbedder batchSize");
  const lookupSize = checkBatchSize(options.lookupSize ?? 10_000, "cachedEmbedder lookupSize");
  const stats: CachedEmbedderStats = { requested: 0, cacheHits: 0, embedded: 0 };
  const { id, dim } = embedder;

  const checkVector = (vector: unknown, source: string, hash: string): Float32Array => {
    if (!(vector instanceof Float32Array) || vector.length !== dim) {
      const got = vector instanceof Float32Array ? `${vector.length}-d vector` : typeof vector;
      throw new Error(
        `cachedEmbedder(${id}): ${source} gave a ${got} for text ${hash}, expected ${dim}-d`,
      );
    }
    return vector;
  };

  async function embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const started = performance.now();
    const hashes = texts.map((text, i) => {
      if (typeof text !== "string") {
        throw new TypeError(`cachedEmbedder(${id}): texts[${i}] is ${typeof text}, not a string`);
      }
      return textHash(text);
    });
    // Distinct hashes in first-seen order, with how many inputs each stands for.
    const multiplicity = new Map<string, number>();
    const firstIndex = new Map<string, number>();
    hashes.forEach((hash, i) => {
      multiplicity.set(hash, (multiplicity.get(hash) ?? 0) + 1);
      if (!firstIndex.has(hash)) firstIndex.set(hash, i);
    });
    const distinct = [...multiplicity.keys()];
    stats.requested += texts.length;

    const vectors = new Map<string, Float32Array>();
    for (let from = 0; from < distinct.length; from += lookupSize) {
      signal?.throwIfAborted();
      const chunk = distinct.slice(from, from + lookupSize);
      const found = await cache.getVectors(id, chunk);
      for (const hash of chunk) {
        const vector = found.get(hash);
        if (vector !== undefined) vectors.set(hash, checkVector(vector, "the cache", hash));
      }
    }
    stats.cacheHits += vectors.size;
    let done = 0;
    for (const hash of vectors.keys()) done += multiplicity.get(hash)!;
    const report = () =>
      options.onProgress?.({ done, total: texts.length, elapsedMs: performance.now() - started });
    report();

    const missing = distinct.filter((hash) => !vectors.has(hash));
    for (let from = 0; from < missing.length; from += batchSize) {
      signal?.throwIfAborted();
      const batch = missing.slice(from, from + batchSize);
      const embedded = await embedder.embed(batch.map((h) => texts[firstIndex.get(h)!]), signal);
      if (!Array.isArray(embedded) || embedded.length !== batch.length) {
        throw new Error(
          `cachedEmbedder(${id}): the embedder returned ${
            Array.isArray(embedded) ? embedded.length : typeof embedded
          } vectors for ${batch.length} texts`,
        );
      }
      const entries = batch.map((hash, k) => ({
        textHash: hash,
        vector: checkVector(embedded[k], "the embedder", hash),
      }));
      await cache.putVectors(id, entries);
      stats.embedded += batch.length;
      for (const { textHash, vector } of entries) {
        vectors.set(textHash, vector);
        done += multiplicity.get(textHash)!;
      }
      report();
    }
    return hashes.map((hash) => vectors.get(hash)!);
  }

  return { id, dim, inner: embedder, stats, embed };
}
