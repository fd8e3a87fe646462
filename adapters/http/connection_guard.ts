/**
 * The connection guard: what `Deno.serve` cannot be told. It accepts the TCP connections itself
 * (`Deno.listen`), refuses those over a per-process limit, and relays each accepted one byte for
 * byte to the HTTP server behind it (`deno_server.ts` runs `Deno.serve` on a private Unix socket),
 * following the request framing (`request_framing.ts`) to enforce read deadlines:
 *
 * - a request's head must be complete within `headerTimeoutMs` of the connection being ready for
 *   it: accepted, or the last byte of the previous answer relayed (so an idle keep-alive connection
 *   is closed after the same time), or, for a pipelined request, its own first byte;
 * - a declared body (`Content-Length` or chunked) must be complete within `bodyTimeoutMs` of its
 *   head.
 *
 * A deadline that passes while the server has said nothing of this request is answered
 * `408 Request Timeout` and the connection closed; otherwise (idle, or an answer already under
 * way) the connection is only closed. While the server works on a complete request no deadline
 * runs: the routes' own deadlines bound that. Limits: HTTP/1.1 only (an HTTP/2 cleartext preface
 * is closed), and a pipelining client's later answers must start within `headerTimeoutMs` of the
 * earlier ones.
 *
 * @module
 */
import { type FramingPhase, HTTP2_PREFACE, RequestFraming } from "./request_framing.ts";

/**
 * Connection limits of a server.
 *
 * @example
 * ```ts
 * import type { ConnectionLimits } from "./connection_guard.ts";
 * const limits: ConnectionLimits = { maxConnections: 256, headerTimeoutMs: 5_000 };
 * ```
 */
export interface ConnectionLimits {
  /** Open connections per process, at most; one more is answered 503 and closed. @default 1024 */
  maxConnections?: number;
  /** Time a request's head may take to arrive, in ms (see the module doc). @default 10000 */
  headerTimeoutMs?: number;
  /** Time a declared request body may take to arrive after its head, in ms. @default 30000 */
  bodyTimeoutMs?: number;
}

/**
 * What the guard has done so far.
 *
 * @example
 * ```ts
 * import type { GuardStats } from "./connection_guard.ts";
 * const timeouts = (s: GuardStats) => s.headerTimeouts + s.bodyTimeouts;
 * ```
 */
export interface GuardStats {
  /** Connections open now. */
  open: number;
  /** Connections accepted and relayed. */
  accepted: number;
  /** Connections refused because `maxConnections` were open. */
  refused: number;
  /** Connections closed because a request head did not arrive in time. */
  headerTimeouts: number;
  /** Connections closed because a declared body did not arrive in time. */
  bodyTimeouts: number;
  /**
   * Connections closed while no request was under way: idle keep-alive ones, new ones that sent
   * nothing, and unframed ones the server did not close in time.
   */
  idleTimeouts: number;
  /** Connections whose bytes the framing could not follow (the server answered them). */
  unframed: number;
}

/**
 * A running guard.
 *
 * @example
 * ```ts
 * import type { ConnectionGuard } from "./connection_guard.ts";
 * const describe = (g: ConnectionGuard) => `${g.stats.open} open on port ${g.addr.port}`;
 * ```
 */
export interface ConnectionGuard {
  /** Where it listens. */
  readonly addr: Deno.NetAddr;
  /** Counters, updated as connections come and go. */
  readonly stats: Readonly<GuardStats>;
  /** Closes the listener: new connections are refused by the kernel, open ones go on. */
  stopAccepting(): void;
  /**
   * Resolves once the guard stopped accepting and every relayed connection has ended (the server
   * closing its side ends one); its deadline timer stops then.
   */
  drained(): Promise<void>;
}

/**
 * Options of {@link guardConnections}.
 *
 * @example
 * ```ts
 * import type { GuardOptions } from "./connection_guard.ts";
 * const options: GuardOptions = {
 *   hostname: "127.0.0.1", port: 0,
 *   upstream: () => Deno.connect({ transport: "unix", path: "/tmp/app.sock" }),
 * };
 * ```
 */
