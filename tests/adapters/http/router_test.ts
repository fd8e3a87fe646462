import assert from "node:assert/strict";
import { Hono } from "hono";
import { hfGenerator } from "../../../adapters/llm/hf.ts";
import { r4ecRouter, type R4ecRouterOptions } from "../../../adapters/http/router.ts";
import type { ServingStore } from "../../../adapters/http/knowledge_cache.ts";
import { predict } from "../../../backbone/trainer.ts";
import { emptySplit } from "../../../datasets/split.ts";
import type { SampleSplit } from "../../../datasets/types.ts";
import { knowledgeInputs } from "../../../eval/knowledge_vectors.ts";
import { groundedReflector } from "../../../plugins/grounded_reflector.ts";
import { llmActor } from "../../../plugins/llm_actor.ts";
import { profileActor } from "../../../plugins/profile/mod.ts";
import { userTaskKey } from "../../../plugins/tasks.ts";
import { startOpenAIServer } from "../../fixtures/openai_server.ts";
import { type ServingFixture, servingFixture } from "./serving_fixture.ts";
import { answeredOk, checkAnswers, checkedRouter } from "./checked_answers.ts";
import { apiRoutes } from "../../../adapters/http/routes/mod.ts";

type Json = Record<string, unknown>;

// Every router below is built by `checkedRouter` (or wrapped by `checkAnswers`): each answer is
// checked against its route's declared response schema and problem statuses.
interface Requester {
  request(path: string, init?: RequestInit): Response | Promise<Response>;
}

