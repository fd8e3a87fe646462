/**
 * The `hashing` embedder: word unigrams and bigrams, feature-hashed into `buckets` slots, weighted by
 * TF-IDF fitted on a corpus, projected to `dim` dimensions with a seeded signed random projection,
 * and L2-normalised. It needs no model weights, is deterministic, and is the offline default.
 *
 * How a text becomes a vector:
 * 1. Tokens are maximal runs of letters, digits and combining marks (Unicode, code unit by code
 *    unit; surrogate pairs count as letters), lower-cased. Everything else separates tokens.
 *    Sentence punctuation (`. , ; : ! ?`, brackets, quotes, line breaks) also ends a phrase, so no
 *    bigram spans it. Stopwords are dropped before bigrams are formed (as in scikit-learn).
 * 2. Each token is hashed over its char codes (FNV-1a, then a murmur3 finaliser), no strings are
 *    allocated; a bigram hashes the pair of token hashes. Features index `hash mod buckets`.
 * 3. Weight of a feature: `tf * idf` with `tf = 1 + ln(count)` (sublinear, default) or `count`,
 *    `idf = ln((1 + N) / (1 + df)) + 1` (smoothed, as scikit-learn), N documents in the corpus.
 * 4. Projection: bucket `b` owns a column of `dim` signs (±1), xorshift32 words started from
 *    `hash(seed, b)` and computed on the fly, so no `dim × buckets` matrix exists. The vector is the weighted sum of the columns, normalised.
 *    A text without any feature gets the zero vector.
 *
 * The `id` encodes everything that changes vectors: algorithm version, dim, seed, buckets, n-gram
 * order, tf mode, and a hash of the fitted state (document frequencies, document count, stopwords).
 *
 * Steps 1 and 2 (the tokenizer and the hashed features) are in `hashing_tokenizer.ts`, the
 * serialised state in `hashing_state.ts`; this file holds the options, the fit and the embedder.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Embedder } from "../../plugins/types.ts";
import { ENGLISH_STOPWORDS } from "../../util/stopwords.ts";
import { checkBatchSize, type ProgressCallback } from "./progress.ts";
import {
  decodeUint32,
  encodeUint32,
  type HashingEmbedderState,
  HashingEmbedderStateSchema,
  isPowerOfTwo,
} from "./hashing_state.ts";
import { extractFeatures, FeatureScratch, fmix32, StopwordSet } from "./hashing_tokenizer.ts";

export type { HashingEmbedderState } from "./hashing_state.ts";
export { hashingTokens } from "./hashing_tokenizer.ts";

/** Options that change the vectors (all stored in the fitted state and encoded in the id). */
export interface HashingVectorOptions {
  /** Output dimension (default 256). */
  dim?: number;
  /** Seed of the random projection (default 0; any integer, used modulo 2^32). */
  seed?: number;
  /**
   * Feature-hash slots, a power of two (default 2^18). Collisions only merge features before a
   * projection to `dim` anyway; 2^18 keeps the IDF table (1 MiB) in cache, which matters for speed.
   */
  buckets?: number;
  /** 1 = unigrams only, 2 = unigrams and bigrams (default 2). */
  ngrams?: 1 | 2;
  /** `1 + ln(count)` instead of the raw count as term frequency (default true). */
  sublinearTf?: boolean;
  /** Words to drop, each a single lower-case token (default {@link ENGLISH_STOPWORDS}). */
  stopwords?: readonly string[];
}

/** Options that do not change the vectors. */
export interface HashingRunOptions {
  /** Texts per progress report (and per event-loop yield) in `embed` (default 2048). */
  batchSize?: number;
  /** Called after each batch of an `embed` call. */
  onProgress?: ProgressCallback;
}

/** All options of {@link fitHashingEmbedder}. */
export type HashingEmbedderOptions = HashingVectorOptions & HashingRunOptions;

// ---------------------------------------------------------------------------------------------

interface ResolvedVectorOptions {
  dim: number;
  seed: number;
  buckets: number;
  ngrams: 1 | 2;
  sublinearTf: boolean;
  stopwords: string[];
}

