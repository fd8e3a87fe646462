/**
 * The serialised fitted state of a `hashing` embedder (JSON-safe): its type, the schema that
 * validates it, and the base64 coding of its document-frequency arrays.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { z } from "zod";

/**
 * Serialised fitted state of a hashing embedder (JSON-safe): what {@link HashingEmbedder.toJSON}
 * writes and {@link HashingEmbedder.fromJSON} reads, and everything that decides its vectors.
 *
 * @example
 * ```ts
 * import { fitHashingEmbedder } from "./hashing.ts";
 * import type { HashingEmbedderState } from "./hashing_state.ts";
 * const state: HashingEmbedderState = fitHashingEmbedder(["noir", "comedy"]).toJSON();
 * state.format; // "r4ec.hashing-embedder"
 * ```
 */
export interface HashingEmbedderState {
  /** Always `r4ec.hashing-embedder`. */
  format: "r4ec.hashing-embedder";
  /** Version of the algorithm and of this layout. */
  version: 1;
  /** Output dimension. */
  dim: number;
  /** Seed of the random projection, an unsigned 32-bit integer. */
  seed: number;
  /** Feature-hash slots, a power of two. */
  buckets: number;
  /** 1 = unigrams only, 2 = unigrams and bigrams. */
  ngrams: 1 | 2;
  /** `1 + ln(count)` instead of the raw count as term frequency. */
  sublinearTf: boolean;
  /** The stopwords, folded to lower case, sorted and unique. */
  stopwords: string[];
  /** Number of documents the IDF was fitted on. */
  docCount: number;
  /** Document frequencies of the non-empty buckets: little-endian uint32 arrays, base64. */
  df: { buckets: string; counts: string };
}

/**
 * Validates a {@link HashingEmbedderState}; errors name the field.
 *
 * @internal zod's types are no part of this package's documented API (`deno doc` cannot document
 * them). The schema is exported so that other schemas (the serving bundle's manifest) can hold a
 * state; the documented contract is {@link HashingEmbedderState} and `HashingEmbedder.fromJSON`.
 *
 * @example
 * ```ts
 * import { fitHashingEmbedder } from "./hashing.ts";
 * import { HashingEmbedderStateSchema } from "./hashing_state.ts";
 * const state = JSON.parse(JSON.stringify(fitHashingEmbedder(["noir"])));
 * HashingEmbedderStateSchema.safeParse(state).success; // true
 * ```
 */
export const HashingEmbedderStateSchema = z.object({
  format: z.literal("r4ec.hashing-embedder"),
  version: z.literal(1),
  dim: z.number().int().positive(),
  seed: z.number().int().nonnegative().max(0xffffffff),
  buckets: z.number().int().positive().refine(isPowerOfTwo, "must be a power of two"),
  ngrams: z.union([z.literal(1), z.literal(2)]),
  sublinearTf: z.boolean(),
  stopwords: z.array(z.string()),
  docCount: z.number().int().nonnegative(),
  /** Document frequencies of the non-empty buckets: little-endian uint32 arrays, base64. */
  df: z.object({ buckets: z.string(), counts: z.string() }),
});

// The schema and the interface describe the same JSON: `deno check` fails when they drift apart.
type Parsed = z.infer<typeof HashingEmbedderStateSchema>;
type Assignable<From extends To, To> = [From, To];
type _StateMatchesSchema = [
  Assignable<Parsed, HashingEmbedderState>,
  Assignable<HashingEmbedderState, Parsed>,
];

/**
 * True for a power of two from 1 to 2^30 (a valid bucket count).
 *
 * @example
 * ```ts
 * import { isPowerOfTwo } from "./hashing_state.ts";
 * isPowerOfTwo(2 ** 18); // true
 * isPowerOfTwo(1000); // false
 * ```
 */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0 && n <= 2 ** 30;
}

/**
 * Little-endian bytes of `values`, base64 (the coding of {@link HashingEmbedderState.df}).
 *
 * @example
 * ```ts
 * import { encodeUint32 } from "./hashing_state.ts";
 * encodeUint32(new Uint32Array([1])); // "AQAAAA=="
 * ```
 */
export function encodeUint32(values: Uint32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setUint32(i * 4, values[i], true);
  return Buffer.from(bytes).toString("base64");
}

/**
 * The inverse of {@link encodeUint32}; `field` names the array in the error a bad length gives.
 *
 * @example
 * ```ts
 * import { decodeUint32 } from "./hashing_state.ts";
 * decodeUint32("AQAAAA==", "counts"); // Uint32Array [1]
 * ```
 */
export function decodeUint32(base64: string, field: string): Uint32Array {
  const bytes = Buffer.from(base64, "base64");
  if (bytes.length % 4 !== 0) {
    throw new Error(
      `hashing embedder state: field df.${field}: ${bytes.length} bytes, not uint32s`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}
