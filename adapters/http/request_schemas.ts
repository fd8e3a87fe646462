/**
 * Request bodies of the HTTP API: each as a TypeScript interface (what a host's code writes) and a
 * zod schema (what requests are validated with and the OpenAPI document describes them by). A
 * compile-time check below keeps each pair the same type.
 *
 * @module
 */
import { z } from "zod";

/**
 * Candidates per score/rank request, at most.
 *
 * @example
 * ```ts
 * import { MAX_CANDIDATES } from "./request_schemas.ts";
 * const pages = (ids: string[]) => Math.ceil(ids.length / MAX_CANDIDATES);
 * ```
 */
export const MAX_CANDIDATES = 1000;

/**
 * Longest raw id, in characters, wherever a request names one (path or body).
 *
 * @example
 * ```ts
 * import { MAX_ID_LENGTH } from "./request_schemas.ts";
 * const fits = (id: string) => id.length <= MAX_ID_LENGTH;
 * ```
 */
export const MAX_ID_LENGTH = 256;

/**
 * A raw user or item id as the host knows it: a non-empty string of at most
 * {@link MAX_ID_LENGTH} characters, or a non-negative integer (read as its decimal string).
 *
 * @example
 * ```ts
 * import type { RawId } from "./request_schemas.ts";
 * const ids: RawId[] = ["1193", 42];
 * ```
 */
export type RawId = string | number;

const ID_MESSAGE =
  `must be a non-empty string (at most ${MAX_ID_LENGTH} characters) or a non-negative integer`;

/**
 * The one check of a raw id's text, in a path (`/v1/users/:id/knowledge`) or a body.
 *
 * @example
 * ```ts
 * import { RawIdTextSchema } from "./request_schemas.ts";
 * console.log(RawIdTextSchema.safeParse("x".repeat(300)).success); // false
 * ```
 */
export const RawIdTextSchema = z.string().min(1, ID_MESSAGE).max(MAX_ID_LENGTH, ID_MESSAGE);

/**
 * {@link RawId}.
 *
 * @example
 * ```ts
 * import { RawIdSchema } from "./request_schemas.ts";
 * RawIdSchema.parse("1193"); // "1193"
 * RawIdSchema.parse(42); // 42
 * ```
 */
export const RawIdSchema = z.union([
  RawIdTextSchema,
  z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
], { error: ID_MESSAGE })
  .describe("Raw id from the dataset (string, or a non-negative integer)");

/**
 * One interaction of a history the host passes, oldest first.
 *
 * @example
 * ```ts
 * import type { Interaction } from "./request_schemas.ts";
 * const h: Interaction = { item: "1193", rating: 5 };
 * ```
 */
export interface Interaction {
  /** Raw item id. */
  item: RawId;
  /** Rating on the dataset's scale. */
  rating: number;
}

/**
 * {@link Interaction}.
 *
 * @example
 * ```ts
 * import { InteractionSchema } from "./request_schemas.ts";
 * InteractionSchema.parse({ item: "1193", rating: 5 });
 * ```
 */
export const InteractionSchema = z.strictObject({
  item: RawIdSchema,
  rating: z.number().int().describe("Rating on the dataset's scale"),
});

/**
 * Body of `POST /v1/score`.
 *
 * @example
 * ```ts
 * import type { ScoreRequest } from "./request_schemas.ts";
 * const body: ScoreRequest = { user: "42", items: ["1193", "661"] };
 * ```
 */
export interface ScoreRequest {
  /** Raw user id (a new user needs a `history` or stored knowledge). */
  user: RawId;
  /** Candidate items (1 to {@link MAX_CANDIDATES}). */
  items: RawId[];
  /**
   * The user's latest interactions, oldest first; the last T are used. Default: the latest
   * history the bundle holds for the user.
   */
  history?: Interaction[];
}

/**
 * {@link ScoreRequest}.
 *
 * @example
 * ```ts
 * import { ScoreRequestSchema } from "./request_schemas.ts";
 * ScoreRequestSchema.parse({ user: "42", items: ["1193", "661"], history: [{ item: "914", rating: 4 }] });
 * ```
 */