export interface GuardOptions extends ConnectionLimits {
  /** Interface to listen on. */
  hostname: string;
  /** Port (0 picks a free one). */
  port: number;
  /** Share the port with other processes (`SO_REUSEPORT`, Linux). @default false */
  reusePort?: boolean;
  /** Opens a connection to the server each accepted connection is relayed to. */
  upstream: () => Promise<Deno.Conn>;
}

const CHUNK_BYTES = 16 * 1024;
const encoder = new TextEncoder();
const ANSWER_408 = encoder.encode(
  "HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n",
);
const ANSWER_503 = encoder.encode(
  "HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\nretry-after: 1\r\n" +
    "content-length: 0\r\n\r\n",
);

/** One relayed connection: the deadline the sweep checks and how to end it. */
interface Relay {
  deadline: number | undefined;
  expire(): void;
  close(): void;
}

/**
 * Listens on `hostname:port` and relays every accepted connection to `upstream()` under the
 * limits (defaults applied).
 *
 * @example
 * ```ts
 * import { guardConnections } from "./connection_guard.ts";
 * // Type-checked only: the doc tests may not open Unix sockets (tests/adapters/http runs this).
 * async function guarded(): Promise<string> {
 *   const path = `${await Deno.makeTempDir()}/app.sock`;
 *   const app = Deno.serve({ transport: "unix", path, onListen() {} }, () => new Response("ok"));
 *   const guard = guardConnections({
 *     hostname: "127.0.0.1", port: 0, headerTimeoutMs: 2_000,
 *     upstream: () => Deno.connect({ transport: "unix", path }),
 *   });
 *   const text = await (await fetch(`http://127.0.0.1:${guard.addr.port}/`)).text(); // ok
 *   guard.stopAccepting();
 *   await app.shutdown();
 *   await guard.drained();
 *   return text;
 * }
 * ```
 */
export function guardConnections(options: GuardOptions): ConnectionGuard {
  const limits = {
    maxConnections: options.maxConnections ?? 1024,
    headerTimeoutMs: options.headerTimeoutMs ?? 10_000,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 30_000,
  };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`guardConnections: ${name} must be a positive integer, got ${value}`);
    }
  }
  const listener = Deno.listen({
    hostname: options.hostname,
    port: options.port,
    transport: "tcp",
    reusePort: options.reusePort ?? false,
  });
  const stats: GuardStats = {
    open: 0,
    accepted: 0,
    refused: 0,
    headerTimeouts: 0,
    bodyTimeouts: 0,
    idleTimeouts: 0,
    unframed: 0,
  };
  const live = new Set<Relay>();
  let accepting = true;
  let settle: (() => void) | undefined;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const ended = () => {
    if (accepting || live.size > 0) return;
    clearInterval(sweep);
    settle?.();
  };
  // One timer for every connection: deadlines are checked a few times per shortest deadline.
  const tick = Math.max(5, Math.min(limits.headerTimeoutMs, limits.bodyTimeoutMs) / 4);
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const relay of live) {
      if (relay.deadline !== undefined && now >= relay.deadline) relay.expire();
    }
  }, tick);
  Deno.unrefTimer(sweep);
  void (async () => {
    while (accepting) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch {
        // Closed by stopAccepting, or out of file descriptors: wait a little rather than spin.
        if (accepting) await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      if (live.size >= limits.maxConnections) {
        stats.refused++;
        void refuse(conn);
        continue;
      }
      stats.accepted++;
      relayConnection(conn, options.upstream, limits, stats, live, ended);
    }
  })();
  return {
    addr: listener.addr,
    stats,
    stopAccepting() {
      if (!accepting) return;
      accepting = false;
      listener.close();
      ended();
    },
    drained: () => settled,
  };
}

/** Answers 503 and closes (the client's request, if any, is not read). */
async function refuse(conn: Deno.Conn): Promise<void> {
  await writeWithin(conn, ANSWER_503, 1_000);
  closeQuietly(conn);
}

