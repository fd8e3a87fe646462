/**
 * The Deno-only part of r4ec: `serveHttp` serves the router with `Deno.serve` behind a connection
 * guard (at most `maxConnections` open connections, header and body deadlines). Everything else is
 * in `mod.ts` and runs on Deno and Node alike; on Node, mount `r4ecRouter()` in
 * `@hono/node-server` instead (the npm package's `./deno` entry point fails at import, saying so).
 *
 * @example
 * ```ts
 * import { serveHttp } from "./deno.ts";
 * import { Hono } from "hono";
 * function serveHello(port: number) {
 *   return serveHttp(new Hono().get("/", (c) => c.text("ok")), { port, maxConnections: 64 });
 * }
 * // const server = serveHello(8787); ...; await server.shutdown();
 * ```
 *
 * @module
 */
export * from "./adapters/http/connection_guard.ts";
export * from "./adapters/http/deno_server.ts";
