/**
 * The scoring routes, `POST /v1/score` and `POST /v1/rank`: one user, a history window and the
 * candidates become one backbone batch, with the user's and each candidate's knowledge vector from
 * the in-memory cache (or the bundle's brought-in vectors).
 *
 * @module
 */
import { Hono } from "hono";
import { itemTaskKey, userTaskKey } from "../../../plugins/tasks.ts";
import type { KnowledgeVector } from "../knowledge_cache.ts";
import { HttpProblem, type ProblemField } from "../problem.ts";
import { withDeadline } from "../request.ts";
import { checkRatings, denseItem, type RawInteraction, refuseUnknown } from "../request_ids.ts";
import { defineRoute, jsonAnswer, registerRoute, type ServingEnv } from "../route.ts";
import {
  RankRequestSchema,
  RankResponseSchema,
  type ScoreContext,
  ScoreRequestSchema,
  ScoreResponseSchema,
} from "../schemas.ts";
import { scoreCandidates } from "../scoring.ts";
import type { ServingContext } from "../serving_context.ts";

const UNKNOWN_USER_OR_ITEM = { 404: "Unknown user or item" };

/**
 * `POST /v1/score`.
 *
 * @example
 * ```ts
 * import { scoreRoute } from "./score.ts";
 * console.log(scoreRoute.method, scoreRoute.path); // post /v1/score
 * ```
 */
export const scoreRoute = defineRoute({
  method: "post",
  path: "/v1/score",
  summary: "Click probabilities of candidate items for a user",
  secured: true,
  deadline: true,
  body: { schema: ScoreRequestSchema, required: true },
  ok: {
    description: "One probability per candidate, in request order",
    schema: ScoreResponseSchema,
  },
  problems: UNKNOWN_USER_OR_ITEM,
});

/**
 * `POST /v1/rank`.
 *
 * @example
 * ```ts
 * import { rankRoute } from "./score.ts";
 * console.log(rankRoute.path); // /v1/rank
 * ```
 */
export const rankRoute = defineRoute({
  method: "post",
  path: "/v1/rank",
  summary: "The top-k candidates by click probability",
  secured: true,
  deadline: true,
  body: { schema: RankRequestSchema, required: true },
  ok: { description: "Candidates, best first", schema: RankResponseSchema },
  problems: UNKNOWN_USER_OR_ITEM,
});

/**
 * What scoring reads of a request.
 *
 * @example
 * ```ts
 * import type { ScoreInput } from "./score.ts";
 * const input: ScoreInput = { user: "42", items: ["1193", "661"] };
 * ```
 */
export interface ScoreInput {
  user: string | number;
  items: (string | number)[];
  history?: RawInteraction[];
}

/**
 * A request's click probabilities, in candidate order, and what they were computed from.
 *
 * @example
 * ```ts
 * import type { ScoredCandidates } from "./score.ts";
 * const best = (s: ScoredCandidates) => Math.max(...s.p);
 * ```
 */
export interface ScoredCandidates {
  user: string;
  p: Float32Array;
  context: ScoreContext;
}

/**
 * The sub-app of the scoring routes.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { scoreRoutes } from "./score.ts";
 * import type { ServingContext } from "../serving_context.ts";
 * function example(ctx: ServingContext) {
 *   const app = new Hono().route("/", scoreRoutes(ctx));
 * }
 * ```
 */
export function scoreRoutes(ctx: ServingContext): Hono<ServingEnv> {
  const app = new Hono<ServingEnv>();
  const { maxBodyBytes, timeouts } = ctx.limits;
  const model = ctx.bundle.model.name;
  registerRoute(app, scoreRoute, maxBodyBytes, async (c, body) => {
    const r = await withDeadline(timeouts.score, "scoring", () => scoreRequest(ctx, body));
    return jsonAnswer(c, scoreRoute, {
      user: r.user,
      model,
      scores: body.items.map((item, i) => ({ item: String(item), score: r.p[i] })),
      context: r.context,
    });
  });
  registerRoute(app, rankRoute, maxBodyBytes, async (c, body) => {
    const r = await withDeadline(timeouts.score, "ranking", () => scoreRequest(ctx, body));
    const order = body.items.map((_, i) => i).sort((a, b) => r.p[b] - r.p[a] || a - b);
    const k = Math.min(body.k ?? 10, order.length);
    return jsonAnswer(c, rankRoute, {
      user: r.user,
      model,
      items: order.slice(0, k).map((i, rank) => ({
        item: String(body.items[i]),
        score: r.p[i],
        rank: rank + 1,
      })),
      context: r.context,
    });
  });
  return app;
}

