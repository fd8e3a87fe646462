/**
 * Route records: each route's method, path, request schema and response schema in one value, so
 * the handler that serves it, the OpenAPI document that describes it (`openapi.ts`) and the tests
 * that check its answers read the same thing. `registerRoute` mounts a record on a Hono app with
 * its body read and validated; `jsonAnswer` and `serializeAnswer` type an answer by the record's
 * response schema.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { readJsonBody, validate } from "./request.ts";
import { RawIdTextSchema } from "./request_schemas.ts";

/**
 * The Hono environment of the router: the request id `hono/request-id` sets.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import type { ServingEnv } from "./route.ts";
 * const app = new Hono<ServingEnv>().get("/", (c) => c.text(c.get("requestId")));
 * ```
 */
export type ServingEnv = { Variables: { requestId: string } };

/**
 * A request context of the router.
 *
 * @example
 * ```ts
 * import type { ServingCtx } from "./route.ts";
 * const idOf = (c: ServingCtx) => c.get("requestId");
 * ```
 */
export type ServingCtx = Context<ServingEnv>;

/**
 * The 200 answer of a route: a JSON body with a schema, or another media type (metrics text).
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import type { RouteAnswer } from "./route.ts";
 * const ok: RouteAnswer = { description: "Pong", schema: z.object({ pong: z.boolean() }) };
 * const text: RouteAnswer = { description: "Metrics", contentType: "text/plain" };
 * ```
 */
export type RouteAnswer =
  | { description: string; schema: z.ZodType; contentType?: undefined }
  | { description: string; contentType: string; schema?: undefined };

/**
 * One route: where it is, what it reads, what it answers.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineRoute } from "./route.ts";
 * const echo = defineRoute({
 *   method: "post",
 *   path: "/v1/echo",
 *   summary: "Echo a word",
 *   secured: true,
 *   deadline: false,
 *   body: { schema: z.strictObject({ word: z.string() }), required: true },
 *   ok: { description: "The word", schema: z.object({ word: z.string() }) },
 *   problems: {},
 * });
 * ```
 */
export interface ApiRoute {
  method: "get" | "post";
  /** Hono pattern (`/v1/users/:id/knowledge`); OpenAPI spells parameters `{id}`. */
  path: string;
  summary: string;
  /** Behind the bearer token when the router has one. */
  secured: boolean;
  /** Runs under a deadline (answers 504 when it passes). */
  deadline: boolean;
  /** Path parameters, each a raw id (checked as a body's ids are): name to description. */
  params?: Record<string, string>;
  /** The JSON body; `required: false` reads an empty body as `{}`. */
  body?: { schema: z.ZodType; required: boolean };
  ok: RouteAnswer;
  /** Problems this route answers besides the ones every route of its kind may: status to when. */
  problems: Record<number, string>;
}

/**
 * The validated body a route's handler receives (`undefined` for a route without one).
 *
 * @example
 * ```ts
 * import type { RouteBody } from "./route.ts";
 * import type { scoreRoute } from "./routes/mod.ts";
 * type Body = RouteBody<typeof scoreRoute>; // the validated ScoreRequest
 * ```
 */
export type RouteBody<R extends ApiRoute> = R["body"] extends { schema: infer S extends z.ZodType }
  ? z.output<S>
  : undefined;

/**
 * The 200 body a route answers with, as its response schema describes it.
 *
 * @example
 * ```ts
 * import type { RouteOk } from "./route.ts";
 * import type { scoreRoute } from "./routes/mod.ts";
 * type Answer = RouteOk<typeof scoreRoute>; // what POST /v1/score answers
 * ```
 */
export type RouteOk<R extends ApiRoute> = R["ok"] extends { schema: infer S extends z.ZodType }
  ? z.output<S>
  : never;

/**
 * Declares a route record, keeping its schemas' types for the handler and the answer.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineRoute } from "./route.ts";
 * const ping = defineRoute({
 *   method: "get",
 *   path: "/ping",
 *   summary: "Ping",
 *   secured: false,
 *   deadline: false,
 *   ok: { description: "Pong", schema: z.object({ pong: z.literal(true) }) },
 *   problems: {},
 * });
 * ```
 */
export function defineRoute<const R extends ApiRoute>(route: R): R {
  return route;
}

/**
 * The OpenAPI spelling of a Hono path (`/v1/users/:id/knowledge` → `/v1/users/{id}/knowledge`).
 *
 * @example
 * ```ts
 * import { openApiPath } from "./route.ts";
 * console.log(openApiPath("/v1/knowledge/items/:id")); // /v1/knowledge/items/{id}
 * ```
 */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, "{$1}");
}

