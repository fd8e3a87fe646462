import assert from "node:assert/strict";
import { hfGenerator } from "../../../adapters/llm/hf.ts";
import {
  LlmHttpError,
  LlmNetworkError,
  LlmRequestError,
  parseRetryAfter,
} from "../../../adapters/llm/errors.ts";
import { startOpenAIServer } from "../../fixtures/openai_server.ts";

const hi = { messages: [{ role: "user" as const, content: "Describe the user in one line." }] };

Deno.test("hf: well-formed answer through endpointUrl; model, params and token are sent", async () => {
  await using server = startOpenAIServer({
    requireToken: "hf_test_token",
    script: [{
      text: "<preference>Enjoys slow, character-driven dramas.</preference>",
      usage: { prompt_tokens: 31, completion_tokens: 9 },
    }],
  });
  const gen = hfGenerator({
    model: "org/chat-7b",
    endpointUrl: server.url,
    accessToken: "hf_test_token",
  });
  assert.equal(gen.id, `endpoint:${server.url}#org/chat-7b`);
  assert.equal(gen.kind, "llm");
  const result = await gen.generate({
    messages: [{ role: "system", content: "be brief" }, ...hi.messages],
    params: { maxTokens: 64, temperature: 0.3, topP: 0.9, seed: 7, stop: ["</preference>"] },
  });
  assert.equal(result.text, "<preference>Enjoys slow, character-driven dramas.</preference>");
  assert.deepEqual(result.usage, { prompt: 31, completion: 9 });
  assert.equal(result.model, "org/chat-7b");
  assert.equal(result.finishReason, "stop");
  assert.equal(result.cached, false);
  assert.ok(result.latencyMs > 0);
  const [req] = server.requests;
  assert.equal(req.path, "/v1/chat/completions");
  assert.equal(req.headers["authorization"], "Bearer hf_test_token");
  assert.deepEqual(req.body, {
    model: "org/chat-7b",
    messages: [{ role: "system", content: "be brief" }, ...hi.messages],
    max_tokens: 64,
    temperature: 0.3,
    top_p: 0.9,
    seed: 7,
    stop: ["</preference>"],
  });
});

Deno.test("hf: HF_TOKEN from the environment; endpointUrl ending in /v1; tag-less text passes through", async () => {
  await using server = startOpenAIServer({
    requireToken: "hf_from_env",
    fallback: { text: "Sure! Here is what I think: they like movies." },
  });
  const before = Deno.env.get("HF_TOKEN");
  Deno.env.set("HF_TOKEN", "hf_from_env");
  try {
    const gen = hfGenerator({ model: "m", endpointUrl: `${server.baseUrl}/` });
    const result = await gen.generate(hi);
    assert.equal(result.text, "Sure! Here is what I think: they like movies.");
    assert.equal(server.requests[0].path, "/v1/chat/completions");
    assert.equal(server.requests[0].body.max_tokens, 512); // schema default
    assert.equal(server.requests[0].body.temperature, 0);
  } finally {
    if (before === undefined) Deno.env.delete("HF_TOKEN");
    else Deno.env.set("HF_TOKEN", before);
  }
});

Deno.test("hf: streaming assembles a slow stream and reads usage from the last chunk", async () => {
  const text =
    "<knowledge>1. Genre: drama. 2. Likers: patient viewers. 3. Dislikers: action fans.</knowledge>";
  await using server = startOpenAIServer({
    script: [{
      text,
      chunkChars: 5,
      chunkDelayMs: 3,
      usage: { prompt_tokens: 11, completion_tokens: 22 },
    }],
  });
  const gen = hfGenerator({ model: "m", endpointUrl: server.url, stream: true });
  const result = await gen.generate(hi);
  assert.equal(result.text, text);
  assert.deepEqual(result.usage, { prompt: 11, completion: 22 });
  assert.equal(result.finishReason, "stop");
  assert.equal(server.requests[0].body.stream, true);
  assert.deepEqual(server.requests[0].body.stream_options, { include_usage: true });
});

Deno.test("hf: HTTP errors are typed, carry Retry-After, and 503 is not retried by the client", async () => {
  await using server = startOpenAIServer({
    script: [
      { status: 429, retryAfter: 3 },
      { status: 503 },
      { status: 400, body: { error: { message: "max_tokens too large" } } },
      { status: 500, body: "not json at all" },
    ],
  });
  const gen = hfGenerator({ model: "m", endpointUrl: server.url });
  const e429 = await gen.generate(hi).catch((e) => e);
  assert.ok(e429 instanceof LlmHttpError);
  assert.equal(e429.status, 429);
  assert.equal(e429.retryAfterMs, 3000);
  assert.equal(e429.retryable, true);
  const e503 = await gen.generate(hi).catch((e) => e);
  assert.equal(e503.status, 503);
  assert.equal(server.requests.length, 2, "the client must not retry 503 on its own");
  const e400 = await gen.generate(hi).catch((e) => e);
  assert.ok(e400 instanceof LlmHttpError);
  assert.equal(e400.retryable, false);
  assert.match(e400.message, /400.*max_tokens too large/);
  assert.match(e400.message, new RegExp(`POST ${server.url}/v1/chat/completions`));
  const e500 = await gen.generate(hi).catch((e) => e);
  assert.equal(e500.status, 500);
  assert.equal(e500.retryable, true);
});

