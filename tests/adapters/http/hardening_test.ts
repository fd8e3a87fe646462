/**
 * The router served over real HTTP on 127.0.0.1 under what fault injection found: invented
 * methods and paths, clients that vanish mid-body or stall, wrong methods on known paths, and
 * over-long ids in the path.
 */
import assert from "node:assert/strict";
import { serveHttp } from "../../../adapters/http/deno_server.ts";
import { MAX_ID_LENGTH } from "../../../adapters/http/request_schemas.ts";
import { r4ecRouter } from "../../../adapters/http/router.ts";
import { checkedRouter } from "./checked_answers.ts";
import { servingFixture } from "./serving_fixture.ts";

/** The exposition text with every sample value dropped: which series exist. */
function seriesOf(metrics: string): string[] {
  return metrics.split("\n").filter((l) => !l.startsWith("#")).map((l) => l.replace(/ \S+$/, ""));
}

/** Polls `ready` every 10 ms for at most `ms`. */
async function eventually(ready: () => boolean, ms = 5_000): Promise<void> {
  for (let waited = 0; !ready() && waited < ms; waited += 10) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(ready(), `not within ${ms} ms`);
}

/** Sends `text` on a new connection, then closes it at once (before any answer). */
async function sendAndVanish(port: number, text: string): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(text));
  await new Promise((r) => setTimeout(r, 50));
  conn.close();
}

/** Sends `text` on a new connection and reads until the server closes it. */
async function sendAndRead(port: number, text: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(text));
  const chunks: string[] = [];
  const buffer = new Uint8Array(4096);
  for (let n; (n = await conn.read(buffer).catch(() => null)) !== null;) {
    chunks.push(new TextDecoder().decode(buffer.subarray(0, n)));
  }
  conn.close();
  return chunks.join("");
}

