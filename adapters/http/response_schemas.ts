/**
 * Response bodies of the HTTP API: each as a TypeScript interface (what a host's code reads) and a
 * zod schema (what the OpenAPI document describes them by and the tests check every answer
 * against). A compile-time check below keeps each pair the same type.
 *
 * @module
 */
import { z } from "zod";
import {
  type Critique,
  CritiqueSchema,
  type Draft,
  DraftSchema,
  type TokenUsage,
  TokenUsageSchema,
} from "../../plugins/types.ts";

/**
 * Which knowledge and history a score used.
 *
 * @example
 * ```ts
 * import type { ScoreContext } from "./response_schemas.ts";
 * const context: ScoreContext = { userKnowledge: "stored", itemsWithKnowledge: 2, history: "bundle" };
 * ```
 */
export interface ScoreContext {
  /** `stored`: the user's stored knowledge; `none`: zeros (as in training for a user without). */
  userKnowledge: "stored" | "none";
  /** Candidates that had item knowledge (the rest used zero vectors, as in training). */
  itemsWithKnowledge: number;
  /** Where the history came from. */
  history: "request" | "bundle" | "none";
}

/**
 * {@link ScoreContext}.
 *
 * @example
 * ```ts
 * import { ScoreContextSchema } from "./response_schemas.ts";
 * ScoreContextSchema.parse({ userKnowledge: "stored", itemsWithKnowledge: 2, history: "bundle" });
 * ```
 */
export const ScoreContextSchema = z.object({
  userKnowledge: z.enum(["stored", "none"]),
  itemsWithKnowledge: z.number().int().nonnegative(),
  history: z.enum(["request", "bundle", "none"]),
});

/**
 * Answer of `POST /v1/score`.
 *
 * @example
 * ```ts
 * import type { ScoreResponse } from "./response_schemas.ts";
 * const top = (r: ScoreResponse) => r.scores.toSorted((a, b) => b.score - a.score)[0];
 * ```
 */
export interface ScoreResponse {
  /** The user, as a string. */
  user: string;
  /** Backbone name. */
  model: string;
  /** One per candidate, in request order; `score` is the click probability. */
  scores: { item: string; score: number }[];
  /** Which knowledge and history the scores used. */
  context: ScoreContext;
}

/**
 * {@link ScoreResponse}.
 *
 * @example
 * ```ts
 * import { ScoreResponseSchema } from "./response_schemas.ts";
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
 * Answer of `POST /v1/rank`.
 *
 * @example
 * ```ts
 * import type { RankResponse } from "./response_schemas.ts";
 * const ids = (r: RankResponse) => r.items.map((i) => i.item);
 * ```
 */
export interface RankResponse {
  /** The user, as a string. */
  user: string;
  /** Backbone name. */
  model: string;
  /** Best first; `rank` counts from 1. */
  items: { item: string; score: number; rank: number }[];
  /** Which knowledge and history the scores used. */
  context: ScoreContext;
}

/**
 * {@link RankResponse}.
 *
 * @example
 * ```ts
 * import { RankResponseSchema } from "./response_schemas.ts";
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
 * import type { VectorInfo } from "./response_schemas.ts";
 * const v: VectorInfo = { encoderId: "hashing:v1:d256", dim: 256, textHash: "ab", stored: true };
 * ```
 */
export interface VectorInfo {
  /** Id of the encoder (the vector cache key in the store). */
  encoderId: string;
  /** Width of the vector. */
  dim: number;
  /** SHA-256 of the knowledge text. */
  textHash: string;
  /** True when the store holds the vector (else it is embedded on first use). */
  stored: boolean;
}

/**
 * {@link VectorInfo}.
 *
 * @example
 * ```ts
 * import { VectorInfoSchema } from "./response_schemas.ts";
 * VectorInfoSchema.parse({ encoderId: "hashing:v1:d256", dim: 256, textHash: "ab", stored: true });
 * ```
 */
export const VectorInfoSchema = z.object({
  encoderId: z.string(),
  dim: z.number().int(),
  textHash: z.string(),
  stored: z.boolean(),
});

/**
 * One stored knowledge record, as served.
 *
 * @example
 * ```ts
 * import type { KnowledgeEntry } from "./response_schemas.ts";
 * const critiques = (e: KnowledgeEntry) => e.rounds.flatMap((r) => r.critique ? [r.critique.feedback] : []);
 * ```
 */
export interface KnowledgeEntry {
  /** Task key (`<dataset>:user:<id>` or `<dataset>:item:<id>`). */
  key: string;
  /** Key in the store (with the bundle's prefix). */
  storeKey: string;
  /** The knowledge kept (the final version). */
  text: string;
  /** The reasoning-only first draft. */
  firstText: string;
  /** Run that wrote it. */
  runId?: string;
  /** The judgement trail: every draft and the critique of it, when one ran. */
  rounds: { round: number; draft: Draft; critique?: Critique }[];
  /** The vector the text scores with. */
  vector: VectorInfo;
}

/**
 * {@link KnowledgeEntry}.
 *
 * @example
 * ```ts
 * import { KnowledgeEntrySchema } from "./response_schemas.ts";
 * const texts = (entries: unknown[]) => entries.map((e) => KnowledgeEntrySchema.parse(e).text);
 * ```
 */
