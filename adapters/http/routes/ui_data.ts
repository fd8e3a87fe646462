/**
 * The read-only JSON routes the knowledge viewer (`GET /ui/`) reads besides the knowledge GETs:
 * `GET /v1/search/:query` (users by id, items by id or title, from the bundle) and
 * `GET /v1/users/:id/held-back-scores` (the model's scores of a user's latest interactions, held
 * back from the history it is given, with the user's knowledge vector and with none). Mounted only
 * when the router's `ui` option is on.
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import { itemTaskKey, userTaskKey } from "../../../plugins/tasks.ts";
import type { ServingBundle } from "../bundle.ts";
import type { KnowledgeVector } from "../knowledge_cache.ts";
import { HttpProblem } from "../problem.ts";
import { withDeadline } from "../request.ts";
import { defineRoute, jsonAnswer, registerRoute, type ServingEnv } from "../route.ts";
import { scoreCandidates } from "../scoring.ts";
import type { ServingContext } from "../serving_context.ts";

/** Matches per kind a search answers, at most. */
const SEARCH_LIMIT = 20;
/** A user's latest interactions the held-back scores hold back (at most half of the history). */
const HELD_BACK = 5;

/**
 * Answer of `GET /v1/search/:query`.
 *
 * @example
 * ```ts
 * import { SearchResponseSchema } from "./ui_data.ts";
 * SearchResponseSchema.parse({ query: "toy", users: [], items: [{ id: "1", title: "Toy Story" }], truncated: false });
 * ```
 */
export const SearchResponseSchema = z.object({
  query: z.string(),
  /** Users whose raw id is the query or starts with it, exact match first. */
  users: z.array(z.object({ id: z.string() })),
  /** Items whose raw id is the query, then items whose title contains it (any case). */
  items: z.array(z.object({ id: z.string(), title: z.string() })),
  /** Whether more matched than the answer lists. */
  truncated: z.boolean(),
});

/**
 * Answer of `GET /v1/users/:id/held-back-scores`.
 *
 * @example
 * ```ts
 * import { HeldBackScoresSchema } from "./ui_data.ts";
 * const shape = Object.keys(HeldBackScoresSchema.shape); // user, model, userKnowledge, ...
 * ```
 */
export const HeldBackScoresSchema = z.object({
  user: z.string(),
  model: z.string(),
  /** `stored`: the user has a knowledge vector; `none`: both columns use zeros; `unused`: the model reads no knowledge. */
  userKnowledge: z.enum(["stored", "none", "unused"]),
  /** Interactions of the bundle's history before the held-back ones, given to the model. */
  historyUsed: z.number().int().nonnegative(),
  /** What the rows are, in words, for the page to show. */
  note: z.string(),
  items: z.array(z.object({
    item: z.string(),
    title: z.string(),
    rating: z.number().int(),
    /** The rating is above the domain's like-threshold. */
    liked: z.boolean(),
    /** The item is in the knowledge window the user's knowledge was written from. */
    inKnowledgeWindow: z.boolean(),
    withKnowledge: z.number(),
    withoutKnowledge: z.number(),
  })),
});

/**
 * `GET /v1/search/:query`.
 *
 * @example
 * ```ts
 * import { searchRoute } from "./ui_data.ts";
 * console.log(searchRoute.path); // /v1/search/:query
 * ```
 */
export const searchRoute = defineRoute({
  method: "get",
  path: "/v1/search/:query",
  summary: "Users by raw id and items by raw id or title (the knowledge viewer's search)",
  secured: true,
  deadline: false,
  params: { query: "A raw id, an id prefix or part of a title" },
  ok: { description: "Matches", schema: SearchResponseSchema },
  problems: {},
});

/**
 * `GET /v1/users/:id/held-back-scores`.
 *
 * @example
 * ```ts
 * import { heldBackScoresRoute } from "./ui_data.ts";
 * console.log(heldBackScoresRoute.path); // /v1/users/:id/held-back-scores
 * ```
 */