Deno.test("hf: dropped connections and refused connections are network errors", async () => {
  await using server = startOpenAIServer({ script: [{ drop: true }] });
  const gen = hfGenerator({ model: "m", endpointUrl: server.url });
  const dropped = await gen.generate(hi).catch((e) => e);
  assert.ok(dropped instanceof LlmNetworkError, String(dropped));
  assert.equal(dropped.retryable, true);

  // A port nobody listens on: bind one, remember it, close it.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const refused = await hfGenerator({ model: "m", endpointUrl: `http://127.0.0.1:${port}` })
    .generate(hi).catch((e) => e);
  assert.ok(refused instanceof LlmNetworkError, String(refused));
  assert.match(refused.message, new RegExp(`127.0.0.1:${port}`));
});

Deno.test("hf: an abort signal ends a hanging request with the signal's reason", async () => {
  await using server = startOpenAIServer({ script: [{ hang: true }] });
  const gen = hfGenerator({ model: "m", endpointUrl: server.url });
  const controller = new AbortController();
  const pending = gen.generate(hi, controller.signal);
  while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
  const reason = new Error("run cancelled");
  controller.abort(reason);
  await assert.rejects(pending, (e) => e === reason);
  while (server.inFlight > 0) await new Promise((r) => setTimeout(r, 5));
  assert.equal(server.requests[0].outcome, "aborted");
});

Deno.test("hf: model-id mode goes to the Hugging Face router with the model in the body", async () => {
  await using server = startOpenAIServer({ fallback: { text: "routed" } });
  const seen: string[] = [];
  // Redirect the client's real request to the local server, keeping what it tried to reach.
  const redirect: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    seen.push(url);
    return fetch(`${server.url}${new URL(url).pathname}`, init);
  };
  const gen = hfGenerator({
    model: "Qwen/Qwen2.5-7B-Instruct",
    accessToken: "hf_x",
    fetch: redirect,
  });
  assert.equal(gen.id, "hf:Qwen/Qwen2.5-7B-Instruct");
  assert.equal(
    hfGenerator({ model: "Qwen/Qwen2.5-7B-Instruct", provider: "together" }).id,
    "hf:Qwen/Qwen2.5-7B-Instruct@together",
  );
  assert.equal((await gen.generate(hi)).text, "routed");
  assert.deepEqual(seen, ["https://router.huggingface.co/v1/chat/completions"]);
  assert.equal(server.requests[0].body.model, "Qwen/Qwen2.5-7B-Instruct");
});

Deno.test("hf: bad options are rejected with a clear message", () => {
  assert.throws(
    () => hfGenerator({ model: "m", endpointUrl: "http://x", provider: "together" }),
    (e) => e instanceof LlmRequestError && /either endpointUrl or provider/.test(e.message),
  );
  assert.throws(
    () => hfGenerator({ model: "m", endpointUrl: "localhost:8000" }),
    /must start with http/,
  );
  assert.throws(() => hfGenerator({ model: "" }), /`model` is required/);
});

Deno.test("parseRetryAfter: seconds, fractions, HTTP dates, garbage", () => {
  assert.equal(parseRetryAfter("7"), 7000);
  assert.equal(parseRetryAfter("0.25"), 250);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now), 5000);
  assert.equal(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now), 0);
  assert.equal(parseRetryAfter("soon"), undefined);
  assert.equal(parseRetryAfter(null), undefined);
});

Deno.test("fake server: routes, validation, token check and bookkeeping", async () => {
  await using server = startOpenAIServer({
    requireToken: "t",
    script: (req) => ({ text: `#${req.index}`, delayMs: 20 }),
  });
  const post = (body: unknown, token = "t", path = "/v1/chat/completions") =>
    fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const ok = { model: "m", messages: [{ role: "user", content: "hi" }] };
  const models = await fetch(`${server.baseUrl}/models`);
  assert.equal((await models.json()).object, "list");
  assert.equal((await post(ok, "t", "/v2/other")).status, 404);
  assert.equal((await post("{not json")).status, 400);
  assert.equal((await post({ messages: [] })).status, 400);
  const denied = await post(ok, "wrong");
  assert.equal(denied.status, 401);
  await denied.body?.cancel();
  const answers = await Promise.all([1, 2, 3].map(() => post(ok).then((r) => r.json())));
  assert.deepEqual(answers.map((a) => a.choices[0].message.content).sort(), ["#5", "#6", "#7"]);
  assert.equal(server.maxInFlight, 3);
  assert.deepEqual(server.requests.map((r) => r.outcome), [200, 404, 400, 400, 401, 200, 200, 200]);
  server.resetStats();
  server.setScript([{ status: 418 }]);
  assert.equal(await post(ok).then(async (r) => (await r.body?.cancel(), r.status)), 418);
  assert.equal(server.requests.length, 1);
});