export const ScoreRequestSchema = z.strictObject({
  user: RawIdSchema,
  items: z.array(RawIdSchema).min(1).max(MAX_CANDIDATES).describe("Candidate items"),
  history: z.array(InteractionSchema).max(MAX_CANDIDATES).optional().describe(
    "The user's latest interactions, oldest first; the last T are used. " +
      "Default: the latest history the bundle holds for the user.",
  ),
});

/**
 * Body of `POST /v1/rank`.
 *
 * @example
 * ```ts
 * import type { RankRequest } from "./request_schemas.ts";
 * const body: RankRequest = { user: "42", items: ["1193", "661", "914"], k: 2 };
 * ```
 */
export interface RankRequest extends ScoreRequest {
  /** Items returned. @default 10 */
  k?: number;
}

/**
 * {@link RankRequest}.
 *
 * @example
 * ```ts
 * import { RankRequestSchema } from "./request_schemas.ts";
 * RankRequestSchema.parse({ user: "42", items: ["1193", "661", "914"], k: 2 });
 * ```
 */
export const RankRequestSchema = ScoreRequestSchema.extend({
  k: z.number().int().positive().max(MAX_CANDIDATES).optional().describe("Items returned (10)"),
});

/**
 * Body of `POST /v1/knowledge/users/:id` (optional).
 *
 * @example
 * ```ts
 * import type { UserKnowledgeRequest } from "./request_schemas.ts";
 * const body: UserKnowledgeRequest = { history: [{ item: "1193", rating: 5 }] };
 * ```
 */
export interface UserKnowledgeRequest {
  /** The window to reason over, oldest first (1 to 100). Default: the user's latest window in the bundle. */
  history?: Interaction[];
}

/**
 * {@link UserKnowledgeRequest}.
 *
 * @example
 * ```ts
 * import { UserKnowledgeRequestSchema } from "./request_schemas.ts";
 * UserKnowledgeRequestSchema.parse({ history: [{ item: "1193", rating: 5 }, { item: "661", rating: 2 }] });
 * ```
 */
export const UserKnowledgeRequestSchema = z.strictObject({
  history: z.array(InteractionSchema).min(1).max(100).optional().describe(
    "The window to reason over, oldest first. Default: the user's latest window in the bundle.",
  ),
});

/**
 * Body of `POST /v1/knowledge/items/:id` (optional for an item the bundle knows; a new item needs
 * at least a title): overrides of what the bundle knows of the item.
 *
 * @example
 * ```ts
 * import type { ItemKnowledgeRequest } from "./request_schemas.ts";
 * const body: ItemKnowledgeRequest = { title: "A New Film (2024)", attributes: ["Drama"] };
 * ```
 */
export interface ItemKnowledgeRequest {
  /** Title (required for an item the bundle does not know). */
  title?: string;
  /** Attribute names (default: the bundle's attributes and genres). */
  attributes?: string[];
  /** Description (default: the bundle's, if any). */
  description?: string;
  /** A liker's history (default: the bundle's). */
  likerHistory?: Interaction[];
  /** A disliker's history (default: the bundle's). */
  dislikerHistory?: Interaction[];
}

/**
 * {@link ItemKnowledgeRequest}.
 *
 * @example
 * ```ts
 * import { ItemKnowledgeRequestSchema } from "./request_schemas.ts";
 * ItemKnowledgeRequestSchema.parse({ title: "A New Film (2024)", attributes: ["Drama"] });
 * ```
 */
export const ItemKnowledgeRequestSchema = z.strictObject({
  title: z.string().min(1).max(1000).optional(),
  attributes: z.array(z.string().max(200)).max(50).optional(),
  description: z.string().max(10_000).optional(),
  likerHistory: z.array(InteractionSchema).max(100).optional(),
  dislikerHistory: z.array(InteractionSchema).max(100).optional(),
}).describe("Overrides of what the bundle knows of the item (required fields for a new item)");

// Each interface and its schema are the same type (a mismatch fails `deno check`).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameTypes: [
  Same<z.output<typeof InteractionSchema>, Interaction>,
  Same<z.output<typeof ScoreRequestSchema>, ScoreRequest>,
  Same<z.output<typeof RankRequestSchema>, RankRequest>,
  Same<z.output<typeof UserKnowledgeRequestSchema>, UserKnowledgeRequest>,
  Same<z.output<typeof ItemKnowledgeRequestSchema>, ItemKnowledgeRequest>,
] = [true, true, true, true, true];
void sameTypes;