function resolveVectorOptions(options: HashingVectorOptions): ResolvedVectorOptions {
  const dim = options.dim ?? 256;
  if (!Number.isInteger(dim) || dim < 1) {
    throw new RangeError(`hashing embedder: dim must be a positive integer, got ${dim}`);
  }
  const seedOption = options.seed ?? 0;
  if (!Number.isInteger(seedOption)) {
    throw new RangeError(`hashing embedder: seed must be an integer, got ${seedOption}`);
  }
  const buckets = options.buckets ?? 2 ** 18;
  if (!isPowerOfTwo(buckets)) {
    throw new RangeError(
      `hashing embedder: buckets must be a power of two <= 2^30, got ${buckets}`,
    );
  }
  const ngrams = options.ngrams ?? 2;
  if (ngrams !== 1 && ngrams !== 2) {
    throw new RangeError(`hashing embedder: ngrams must be 1 or 2, got ${ngrams}`);
  }
  return {
    dim,
    seed: seedOption >>> 0,
    buckets,
    ngrams,
    sublinearTf: options.sublinearTf ?? true,
    stopwords: [...(options.stopwords ?? ENGLISH_STOPWORDS)],
  };
}

/**
 * A fitted hashing embedder. Build one with {@link fitHashingEmbedder} or
 * {@link HashingEmbedder.fromJSON}; `embed` is batched and reports progress, `embedOne` is the
 * synchronous single-text path.
 *
 * @example
 * ```ts
 * import { fitHashingEmbedder } from "./hashing.ts";
 * const embedder = fitHashingEmbedder(["a tense thriller", "a gentle comedy"], { dim: 64 });
 * const [v] = await embedder.embed(["thriller fans"]);
 * v.length; // 64
 * ```
 */
export class HashingEmbedder implements Embedder {
  /** Encodes dim, seed, buckets, n-grams, tf mode and a hash of the fitted state. */
  readonly id: string;
  readonly dim: number;
  /** Number of documents the IDF was fitted on. */
  readonly docCount: number;
  private readonly options: ResolvedVectorOptions;
  private readonly dfBuckets: Uint32Array;
  private readonly dfCounts: Uint32Array;
  private readonly idf: Float32Array;
  private readonly stopwordSet: StopwordSet;
  private readonly seedMix: number;
  private readonly signWords: number;
  private readonly batchSize: number;
  private readonly onProgress?: ProgressCallback;
  private readonly scratch = new FeatureScratch();
  /** 16 bins per 4 dimensions (see `embedOne`). */
  private readonly bins: Float64Array;
  /** Unnormalised vector, padded to a multiple of 32. */
  private readonly values: Float64Array;

  private constructor(
    options: ResolvedVectorOptions,
    docCount: number,
    df: { buckets: Uint32Array; counts: Uint32Array },
    run: HashingRunOptions,
  ) {
    this.options = options;
    this.dim = options.dim;
    this.docCount = docCount;
    this.dfBuckets = df.buckets;
    this.dfCounts = df.counts;
    this.stopwordSet = new StopwordSet(options.stopwords);
    this.options.stopwords = this.stopwordSet.words;
    const unseenIdf = Math.log(1 + docCount) + 1;
    this.idf = new Float32Array(options.buckets).fill(unseenIdf);
    for (let k = 0; k < df.buckets.length; k++) {
      const bucket = df.buckets[k];
      if (bucket >= options.buckets) {
        throw new RangeError(
          `hashing embedder state: df bucket ${bucket} out of range (buckets ${options.buckets})`,
        );
      }
      this.idf[bucket] = Math.log((1 + docCount) / (1 + df.counts[k])) + 1;
    }
    this.seedMix = fmix32(options.seed ^ 0x6a09e667);
    this.signWords = Math.ceil(options.dim / 32);
    this.bins = new Float64Array(this.signWords * 8 * 16);
    this.values = new Float64Array(this.signWords * 32);
    this.batchSize = checkBatchSize(run.batchSize ?? 2048, "hashing embedder");
    this.onProgress = run.onProgress;
    this.id = [
      "hashing",
      `v${HashingEmbedderStateSchema.shape.version.value}`,
      `d${options.dim}`,
      `s${options.seed}`,
      `b${Math.log2(options.buckets)}`,
      `n${options.ngrams}`,
      options.sublinearTf ? "tflog" : "tfraw",
      this.stateHash(),
    ].join(":");
  }

  /** @internal Used by {@link fitHashingEmbedder}. */
  static fromDocumentFrequencies(
    options: HashingEmbedderOptions,
    docCount: number,
    df: { buckets: Uint32Array; counts: Uint32Array },
  ): HashingEmbedder {
    return new HashingEmbedder(resolveVectorOptions(options), docCount, df, options);
  }

