/**
 * HTTP serving: the serving bundle (model + what scoring needs), the Hono router a host mounts,
 * and the `Deno.serve` adapter.
 *
 * @example
 * ```ts
 * import { loadServingBundle, r4ecRouter, serveHttp } from "./mod.ts";
 * import { openStore } from "../store/duckdb_store.ts";
 * const router = r4ecRouter({
 *   store: await openStore("runs/knowledge.duckdb"),
 *   bundle: await loadServingBundle("runs/serving"),
 * });
 * await router.serving.preload();
 * const server = serveHttp(router, { port: 8787 });
 * ```
 *
 * @module
 */
export * from "./bundle.ts";
export * from "./deno_server.ts";
export * from "./knowledge_cache.ts";
export * from "./metrics.ts";
export * from "./openapi.ts";
export * from "./problem.ts";
export * from "./request.ts";
export * from "./router.ts";
export * from "./schemas.ts";
export * from "./scoring.ts";
export * from "./lru.ts";
export * from "./adaptor_memo.ts";