/** Relays `client` to a new upstream connection until either side closes or a deadline passes. */
function relayConnection(
  client: Deno.TcpConn,
  connectUpstream: () => Promise<Deno.Conn>,
  limits: Required<ConnectionLimits>,
  stats: GuardStats,
  live: Set<Relay>,
  ended: () => void,
): void {
  client.setNoDelay(true);
  const framing = new RequestFraming();
  let upstream: Deno.Conn | undefined;
  let closed = false;
  // Whether the server has sent a byte since the current request began, and is sending now.
  let serverSpoke = false, sending = false;
  const relay: Relay = {
    deadline: performance.now() + limits.headerTimeoutMs,
    expire() {
      const phase: FramingPhase = framing.phase;
      if (phase === "head") stats.headerTimeouts++;
      else if (phase === "body") stats.bodyTimeouts++;
      else stats.idleTimeouts++;
      relay.deadline = undefined;
      if (upstream) closeQuietly(upstream);
      const answer = (phase === "head" || phase === "body") && !serverSpoke && !sending;
      void (answer ? writeWithin(client, ANSWER_408, 1_000) : Promise.resolve()).then(() =>
        relay.close()
      );
    },
    close() {
      if (closed) return;
      closed = true;
      live.delete(relay);
      stats.open = live.size;
      closeQuietly(client);
      if (upstream) closeQuietly(upstream);
      ended();
    },
  };
  live.add(relay);
  stats.open = live.size;

  /** Follows the client's bytes and moves the deadline as the framing moves. */
  const follow = (bytes: Uint8Array) => {
    const before = { started: framing.started, heads: framing.heads, done: framing.requests };
    const wasFramed = framing.phase !== "opaque";
    framing.feed(bytes);
    const now = performance.now();
    if (framing.requests > before.done) relay.deadline = undefined; // the server's turn
    if (framing.started > before.started) {
      serverSpoke = false;
      if (framing.phase === "head") relay.deadline ??= now + limits.headerTimeoutMs;
    }
    if (framing.phase === "body" && framing.heads > before.heads) {
      relay.deadline = now + limits.bodyTimeoutMs;
    }
    if (framing.phase === "opaque" && wasFramed) {
      stats.unframed++;
      // The server answers what it cannot parse and closes; give it the head deadline to.
      relay.deadline = Math.min(relay.deadline ?? Infinity, now + limits.headerTimeoutMs);
    }
  };

  const clientToServer = async (up: Deno.Conn) => {
    const buffer = new Uint8Array(CHUNK_BYTES);
    for (;;) {
      const n = await client.read(buffer);
      if (n === null) break;
      const bytes = buffer.subarray(0, n);
      follow(bytes);
      if (framing.opaqueReason === HTTP2_PREFACE) return relay.close();
      if (closed) return;
      await writeAll(up, bytes);
    }
    // A client gone mid-request cannot finish it; one that half-closes between requests may
    // still be waiting for an answer.
    if (framing.phase === "idle") await up.closeWrite();
    else relay.close();
  };

  const serverToClient = async (up: Deno.Conn) => {
    const buffer = new Uint8Array(CHUNK_BYTES);
    for (;;) {
      const n = await up.read(buffer);
      if (n === null) break;
      serverSpoke = true;
      sending = true;
      await writeAll(client, buffer.subarray(0, n));
      sending = false;
      // Answer bytes relayed while no request is pending: the connection is ready for the next.
      if (framing.phase === "idle") relay.deadline = performance.now() + limits.headerTimeoutMs;
    }
  };

  void (async () => {
    try {
      upstream = await connectUpstream();
    } catch {
      return relay.close();
    }
    if (closed) return closeQuietly(upstream);
    const up = upstream;
    await Promise.all([
      clientToServer(up).catch(() => relay.close()),
      serverToClient(up).catch(() => {}).finally(() => relay.close()),
    ]);
  })();
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

/** Writes `bytes`, giving up after `ms` (a client that reads nothing must not hold the close). */
async function writeWithin(conn: Deno.Conn, bytes: Uint8Array, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    writeAll(conn, bytes).catch(() => {}),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}
