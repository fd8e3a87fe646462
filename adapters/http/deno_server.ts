/**
 * The runtime adapter: serves any fetch handler (the router, or a host app that mounts it) with
 * `Deno.serve`, and shuts down gracefully: stop accepting, let requests in flight finish (up to a
 * grace period), then resolve.
 *
 * @module
 */

/**
 * Options of {@link serveHttp}.
 *
 * @example
 * ```ts
 * import type { ServeHttpOptions } from "./deno_server.ts";
 * const options: ServeHttpOptions = { port: 8787, hostname: "0.0.0.0", gracePeriodMs: 5_000 };
 * ```
 */
export interface ServeHttpOptions {
  /** Port (default 8787; 0 picks a free one). */
  port?: number;
  /** Interface (default 127.0.0.1). */
  hostname?: string;
  /** Share the port with other processes (`SO_REUSEPORT`, Linux); default false. */
  reusePort?: boolean;
  /** How long in-flight requests may take to finish on shutdown, in ms (default 10,000). */
  gracePeriodMs?: number;
  /** Called once listening. */
  onListen?: (addr: { hostname: string; port: number }) => void;
}

/**
 * A running server.
 *
 * @example
 * ```ts
 * import type { RunningServer } from "./deno_server.ts";
 * async function stop(server: RunningServer) {
 *   await server.shutdown();
 * }
 * ```
 */
export interface RunningServer {
  /** Where it listens. */
  addr: { hostname: string; port: number };
  /** Stops accepting, waits for requests in flight (at most the grace period). */
  shutdown(): Promise<void>;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
}

/**
 * Serves `app` on `Deno.serve`.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { serveHttp } from "./deno_server.ts";
 * const app = new Hono().get("/", (c) => c.text("ok"));
 * const server = serveHttp(app, { port: 0 });
 * await fetch(`http://127.0.0.1:${server.addr.port}/`).then((r) => r.text());
 * await server.shutdown();
 * ```
 */
export function serveHttp(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  options: ServeHttpOptions = {},
): RunningServer {
  const grace = options.gracePeriodMs ?? 10_000;
  const server = Deno.serve({
    port: options.port ?? 8787,
    hostname: options.hostname ?? "127.0.0.1",
    reusePort: options.reusePort ?? false,
    onListen: () => {},
  }, (request) => app.fetch(request));
  const addr = server.addr as Deno.NetAddr;
  options.onListen?.({ hostname: addr.hostname, port: addr.port });
  let stopping: Promise<void> | undefined;
  return {
    addr: { hostname: addr.hostname, port: addr.port },
    finished: server.finished,
    shutdown() {
      stopping ??= (async () => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, grace)));
        await Promise.race([server.shutdown(), expired]);
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
