/**
 * `r4ecRouter`: the Hono app a host platform mounts (`app.route("/r4ec", r4ecRouter({...}))`).
 * Scores candidates with a trained backbone and stored knowledge vectors, serves stored knowledge
 * with its judgement trail, runs the R4 stages on demand, and reports health, Prometheus metrics and
 * its OpenAPI document. Runtime-neutral: `adapters/http/deno_server.ts` serves it with `Deno.serve`.
 *
 * The routes live in `routes/`, one sub-app per group (scoring, knowledge reads, knowledge runs,
 * operations, and with the `ui` option the knowledge viewer's page and its JSON routes) over one
 * serving context; this file adds what every route shares (request ids, metrics, CORS, the bearer
 * token, problem answers) and mounts them.
 *
 * Every error is an RFC 7807 problem (`application/problem+json`) carrying the request id; an
 * unexpected error is logged with its stack on the server and answered with a generic 500.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { cors } from "hono/cors";
import { requestId } from "hono/request-id";
import type { KnowledgeVectorCache } from "./knowledge_cache.ts";
import { requestLabels, type ServingMetrics } from "./metrics.ts";
import { openApiDocument } from "./openapi.ts";
import { CLIENT_CLOSED, HttpProblem, problemResponse } from "./problem.ts";
import { checkBearer } from "./request.ts";
import type { ApiRoute, ServingEnv } from "./route.ts";
import { knowledgeReadRoutes } from "./routes/knowledge_read.ts";
import { apiRoutes } from "./routes/mod.ts";
import { knowledgeRunRoutes } from "./routes/knowledge_run.ts";
import { operationsRoutes } from "./routes/operations.ts";
import { scoreRoutes } from "./routes/score.ts";
import { viewerPageApp } from "./routes/ui.ts";
import { viewerDataApp, viewerDataRoutes } from "./routes/ui_data.ts";
import {
  preloadKnowledge,
  type R4ecRouterOptions,
  type ServingContext,
  servingContext,
} from "./serving_context.ts";

export type { R4ecRouterOptions, RouteTimeouts } from "./serving_context.ts";

/**
 * The Hono app the router is (`Hono<ServingEnv>` of `npm:hono`): a host mounts it with
 * `app.route(prefix, router)` or answers requests with its `fetch`. Named here so that the API's
 * docs name it.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import type { ServingApp } from "./router.ts";
 * import type { ServingEnv } from "./route.ts";
 * const app: ServingApp = new Hono<ServingEnv>().get("/ping", (c) => c.text("pong"));
 * const answer = await app.request("/ping");
 * console.assert((await answer.text()) === "pong");
 * ```
 */
export type ServingApp = HonoOfServingEnv;
type HonoOfServingEnv = Hono<ServingEnv>;

/**
 * The router, with what a host may want to reach besides the routes.
 *
 * @example
 * ```ts
 * import type { R4ecRouter } from "./router.ts";
 * async function warm(router: R4ecRouter) {
 *   console.log(`${await router.serving.preload()} vectors in memory`);
 * }
 * ```
 */
export type R4ecRouter = ServingApp & {
  /** What the routes share that a host may read or warm. */
  readonly serving: {
    /** The metrics registry `/metrics` renders. */
    readonly metrics: ServingMetrics;
    /** The knowledge vectors scoring reads. */
    readonly cache: KnowledgeVectorCache;
    /**
     * Loads every stored knowledge record of the bundle's dataset and its vector into memory with
     * one store read, so no request after it touches the store; returns the vectors loaded.
     */
    preload(): Promise<number>;
  };
};

/**
 * Builds the router.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { loadServingBundle } from "./bundle.ts";
 * import { r4ecRouter } from "./router.ts";
 * import { openStore } from "../store/duckdb_store.ts";
 * async function host(storePath: string, bundleDir: string): Promise<Hono> {
 *   const store = await openStore(storePath);
 *   const bundle = await loadServingBundle(bundleDir);
 *   return new Hono().route("/r4ec", r4ecRouter({ store, bundle, token: Deno.env.get("R4EC_TOKEN") }));
 * }
 * // (await host("runs/knowledge.duckdb", "runs/serving")).request("/r4ec/healthz")
 * ```
 */
