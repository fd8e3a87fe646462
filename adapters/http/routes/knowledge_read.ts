/**
 * The knowledge GET routes, `GET /v1/users/:id/knowledge` and `GET /v1/items/:id/knowledge`:
 * stored knowledge with its judgement trail and vector metadata, from the record cache (one store
 * round trip for the misses), each answer serialized once and kept as text.
 *
 * @module
 */
import { Hono } from "hono";
import { textHash } from "../../embed/text_hash.ts";
import { itemTaskKey, userTaskKey } from "../../../plugins/tasks.ts";
import type { KnowledgeRecord } from "../../../plugins/types.ts";
import { HttpProblem } from "../problem.ts";
import { withDeadline } from "../request.ts";
import { defineRoute, registerRoute, serializeAnswer, type ServingEnv } from "../route.ts";
import { type KnowledgeEntry, KnowledgeResponseSchema } from "../schemas.ts";
import type { ServingContext } from "../serving_context.ts";

const JSON_TYPE = { "content-type": "application/json" };

/**
 * `GET /v1/users/:id/knowledge`.
 *
 * @example
 * ```ts
 * import { userKnowledgeRoute } from "./knowledge_read.ts";
 * console.log(userKnowledgeRoute.path); // /v1/users/:id/knowledge
 * ```
 */
export const userKnowledgeRoute = defineRoute({
  method: "get",
  path: "/v1/users/:id/knowledge",
  summary: "A user's stored knowledge with its judgement trail and vector metadata",
  secured: true,
  deadline: true,
  params: { id: "Raw user id" },
  ok: { description: "Stored knowledge", schema: KnowledgeResponseSchema },
  problems: { 404: "Unknown user" },
});

/**
 * `GET /v1/items/:id/knowledge`.
 *
 * @example
 * ```ts
 * import { itemKnowledgeRoute } from "./knowledge_read.ts";
 * console.log(itemKnowledgeRoute.path); // /v1/items/:id/knowledge
 * ```
 */
export const itemKnowledgeRoute = defineRoute({
  method: "get",
  path: "/v1/items/:id/knowledge",
  summary: "An item's stored knowledge with its judgement trail and vector metadata",
  secured: true,
  deadline: true,
  params: { id: "Raw item id" },
  ok: { description: "Stored knowledge", schema: KnowledgeResponseSchema },
  problems: { 404: "Unknown item" },
});

/**
 * The sub-app of the knowledge GET routes.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { knowledgeReadRoutes } from "./knowledge_read.ts";
 * import type { ServingContext } from "../serving_context.ts";
 * function example(ctx: ServingContext) {
 *   const app = new Hono().route("/", knowledgeReadRoutes(ctx));
 * }
 * ```
 */
export function knowledgeReadRoutes(ctx: ServingContext): Hono<ServingEnv> {
  const app = new Hono<ServingEnv>();
  const max = ctx.limits.maxBodyBytes;
  registerRoute(app, userKnowledgeRoute, max, async (c) => {
    return c.body(await knowledgeAnswer(ctx, "user", c.req.param("id")!), 200, JSON_TYPE);
  });
  registerRoute(app, itemKnowledgeRoute, max, async (c) => {
    return c.body(await knowledgeAnswer(ctx, "item", c.req.param("id")!), 200, JSON_TYPE);
  });
  return app;
}

/**
 * The serialized answer of a knowledge GET, from the answer cache or built (and kept) now.
 *
 * @example
 * ```ts
 * import { knowledgeAnswer } from "./knowledge_read.ts";
 * import type { ServingContext } from "../serving_context.ts";
 * async function example(ctx: ServingContext) {
 *   const text = await knowledgeAnswer(ctx, "user", "42");
 * }
 * ```
 */
export async function knowledgeAnswer(
  ctx: ServingContext,
  kind: "user" | "item",
  id: string,
): Promise<string> {
  const cached = ctx.answers.get(`${kind}:${id}`);
  if (cached !== undefined) return cached;
  const { bundle } = ctx, dataset = bundle.manifest.dataset;
  const list = await withDeadline(
    ctx.limits.timeouts.knowledgeRead,
    "knowledge lookup",
    () =>
      knowledgeEntries(ctx, kind, [
        kind === "user" ? userTaskKey(dataset, id) : itemTaskKey(dataset, id),
      ]),
  );
  const inVocabulary = (kind === "user" ? bundle.userIndex : bundle.itemIndex).has(id);
  if (!inVocabulary && list.length === 0) {
    throw new HttpProblem(
      404,
      `unknown ${kind} "${id}": not in the model's vocabulary and no stored knowledge`,
      { type: `urn:r4ec:problem:unknown-${kind}` },
    );
  }
  const route = kind === "user" ? userKnowledgeRoute : itemKnowledgeRoute;
  const body = serializeAnswer(route, { kind, id, inVocabulary, knowledge: list });
  ctx.answers.set(`${kind}:${id}`, body);
  return body;
}

/**
 * Stored records by task key (null = none), one store round trip for the misses.
 *
 * @example
 * ```ts
 * import { storedRecords } from "./knowledge_read.ts";
 * import type { ServingContext } from "../serving_context.ts";
 * async function example(ctx: ServingContext) {
 *   const [record] = await storedRecords(ctx, ["ml-1m:user:42"]);
 * }
 * ```
 */
export async function storedRecords(
  ctx: ServingContext,
  keys: string[],
): Promise<(KnowledgeRecord | null)[]> {
  const { records, metrics } = ctx, prefix = ctx.bundle.manifest.knowledgePrefix;
  const missing = keys.filter((k) => !records.has(k));
  metrics.cache.inc({ kind: "record", result: "hit" }, keys.length - missing.length);
  if (missing.length > 0) {
    metrics.cache.inc({ kind: "record", result: "miss" }, missing.length);
    const found = await ctx.store.listKnowledge({ keys: missing.map((k) => prefix + k) });
    const byKey = new Map(found.map((r) => [r.key.slice(prefix.length), r]));
    for (const k of missing) records.set(k, byKey.get(k) ?? null);
  }
  return keys.map((k) => records.get(k) ?? null);
}

/** The served entries of the keys that have stored knowledge, in key order. */
async function knowledgeEntries(
  ctx: ServingContext,
  kind: "user" | "item",
  keys: string[],
): Promise<KnowledgeEntry[]> {
  const { encoder } = ctx.bundle.manifest;
  const found = await storedRecords(ctx, keys);
  const present = keys.filter((_, i) => found[i] !== null);
  const vectors = await ctx.vectors.lookup(present, kind);
  return present.map((key, j) => {
    const r = found[keys.indexOf(key)]!, v = vectors[j];
    return {
      key,
      storeKey: r.key,
      text: r.final.text,
      firstText: r.first.text,
      ...(r.runId !== undefined ? { runId: r.runId } : {}),
      rounds: r.rounds,
      vector: {
        encoderId: encoder.id,
        dim: encoder.dim,
        textHash: v?.textHash ?? textHash(r.final.text),
        stored: v?.stored ?? false,
      },
    };
  });
}
