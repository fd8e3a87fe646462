/**
 * An in-process {@link VectorCache}: a map per encoder id. For servers that keep vectors in memory,
 * and for tests; the DuckDB store is the persistent implementation.
 *
 * @module
 */
import type { VectorCache } from "../../plugins/types.ts";

/**
 * Vectors keyed by (encoder id, text hash), held in memory. Counts its calls so callers can check
 * how much work reached it.
 *
 * @example
 * ```ts
 * import { MemoryVectorCache } from "./memory_cache.ts";
 * const cache = new MemoryVectorCache();
 * await cache.putVectors("enc", [{ textHash: "h1", vector: Float32Array.of(1, 0) }]);
 * (await cache.getVectors("enc", ["h1", "h2"])).size; // 1
 * ```
 */
export class MemoryVectorCache implements VectorCache {
  private readonly byEncoder = new Map<string, Map<string, Float32Array>>();
  /** Number of `getVectors` and `putVectors` calls so far. */
  readonly calls = { get: 0, put: 0 };

  /** The stored vectors of `textHashes` under `encoderId`, keyed by text hash; misses are absent. */
  getVectors(encoderId: string, textHashes: string[]): Promise<Map<string, Float32Array>> {
    this.calls.get++;
    const stored = this.byEncoder.get(encoderId);
    const found = new Map<string, Float32Array>();
    if (stored) {
      for (const hash of textHashes) {
        const vector = stored.get(hash);
        if (vector) found.set(hash, vector);
      }
    }
    return Promise.resolve(found);
  }

  /** Stores copies of the vectors under `encoderId`; of one text hash the last vector wins. */
  putVectors(
    encoderId: string,
    entries: { textHash: string; vector: Float32Array }[],
  ): Promise<void> {
    this.calls.put++;
    let stored = this.byEncoder.get(encoderId);
    if (!stored) this.byEncoder.set(encoderId, stored = new Map());
    for (const { textHash, vector } of entries) stored.set(textHash, Float32Array.from(vector));
    return Promise.resolve();
  }

  /** Number of vectors stored under `encoderId`. */
  size(encoderId: string): number {
    return this.byEncoder.get(encoderId)?.size ?? 0;
  }
}
