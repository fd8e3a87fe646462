/**
 * The runtime adapter: serves any fetch handler (the router, or a host app that mounts it) with
 * `Deno.serve`, and shuts down gracefully: stop accepting, let requests in flight finish (up to a
 * grace period), then resolve.
 *
 * `Deno.serve` has no header or body read deadline and no connection limit (a connection with an
 * unfinished head stays open indefinitely), and its `node:http` layer accepts `headersTimeout`,
 * `requestTimeout` and `maxConnections` but does not enforce them. So `Deno.serve` listens on a
 * private Unix socket (in a fresh temporary folder) and the TCP port is held by the connection
 * guard (`connection_guard.ts`), which enforces those limits and relays each connection to it.
 *
 * @module
 */
import { join } from "node:path";
import {
  type ConnectionGuard,
  type ConnectionLimits,
  guardConnections,
  type GuardStats,
} from "./connection_guard.ts";

/**
 * Options of {@link serveHttp}.
 *
 * @example
 * ```ts
 * import type { ServeHttpOptions } from "./deno_server.ts";
 * const options: ServeHttpOptions = { port: 8787, hostname: "0.0.0.0", gracePeriodMs: 5_000 };
 * ```
 */
export interface ServeHttpOptions extends ConnectionLimits {
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
  /** What the connection guard has done (open connections, refusals, read timeouts). */
  connections: Readonly<GuardStats>;
}

/**
 * Serves `app` on `Deno.serve`.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { serveHttp } from "./deno_server.ts";
 * const app = new Hono().get("/", (c) => c.text("ok"));
 * // Type-checked only: the doc tests may not open Unix sockets (tests/adapters/http runs this).
 * async function serveOnce(): Promise<string> {
 *   const server = serveHttp(app, { port: 0 });
 *   const text = await fetch(`http://127.0.0.1:${server.addr.port}/`).then((r) => r.text());
 *   await server.shutdown();
 *   return text;
 * }
 * ```
 */
export function serveHttp(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  options: ServeHttpOptions = {},
): RunningServer {
  const grace = options.gracePeriodMs ?? 10_000;
  const dir = Deno.makeTempDirSync({ prefix: "r4ec-http-" });
  const path = join(dir, "http.sock");
  const server = Deno.serve(
    { transport: "unix", path, onListen: () => {} },
    (request) => app.fetch(request),
  );
  let guard: ConnectionGuard;
  try {
    guard = guardConnections({
      hostname: options.hostname ?? "127.0.0.1",
      port: options.port ?? 8787,
      reusePort: options.reusePort ?? false,
      maxConnections: options.maxConnections,
      headerTimeoutMs: options.headerTimeoutMs,
      bodyTimeoutMs: options.bodyTimeoutMs,
      upstream: () => Deno.connect({ transport: "unix", path }),
    });
  } catch (error) {
    void server.shutdown().finally(() => Deno.removeSync(dir, { recursive: true }));
    throw error;
  }
  const addr = { hostname: guard.addr.hostname, port: guard.addr.port };
  options.onListen?.(addr);
  // The server is done once its last answer has been relayed, not when its last handler returns.
  const finished = server.finished.then(async () => {
    guard.stopAccepting();
    await guard.drained();
    Deno.removeSync(dir, { recursive: true });
  });
  let stopping: Promise<void> | undefined;
  return {
    addr,
    finished,
    connections: guard.stats,
    shutdown() {
      stopping ??= (async () => {
        guard.stopAccepting();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, grace)));
        await Promise.race([server.shutdown(), expired]);
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