  /**
   * Rebuilds an embedder from {@link HashingEmbedder.toJSON} output (validated; errors name the
   * field). The result has the same `id` and gives identical vectors.
   *
   * @example
   * ```ts
   * import { fitHashingEmbedder, HashingEmbedder } from "./hashing.ts";
   * const fitted = fitHashingEmbedder(["space opera", "courtroom drama"]);
   * const copy = HashingEmbedder.fromJSON(JSON.parse(JSON.stringify(fitted)));
   * copy.id === fitted.id; // true
   * ```
   */
  static fromJSON(state: unknown, run: HashingRunOptions = {}): HashingEmbedder {
    const parsed = HashingEmbedderStateSchema.safeParse(state);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `hashing embedder state: field ${issue.path.join(".") || "(root)"}: ${issue.message}`,
      );
    }
    const s = parsed.data;
    const buckets = decodeUint32(s.df.buckets, "buckets");
    const counts = decodeUint32(s.df.counts, "counts");
    if (buckets.length !== counts.length) {
      throw new Error(
        `hashing embedder state: df.buckets has ${buckets.length} entries, df.counts ${counts.length}`,
      );
    }
    return new HashingEmbedder(
      {
        dim: s.dim,
        seed: s.seed,
        buckets: s.buckets,
        ngrams: s.ngrams,
        sublinearTf: s.sublinearTf,
        stopwords: s.stopwords,
      },
      s.docCount,
      { buckets, counts },
      run,
    );
  }

  /** The fitted state, for {@link HashingEmbedder.fromJSON} (called by `JSON.stringify`). */
  toJSON(): HashingEmbedderState {
    return {
      format: "r4ec.hashing-embedder",
      version: 1,
      dim: this.options.dim,
      seed: this.options.seed,
      buckets: this.options.buckets,
      ngrams: this.options.ngrams,
      sublinearTf: this.options.sublinearTf,
      stopwords: [...this.options.stopwords],
      docCount: this.docCount,
      df: { buckets: encodeUint32(this.dfBuckets), counts: encodeUint32(this.dfCounts) },
    };
  }

  /** Embeds texts in batches, yielding to the event loop and reporting progress between batches. */
  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const started = performance.now();
    const out: Float32Array[] = new Array(texts.length);
    for (let from = 0; from < texts.length; from += this.batchSize) {
      signal?.throwIfAborted();
      const to = Math.min(texts.length, from + this.batchSize);
      for (let i = from; i < to; i++) {
        const text = texts[i];
        if (typeof text !== "string") {
          throw new TypeError(`hashing embedder: texts[${i}] is ${typeof text}, not a string`);
        }
        out[i] = this.embedOne(text);
      }
      this.onProgress?.({ done: to, total: texts.length, elapsedMs: performance.now() - started });
      // Long calls must not starve a server's other requests.
      if (to < texts.length) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return out;
  }

  /** Embeds one text synchronously. */
  embedOne(text: string): Float32Array {
    const scratch = this.scratch;
    extractFeatures(
      text,
      this.stopwordSet,
      this.options.buckets - 1,
      this.options.ngrams === 2,
      scratch,
    );
    // Bucket b's column of signs is 32 bits per word; bit j of word w is the sign of dimension
    // 32w + j (set: +1, clear: -1). Instead of adding ±weight to every dimension (dim operations
    // per feature), each 4-bit nibble of the column indexes a 16-bin histogram for its 4
    // dimensions (dim / 4 operations per feature); the histograms are resolved into the 4
    // dimensions once per text. The result is exactly the dense projection.
    const bins = this.bins;
    bins.fill(0);
    const idf = this.idf;
    const sublinear = this.options.sublinearTf;
    const words = this.signWords;
    const seedMix = this.seedMix;
    let total = 0;
    // Weights first, in a loop of independent loads, so the IDF table's cache misses overlap.
    const size = scratch.size;
    const unique = scratch.unique;
    const weights = scratch.weights;
    for (let k = 0; k < size; k++) {
      const count = scratch.counts[k];
      const tf = count === 1 ? 1 : sublinear ? 1 + Math.log(count) : count;
      const weight = tf * idf[unique[k]];
      weights[k] = weight;
      total += weight;
    }
    for (let k = 0; k < size; k++) {
      const bucket = unique[k];
      const weight = weights[k];
      // The column's sign words: xorshift32 steps from a hash of (seed, bucket); never zero.
      let bits = fmix32(bucket ^ seedMix) | 1;
      for (let w = 0; w < words; w++) {
        bits ^= bits << 13;
        bits ^= bits >>> 17;
        bits ^= bits << 5;
        const base = w << 7;
        bins[base + (bits & 15)] += weight;
        bins[base + 16 + ((bits >>> 4) & 15)] += weight;
        bins[base + 32 + ((bits >>> 8) & 15)] += weight;
        bins[base + 48 + ((bits >>> 12) & 15)] += weight;
        bins[base + 64 + ((bits >>> 16) & 15)] += weight;
        bins[base + 80 + ((bits >>> 20) & 15)] += weight;
        bins[base + 96 + ((bits >>> 24) & 15)] += weight;
        bins[base + 112 + (bits >>> 28)] += weight;
      }
    }
    const dim = this.dim;
    const values = this.values;
    let norm = 0;
    for (let nibble = 0; nibble * 4 < dim; nibble++) {
      const base = nibble << 4;
      // Weight whose sign is +1, per dimension of the nibble: bins whose index has that bit set.
      const b1 = bins[base + 1], b2 = bins[base + 2], b3 = bins[base + 3], b4 = bins[base + 4];
      const b5 = bins[base + 5], b6 = bins[base + 6], b7 = bins[base + 7], b8 = bins[base + 8];
      const b9 = bins[base + 9], b10 = bins[base + 10], b11 = bins[base + 11];
      const b12 = bins[base + 12], b13 = bins[base + 13], b14 = bins[base + 14];
      const b15 = bins[base + 15];
      const p0 = b1 + b3 + b5 + b7 + b9 + b11 + b13 + b15;
      const p1 = b2 + b3 + b6 + b7 + b10 + b11 + b14 + b15;
      const p2 = b4 + b5 + b6 + b7 + b12 + b13 + b14 + b15;
      const p3 = b8 + b9 + b10 + b11 + b12 + b13 + b14 + b15;
      const d = nibble << 2;
      values[d] = 2 * p0 - total;
      values[d + 1] = 2 * p1 - total;
      values[d + 2] = 2 * p2 - total;
      values[d + 3] = 2 * p3 - total;
    }
    for (let j = 0; j < dim; j++) norm += values[j] * values[j];
    const vector = new Float32Array(dim);
    if (norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let j = 0; j < dim; j++) vector[j] = values[j] * scale;
    }
    return vector;
  }

  /** First 16 hex digits of a SHA-256 over everything fitted (the last part of the `id`). */
  private stateHash(): string {
    const o = this.options;
    const hash = createHash("sha256");
    hash.update(
      JSON.stringify([
        o.dim,
        o.seed,
        o.buckets,
        o.ngrams,
        o.sublinearTf,
        o.stopwords,
        this.docCount,
      ]),
    );
    hash.update(
      new Uint8Array(this.dfBuckets.buffer, this.dfBuckets.byteOffset, this.dfBuckets.byteLength),
    );
    hash.update(
      new Uint8Array(this.dfCounts.buffer, this.dfCounts.byteOffset, this.dfCounts.byteLength),
    );
    return hash.digest("hex").slice(0, 16);
  }
}