/**
 * Problem statuses a route may answer, with when: the ones its kind implies (a body can be
 * malformed, too large, not JSON or off-schema; a secured route can lack its token; a deadline can
 * pass; anything can fail) and its own.
 *
 * @example
 * ```ts
 * import { apiRoutes } from "./routes/mod.ts";
 * import { routeProblems } from "./route.ts";
 * console.log(Object.keys(routeProblems(apiRoutes.score, { bearer: true })));
 * ```
 */
export function routeProblems(
  route: ApiRoute,
  options: { bearer: boolean },
): Record<number, string> {
  const problems: Record<number, string> = {};
  if (route.body) {
    problems[400] = "Malformed JSON";
    problems[413] = "Body larger than the limit";
    problems[415] = "The body is not JSON";
  }
  if (route.body || route.params) problems[422] = "The request does not match the schema";
  if (route.secured && options.bearer) problems[401] = "Missing or wrong bearer token";
  Object.assign(problems, route.problems);
  problems[500] = "Internal error (no details are disclosed)";
  if (route.deadline) problems[504] = "Deadline passed";
  return problems;
}

/**
 * The schema of a route's path parameters: each one a raw id.
 *
 * @example
 * ```ts
 * import { pathParamsSchema } from "./route.ts";
 * import { apiRoutes } from "./routes/mod.ts";
 * console.log(pathParamsSchema(apiRoutes.userKnowledge)?.safeParse({ id: "42" }).success); // true
 * ```
 */
export function pathParamsSchema(route: ApiRoute): z.ZodType<Record<string, string>> | undefined {
  if (!route.params) return undefined;
  return z.object(Object.fromEntries(Object.keys(route.params).map((n) => [n, RawIdTextSchema])));
}

/**
 * Mounts `route` on `app`: its path ids are checked, and its body (when it has one) is read under
 * `maxBodyBytes` and validated against its schema, before `handler` sees them.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { z } from "zod";
 * import { defineRoute, jsonAnswer, registerRoute, type ServingEnv } from "./route.ts";
 * const echo = defineRoute({
 *   method: "post", path: "/echo", summary: "Echo", secured: false, deadline: false,
 *   body: { schema: z.strictObject({ word: z.string() }), required: true },
 *   ok: { description: "The word", schema: z.object({ word: z.string() }) },
 *   problems: {},
 * });
 * const app = new Hono<ServingEnv>();
 * registerRoute(app, echo, 1024, (c, body) => jsonAnswer(c, echo, { word: body.word }));
 * ```
 */
export function registerRoute<R extends ApiRoute>(
  app: Hono<ServingEnv>,
  route: R,
  maxBodyBytes: number,
  handler: (c: ServingCtx, body: RouteBody<R>) => Response | Promise<Response>,
): void {
  const body = route.body, params = pathParamsSchema(route);
  app.on(route.method, route.path, async (c) => {
    if (params) validate(params, c.req.param(), "path");
    if (body === undefined) return await handler(c, undefined as RouteBody<R>);
    const raw = await readJsonBody(c.req.raw, maxBodyBytes);
    const valid = validate(body.schema, body.required ? raw : raw ?? {}, "body");
    return await handler(c, valid as RouteBody<R>);
  });
}

/**
 * Answers 200 with `body`, typed by the route's response schema.
 *
 * @example
 * ```ts
 * import { apiRoutes } from "./routes/mod.ts";
 * import { jsonAnswer, type ServingCtx } from "./route.ts";
 * const alive = (c: ServingCtx) =>
 *   jsonAnswer(c, apiRoutes.health, {
 *     status: "ok", model: "din", dataset: "ml-1m", items: 3706, users: 6040,
 *     encoder: "hashing:v1:d256", knowledgeGeneration: false, cachedVectors: 0, uptimeSeconds: 1,
 *   });
 * ```
 */
export function jsonAnswer<R extends ApiRoute>(
  c: ServingCtx,
  _route: R,
  body: RouteOk<R>,
): Response {
  return c.json(body as Record<string, unknown>);
}

/**
 * Serializes a 200 body once, typed by the route's response schema, for answers kept as text
 * (a warm knowledge GET then writes a cached string and allocates almost nothing).
 *
 * @example
 * ```ts
 * import { apiRoutes } from "./routes/mod.ts";
 * import { serializeAnswer } from "./route.ts";
 * const text = serializeAnswer(apiRoutes.userKnowledge, {
 *   kind: "user", id: "42", inVocabulary: false, knowledge: [],
 * });
 * ```
 */
export function serializeAnswer<R extends ApiRoute>(_route: R, body: RouteOk<R>): string {
  return JSON.stringify(body);
}
