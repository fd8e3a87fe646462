/**
 * Request and response schemas of the HTTP API. Requests are validated with them; the OpenAPI
 * document is generated from them (`z.toJSONSchema`).
 *
 * @module
 */
import { z } from "zod";
import { CritiqueSchema, DraftSchema, TokenUsageSchema } from "../../plugins/types.ts";

/**
 * Candidates per score/rank request, at most.
 *
 * @example
 * ```ts
 * import { MAX_CANDIDATES } from "./schemas.ts";
 * const pages = (ids: string[]) => Math.ceil(ids.length / MAX_CANDIDATES);
 * ```
 */
export const MAX_CANDIDATES = 1000;

/**
 * A raw user or item id as the host knows it (numbers are read as their decimal string).
 *
 * @example
 * ```ts
 * import { RawIdSchema } from "./schemas.ts";
 * RawIdSchema.parse("1193"); // "1193"
 * RawIdSchema.parse(42); // 42
 * ```
 */
export const RawIdSchema = z.union([
  z.string().min(1).max(256),
  z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
], { error: "must be a non-empty string (at most 256 characters) or a non-negative integer" })
  .describe("Raw id from the dataset (string, or a non-negative integer)");

/**
 * One interaction of a history the host passes, oldest first.
 *
 * @example
 * ```ts
 * import { InteractionSchema } from "./schemas.ts";
 * InteractionSchema.parse({ item: "1193", rating: 5 });
 * ```
 */
export const InteractionSchema = z.strictObject({
  item: RawIdSchema,
  rating: z.number().int().describe("Rating on the dataset's scale"),
});

/**
 * `POST /v1/score`.
 *
 * @example
 * ```ts
 * import { ScoreRequestSchema } from "./schemas.ts";
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
 * `POST /v1/score`.
 *
 * @example
 * ```ts
 * import type { ScoreRequest } from "./schemas.ts";
 * const body: ScoreRequest = { user: "42", items: ["1193", "661"] };
 * ```
 */
export type ScoreRequest = z.infer<typeof ScoreRequestSchema>;

/**
 * `POST /v1/rank`.
 *
 * @example
 * ```ts
 * import { RankRequestSchema } from "./schemas.ts";
 * RankRequestSchema.parse({ user: "42", items: ["1193", "661", "914"], k: 2 });
 * ```
 */
export const RankRequestSchema = ScoreRequestSchema.extend({
  k: z.number().int().positive().max(MAX_CANDIDATES).optional().describe("Items returned (10)"),
});
/**
 * `POST /v1/rank`.
 *
 * @example
 * ```ts
 * import type { RankRequest } from "./schemas.ts";
 * const body: RankRequest = { user: "42", items: ["1193", "661", "914"], k: 2 };
 * ```
 */
export type RankRequest = z.infer<typeof RankRequestSchema>;

/**
 * Which knowledge and history a score used.
 *
 * @example
 * ```ts
 * import { ScoreContextSchema } from "./schemas.ts";
 * ScoreContextSchema.parse({ userKnowledge: "stored", itemsWithKnowledge: 2, history: "bundle" });
 * ```
 */
export const ScoreContextSchema = z.object({
  /** `stored`: the user's stored knowledge; `none`: zeros (as in training for a user without). */
  userKnowledge: z.enum(["stored", "none"]),
  /** Candidates that had item knowledge (the rest used zero vectors, as in training). */
  itemsWithKnowledge: z.number().int().nonnegative(),
  /** Where the history came from. */
  history: z.enum(["request", "bundle", "none"]),
});

/**
 * Response of `POST /v1/score`.
 *
 * @example
 * ```ts
 * import { ScoreResponseSchema } from "./schemas.ts";
 * async function scores(res: Response) {
 *   return ScoreResponseSchema.parse(await res.json()).scores;
 * }
 * ```
 */
export const ScoreResponseSchema = z.object({
  user: z.string(),
  model: z.string(),
  scores: z.array(z.object({
    item: z.string(),
    score: z.number().describe("Click probability"),
  })),
  context: ScoreContextSchema,
});

/**
 * Response of `POST /v1/rank`.
 *
 * @example
 * ```ts
 * import { RankResponseSchema } from "./schemas.ts";
 * async function top(res: Response) {
 *   return RankResponseSchema.parse(await res.json()).items[0];
 * }
 * ```
 */
export const RankResponseSchema = z.object({
  user: z.string(),
  model: z.string(),
  items: z.array(z.object({
    item: z.string(),
    score: z.number(),
    rank: z.number().int().positive(),
  })),
  context: ScoreContextSchema,
});

/**
 * Metadata of the vector a knowledge text scores with.
 *
 * @example
 * ```ts
 * import { VectorInfoSchema } from "./schemas.ts";
 * VectorInfoSchema.parse({ encoderId: "hashing:v1:d256", dim: 256, textHash: "ab", stored: true });
 * ```
 */
