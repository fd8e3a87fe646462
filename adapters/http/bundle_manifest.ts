/**
 * `serving.json`, the description of a serving bundle: its TypeScript type (what the router and a
 * host read) and the zod schema a bundle is checked with when loaded; a compile-time check below
 * keeps the two the same type. Dense indices are 1-based; index 0 is padding everywhere.
 *
 * @module
 */
import { z } from "zod";
import { type HashingEmbedderState, HashingEmbedderStateSchema } from "../embed/hashing_state.ts";

/**
 * The encoder a bundle records.
 *
 * @example
 * ```ts
 * import type { BundleEncoder } from "./bundle_manifest.ts";
 * const e: BundleEncoder = { id: "hf:BAAI/bge-m3", dim: 1024, spec: "hf:BAAI/bge-m3" };
 * ```
 */
export interface BundleEncoder {
  /** Embedder id: the vector cache key in the store. */
  id: string;
  /** Width of its vectors. */
  dim: number;
  /** Spec to rebuild it (`hashing#dim=256`, `transformers:...`, `hf:...`), when known. */
  spec?: string;
  /** Fitted state of the hashing encoder (`HashingEmbedder#toJSON`). */
  hashingState?: HashingEmbedderState;
}

/**
 * What a bundle knows of an item.
 *
 * @example
 * ```ts
 * import type { BundleItemInfo } from "./bundle_manifest.ts";
 * const info: BundleItemInfo = { title: "Heat (1995)", attributes: [], genres: ["Action"], year: 1995 };
 * ```
 */
export interface BundleItemInfo {
  /** Display title. */
  title: string;
  /** Attribute values (`""` where a field is empty). */
  attributes: string[];
  /** Genre names. */
  genres: string[];
  /** Description, when the dataset has one. */
  description?: string;
  /** Release year, when known. */
  year?: number;
}

/**
 * `[denseItem, rating]`, oldest first within a window.
 *
 * @example
 * ```ts
 * import type { RatedPair } from "./bundle_manifest.ts";
 * const window: RatedPair[] = [[12, 5], [40, 2]];
 * ```
 */
export type RatedPair = [number, number];

/**
 * `serving.json`.
 *
 * @example
 * ```ts
 * import type { ServingManifest } from "./bundle_manifest.ts";
 * const titleOf = (m: ServingManifest, dense: number) => m.items.info[dense].title;
 * ```
 */
export interface ServingManifest {
  /** Always `r4ec.serving-bundle`. */
  format: "r4ec.serving-bundle";
  /** Format version (1). */
  version: 1;
  /** ISO time of writing. */
  createdAt: string;
  /** Backbone name (`din`, ...). */
  model: string;
  /** Dataset name. */
  dataset: string;
  /** How the dataset speaks: item noun, rating scale `[low, high]`, like-threshold. */
  domain: { itemNoun: string; ratingScale: [number, number]; likeThreshold: number };
  /** Interactions in a backbone history window (T). */
  historyLength: number;
  /** Attribute fields per item. */
  attrFields: number;
  /** Names of those fields. */
  attrFieldNames: string[];
  /** Attribute vocabulary, dense order (`[0]` is `""`). */
  attributes: string[];
  /** Items, dense order. */
  items: {
    /** Raw item ids, dense order (`[0]` is `""`). */
    raw: string[];
    /** Dense attribute ids, `raw.length * attrFields`. */
    attrs: number[];
    /** Descriptive info by dense index (`[0]` is a placeholder). */
    info: BundleItemInfo[];
    /** Per dense item: the liker's and disliker's windows and ratings (null = no raters known). */
    raters: ({ liker: RatedPair[]; disliker: RatedPair[] } | null)[];
  };
  /** Users, dense order. */
  users: {
    /** Raw user ids, dense order (`[0]` is `""`). */
    raw: string[];
    /** Latest backbone history per dense user: `raw.length * historyLength` items, oldest first. */
    historyItem: number[];
    /** Ratings of `historyItem` (0 = padding). */
    historyRating: number[];
    /** The knowledge window per dense user, `[item, rating]` pairs. */
    window: RatedPair[][];
  };
  /** Prefix the knowledge keys carry in the store (`<tag>|`, or `""`). */
  knowledgePrefix: string;
  /** The encoder of knowledge texts. */
  encoder: BundleEncoder;
  /**
   * Vectors brought in from outside that the model was trained with, kept in the bundle's folder
   * `dir` (a knowledge-vectors folder); scoring reads them instead of encoding knowledge texts.
   */
  vectors?: { dir: string; fingerprint: string; summary: string };
}

const Id = z.number().int().nonnegative();
const PairSchema = z.tuple([Id, z.number().int()]);

const ItemInfoSchema = z.object({
  title: z.string(),
  attributes: z.array(z.string()),
  genres: z.array(z.string()),
  description: z.string().optional(),
  year: z.number().int().optional(),
});

/**
 * {@link BundleEncoder}.
 *
 * @example
 * ```ts
 * import { BundleEncoderSchema } from "./bundle_manifest.ts";
 * BundleEncoderSchema.parse({ id: "hf:BAAI/bge-m3", dim: 1024, spec: "hf:BAAI/bge-m3" });
 * ```
 */
export const BundleEncoderSchema = z.object({
  id: z.string().min(1),
  dim: z.number().int().positive(),
  spec: z.string().optional(),
  hashingState: HashingEmbedderStateSchema.optional(),
});

/**
 * {@link ServingManifest}.
 *
 * @example
 * ```ts
 * import { ServingManifestSchema } from "./bundle_manifest.ts";
 * const manifestOf = async (file: string) =>
 *   ServingManifestSchema.parse(JSON.parse(await Deno.readTextFile(file)));
 * // await manifestOf("runs/serving/serving.json")
 * ```
 */
export const ServingManifestSchema = z.object({
  format: z.literal("r4ec.serving-bundle"),
  version: z.literal(1),
  createdAt: z.string(),
  model: z.string(),
  dataset: z.string().min(1),
  domain: z.object({
    itemNoun: z.string().min(1),
    ratingScale: z.tuple([z.number().int(), z.number().int()]),
    likeThreshold: z.number(),
  }),
  historyLength: z.number().int().positive(),
  attrFields: z.number().int().positive(),
  attrFieldNames: z.array(z.string()),
  attributes: z.array(z.string()),
  items: z.object({
    raw: z.array(z.string()),
    attrs: z.array(Id),
    info: z.array(ItemInfoSchema),
    raters: z.array(
      z.object({
        liker: z.array(PairSchema),
        disliker: z.array(PairSchema),
      }).nullable(),
    ),
  }),
  users: z.object({
    raw: z.array(z.string()),
    historyItem: z.array(Id),
    historyRating: z.array(z.number().int().nonnegative()),
    window: z.array(z.array(PairSchema)),
  }),
  knowledgePrefix: z.string(),
  encoder: BundleEncoderSchema,
  vectors: z.object({
    dir: z.string().min(1),
    fingerprint: z.string(),
    summary: z.string(),
  }).optional(),
});

// Each interface and its schema are the same type (a mismatch fails `deno check`).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameTypes: [
  Same<z.output<typeof ItemInfoSchema>, BundleItemInfo>,
  Same<z.output<typeof BundleEncoderSchema>, BundleEncoder>,
  Same<z.output<typeof ServingManifestSchema>, ServingManifest>,
] = [true, true, true];
void sameTypes;
