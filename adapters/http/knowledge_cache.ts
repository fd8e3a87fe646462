/**
 * Knowledge vectors for scoring, kept in memory: a lookup by task key reads the stored knowledge's
 * final text, its vector from the store's vector cache (embedding it with the bundle's encoder
 * when the store has none, and writing it back), and remembers the answer, absent knowledge
 * included, in a bounded LRU so a warm request never touches the database.
 *
 * @module
 */
import { textHash } from "../embed/text_hash.ts";
import type { Embedder, KnowledgeRecord } from "../../plugins/types.ts";
import type { ServingMetrics } from "./metrics.ts";
import { Lru } from "./lru.ts";
import { HttpProblem } from "./problem.ts";

/**
 * What the router needs of a store (the DuckDB store has all of it).
 *
 * @example
 * ```ts
 * import type { ServingStore } from "./knowledge_cache.ts";
 * import { openStore } from "../store/duckdb_store.ts";
 * const store: ServingStore = await openStore(":memory:");
 * ```
 */
export interface ServingStore {
  /** Records whose key starts with `keyPrefix`, or whose key is among `keys`. */
  listKnowledge(filter: { keyPrefix?: string; keys?: string[] }): Promise<KnowledgeRecord[]>;
  /** The record of `key`, if stored. */
  getKnowledge(key: string): Promise<KnowledgeRecord | undefined>;
  /** Stores `record` (replacing the one of its key). */
  putKnowledge(record: KnowledgeRecord): Promise<void>;
  /** Stored vectors of `encoderId` by text hash (absent hashes are left out). */
  getVectors(encoderId: string, textHashes: string[]): Promise<Map<string, Float32Array>>;
  /** Stores vectors of `encoderId` by text hash. */
  putVectors(
    encoderId: string,
    entries: { textHash: string; vector: Float32Array }[],
  ): Promise<void>;
}

/**
 * A knowledge vector ready for the backbone.
 *
 * @example
 * ```ts
 * import type { KnowledgeVector } from "./knowledge_cache.ts";
 * const describe = (v: KnowledgeVector) => `${v.key}: ${v.vector.length}-d from ${v.source}`;
 * ```
 */
export interface KnowledgeVector {
  /** Task key without the store prefix. */
  key: string;
  /** SHA-256 of the final knowledge text. */
  textHash: string;
  /** The vector, `dim` wide. */
  vector: Float32Array;
  /**
   * `store`: read from the vector cache; `embedded`: embedded by this server; `bundle`: a
   * brought-in vector the serving bundle holds.
   */
  source: "store" | "embedded" | "bundle";
  /** Whether the store holds the vector (false when an embedded vector could not be written). */
  stored: boolean;
}

/**
 * Options of {@link KnowledgeVectorCache}.
 *
 * @example
 * ```ts
 * import type { KnowledgeVectorCacheOptions } from "./knowledge_cache.ts";
 * import type { ServingStore } from "./knowledge_cache.ts";
 * function example(store: ServingStore) {
 *   const options: KnowledgeVectorCacheOptions = {
 *     store, prefix: "ab12|", encoderId: "hashing:v1:d256", dim: 256,
 *     encoder: () => Promise.resolve(undefined), maxEntries: 50_000,
 *   };
 * }
 * ```
 */
export interface KnowledgeVectorCacheOptions {
  /** Where knowledge and vectors are read (and embedded vectors written). */
  store: ServingStore;
  /** Prefix of the task keys in the store. */
  prefix: string;
  /** Id of the encoder the model was trained with (vector cache key). */
  encoderId: string;
  /** Width of its vectors. */
  dim: number;
  /** The encoder, for texts without a stored vector. */
  encoder: () => Promise<Embedder | undefined>;
  /** Entries kept (default 200,000). */
  maxEntries?: number;
  /** Where hits, misses and embeddings are counted (default: nowhere). */
  metrics?: ServingMetrics;
  /** Where failures to write vectors back are reported (default: stderr). */
  log?: (line: string) => void;
}

/**
 * The in-memory knowledge-vector cache.
 *
 * @example
 * ```ts
 * import { KnowledgeVectorCache } from "./knowledge_cache.ts";
 * import { openStore } from "../store/duckdb_store.ts";
 * const store = await openStore(":memory:");
 * const cache = new KnowledgeVectorCache({
 *   store, prefix: "", encoderId: "e", dim: 4, encoder: () => Promise.resolve(undefined),
 * });
 * const [v] = await cache.lookup(["ml-1m:item:1"], "item"); // null: nothing stored
 * ```
 */
export class KnowledgeVectorCache {
  readonly #o: KnowledgeVectorCacheOptions;
  readonly #entries: Lru<string, KnowledgeVector | null>;
  readonly #max: number;