export const VectorInfoSchema = z.object({
  encoderId: z.string(),
  dim: z.number().int(),
  textHash: z.string(),
  /** True when the store holds the vector (else it is embedded on first use). */
  stored: z.boolean(),
});

/**
 * One stored knowledge record, as served.
 *
 * @example
 * ```ts
 * import { KnowledgeEntrySchema } from "./schemas.ts";
 * const texts = (entries: unknown[]) => entries.map((e) => KnowledgeEntrySchema.parse(e).text);
 * ```
 */
export const KnowledgeEntrySchema = z.object({
  /** Task key (`<dataset>:user:<id>` or `<dataset>:item:<id>`). */
  key: z.string(),
  /** Key in the store (with the bundle's prefix). */
  storeKey: z.string(),
  /** The knowledge kept (the final version). */
  text: z.string(),
  /** The reasoning-only first draft. */
  firstText: z.string(),
  runId: z.string().optional(),
  /** The judgement trail: every draft and the critique of it, when one ran. */
  rounds: z.array(z.object({
    round: z.number().int(),
    draft: DraftSchema,
    critique: CritiqueSchema.optional(),
  })),
  vector: VectorInfoSchema,
});

/**
 * Response of the knowledge GET routes.
 *
 * @example
 * ```ts
 * import { KnowledgeResponseSchema } from "./schemas.ts";
 * async function latest(res: Response) {
 *   return KnowledgeResponseSchema.parse(await res.json()).knowledge[0]?.text;
 * }
 * ```
 */
export const KnowledgeResponseSchema = z.object({
  kind: z.enum(["user", "item"]),
  id: z.string(),
  /** True when the bundle's vocabulary has the id. */
  inVocabulary: z.boolean(),
  knowledge: z.array(KnowledgeEntrySchema),
});

/**
 * `POST /v1/knowledge/users/:id`.
 *
 * @example
 * ```ts
 * import { UserKnowledgeRequestSchema } from "./schemas.ts";
 * UserKnowledgeRequestSchema.parse({ history: [{ item: "1193", rating: 5 }, { item: "661", rating: 2 }] });
 * ```
 */
export const UserKnowledgeRequestSchema = z.strictObject({
  history: z.array(InteractionSchema).min(1).max(100).optional().describe(
    "The window to reason over, oldest first. Default: the user's latest window in the bundle.",
  ),
});
/**
 * `POST /v1/knowledge/users/:id`.
 *
 * @example
 * ```ts
 * import type { UserKnowledgeRequest } from "./schemas.ts";
 * const body: UserKnowledgeRequest = { history: [{ item: "1193", rating: 5 }] };
 * ```
 */
export type UserKnowledgeRequest = z.infer<typeof UserKnowledgeRequestSchema>;

/**
 * `POST /v1/knowledge/items/:id`.
 *
 * @example
 * ```ts
 * import { ItemKnowledgeRequestSchema } from "./schemas.ts";
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
/**
 * `POST /v1/knowledge/items/:id`.
 *
 * @example
 * ```ts
 * import type { ItemKnowledgeRequest } from "./schemas.ts";
 * const body: ItemKnowledgeRequest = { title: "A New Film (2024)", attributes: ["Drama"] };
 * ```
 */
export type ItemKnowledgeRequest = z.infer<typeof ItemKnowledgeRequestSchema>;

/**
 * Response of the knowledge POST routes: the R4 trace and where the result went.
 *
 * @example
 * ```ts
 * import { KnowledgeRunResponseSchema } from "./schemas.ts";
 * async function finalText(res: Response) {
 *   return KnowledgeRunResponseSchema.parse(await res.json()).final.text;
 * }
 * ```
 */
export const KnowledgeRunResponseSchema = z.object({
  key: z.string(),
  storeKey: z.string(),
  kind: z.enum(["user", "item"]),
  stopReason: z.string(),
  roundsUsed: z.number().int(),
  refinements: z.number().int(),
  first: DraftSchema,
  final: DraftSchema,
  rounds: z.array(z.object({
    round: z.number().int(),
    judged: DraftSchema,
    critique: CritiqueSchema,
    outcome: z.string(),
    refined: DraftSchema.optional(),
  })),
  usage: TokenUsageSchema,
  latencyMs: z.number(),
  actor: z.string(),
  reflector: z.string(),
  vector: VectorInfoSchema,
});

/**
 * Response of `GET /healthz`.
 *
 * @example
 * ```ts
 * import { HealthResponseSchema } from "./schemas.ts";
 * async function ready(res: Response) {
 *   return HealthResponseSchema.parse(await res.json()).status === "ok";
 * }
 * ```
 */
export const HealthResponseSchema = z.object({
  status: z.literal("ok"),
  model: z.string(),
  dataset: z.string(),
  items: z.number().int(),
  users: z.number().int(),
  encoder: z.string(),
  knowledgeGeneration: z.boolean(),
  cachedVectors: z.number().int(),
  uptimeSeconds: z.number(),
});