export function r4ecRouter(options: R4ecRouterOptions): R4ecRouter {
  const ctx = servingContext(options);
  if (options.token === "") throw new Error("r4ecRouter: token must not be empty");
  const app = new Hono<ServingEnv>();
  useSharedMiddleware(app, ctx, options);
  app.onError((error, c) => errorAnswer(ctx, error, c));
  app.notFound((c) =>
    problemResponse({
      status: 404,
      detail: `no route ${c.req.method} ${c.req.path}`,
      instance: c.req.path,
      requestId: c.get("requestId"),
    }, { "x-request-id": c.get("requestId") ?? "" })
  );
  app.route("/", scoreRoutes(ctx));
  app.route("/", knowledgeReadRoutes(ctx));
  app.route("/", knowledgeRunRoutes(ctx));
  // The viewer's routes exist only when it is on, so a router without it documents none of them.
  const viewerRoutes: ApiRoute[] = options.ui ? Object.values(viewerDataRoutes) : [];
  if (options.ui) app.route("/", viewerDataApp(ctx)).route("/", viewerPageApp());
  const openapi = openApiDocument({
    serverUrl: options.mountPath,
    bearer: options.token !== undefined,
    ui: options.ui,
  });
  app.route("/", operationsRoutes(ctx, openapi));
  refuseOtherMethods(app, options.cors !== undefined && options.cors !== false, viewerRoutes);
  app.all("/v1/*", (c) => {
    throw new HttpProblem(404, `no route ${c.req.method} ${c.req.path}`);
  });
  return Object.assign(app, {
    serving: { metrics: ctx.metrics, cache: ctx.vectors, preload: () => preloadKnowledge(ctx) },
  });
}

/** Request ids, request metrics, CORS when asked for, and the bearer token on `/v1/*`, `/metrics`. */
function useSharedMiddleware(
  app: Hono<ServingEnv>,
  ctx: ServingContext,
  options: R4ecRouterOptions,
): void {
  app.use("*", requestId());
  app.use("*", async (c, next) => {
    const t0 = performance.now();
    await next();
    const labels = requestLabels(c.req.method, c.req.routePath);
    ctx.metrics.requests.inc({ ...labels, status: String(c.res.status) });
    ctx.metrics.latency.observe(labels, (performance.now() - t0) / 1000);
  });
  if (options.cors) {
    app.use("*", cors({ origin: options.cors === true ? "*" : options.cors }));
  }
  if (options.token !== undefined) {
    const token = options.token;
    const auth = async (c: Context<ServingEnv>, next: () => Promise<void>) => {
      if (c.req.method !== "OPTIONS") checkBearer(c.req.header("authorization"), token);
      await next();
    };
    app.use("/v1/*", auth);
    app.use("/metrics", auth);
  }
}

/**
 * A 405 with `Allow` for a method no route of a known path serves (registered after the routes,
 * so it answers only what they do not). A GET route also serves HEAD; with CORS, the middleware
 * answers OPTIONS.
 */
function refuseOtherMethods(app: Hono<ServingEnv>, cors: boolean, extra: ApiRoute[]): void {
  const allowed = new Map<string, string[]>();
  for (const route of [...Object.values(apiRoutes), ...extra]) {
    const methods = route.method === "get" ? ["GET", "HEAD"] : [route.method.toUpperCase()];
    allowed.set(route.path, [...(allowed.get(route.path) ?? []), ...methods]);
  }
  for (const [path, methods] of allowed) {
    const allow = [...methods, ...(cors ? ["OPTIONS"] : [])].join(", ");
    app.all(path, (c) => {
      const detail = `${c.req.method} is not allowed on ${c.req.path} (allowed: ${allow})`;
      throw new HttpProblem(405, detail, { headers: { allow } });
    });
  }
}

/**
 * A thrown problem as its answer; a client gone before its body arrived logged on one line and
 * counted as 499; anything else logged with its stack and answered 500.
 */
function errorAnswer(ctx: ServingContext, error: Error, c: Context<ServingEnv>): Response {
  const id = c.get("requestId");
  if (error instanceof HttpProblem && error.status === CLIENT_CLOSED) {
    ctx.log(`[${id}] ${c.req.method} ${c.req.path}: ${error.message} (${CLIENT_CLOSED})`);
  }
  if (error instanceof HttpProblem) {
    return problemResponse({
      status: error.status,
      type: error.type,
      detail: error.message,
      instance: c.req.path,
      requestId: id,
      errors: error.errors,
    }, { ...error.headers, "x-request-id": id ?? "" });
  }
  ctx.log(`[${id}] ${c.req.method} ${c.req.path} failed: ${error?.stack ?? error}`);
  return problemResponse({
    status: 500,
    detail: "the server could not answer this request; the request id finds it in the log",
    instance: c.req.path,
    requestId: id,
  }, { "x-request-id": id ?? "" });
}
