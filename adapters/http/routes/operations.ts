/**
 * The operations routes: `GET /healthz` (what is loaded), `GET /metrics` (Prometheus text) and
 * `GET /openapi.json` (the document derived from the route records).
 *
 * @module
 */
import { Hono } from "hono";
import { PROMETHEUS_CONTENT_TYPE } from "../metrics.ts";
import { defineRoute, jsonAnswer, registerRoute, type ServingEnv } from "../route.ts";
import { HealthResponseSchema, OpenApiDocumentSchema } from "../schemas.ts";
import type { ServingContext } from "../serving_context.ts";

/**
 * `GET /healthz`.
 *
 * @example
 * ```ts
 * import { healthRoute } from "./operations.ts";
 * console.log(healthRoute.secured); // false: load balancers probe it without a token
 * ```
 */
export const healthRoute = defineRoute({
  method: "get",
  path: "/healthz",
  summary: "Liveness and what is loaded",
  secured: false,
  deadline: false,
  ok: { description: "Healthy", schema: HealthResponseSchema },
  problems: {},
});

/**
 * `GET /metrics`.
 *
 * @example
 * ```ts
 * import { metricsRoute } from "./operations.ts";
 * console.log(metricsRoute.ok.contentType); // text/plain
 * ```
 */
export const metricsRoute = defineRoute({
  method: "get",
  path: "/metrics",
  summary: "Prometheus metrics",
  secured: true,
  deadline: false,
  ok: { description: "Text exposition format", contentType: "text/plain" },
  problems: {},
});

/**
 * `GET /openapi.json`.
 *
 * @example
 * ```ts
 * import { openApiRoute } from "./operations.ts";
 * console.log(openApiRoute.path); // /openapi.json
 * ```
 */
export const openApiRoute = defineRoute({
  method: "get",
  path: "/openapi.json",
  summary: "This document",
  secured: false,
  deadline: false,
  ok: { description: "OpenAPI 3.1", schema: OpenApiDocumentSchema },
  problems: {},
});

/**
 * The sub-app of the operations routes; `openapi` is the document `/openapi.json` serves.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { operationsRoutes } from "./operations.ts";
 * import { openApiDocument } from "../openapi.ts";
 * import type { ServingContext } from "../serving_context.ts";
 * function example(ctx: ServingContext) {
 *   const app = new Hono().route("/", operationsRoutes(ctx, openApiDocument()));
 * }
 * ```
 */
export function operationsRoutes(
  ctx: ServingContext,
  openapi: Record<string, unknown>,
): Hono<ServingEnv> {
  const app = new Hono<ServingEnv>();
  const { bundle, metrics } = ctx, m = bundle.manifest, max = ctx.limits.maxBodyBytes;
  registerRoute(app, healthRoute, max, (c) =>
    jsonAnswer(c, healthRoute, {
      status: "ok",
      model: bundle.model.name,
      dataset: m.dataset,
      items: m.items.raw.length - 1,
      users: m.users.raw.length - 1,
      encoder: m.encoder.id,
      knowledgeGeneration: ctx.stage !== undefined,
      cachedVectors: ctx.vectors.size,
      uptimeSeconds: (performance.now() - ctx.startedAt) / 1000,
    }));
  registerRoute(
    app,
    metricsRoute,
    max,
    (c) =>
      c.body(metrics.render() + adaptorMemoLines(ctx), 200, {
        "content-type": PROMETHEUS_CONTENT_TYPE,
      }),
  );
  registerRoute(app, openApiRoute, max, (c) => c.json(openapi));
  return app;
}

/** Exposition lines of the adaptor memo's counters (none without a memo). */
function adaptorMemoLines(ctx: ServingContext): string {
  const memo = ctx.bundle.adaptorMemo;
  if (!memo) return "";
  const name = "r4ec_adaptor_memo_rows_total";
  return `# HELP ${name} Knowledge rows the adaptor memo answered (hit) or computed (miss).\n` +
    `# TYPE ${name} counter\n${name}{result="hit"} ${memo.hits}\n` +
    `${name}{result="miss"} ${memo.misses}\n`;
}
