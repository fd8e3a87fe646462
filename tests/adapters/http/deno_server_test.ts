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