export const heldBackScoresRoute = defineRoute({
  method: "get",
  path: "/v1/users/:id/held-back-scores",
  summary:
    "The model's scores of a user's latest interactions, with and without the user's knowledge",
  secured: true,
  deadline: true,
  params: { id: "Raw user id" },
  ok: { description: "Scores with and without knowledge", schema: HeldBackScoresSchema },
  problems: { 404: "User not in the model's vocabulary" },
});

/**
 * The viewer's JSON route records, in the order the OpenAPI document lists them.
 *
 * @example
 * ```ts
 * import { viewerDataRoutes } from "./ui_data.ts";
 * for (const r of Object.values(viewerDataRoutes)) console.log(r.method, r.path);
 * ```
 */
export const viewerDataRoutes = {
  search: searchRoute,
  heldBackScores: heldBackScoresRoute,
} as const;

/**
 * The sub-app of the viewer's JSON routes.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { viewerDataApp } from "./ui_data.ts";
 * import type { ServingContext } from "../serving_context.ts";
 * function example(ctx: ServingContext) {
 *   const app = new Hono().route("/", viewerDataApp(ctx));
 * }
 * ```
 */
export function viewerDataApp(ctx: ServingContext): Hono<ServingEnv> {
  const app = new Hono<ServingEnv>();
  const max = ctx.limits.maxBodyBytes;
  const search = bundleSearch(ctx.bundle);
  registerRoute(app, searchRoute, max, (c) => {
    return jsonAnswer(c, searchRoute, search(c.req.param("query")!));
  });
  registerRoute(app, heldBackScoresRoute, max, async (c) => {
    const id = c.req.param("id")!;
    const answer = await withDeadline(
      ctx.limits.timeouts.score,
      "held-back scores",
      () => heldBackScores(ctx, id),
    );
    return jsonAnswer(c, heldBackScoresRoute, answer);
  });
  return app;
}

/**
 * A search over the bundle's users and items; the lower-cased titles are built once.
 *
 * @example
 * ```ts
 * import { bundleSearch } from "./ui_data.ts";
 * import type { ServingBundle } from "../bundle.ts";
 * function example(bundle: ServingBundle) {
 *   const { items } = bundleSearch(bundle)("toy story");
 * }
 * ```
 */
export function bundleSearch(
  bundle: ServingBundle,
): (query: string) => z.output<typeof SearchResponseSchema> {
  const { users, items } = bundle.manifest;
  const titles = items.info.map((info) => info.title.toLowerCase());
  return (raw) => {
    const query = raw.trim(), lower = query.toLowerCase();
    let truncated = false;
    const userIds: string[] = [];
    if (bundle.userIndex.has(query)) userIds.push(query);
    for (let u = 1; u < users.raw.length && query !== ""; u++) {
      const id = users.raw[u];
      if (id === query || !id.startsWith(query)) continue;
      if (userIds.length === SEARCH_LIMIT) truncated = true;
      else userIds.push(id);
    }
    const itemIdx: number[] = [];
    const exact = bundle.itemIndex.get(query);
    if (exact !== undefined) itemIdx.push(exact);
    for (let i = 1; i < items.raw.length && lower !== ""; i++) {
      if (i === exact || !titles[i].includes(lower)) continue;
      if (itemIdx.length === SEARCH_LIMIT) truncated = true;
      else itemIdx.push(i);
    }
    return {
      query,
      users: userIds.map((id) => ({ id })),
      items: itemIdx.map((i) => ({ id: items.raw[i], title: items.info[i].title })),
      truncated,
    };
  };
}

/**
 * The model's scores of the user's latest interactions in the bundle (up to 5, at most half of
 * the history window), scored from the history before them (so none of them is in the model's
 * input), once with the user's knowledge vector and once with a zero vector; item knowledge is the
 * same in both.
 *
 * @example
 * ```ts
 * import { heldBackScores } from "./ui_data.ts";
 * import type { ServingContext } from "../serving_context.ts";
 * async function example(ctx: ServingContext) {
 *   const { items } = await heldBackScores(ctx, "42");
 * }
 * ```
 */