  /**
   * An empty cache over `options.store`.
   *
   * @param options Store, key prefix, encoder and size.
   */
  constructor(options: KnowledgeVectorCacheOptions) {
    this.#o = options;
    this.#max = options.maxEntries ?? 200_000;
    this.#entries = new Lru(this.#max);
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Remembers `value` for `key` (null = no knowledge), evicting the least recently used. */
  set(key: string, value: KnowledgeVector | null): void {
    this.#entries.set(key, value);
  }

  /** Forgets `key`, so the next lookup reads the store. */
  invalidate(key: string): void {
    this.#entries.delete(key);
  }

  /**
   * Vectors of the knowledge stored under `keys` (null where none is stored), in order. One store
   * round trip for all misses.
   */
  async lookup(keys: string[], kind: "user" | "item"): Promise<(KnowledgeVector | null)[]> {
    const out = new Array<KnowledgeVector | null>(keys.length).fill(null);
    const missing: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      const hit = this.#entries.get(keys[i]);
      if (hit === undefined) {
        missing.push(keys[i]);
        continue;
      }
      out[i] = hit;
    }
    this.#o.metrics?.cache.inc({ kind, result: "hit" }, keys.length - missing.length);
    if (missing.length === 0) return out;
    this.#o.metrics?.cache.inc({ kind, result: "miss" }, missing.length);
    const unique = [...new Set(missing)];
    const records = await this.#o.store.listKnowledge({
      keys: unique.map((k) => this.#o.prefix + k),
    });
    const found = await this.vectorsOf(records);
    for (const key of unique) this.set(key, found.get(key) ?? null);
    for (let i = 0; i < keys.length; i++) {
      if (out[i] === null) out[i] = this.#entries.get(keys[i]) ?? found.get(keys[i]) ?? null;
    }
    return out;
  }

  /**
   * Vectors of the final texts of `all` records (keyed by unprefixed task key): stored vectors
   * first, the rest embedded and written back. Records whose final draft is unparsable get none.
   */
  async vectorsOf(all: KnowledgeRecord[]): Promise<Map<string, KnowledgeVector>> {
    const o = this.#o, result = new Map<string, KnowledgeVector>();
    // A record holding only an unparsable answer is no knowledge (as in the eval): no vector.
    const records = all.filter((r) => r.final.parseFailure === undefined);
    if (records.length === 0) return result;
    const hashes = records.map((r) => textHash(r.final.text));
    const stored = await o.store.getVectors(o.encoderId, [...new Set(hashes)]);
    const toEmbed = new Map<string, string>();
    records.forEach((r, i) => {
      if (!stored.has(hashes[i])) toEmbed.set(hashes[i], r.final.text);
    });
    const fresh = new Map<string, Float32Array>();
    let written = false;
    if (toEmbed.size > 0) {
      const encoder = await o.encoder();
      if (!encoder) {
        throw new HttpProblem(
          503,
          `${toEmbed.size} knowledge text(s) have no vector of encoder ${o.encoderId} in the ` +
            `store and the bundle cannot rebuild that encoder (no spec or state)`,
          { type: "urn:r4ec:problem:encoder-unavailable" },
        );
      }
      const texts = [...toEmbed.values()], keys = [...toEmbed.keys()];
      const vectors = await encoder.embed(texts);
      vectors.forEach((v, i) => fresh.set(keys[i], v));
      o.metrics?.embedded.inc({}, texts.length);
      written = await o.store.putVectors(
        o.encoderId,
        keys.map((h, i) => ({ textHash: h, vector: vectors[i] })),
      ).then(() => true, (e) => {
        (o.log ?? console.error)(
          `knowledge cache: could not write ${keys.length} vectors back: ${(e as Error).message}`,
        );
        return false;
      });
    }
    records.forEach((r, i) => {
      const vector = stored.get(hashes[i]) ?? fresh.get(hashes[i])!;
      if (vector.length !== o.dim) {
        throw new Error(
          `knowledge ${r.key}: vector of encoder ${o.encoderId} has ${vector.length} values, ` +
            `the model expects ${o.dim}`,
        );
      }
      const key = r.key.startsWith(o.prefix) ? r.key.slice(o.prefix.length) : r.key;
      result.set(key, {
        key,
        textHash: hashes[i],
        vector,
        source: stored.has(hashes[i]) ? "store" : "embedded",
        stored: stored.has(hashes[i]) || written,
      });
    });
    return result;
  }

  /**
   * Puts the vectors of `records` (read from the store under this cache's prefix) into the cache,
   * at most `maxEntries`, so the first requests are as fast as the rest. Returns entries loaded.
   */
  async preload(records: KnowledgeRecord[]): Promise<number> {
    const vectors = await this.vectorsOf(records.slice(0, this.#max));
    for (const [key, v] of vectors) this.set(key, v);
    return vectors.size;
  }
}
