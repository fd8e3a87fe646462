/**
 * Every answer a test receives, checked against what the route records declare: a 200 body must
 * parse with the route's response schema and come back unchanged (so no undocumented field, and no
 * documented one missing), a problem must be a status the OpenAPI document lists for the route
 * and a valid problem body, a known path asked with another method a 405 naming the methods it
 * serves, and a path no route serves a 404 problem.
 */
import assert from "node:assert/strict";
import { ProblemSchema } from "../../../adapters/http/problem.ts";
import { type ApiRoute, routeProblems } from "../../../adapters/http/route.ts";
import { apiRoutes } from "../../../adapters/http/routes/mod.ts";
import {
  type R4ecRouter,
  r4ecRouter,
  type R4ecRouterOptions,
} from "../../../adapters/http/router.ts";
import type { z } from "zod";

/** What the tests send requests to (a router, or a host app that mounts one). */
export interface Requester {
  request(path: string, init?: RequestInit): Response | Promise<Response>;
}

const routes: ApiRoute[] = Object.values(apiRoutes);
const patterns = routes.map((r) => ({
  route: r,
  regex: new RegExp(`^${r.path.replace(/:\w+/g, "[^/]+")}$`),
}));

/** `route.method route.path` of every route that answered 200 through a checked app. */
export const answeredOk: Set<string> = new Set();

/** The route `method path` reaches, if any. */
export function routeOf(method: string, path: string): ApiRoute | undefined {
  return patterns.find((p) => p.route.method === method.toLowerCase() && p.regex.test(path))
    ?.route;
}

/** Asserts that `body` parses with `schema` and parsing changes nothing. */
export function assertExactly(schema: z.ZodType, body: unknown, where: string): void {
  const parsed = schema.safeParse(body);
  assert.ok(parsed.success, `${where}: ${parsed.error?.message}`);
  assert.deepEqual(parsed.data, body, `${where}: the body has fields its schema does not declare`);
}

/** Checks one answer of `method path` (a clone is read; the caller's response is untouched). */
export async function checkAnswer(
  method: string,
  path: string,
  res: Response,
  bearer: boolean,
): Promise<void> {
  if (method === "OPTIONS") return; // CORS preflight: answered by the middleware, no route
  // HEAD is a GET answered without its body: only the status can be checked.
  if (method === "HEAD" && routeOf("GET", path)) return void assert.equal(res.status, 200);
  const where = `${method} ${path} → ${res.status}`;
  const route = routeOf(method, path);
  const type = res.headers.get("content-type") ?? "";
  const text = await res.clone().text();
  if (res.status === 200 && route) {
    answeredOk.add(`${route.method} ${route.path}`);
    if (route.ok.schema) {
      assert.match(type, /^application\/json\b/, where);
      assertExactly(route.ok.schema, JSON.parse(text), where);
    } else {
      assert.ok(type.startsWith(route.ok.contentType), `${where}: content-type ${type}`);
    }
    return;
  }
  const served = patterns.filter((p) => p.regex.test(path)).map((p) => p.route.method);
  if (route) {
    const documented = Object.keys(routeProblems(route, { bearer })).map(Number);
    assert.ok(documented.includes(res.status), `${where}: not documented (${documented})`);
  } else if (served.length > 0) {
    // A known path asked with another method: 405, naming the methods it serves.
    assert.equal(res.status, 405, `${where}: the path is served by ${served}`);
    const allow = res.headers.get("allow")?.split(", ") ?? [];
    for (const m of served) assert.ok(allow.includes(m.toUpperCase()), `${where}: Allow ${allow}`);
  } else {
    assert.equal(res.status, 404, `${where}: no route serves this`);
  }
  assert.equal(type, "application/problem+json", where);
  assertExactly(ProblemSchema, JSON.parse(text), where);
}

/** `app` with every answer checked; `prefix` is where a host mounted the router. */
export function checkAnswers<T extends Requester>(
  app: T,
  documented: { bearer: boolean; prefix?: string },
): T {
  const checked = Object.create(app) as T;
  checked.request = async (path: string, init?: RequestInit) => {
    const res = await app.request(path, init);
    const url = new URL(path, "http://localhost");
    const prefix = documented.prefix ?? "";
    if (url.pathname.startsWith(prefix)) {
      const method = init?.method ?? "GET";
      await checkAnswer(method, url.pathname.slice(prefix.length), res, documented.bearer);
    }
    return res;
  };
  return checked;
}

/** `r4ecRouter(options)` with every answer checked. */
export function checkedRouter(options: R4ecRouterOptions): R4ecRouter {
  return checkAnswers(r4ecRouter(options), { bearer: options.token !== undefined });
}