/**
 * Scores a request's candidates: items and history checked, knowledge vectors looked up, one
 * backbone batch.
 *
 * @example
 * ```ts
 * import { scoreRequest } from "./score.ts";
 * import type { ServingContext } from "../serving_context.ts";
 * async function example(ctx: ServingContext) {
 *   const { p } = await scoreRequest(ctx, { user: "42", items: ["1193", "661"] });
 * }
 * ```
 */
export async function scoreRequest(
  ctx: ServingContext,
  body: ScoreInput,
): Promise<ScoredCandidates> {
  const { bundle, metrics } = ctx;
  const user = String(body.user);
  const items = candidateItems(ctx, body.items);
  const denseUser = bundle.userIndex.get(user);
  const history = historyWindow(ctx, denseUser, body.history);
  const knowledge = await knowledgeVectors(ctx, user, body.items);
  if (denseUser === undefined && body.history === undefined && knowledge.user === null) {
    throw new HttpProblem(
      404,
      `unknown user "${user}": not in the model's vocabulary, no stored knowledge, and no ` +
        `history in the request`,
      { type: "urn:r4ec:problem:unknown-user" },
    );
  }
  const p = scoreCandidates(bundle, {
    items,
    historyItem: history.item,
    historyRating: history.rating,
    userVector: knowledge.user?.vector ?? null,
    itemVectors: knowledge.items.map((v) => v?.vector ?? null),
  });
  metrics.scored.inc({}, items.length);
  return {
    user,
    p,
    context: {
      userKnowledge: knowledge.user ? "stored" : "none",
      itemsWithKnowledge: knowledge.items.filter((v) => v !== null).length,
      history: history.source,
    },
  };
}

/** Dense ids of the candidates (at most `maxCandidates`, all known). */
function candidateItems(ctx: ServingContext, raw: (string | number)[]): Int32Array {
  const max = ctx.limits.maxCandidates;
  if (raw.length > max) {
    throw new HttpProblem(422, `at most ${max} candidates per request`, {
      type: "urn:r4ec:problem:validation",
      errors: [{ field: "body.items", message: `${raw.length} > ${max}` }],
    });
  }
  const unknown: ProblemField[] = [];
  const items = Int32Array.from(
    raw,
    (id, i) => denseItem(ctx.bundle, id, `body.items[${i}]`, unknown),
  );
  refuseUnknown(unknown, "item");
  return items;
}

/** The history window: the request's last T interactions, else the bundle's latest for the user. */
function historyWindow(
  ctx: ServingContext,
  denseUser: number | undefined,
  given: RawInteraction[] | undefined,
): { item: Int32Array; rating: Int32Array; source: ScoreContext["history"] } {
  const m = ctx.bundle.manifest, T = m.historyLength;
  const item = new Int32Array(T), rating = new Int32Array(T);
  if (given !== undefined) {
    checkRatings(ctx.bundle, given, "body.history");
    const unknown: ProblemField[] = [];
    const recent = given.slice(-T), offset = given.length - recent.length;
    const pad = T - recent.length;
    recent.forEach((h, j) => {
      item[pad + j] = denseItem(ctx.bundle, h.item, `body.history[${offset + j}].item`, unknown);
      rating[pad + j] = h.rating;
    });
    refuseUnknown(unknown, "item");
    return { item, rating, source: "request" };
  }
  if (denseUser === undefined) return { item, rating, source: "none" };
  for (let t = 0; t < T; t++) {
    item[t] = m.users.historyItem[denseUser * T + t];
    rating[t] = m.users.historyRating[denseUser * T + t];
  }
  return { item, rating, source: item.some((i) => i !== 0) ? "bundle" : "none" };
}

/** The user's and each candidate's knowledge vector (null = none), when the model reads them. */
async function knowledgeVectors(
  ctx: ServingContext,
  user: string,
  items: (string | number)[],
): Promise<{ user: KnowledgeVector | null; items: (KnowledgeVector | null)[] }> {
  const { bundle } = ctx, dataset = bundle.manifest.dataset;
  if (!bundle.model.config.knowledge) return { user: null, items: [] };
  const brought = bundle.vectors;
  if (brought) {
    // Brought-in vectors: looked up by raw id, nothing to encode.
    const own = (v: Float32Array | undefined, key: string) =>
      v ? { key, textHash: "", vector: v, source: "bundle" as const, stored: true } : null;
    return {
      user: own(brought.user.get(user), userTaskKey(dataset, user)),
      items: items.map((raw) =>
        own(brought.item.get(String(raw)), itemTaskKey(dataset, String(raw)))
      ),
    };
  }
  const [userVector] = await ctx.vectors.lookup([userTaskKey(dataset, user)], "user");
  const itemVectors = await ctx.vectors.lookup(
    items.map((raw) => itemTaskKey(dataset, String(raw))),
    "item",
  );
  return { user: userVector, items: itemVectors };
}