function post(app: Requester, path: string, body: unknown, headers: Record<string, string> = {}) {
  return app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Asserts an RFC 7807 answer with `status`, and that it discloses no stack or source path. */
async function problem(res: Response, status: number): Promise<Json> {
  const text = await res.text();
  if (Deno.env.get("DEBUG_PROBLEM")) console.log(res.status, text);
  assert.equal(res.status, status, text);
  assert.equal(res.headers.get("content-type"), "application/problem+json");
  assert.doesNotMatch(
    text,
    /\n\s+at |\.ts:\d+|file:\/\/|[A-Z]\w*Error\b/,
    "no stack trace or source path",
  );
  const body = JSON.parse(text) as Json;
  assert.equal(body.status, status);
  assert.equal(typeof body.title, "string");
  assert.equal(typeof body.detail, "string");
  assert.equal(body.requestId, res.headers.get("x-request-id"));
  return body;
}

/** One test sample row of a user, with the raw ids of its (non-padding) history. */
function lastTestRow(fx: ServingFixture, rawUser: string) {
  const d = fx.dataset, s = d.test, T = d.historyLength, u = d.users.index.get(rawUser)!;
  let row = -1;
  for (let r = 0; r < s.size; r++) if (s.user[r] === u) row = r;
  assert.ok(row >= 0, `user ${rawUser} has test samples`);
  const history: { item: string; rating: number }[] = [];
  for (let t = 0; t < T; t++) {
    const item = s.histItem[row * T + t];
    if (item !== 0) history.push({ item: d.items.raw[item], rating: s.histRating[row * T + t] });
  }
  return { row, u, history };
}

/** The offline inputs: the sample row replicated once per candidate, target item replaced. */
function offlineSplit(fx: ServingFixture, row: number, items: number[]): SampleSplit {
  const d = fx.dataset, s = d.test, T = d.historyLength, A = d.attrFields, n = items.length;
  const out = emptySplit(n, T, A);
  out.user.fill(s.user[row]);
  out.position.fill(s.position[row]);
  out.item.set(items);
  out.period.fill(1);
  items.forEach((item, r) => {
    for (let f = 0; f < A; f++) out.attrs[r * A + f] = d.itemAttrs[item * A + f];
    out.histItem.set(s.histItem.subarray(row * T, row * T + T), r * T);
    out.histRating.set(s.histRating.subarray(row * T, row * T + T), r * T);
    out.histAttrs.set(s.histAttrs.subarray(row * T * A, (row + 1) * T * A), r * T * A);
  });
  return out;
}

Deno.test("r4ecRouter", async (t) => {
  const fx = await servingFixture();
  const logs: string[] = [];
  const base: R4ecRouterOptions = { store: fx.store, bundle: fx.bundle, log: (l) => logs.push(l) };
  const app = checkedRouter(base);
  const d = fx.dataset;
  const user = d.users.raw[1];
  try {
    await t.step("GET /healthz describes what is loaded", async () => {
      const res = await app.request("/healthz");
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.status, "ok");
      assert.equal(body.model, "din");
      assert.equal(body.dataset, d.name);
      assert.equal(body.items, d.items.raw.length - 1);
      assert.equal(body.users, d.users.raw.length - 1);
      assert.equal(body.encoder, fx.embedder.id);
      assert.equal(body.knowledgeGeneration, false);
      assert.ok(res.headers.get("x-request-id"));
    });

    await t.step("POST /v1/score equals predict() offline on the same inputs", async () => {
      const { row, history } = lastTestRow(fx, user);
      const dense = [2, 5, 7, 9, 11, 13, 17, 19, 23, 29, 31, 37];
      const items = dense.map((i) => d.items.raw[i]);
      assert.ok(items.includes(fx.missingItem) && items.includes(fx.unvectoredItem));
      const res = await post(app, "/v1/score", { user, items, history });
      assert.equal(res.status, 200);
      const body = await res.json();
      const split = offlineSplit(fx, row, dense);
      const offline = predict(fx.model, { split, ...knowledgeInputs(fx.matrices, split) }, {
        batchSize: dense.length,
      });
      assert.equal(body.scores.length, items.length);
      body.scores.forEach((s: { item: string; score: number }, i: number) => {
        assert.equal(s.item, items[i]);
        assert.ok(
          Math.abs(s.score - offline[i]) < 1e-6,
          `item ${s.item}: ${s.score} vs ${offline[i]}`,
        );
        assert.ok(s.score > 0 && s.score < 1);
      });
      assert.deepEqual(body.context, {
        userKnowledge: "stored",
        itemsWithKnowledge: items.length - 1,
        history: "request",
      });
      // Knowledge changes the scores: the same request with every vector zeroed differs.
      const zero = predict(fx.model, {
        split,
        ...knowledgeInputs({
          ...fx.matrices,
          userRow: fx.matrices.userRow.map(() => -1),
          itemRow: fx.matrices.itemRow.map(() => -1),
        }, split),
      }, { batchSize: dense.length });
      assert.ok(zero.some((z, i) => Math.abs(z - offline[i]) > 1e-4));
    });

    await t.step("without a history, the bundle's latest history of the user is used", async () => {
      const T = d.historyLength, u = d.users.index.get(user)!;
      // Independently: the user's interactions by position over all splits, last T.
      const seq: [number, number, number][] = [];
      for (const s of [d.train, d.valid, d.test]) {
        for (let r = 0; r < s.size; r++) {
          if (s.user[r] === u) seq.push([s.position[r], s.item[r], s.rating[r]]);
        }
      }
      seq.sort((a, b) => a[0] - b[0]);
      const history = seq.slice(-T).map(([, item, rating]) => ({
        item: d.items.raw[item],
        rating,
      }));
      const items = [d.items.raw[3], d.items.raw[4], d.items.raw[8]];
      const implicit = await (await post(app, "/v1/score", { user, items })).json();
      const explicit = await (await post(app, "/v1/score", { user, items, history })).json();
      assert.equal(implicit.context.history, "bundle");
      assert.deepEqual(implicit.scores, explicit.scores);
    });

    await t.step("POST /v1/rank returns the top k by score", async () => {
      const items = d.items.raw.slice(1, 31);
      const scores = (await (await post(app, "/v1/score", { user, items })).json()).scores;
      const res = await post(app, "/v1/rank", { user, items, k: 5 });
      assert.equal(res.status, 200);
      const body = await res.json();
      const expected = [...scores].sort((a, b) => b.score - a.score).slice(0, 5);
      assert.deepEqual(body.items.map((i: Json) => i.item), expected.map((s) => s.item));
      assert.deepEqual(body.items.map((i: Json) => i.rank), [1, 2, 3, 4, 5]);
      const dflt = await (await post(app, "/v1/rank", { user, items })).json();
      assert.equal(dflt.items.length, 10);
    });

    await t.step("a user without stored knowledge is scored with a zero vector", async () => {
      const res = await post(app, "/v1/score", { user: fx.missingUser, items: [d.items.raw[1]] });
      const body = await res.json();
      assert.equal(body.context.userKnowledge, "none");
    });

    await t.step("unknown users and items are 404 problems naming them", async () => {
      const items = [d.items.raw[1]];
      const u = await problem(await post(app, "/v1/score", { user: "nobody", items }), 404);
      assert.equal(u.type, "urn:r4ec:problem:unknown-user");
      assert.match(u.detail as string, /nobody/);
      // A new user with a history is scored (no knowledge: zero vector).
      const ok = await post(app, "/v1/score", {
        user: "nobody",
        items,
        history: [{ item: d.items.raw[2], rating: 5 }],
      });
      assert.equal(ok.status, 200);
      assert.equal((await ok.json()).context.userKnowledge, "none");
      const i = await problem(
        await post(app, "/v1/score", { user, items: [d.items.raw[1], "no-such-item"] }),
        404,
      );
      assert.equal(i.type, "urn:r4ec:problem:unknown-item");
      assert.deepEqual(i.errors, [{
        field: "body.items[1]",
        message: 'unknown item "no-such-item"',
      }]);
      const h = await problem(
        await post(app, "/v1/rank", { user, items, history: [{ item: "zzz", rating: 4 }] }),
        404,
      );
      assert.equal((h.errors as Json[])[0].field, "body.history[0].item");
      await problem(await app.request("/v1/users/nobody/knowledge"), 404);
      await problem(await app.request("/v1/items/no-such-item/knowledge"), 404);
      await problem(await app.request("/v1/nothing-here"), 404);
      await problem(await app.request("/nothing-here"), 404);
    });

    await t.step("malformed JSON, wrong types, bad ratings, wrong media type", async () => {
      const bad = await problem(await post(app, "/v1/score", '{"user": "1", "items": ['), 400);
      assert.equal(bad.type, "urn:r4ec:problem:malformed-json");
      const types = await problem(await post(app, "/v1/score", { user: user, items: "abc" }), 422);
      assert.equal((types.errors as Json[])[0].field, "body.items");
      const nested = await problem(
        await post(app, "/v1/score", { user: { id: 1 }, items: [true] }),
        422,
      );
      const fields = (nested.errors as Json[]).map((e) => e.field);
      assert.ok(fields.includes("body.user") && fields.includes("body.items[0]"), fields.join());
      await problem(await post(app, "/v1/score", { user, items: [] }), 422);
      await problem(await post(app, "/v1/score", { user, items: ["1"], extra: 1 }), 422);
      await problem(await post(app, "/v1/score", undefined), 422);
      await problem(await post(app, "/v1/rank", { user, items: [d.items.raw[1]], k: 0 }), 422);
      const rating = await problem(
        await post(app, "/v1/score", {
          user,
          items: [d.items.raw[1]],
          history: [{ item: d.items.raw[2], rating: 9 }],
        }),
        422,
      );
      assert.equal((rating.errors as Json[])[0].field, "body.history[0].rating");
      await problem(
        await app.request("/v1/score", {
          method: "POST",
          headers: { "content-type": "text/plain" },
          body: "{}",
        }),
        415,
      );
    });

    await t.step("oversized bodies are refused with 413, declared or streamed", async () => {
      const small = checkedRouter({ ...base, maxBodyBytes: 1024 });
      const items = Array.from({ length: 500 }, (_, i) => String(i));
      await problem(await post(small, "/v1/score", { user, items }), 413);
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode(JSON.stringify({ user, items })));
          c.close();
        },
      });
      await problem(await small.request("/v1/score", { method: "POST", body: stream }), 413);
      await problem(
        await post(app, "/v1/score", { user, items: Array.from({ length: 1001 }, () => "1") }),
        422,
      );
    });

    await t.step(
      "bearer token: missing or wrong is 401; health and OpenAPI stay public",
      async () => {
        const secured = checkedRouter({ ...base, token: "s3cret-token" });
        const body = { user, items: [d.items.raw[1]] };
        const missing = await post(secured, "/v1/score", body);
        assert.match(missing.headers.get("www-authenticate") ?? "", /^Bearer/);
        await problem(missing, 401);
        await problem(
          await post(secured, "/v1/score", body, { authorization: "Bearer wrong" }),
          401,
        );
        await problem(
          await post(secured, "/v1/score", body, { authorization: "Basic s3cret-token" }),
          401,
        );
        await problem(await secured.request(`/v1/users/${user}/knowledge`), 401);
        await problem(await secured.request("/metrics"), 401);
        assert.equal(
          (await post(secured, "/v1/score", body, { authorization: "Bearer s3cret-token" })).status,
          200,
        );
        assert.equal((await secured.request("/healthz")).status, 200);
        assert.equal((await secured.request("/openapi.json")).status, 200);
      },
    );

    await t.step("GET knowledge: stored text, judgement trail and vector metadata", async () => {
      const res = await app.request(`/v1/users/${user}/knowledge`);
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.inVocabulary, true);
      assert.deepEqual(body.knowledge.map((k: Json) => k.key), [userTaskKey(d.name, user)]);
      const stored = await fx.store.getKnowledge(fx.prefix + userTaskKey(d.name, user));
      const [test] = body.knowledge;
      assert.equal(test.text, stored!.final.text);
      assert.equal(test.storeKey, stored!.key);
      assert.equal(test.rounds.length, stored!.rounds.length);
      assert.equal(typeof test.rounds[0].critique.reasonable, "boolean");
      assert.deepEqual(Object.keys(test.vector).sort(), ["dim", "encoderId", "stored", "textHash"]);
      assert.equal(test.vector.stored, true);
      const item = await (await app.request(`/v1/items/${fx.unvectoredItem}/knowledge`)).json();
      assert.equal(item.knowledge.length, 1);
      // The server embedded this text during the score step and wrote the vector back.
      assert.equal(item.knowledge[0].vector.stored, true);
      const none = await (await app.request(`/v1/items/${fx.missingItem}/knowledge`)).json();
      assert.deepEqual(none, {
        kind: "item",
        id: fx.missingItem,
        inVocabulary: true,
        knowledge: [],
      });
    });

    await t.step("the re-embedded vector equals the training encoder's vector", async () => {
      const text = (await (await app.request(`/v1/items/${fx.unvectoredItem}/knowledge`)).json())
        .knowledge[0];
      const [expected] = await fx.embedder.embed([text.text]);
      const stored = await fx.store.getVectors(fx.embedder.id, [text.vector.textHash]);
      assert.deepEqual(Array.from(stored.get(text.vector.textHash)!), Array.from(expected));
    });

    await t.step("POST knowledge without an actor is refused with 503", async () => {
      const res = await app.request(`/v1/knowledge/users/${user}`, { method: "POST" });
      const body = await problem(res, 503);
      assert.equal(body.type, "urn:r4ec:problem:no-actor");
      await problem(
        await app.request(`/v1/knowledge/items/${d.items.raw[1]}`, { method: "POST" }),
        503,
      );
    });

    await t.step("POST knowledge runs R4 now, stores it, and scoring uses it", async () => {
      const actor = profileActor({
        dataset: { itemInfo: fx.bundle.manifest.items.info, domain: d.domain },
      });
      const gen = checkedRouter({
        ...base,
        actor,
        reflector: groundedReflector({ actor }),
        rounds: 1,
      });
      const res = await post(gen, `/v1/knowledge/users/${user}`, {});
      assert.equal(res.status, 200, await res.clone().text());
      const trace = await res.json();
      assert.equal(trace.key, userTaskKey(d.name, user));
      assert.equal(trace.storeKey, fx.prefix + trace.key);
      assert.equal(trace.actor, "profile");
      assert.ok(trace.rounds.length >= 1 && typeof trace.stopReason === "string");
      const stored = await fx.store.getKnowledge(trace.storeKey);
      assert.equal(stored!.final.text, trace.final.text);
      assert.match(stored!.runId!, /^serve:/);
      // A new user: knowledge from a given history, then scored with it.
      const history = [1, 2, 3, 4, 6, 8].map((i) => ({
        item: d.items.raw[i],
        rating: i % 2 ? 5 : 2,
      }));
      const fresh = await post(gen, "/v1/knowledge/users/newcomer", { history });
      assert.equal(fresh.status, 200, await fresh.clone().text());
      const score =
        await (await post(gen, "/v1/score", { user: "newcomer", items: [d.items.raw[1]] })).json();
      assert.equal(score.context.userKnowledge, "stored");
      const got = await (await gen.request("/v1/users/newcomer/knowledge")).json();
      assert.equal(got.inVocabulary, false);
      assert.equal(got.knowledge[0].text, (await fresh.json()).final.text);
      // Items: from the bundle, and a new one described in the body. The GET answer before the
      // run is cached; the run must replace it.
      const before = await (await gen.request(`/v1/items/${fx.missingItem}/knowledge`)).json();
      assert.deepEqual(before.knowledge, []);
      const item = await post(gen, `/v1/knowledge/items/${fx.missingItem}`, {});
      assert.equal(item.status, 200, await item.clone().text());
      const itemKnowledge = await (await gen.request(`/v1/items/${fx.missingItem}/knowledge`))
        .json();
      assert.equal(itemKnowledge.knowledge[0].text, (await item.clone().json()).final.text);
      const after = await (await post(gen, "/v1/score", { user, items: [fx.missingItem] })).json();
      assert.equal(after.context.itemsWithKnowledge, 1);
      await problem(await post(gen, "/v1/knowledge/items/brand-new", {}), 404);
      const described = await post(gen, "/v1/knowledge/items/brand-new", {
        title: "A New Film (2024)",
        attributes: ["Drama"],
      });
      assert.equal(described.status, 200);
      await problem(await post(gen, "/v1/knowledge/users/nobody-else", {}), 404);
      await problem(await post(gen, "/v1/knowledge/users/x", { history: [] }), 422);
      const metrics = await (await gen.request("/metrics")).text();
      assert.match(
        metrics,
        /r4ec_stage_calls_total\{component="actor",kind="deterministic",method="reason"\} [1-9]/,
      );
      assert.match(metrics, /r4ec_knowledge_runs_total\{kind="user",outcome="ok"\} 2/);
    });

    await t.step(
      "an LLM actor is bounded by the timeout (504) and concurrent runs conflict (409)",
      async () => {
        await using server = startOpenAIServer({
          fallback: {
            text: "<User Preference>Enjoys slow dramas.</User Preference>",
            delayMs: 300,
          },
        });
        const actor = llmActor({
          generator: hfGenerator({ model: "fake-llm", endpointUrl: server.url }),
        });
        const gen = checkedRouter({
          ...base,
          actor,
          reflector: groundedReflector({ actor }),
          rounds: 0,
        });
        const [a, b] = await Promise.all([
          post(gen, `/v1/knowledge/users/${user}`, {}),
          post(gen, `/v1/knowledge/users/${user}`, {}),
        ]);
        const statuses = [a.status, b.status].sort();
        assert.deepEqual(statuses, [200, 409]);
        const done = a.status === 200 ? a : b, refused = a.status === 200 ? b : a;
        assert.equal((await done.json()).final.text, "Enjoys slow dramas.");
        assert.equal((await problem(refused, 409)).type, "urn:r4ec:problem:in-progress");
        const metrics = await (await gen.request("/metrics")).text();
        assert.match(metrics, /r4ec_llm_calls_total\{component="actor",method="reason"\} 1/);
        assert.match(metrics, /r4ec_llm_tokens_total\{direction="completion"\} \d+/);
        const slow = checkedRouter({
          ...base,
          actor,
          reflector: groundedReflector({ actor }),
          rounds: 0,
          timeouts: { knowledgeRun: 50 },
        });
        const timedOut = await problem(await post(slow, `/v1/knowledge/users/${user}`, {}), 504);
        assert.equal(timedOut.type, "urn:r4ec:problem:timeout");
      },
    );

    await t.step("an actor answer that is not text is a 502, stored nowhere", async () => {
      await using server = startOpenAIServer({ fallback: { text: "\u0000\u0007 \u0000\u0001" } });
      const actor = llmActor({
        generator: hfGenerator({ model: "broken-llm", endpointUrl: server.url }),
      });
      const gen = checkedRouter({ ...base, actor, reflector: groundedReflector({ actor }) });
      const other = d.users.raw[5];
      const before = await fx.store.getKnowledge(fx.prefix + userTaskKey(d.name, other));
      const body = await problem(await post(gen, `/v1/knowledge/users/${other}`, {}), 502);
      assert.equal(body.type, "urn:r4ec:problem:unparsable-knowledge");
      assert.match(
        String(body.detail),
        /could not be parsed \(not_text: answer is not text: contains 2 NUL/,
      );
      // The answer and its format-reminder retry; the stored record is untouched.
      assert.equal(server.requests.length, 2);
      assert.deepEqual(
        await fx.store.getKnowledge(fx.prefix + userTaskKey(d.name, other)),
        before,
      );
    });

    await t.step(
      "an unexpected failure is a generic 500; the stack goes to the log only",
      async () => {
        const broken: ServingStore = {
          ...fx.store,
          listKnowledge: () => Promise.reject(new Error("disk on fire at /secret/path")),
          getKnowledge: (k) => fx.store.getKnowledge(k),
          putKnowledge: (r) => fx.store.putKnowledge(r),
          getVectors: (e, h) => fx.store.getVectors(e, h),
          putVectors: (e, v) => fx.store.putVectors(e, v),
        };
        const lines: string[] = [];
        const failing = checkedRouter({
          store: broken,
          bundle: fx.bundle,
          log: (l) => lines.push(l),
        });
        const res = await post(failing, "/v1/score", { user, items: [d.items.raw[1]] });
        const body = await problem(res, 500);
        assert.doesNotMatch(JSON.stringify(body), /disk on fire|secret/);
        assert.equal(lines.length, 1);
        assert.match(lines[0], /disk on fire/);
        assert.ok(lines[0].includes(String(body.requestId)));
      },
    );

    await t.step("request ids: a valid incoming id is echoed, else one is made", async () => {
      const res = await app.request("/healthz", { headers: { "x-request-id": "abc-123" } });
      assert.equal(res.headers.get("x-request-id"), "abc-123");
      const made = await app.request("/healthz", { headers: { "x-request-id": "bad id!" } });
      assert.notEqual(made.headers.get("x-request-id"), "bad id!");
    });

    await t.step("CORS when asked for", async () => {
      const withCors = checkedRouter({ ...base, cors: ["https://shop.example"], token: "t0ken" });
      const pre = await withCors.request("/v1/score", {
        method: "OPTIONS",
        headers: { origin: "https://shop.example", "access-control-request-method": "POST" },
      });
      assert.ok(pre.status === 204 || pre.status === 200);
      assert.equal(pre.headers.get("access-control-allow-origin"), "https://shop.example");
      const plain = await app.request("/healthz", { headers: { origin: "https://shop.example" } });
      assert.equal(plain.headers.get("access-control-allow-origin"), null);
    });

    await t.step("mounted by a host under a prefix", async () => {
      const bare = new Hono();
      bare.get("/", (c) => c.text("host"));
      bare.route("/r4ec", r4ecRouter({ ...base, token: "t0ken", mountPath: "/r4ec" }));
      const host = checkAnswers(bare, { bearer: true, prefix: "/r4ec" });
      assert.equal((await host.request("/r4ec/healthz")).status, 200);
      const res = await post(host, "/r4ec/v1/score", { user, items: [d.items.raw[1]] }, {
        authorization: "Bearer t0ken",
      });
      assert.equal(res.status, 200);
      await problem(
        await post(host, "/r4ec/v1/score", "{", { authorization: "Bearer t0ken" }),
        400,
      );
      await problem(await host.request("/r4ec/v1/score", { method: "POST" }), 401);
      const doc = await (await host.request("/r4ec/openapi.json")).json();
      assert.equal(doc.servers[0].url, "/r4ec");
    });

    await t.step("GET /openapi.json is generated from the schemas", async () => {
      const doc = await (await app.request("/openapi.json")).json();
      assert.equal(doc.openapi, "3.1.0");
      for (
        const path of [
          "/healthz",
          "/metrics",
          "/v1/score",
          "/v1/rank",
          "/v1/users/{id}/knowledge",
          "/v1/items/{id}/knowledge",
          "/v1/knowledge/users/{id}",
          "/v1/knowledge/items/{id}",
        ]
      ) assert.ok(doc.paths[path], path);
      const score = doc.paths["/v1/score"].post.requestBody.content["application/json"].schema;
      assert.deepEqual(score.required.sort(), ["items", "user"]);
      assert.equal(score.properties.items.maxItems, 1000);
      assert.equal(score.additionalProperties, false);
    });

    await t.step("GET /metrics: request counts, latency histograms, cache hits", async () => {
      const res = await app.request("/metrics");
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type")!, /^text\/plain; version=0.0.4/);
      const text = await res.text();
      assert.match(
        text,
        /r4ec_http_requests_total\{method="POST",route="\/v1\/score",status="200"\} \d+/,
      );
      assert.match(
        text,
        /r4ec_http_requests_total\{method="POST",route="\/v1\/score",status="422"\} \d+/,
      );
      assert.match(
        text,
        /r4ec_http_request_duration_seconds_bucket\{method="POST",route="\/v1\/score",le="\+Inf"\} \d+/,
      );
      assert.match(text, /r4ec_knowledge_cache_lookups_total\{kind="item",result="hit"\} [1-9]/);
      assert.match(text, /r4ec_knowledge_texts_embedded_total 1\n/);
      assert.match(text, /r4ec_llm_calls_total/);
    });

    await t.step("preload fills the cache so the first score needs no store lookup", async () => {
      const warm = checkedRouter(base);
      const n = await warm.serving.preload();
      assert.equal(
        n,
        (await fx.store.listKnowledge({ keyPrefix: fx.prefix + d.name + ":" })).length,
      );
      await post(warm, "/v1/score", { user, items: [d.items.raw[1], d.items.raw[2]] });
      assert.equal(warm.serving.metrics.cache.get({ kind: "item", result: "miss" }), 0);
      // The knowledge GETs read the records preload put in memory, not the store.
      assert.equal((await warm.request(`/v1/users/${user}/knowledge`)).status, 200);
      assert.equal((await warm.request(`/v1/items/${d.items.raw[1]}/knowledge`)).status, 200);
      assert.equal(warm.serving.metrics.cache.get({ kind: "record", result: "miss" }), 0);
      // One record per GET: the user's and the item's.
      assert.ok(warm.serving.metrics.cache.get({ kind: "record", result: "hit" }) >= 2);
      // A later preload (after an offline job rewrote knowledge) replaces the cached answers.
      const before = await (await warm.request(`/v1/items/${d.items.raw[1]}/knowledge`)).json();
      const stored = await fx.store.getKnowledge(before.knowledge[0].storeKey);
      const text = `${stored!.final.text} (rewritten)`;
      await fx.store.putKnowledge({ ...stored!, final: { ...stored!.final, text } });
      await warm.serving.preload();
      const after = await (await warm.request(`/v1/items/${d.items.raw[1]}/knowledge`)).json();
      assert.equal(after.knowledge[0].text, text);
    });
    await t.step("every route answered 200 at least once, checked against its schema", () => {
      const all = Object.values(apiRoutes).map((r) => `${r.method} ${r.path}`);
      assert.deepEqual(all.filter((r) => !answeredOk.has(r)), []);
    });
  } finally {
    await fx.close();
  }
  assert.deepEqual(logs, [], "no unexpected server errors were logged");
});
