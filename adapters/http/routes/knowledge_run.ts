/**
 * The knowledge POST routes, `POST /v1/knowledge/users/:id` and `POST /v1/knowledge/items/:id`:
 * run the R4 stages now (one run per entity at a time, under a deadline), store the record, and
 * update the caches scoring and the GET routes read.
 *
 * @module
 */
import { Hono } from "hono";
import { itemTaskKey, userTaskKey } from "../../../plugins/tasks.ts";
import type { R4Result } from "../../../plugins/r4.ts";
import { recordFromResult } from "../../../plugins/knowledge_job.ts";
import type { KnowledgeRecord, KnowledgeTask, RatedTitle } from "../../../plugins/types.ts";
import { HttpProblem } from "../problem.ts";
import { withDeadline } from "../request.ts";
import { titledFromBundle, titledFromRequest } from "../request_ids.ts";
import {
  defineRoute,
  jsonAnswer,
  registerRoute,
  type ServingCtx,
  type ServingEnv,
} from "../route.ts";
import {
  type ItemKnowledgeRequest,
  ItemKnowledgeRequestSchema,
  KnowledgeRunResponseSchema,
  type UserKnowledgeRequest,
  UserKnowledgeRequestSchema,
} from "../schemas.ts";
import type { ServingContext } from "../serving_context.ts";

const runProblems = (kind: "user" | "item") => ({
  409: `Knowledge for this ${kind} is being generated already`,
  502: "The actor's answer could not be parsed; nothing was stored",
  503: "No actor configured",
});

/**
 * `POST /v1/knowledge/users/:id`.
 *
 * @example
 * ```ts
 * import { runUserKnowledgeRoute } from "./knowledge_run.ts";
 * console.log(runUserKnowledgeRoute.path); // /v1/knowledge/users/:id
 * ```
 */
export const runUserKnowledgeRoute = defineRoute({
  method: "post",
  path: "/v1/knowledge/users/:id",
  summary: "Run the R4 stages for a user now and store the result (latest knowledge)",
  secured: true,
  deadline: true,
  params: { id: "Raw user id" },
  body: { schema: UserKnowledgeRequestSchema, required: false },
  ok: { description: "The R4 trace", schema: KnowledgeRunResponseSchema },
  problems: { 404: "Unknown user and no history given", ...runProblems("user") },
});

/**
 * `POST /v1/knowledge/items/:id`.
 *
 * @example
 * ```ts
 * import { runItemKnowledgeRoute } from "./knowledge_run.ts";
 * console.log(runItemKnowledgeRoute.path); // /v1/knowledge/items/:id
 * ```
 */
export const runItemKnowledgeRoute = defineRoute({
  method: "post",
  path: "/v1/knowledge/items/:id",
  summary: "Run the R4 stages for an item now and store the result",
  secured: true,
  deadline: true,
  params: { id: "Raw item id" },
  body: { schema: ItemKnowledgeRequestSchema, required: false },
  ok: { description: "The R4 trace", schema: KnowledgeRunResponseSchema },
  problems: { 404: "Unknown item and no title given", ...runProblems("item") },
});

/**
 * The sub-app of the knowledge POST routes.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { knowledgeRunRoutes } from "./knowledge_run.ts";
 * import type { ServingContext } from "../serving_context.ts";
 * function example(ctx: ServingContext) {
 *   const app = new Hono().route("/", knowledgeRunRoutes(ctx));
 * }
 * ```
 */
export function knowledgeRunRoutes(ctx: ServingContext): Hono<ServingEnv> {
  const app = new Hono<ServingEnv>();
  const max = ctx.limits.maxBodyBytes, dataset = ctx.bundle.manifest.dataset;
  registerRoute(app, runUserKnowledgeRoute, max, async (c, body) => {
    const id = c.req.param("id")!, key = userTaskKey(dataset, id);
    return await runKnowledge(ctx, c, userTask(ctx, id, body), key);
  });
  registerRoute(app, runItemKnowledgeRoute, max, async (c, body) => {
    const id = c.req.param("id")!, key = itemTaskKey(dataset, id);
    return await runKnowledge(ctx, c, itemTask(ctx, id, body), key);
  });
  return app;
}

/**
 * The R4 task of a user: the history given, else the user's latest window in the bundle.
 *
 * @example
 * ```ts
 * import { userTask } from "./knowledge_run.ts";
 * import type { ServingContext } from "../serving_context.ts";
 * function example(ctx: ServingContext) {
 *   const task = userTask(ctx, "42", { history: [{ item: "1193", rating: 5 }] });
 * }
 * ```
 */
export function userTask(
  ctx: ServingContext,
  id: string,
  body: UserKnowledgeRequest,
): KnowledgeTask {
  const { bundle } = ctx, m = bundle.manifest;
  const dense = bundle.userIndex.get(id);
  let history: RatedTitle[];
  if (body.history) history = titledFromRequest(bundle, body.history, "body.history");
  else if (dense !== undefined && m.users.window[dense].length > 0) {
    history = titledFromBundle(bundle, m.users.window[dense]);
  } else {
    throw new HttpProblem(
      404,
      `unknown user "${id}" (or no window stored): give a history in the body`,
      { type: "urn:r4ec:problem:unknown-user" },
    );
  }
  const key = m.knowledgePrefix + userTaskKey(m.dataset, id);
  return { kind: "user", key, domain: domainOf(ctx), history };
}