export async function heldBackScores(
  ctx: ServingContext,
  user: string,
): Promise<z.output<typeof HeldBackScoresSchema>> {
  const { bundle } = ctx, m = bundle.manifest, T = m.historyLength;
  const dense = bundle.userIndex.get(user);
  if (dense === undefined) {
    throw new HttpProblem(404, `unknown user "${user}": not in the model's vocabulary`, {
      type: "urn:r4ec:problem:unknown-user",
    });
  }
  const row = m.users.historyItem.slice(dense * T, dense * T + T);
  const ratings = m.users.historyRating.slice(dense * T, dense * T + T);
  const first = row.findIndex((i) => i !== 0), filled = first < 0 ? T : first;
  // Hold back the latest HELD_BACK, but never more than half, so the model keeps some history.
  const start = T - Math.min(HELD_BACK, Math.ceil((T - filled) / 2));
  const held = row.slice(start), before = row.slice(filled, start);
  // The history the model sees: the interactions before the held-back ones, right-aligned.
  const historyItem = new Int32Array(T), historyRating = new Int32Array(T);
  historyItem.set(before, T - before.length);
  historyRating.set(ratings.slice(start - before.length, start), T - before.length);
  const { userVector, itemVectors } = await heldBackVectors(ctx, user, held);
  const items = Int32Array.from(held);
  const batch = { items, historyItem, historyRating, itemVectors };
  const withKnowledge = scoreCandidates(bundle, { ...batch, userVector });
  const withoutKnowledge = scoreCandidates(bundle, { ...batch, userVector: null });
  const window = new Set(m.users.window[dense]?.map(([item]) => item) ?? []);
  return {
    user,
    model: bundle.model.name,
    userKnowledge: !bundle.model.config.knowledge ? "unused" : userVector ? "stored" : "none",
    historyUsed: before.length,
    note: `The user's latest ${held.length} interactions in the serving bundle's history window, ` +
      `held back: the model is given only the ${before.length} interactions before them and ` +
      `scores each one, with the user's knowledge vector and with a zero vector (item knowledge ` +
      `the same in both). They are the latest interactions the bundle holds, so the last may be ` +
      `one of the evaluation's test samples; the knowledge text may have been written from a ` +
      `window that includes some of them (marked).`,
    items: held.map((item, j) => ({
      item: m.items.raw[item],
      title: m.items.info[item]?.title ?? "",
      rating: ratings[start + j],
      liked: ratings[start + j] > m.domain.likeThreshold,
      inKnowledgeWindow: window.has(item),
      withKnowledge: withKnowledge[j],
      withoutKnowledge: withoutKnowledge[j],
    })),
  };
}

/** The user's knowledge vector and the held-back items' (null = none), as scoring reads them. */
async function heldBackVectors(
  ctx: ServingContext,
  user: string,
  items: number[],
): Promise<{ userVector: Float32Array | null; itemVectors: (Float32Array | null)[] }> {
  const { bundle } = ctx, m = bundle.manifest;
  if (!bundle.model.config.knowledge) return { userVector: null, itemVectors: [] };
  const raw = items.map((i) => m.items.raw[i]);
  if (bundle.vectors) {
    return {
      userVector: bundle.vectors.user.get(user) ?? null,
      itemVectors: raw.map((id) => bundle.vectors!.item.get(id) ?? null),
    };
  }
  const vectorOf = (v: KnowledgeVector | null) => v?.vector ?? null;
  const [u] = await ctx.vectors.lookup([userTaskKey(m.dataset, user)], "user");
  const found = await ctx.vectors.lookup(raw.map((id) => itemTaskKey(m.dataset, id)), "item");
  return { userVector: vectorOf(u), itemVectors: found.map(vectorOf) };
}