/**
 * Fits document frequencies on `corpus` (each text one document) and returns the embedder.
 * Deterministic: the same corpus and options give the same `id` and the same vectors.
 *
 * @example
 * ```ts
 * import { fitHashingEmbedder } from "./hashing.ts";
 * const embedder = fitHashingEmbedder(
 *   ["Loves dark sci-fi thrillers.", "Prefers light romantic comedies."],
 *   { dim: 256, seed: 7 },
 * );
 * embedder.id; // "hashing:v1:d256:s7:b18:n2:tflog:…"
 * ```
 */
export function fitHashingEmbedder(
  corpus: Iterable<string>,
  options: HashingEmbedderOptions = {},
): HashingEmbedder {
  const resolved = resolveVectorOptions(options);
  const stopwords = new StopwordSet(resolved.stopwords);
  const df = new Uint32Array(resolved.buckets);
  const scratch = new FeatureScratch();
  let docCount = 0;
  for (const text of corpus) {
    if (typeof text !== "string") {
      throw new TypeError(
        `fitHashingEmbedder: corpus[${docCount}] is ${typeof text}, not a string`,
      );
    }
    extractFeatures(text, stopwords, resolved.buckets - 1, resolved.ngrams === 2, scratch);
    for (let k = 0; k < scratch.size; k++) df[scratch.unique[k]]++;
    docCount++;
  }
  let nonEmpty = 0;
  for (let b = 0; b < df.length; b++) if (df[b] !== 0) nonEmpty++;
  const buckets = new Uint32Array(nonEmpty);
  const counts = new Uint32Array(nonEmpty);
  for (let b = 0, k = 0; b < df.length; b++) {
    if (df[b] !== 0) {
      buckets[k] = b;
      counts[k++] = df[b];
    }
  }
  return HashingEmbedder.fromDocumentFrequencies(options, docCount, { buckets, counts });
}