/**
 * The R4 task of an item: what the body gives, the rest from the bundle (a new item needs a title).
 *
 * @example
 * ```ts
 * import { itemTask } from "./knowledge_run.ts";
 * import type { ServingContext } from "../serving_context.ts";
 * function example(ctx: ServingContext) {
 *   const task = itemTask(ctx, "brand-new", { title: "A New Film (2024)", attributes: ["Drama"] });
 * }
 * ```
 */
export function itemTask(
  ctx: ServingContext,
  id: string,
  body: ItemKnowledgeRequest,
): KnowledgeTask {
  const { bundle } = ctx, m = bundle.manifest;
  const dense = bundle.itemIndex.get(id);
  const info = dense !== undefined ? m.items.info[dense] : undefined;
  const title = body.title ?? info?.title;
  if (title === undefined) {
    throw new HttpProblem(404, `unknown item "${id}": give at least a title in the body`, {
      type: "urn:r4ec:problem:unknown-item",
    });
  }
  const raters = dense !== undefined ? m.items.raters[dense] : null;
  const description = body.description ?? info?.description;
  return {
    kind: "item",
    key: m.knowledgePrefix + itemTaskKey(m.dataset, id),
    domain: domainOf(ctx),
    title,
    attributes: body.attributes ??
      (info ? [...new Set([...info.attributes, ...info.genres].filter((a) => a !== ""))] : []),
    ...(description !== undefined ? { description } : {}),
    likerHistory: body.likerHistory
      ? titledFromRequest(bundle, body.likerHistory, "body.likerHistory")
      : titledFromBundle(bundle, raters?.liker ?? []),
    dislikerHistory: body.dislikerHistory
      ? titledFromRequest(bundle, body.dislikerHistory, "body.dislikerHistory")
      : titledFromBundle(bundle, raters?.disliker ?? []),
  };
}

/** How the bundle's dataset speaks, as the actor reads it. */
function domainOf(ctx: ServingContext): KnowledgeTask["domain"] {
  const d = ctx.bundle.manifest.domain;
  return { itemNoun: d.itemNoun, ratingScale: d.ratingScale, likeThreshold: d.likeThreshold };
}

/** Runs `task` now, stores the record, updates the caches, and answers with the trace. */
async function runKnowledge(
  ctx: ServingContext,
  c: ServingCtx,
  task: KnowledgeTask,
  key: string,
): Promise<Response> {
  const result = await runExclusive(ctx, task, key);
  const { metrics } = ctx, { encoder } = ctx.bundle.manifest;
  if (result.final.parseFailure !== undefined) {
    // No knowledge came of it (garbage, an untagged answer): nothing to store or score with.
    metrics.knowledgeRuns.inc({ kind: task.kind, outcome: "error" });
    throw new HttpProblem(
      502,
      `the actor's answer could not be parsed (${result.final.parseFailure}); nothing was stored`,
      { type: "urn:r4ec:problem:unparsable-knowledge" },
    );
  }
  const record: KnowledgeRecord = recordFromResult(result, `serve:${c.get("requestId")}`);
  await ctx.store.putKnowledge(record);
  ctx.records.set(key, record);
  ctx.answers.clear();
  const vector = (await ctx.vectors.vectorsOf([record])).get(key)!;
  ctx.vectors.set(key, vector);
  metrics.knowledgeRuns.inc({ kind: task.kind, outcome: "ok" });
  metrics.llmTokens.inc({ direction: "prompt" }, result.usage.prompt);
  metrics.llmTokens.inc({ direction: "completion" }, result.usage.completion);
  // Both routes answer with the same schema.
  return jsonAnswer(c, runUserKnowledgeRoute, {
    key,
    storeKey: result.key,
    kind: result.kind,
    stopReason: result.stopReason,
    roundsUsed: result.roundsUsed,
    refinements: result.refinements,
    first: result.first,
    final: result.final,
    rounds: result.rounds,
    usage: result.usage,
    latencyMs: result.latencyMs,
    actor: result.actor,
    reflector: result.reflector,
    vector: {
      encoderId: encoder.id,
      dim: encoder.dim,
      textHash: vector.textHash,
      stored: vector.stored,
    },
  });
}

/** The R4 run of `task` under the run deadline; 503 without an actor, 409 when one is running. */
async function runExclusive(
  ctx: ServingContext,
  task: KnowledgeTask,
  key: string,
): Promise<R4Result> {
  const { stage, running, metrics } = ctx;
  if (!stage) {
    throw new HttpProblem(503, "knowledge generation is not configured on this server (no actor)", {
      type: "urn:r4ec:problem:no-actor",
    });
  }
  if (running.has(task.key)) {
    throw new HttpProblem(409, `knowledge for ${key} is being generated by another request`, {
      type: "urn:r4ec:problem:in-progress",
    });
  }
  running.add(task.key);
  try {
    return await withDeadline(
      ctx.limits.timeouts.knowledgeRun,
      "knowledge generation",
      (signal) => stage.run(task, { signal }),
    );
  } catch (e) {
    metrics.knowledgeRuns.inc({
      kind: task.kind,
      outcome: e instanceof HttpProblem && e.status === 504 ? "timeout" : "error",
    });
    throw e;
  } finally {
    running.delete(task.key);
  }
}
