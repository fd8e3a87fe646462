import assert from "node:assert/strict";
import { Hono } from "hono";
import { serveHttp } from "../../../adapters/http/deno_server.ts";

Deno.test("serveHttp: serves on 127.0.0.1 and drains a request in flight on shutdown", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const app = new Hono()
    .get("/fast", (c) => c.text("fast"))
    .get("/slow", async (c) => {
      entered();
      await gate;
      return c.text("finished");
    });
  let listened: { hostname: string; port: number } | undefined;
  const server = serveHttp(app, { port: 0, onListen: (a) => (listened = a) });
  assert.equal(server.addr.hostname, "127.0.0.1");
  assert.deepEqual(listened, server.addr);
  const url = `http://127.0.0.1:${server.addr.port}`;
  assert.equal(await (await fetch(`${url}/fast`)).text(), "fast");
  const slow = fetch(`${url}/slow`);
  await inside;
  const stopped = server.shutdown();
  // New connections are refused while the request in flight still completes.
  await assert.rejects(fetch(`${url}/fast`));
  release();
  const res = await slow;
  assert.equal(await res.text(), "finished");
  await stopped;
  await server.finished;
});

Deno.test("serveHttp: shutdown returns after the grace period even if a request hangs", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const app = new Hono().get("/hang", async (c) => {
    entered();
    await gate;
    return c.text("late");
  });
  const server = serveHttp(app, { port: 0, gracePeriodMs: 20 });
  const hanging = fetch(`http://127.0.0.1:${server.addr.port}/hang`);
  await inside;
  let answered = false;
  const response = hanging.then(async (r) => {
    answered = true;
    return await r.text();
  });
  await server.shutdown();
  assert.equal(answered, false, "shutdown returned while the request was still open");
  release();
  assert.equal(await response, "late");
  await server.finished;
});

/** What a raw connection received, and after how long the server closed it (undefined: open). */
interface RawExchange {
  answer: string;
  closedAfterMs: number | undefined;
}

/** Sends `text` on a new connection and reads until the server closes it or `waitMs` pass. */
async function rawExchange(port: number, text: string, waitMs = 5_000): Promise<RawExchange> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const t0 = performance.now();
  await conn.write(new TextEncoder().encode(text));
  const chunks: string[] = [];
  const buffer = new Uint8Array(4096);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"open">((
    resolve,
  ) => (timer = setTimeout(() => resolve("open"), waitMs)));
  let closedAfterMs: number | undefined;
  for (;;) {
    const n = await Promise.race([conn.read(buffer).catch(() => null), timedOut]);
    if (n === "open") break;
    if (n === null) {
      closedAfterMs = performance.now() - t0;
      break;
    }
    chunks.push(new TextDecoder().decode(buffer.subarray(0, n)));
  }
  clearTimeout(timer);
  conn.close();
  return { answer: chunks.join(""), closedAfterMs };
}

/** Asserts the connection was closed after `deadline` ms, give or take the sweep and the load. */
function assertClosedAfter(r: RawExchange, deadline: number): void {
  assert.ok(r.closedAfterMs !== undefined, "the connection is still open");
  assert.ok(
    r.closedAfterMs >= deadline * 0.9,
    `closed after ${r.closedAfterMs} ms, before the deadline`,
  );
  assert.ok(r.closedAfterMs < deadline + 1_500, `closed only after ${r.closedAfterMs} ms`);
}

const echo = new Hono().post("/echo", async (c) => c.text(await c.req.text()))
  .get("/fast", (c) => c.text("fast"));

Deno.test("serveHttp: a stalled head is answered 408 and closed after the header deadline", async () => {
  const server = serveHttp(echo, { port: 0, headerTimeoutMs: 200 });
  try {
    const stalled = await rawExchange(server.addr.port, "GET /fast HTTP/1.1\r\nHost: x\r\n");
    assertClosedAfter(stalled, 200);
    assert.match(stalled.answer, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    // A connection that sends nothing is closed too, without an answer.
    const silent = await rawExchange(server.addr.port, "");
    assertClosedAfter(silent, 200);
    assert.equal(silent.answer, "");
    assert.equal(server.connections.headerTimeouts, 1);
    assert.equal(server.connections.idleTimeouts, 1);
  } finally {
    await server.shutdown();
  }
});

Deno.test("serveHttp: a stalled body is answered 408 and closed after the body deadline", async () => {
  let readError: unknown;
  const app = new Hono().post("/echo", async (c) => {
    try {
      return c.text(await c.req.text());
    } catch (error) {
      readError = error;
      return c.text("", 500);
    }
  });
  const server = serveHttp(app, { port: 0, headerTimeoutMs: 5_000, bodyTimeoutMs: 300 });
  try {
    const r = await rawExchange(
      server.addr.port,
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc",
    );
    assertClosedAfter(r, 300);
    assert.match(r.answer, /^HTTP\/1\.1 408 /);
    assert.equal(server.connections.bodyTimeouts, 1);
    // The handler waiting for the body is not left waiting: its read fails.
    for (let i = 0; i < 100 && readError === undefined; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(readError !== undefined, "the handler's body read did not fail");
  } finally {
    await server.shutdown();
  }
});

Deno.test("serveHttp: keep-alive requests pass, and an idle keep-alive connection is closed", async () => {
  const server = serveHttp(echo, { port: 0, headerTimeoutMs: 300 });
  try {
    const two = "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n" +
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
    const r = await rawExchange(server.addr.port, two);
    assert.equal(r.answer.match(/HTTP\/1\.1 200 OK/g)?.length, 2, r.answer);
    assert.ok(r.answer.endsWith("hello"));
    assertClosedAfter(r, 300);
    assert.doesNotMatch(r.answer, /408/, "an idle connection gets no answer");
    // Bodies of any size and framing are relayed unchanged.
    const url = `http://127.0.0.1:${server.addr.port}/echo`;
    const big = "x".repeat(1 << 20);
    assert.equal(await (await fetch(url, { method: "POST", body: big })).text(), big);
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        for (const part of ["chunk", "ed ", "body"]) c.enqueue(new TextEncoder().encode(part));
        c.close();
      },
    });
    assert.equal(
      await (await fetch(url, { method: "POST", body: chunked })).text(),
      "chunked body",
    );
    assert.equal(server.connections.headerTimeouts + server.connections.bodyTimeouts, 0);
  } finally {
    await server.shutdown();
  }
});

Deno.test("serveHttp: at most maxConnections are open; one more is answered 503", async () => {
  const server = serveHttp(echo, { port: 0, maxConnections: 2, headerTimeoutMs: 10_000 });
  const port = server.addr.port;
  const held = [await Deno.connect({ port }), await Deno.connect({ port })];
  try {
    for (let i = 0; i < 100 && server.connections.open < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(server.connections.open, 2);
    const third = await rawExchange(port, "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(third.answer, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.ok(third.closedAfterMs !== undefined && third.closedAfterMs < 1_000);
    assert.equal(server.connections.refused, 1);
    held.pop()!.close();
    for (let i = 0; i < 100 && server.connections.open > 1; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const res = await fetch(`http://127.0.0.1:${port}/fast`, { headers: { connection: "close" } });
    assert.equal(await res.text(), "fast");
  } finally {
    for (const c of held) c.close();
    await server.shutdown();
  }
});