export const KnowledgeEntrySchema = z.object({
  key: z.string(),
  storeKey: z.string(),
  text: z.string(),
  firstText: z.string(),
  runId: z.string().optional(),
  rounds: z.array(z.object({
    round: z.number().int(),
    draft: DraftSchema,
    critique: CritiqueSchema.optional(),
  })),
  vector: VectorInfoSchema,
});

/**
 * Answer of the knowledge GET routes.
 *
 * @example
 * ```ts
 * import type { KnowledgeResponse } from "./response_schemas.ts";
 * const latest = (r: KnowledgeResponse) => r.knowledge[0]?.text;
 * ```
 */
export interface KnowledgeResponse {
  /** Which kind of entity. */
  kind: "user" | "item";
  /** The raw id asked for. */
  id: string;
  /** True when the bundle's vocabulary has the id. */
  inVocabulary: boolean;
  /** Empty when nothing is stored. */
  knowledge: KnowledgeEntry[];
}

/**
 * {@link KnowledgeResponse}.
 *
 * @example
 * ```ts
 * import { KnowledgeResponseSchema } from "./response_schemas.ts";
 * async function latest(res: Response) {
 *   return KnowledgeResponseSchema.parse(await res.json()).knowledge[0]?.text;
 * }
 * ```
 */
export const KnowledgeResponseSchema = z.object({
  kind: z.enum(["user", "item"]),
  id: z.string(),
  inVocabulary: z.boolean(),
  knowledge: z.array(KnowledgeEntrySchema),
});

/**
 * Answer of the knowledge POST routes: the R4 trace and where the result went.
 *
 * @example
 * ```ts
 * import type { KnowledgeRunResponse } from "./response_schemas.ts";
 * const refined = (r: KnowledgeRunResponse) => r.refinements > 0;
 * ```
 */
export interface KnowledgeRunResponse {
  /** Task key. */
  key: string;
  /** Key in the store. */
  storeKey: string;
  /** Which kind of entity. */
  kind: "user" | "item";
  /** Why the loop stopped. */
  stopReason: string;
  /** Reflection rounds run. */
  roundsUsed: number;
  /** Refinements that produced the next version. */
  refinements: number;
  /** The reasoning-only draft. */
  first: Draft;
  /** The knowledge kept. */
  final: Draft;
  /** One entry per reflection round. */
  rounds: { round: number; judged: Draft; critique: Critique; outcome: string; refined?: Draft }[];
  /** Tokens, summed over every call. */
  usage: TokenUsage;
  /** Time, summed over every call, in milliseconds. */
  latencyMs: number;
  /** Id of the actor. */
  actor: string;
  /** Id of the reflector. */
  reflector: string;
  /** The vector the new knowledge scores with. */
  vector: VectorInfo;
}

/**
 * {@link KnowledgeRunResponse}.
 *
 * @example
 * ```ts
 * import { KnowledgeRunResponseSchema } from "./response_schemas.ts";
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
 * Answer of `GET /healthz`.
 *
 * @example
 * ```ts
 * import type { HealthResponse } from "./response_schemas.ts";
 * const ready = (h: HealthResponse) => h.status === "ok" && h.cachedVectors > 0;
 * ```
 */
export interface HealthResponse {
  /** Always `ok` (an unhealthy server does not answer). */
  status: "ok";
  /** Backbone name. */
  model: string;
  /** Dataset name the bundle was trained on. */
  dataset: string;
  /** Items the model knows. */
  items: number;
  /** Users the model knows. */
  users: number;
  /** Id of the knowledge encoder. */
  encoder: string;
  /** Whether the knowledge POST routes run (an actor is configured). */
  knowledgeGeneration: boolean;
  /** Knowledge vectors in memory. */
  cachedVectors: number;
  /** Seconds since the router was built. */
  uptimeSeconds: number;
}

/**
 * {@link HealthResponse}.
 *
 * @example
 * ```ts
 * import { HealthResponseSchema } from "./response_schemas.ts";
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

/**
 * The parts of an OpenAPI 3.1 document its readers rely on (the answer of `GET /openapi.json`).
 *
 * @example
 * ```ts
 * import { OpenApiDocumentSchema } from "./response_schemas.ts";
 * async function paths(res: Response) {
 *   return Object.keys(OpenApiDocumentSchema.parse(await res.json()).paths);
 * }
 * ```
 */
export const OpenApiDocumentSchema = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  servers: z.array(z.looseObject({ url: z.string() })),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
});

// Each interface and its schema are the same type (a mismatch fails `deno check`).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameTypes: [
  Same<z.output<typeof ScoreContextSchema>, ScoreContext>,
  Same<z.output<typeof ScoreResponseSchema>, ScoreResponse>,
  Same<z.output<typeof RankResponseSchema>, RankResponse>,
  Same<z.output<typeof VectorInfoSchema>, VectorInfo>,
  Same<z.output<typeof KnowledgeEntrySchema>, KnowledgeEntry>,
  Same<z.output<typeof KnowledgeResponseSchema>, KnowledgeResponse>,
  Same<z.output<typeof KnowledgeRunResponseSchema>, KnowledgeRunResponse>,
  Same<z.output<typeof HealthResponseSchema>, HealthResponse>,
] = [true, true, true, true, true, true, true, true];
void sameTypes;