Deno.test("hardening: the router over HTTP on 127.0.0.1", async (t) => {
  const fx = await servingFixture();
  const logs: string[] = [];
  const router = r4ecRouter({ store: fx.store, bundle: fx.bundle, log: (l) => logs.push(l) });
  const server = serveHttp(router, { port: 0, headerTimeoutMs: 2_000, bodyTimeoutMs: 300 });
  const port = server.addr.port, url = `http://127.0.0.1:${port}`;
  const requests = router.serving.metrics.requests;
  const user = fx.dataset.users.raw[1], items = [fx.dataset.items.raw[1]];
  const scoreHead = (length: number) =>
    `POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${length}\r\n\r\n`;
  try {
    await t.step("5,000 invented methods and paths leave /metrics the same size", async () => {
      const invented = (i: number) =>
        fetch(i % 2 ? `${url}/healthz` : `${url}/no/such/path/${i}`, { method: `BREW${i}` })
          .then((r) => r.body?.cancel());
      for (let i = 0; i < 10; i++) await invented(i);
      await (await fetch(`${url}/metrics`)).body?.cancel(); // its own series exist from now on
      const before = await (await fetch(`${url}/metrics`)).text();
      for (let i = 10; i < 5_010; i += 10) {
        await Promise.all(Array.from({ length: 10 }, (_, j) => invented(i + j)));
      }
      const after = await (await fetch(`${url}/metrics`)).text();
      assert.deepEqual(seriesOf(after), seriesOf(before), "no series was added");
      // Only sample values grew (counts by a digit or two, latency sums).
      assert.ok(Math.abs(after.length - before.length) < 200, `${before.length} → ${after.length}`);
      assert.equal(requests.get({ method: "other", route: "/healthz", status: "405" }), 2_505);
      assert.equal(requests.get({ method: "other", route: "unmatched", status: "404" }), 2_505);
    });

    await t.step("a client gone mid-body is counted 499 and logged on one line", async () => {
      await sendAndVanish(port, scoreHead(1_000) + `{"user":"${user}","items":[`);
      await eventually(() =>
        requests.get({ method: "POST", route: "/v1/score", status: "499" }) === 1
      );
      assert.equal(logs.length, 1, logs.join("\n"));
      assert.match(logs[0], /POST \/v1\/score: the connection closed after \d+ bytes .*\(499\)$/);
      assert.doesNotMatch(logs[0], /\n|\bat /, "no stack trace");
    });

    await t.step("a stalled body: 408 from the guard, 499 in the router, never 500", async () => {
      const answer = await sendAndRead(port, scoreHead(1_000) + `{"user":`);
      assert.match(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/);
      await eventually(() =>
        requests.get({ method: "POST", route: "/v1/score", status: "499" }) === 2
      );
      assert.equal(server.connections.bodyTimeouts, 1);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.doesNotMatch(metrics, /status="5\d\d"/);
    });

    await t.step("a wrong method on a known path is 405 with Allow", async () => {
      const app = checkedRouter({ store: fx.store, bundle: fx.bundle });
      const cases: [string, string, string][] = [
        ["GET", "/v1/score", "POST"],
        ["PUT", "/v1/rank", "POST"],
        ["POST", "/healthz", "GET, HEAD"],
        ["DELETE", `/v1/users/${user}/knowledge`, "GET, HEAD"],
        ["GET", `/v1/knowledge/items/${items[0]}`, "POST"],
        ["BREW", "/metrics", "GET, HEAD"],
      ];
      for (const [method, path, allow] of cases) {
        const res = await app.request(path, { method });
        assert.equal(res.status, 405, `${method} ${path}`);
        assert.equal(res.headers.get("allow"), allow, `${method} ${path}`);
        const body = await res.json();
        assert.equal(body.title, "Method Not Allowed");
        assert.equal(body.detail, `${method} is not allowed on ${path} (allowed: ${allow})`);
      }
      // The methods it allows still work; HEAD is GET without the body.
      assert.equal((await app.request("/healthz", { method: "HEAD" })).status, 200);
      const withCors = r4ecRouter({ store: fx.store, bundle: fx.bundle, cors: true });
      const res = await withCors.request("/v1/score", { method: "GET" });
      assert.equal(res.headers.get("allow"), "POST, OPTIONS");
      // Over HTTP too, and paths no route serves stay 404.
      const wire = await fetch(`${url}/v1/score`);
      assert.equal(wire.status, 405);
      assert.equal(wire.headers.get("allow"), "POST");
      await wire.body?.cancel();
      assert.equal((await app.request("/v1/scores", { method: "GET" })).status, 404);
    });

    await t.step("an over-long id in the path is refused as one in the body is", async () => {
      const app = checkedRouter({ store: fx.store, bundle: fx.bundle });
      const long = "u".repeat(MAX_ID_LENGTH + 1);
      const inPath = await app.request(`/v1/users/${long}/knowledge`);
      const inBody = await app.request("/v1/score", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ user: long, items }),
      });
      assert.equal(inPath.status, 422);
      assert.equal(inBody.status, 422);
      const [p, b] = [await inPath.json(), await inBody.json()];
      assert.equal(p.type, b.type);
      assert.deepEqual(p.errors.map((e: { field: string }) => e.field), ["path.id"]);
      assert.deepEqual(b.errors.map((e: { field: string }) => e.field), ["body.user"]);
      assert.equal(p.errors[0].message, b.errors[0].message);
      // The limit counts characters after percent-decoding, and every route's path id has it.
      const euros = (n: number) => encodeURIComponent("€".repeat(n));
      assert.equal(
        (await app.request(`/v1/items/${euros(MAX_ID_LENGTH + 1)}/knowledge`)).status,
        422,
      );
      assert.equal((await app.request(`/v1/items/${euros(MAX_ID_LENGTH)}/knowledge`)).status, 404);
      const run = await app.request(`/v1/knowledge/users/${long}`, { method: "POST" });
      assert.equal(run.status, 422);
      assert.equal(
        (await app.request(`/v1/users/${"u".repeat(MAX_ID_LENGTH)}/knowledge`)).status,
        404,
      );
    });
  } finally {
    await server.shutdown();
    await fx.close();
  }
  assert.equal(logs.length, 2, "nothing but the two client aborts was logged");
});
