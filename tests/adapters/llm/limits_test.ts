import assert from "node:assert/strict";
import { hfGenerator } from "../../../adapters/llm/hf.ts";
import { withLimits } from "../../../adapters/llm/limits.ts";
import {
  LlmGaveUpError,
  LlmHttpError,
  LlmNetworkError,
  LlmProtocolError,
  LlmTimeoutError,
} from "../../../adapters/llm/errors.ts";
import { type Behaviour, promptText, startOpenAIServer } from "../../fixtures/openai_server.ts";

const ask = (content = "hello") => ({ messages: [{ role: "user" as const, content }] });
const fast = { baseDelayMs: 1, maxDelayMs: 5 }; // keep backoff sleeps short in tests

Deno.test("limits: 500, 502 then success is retried; attempts counted", async () => {
  await using server = startOpenAIServer({
    script: [{ status: 500 }, { status: 502 }, { text: "fine" }],
  });
  const retries: number[] = [];
  const llm = withLimits(hfGenerator({ model: "m", endpointUrl: server.url }), {
    ...fast,
    onRetry: (e) => retries.push((e.error as LlmHttpError).status),
  });
  assert.equal((await llm.generate(ask())).text, "fine");
  assert.equal(server.requests.length, 3);
  assert.deepEqual(retries, [500, 502]);
  assert.equal(llm.stats.attempts, 3);
  assert.equal(llm.stats.retries, 2);
  assert.equal(llm.stats.failures, 0);
});

Deno.test("limits: 429 waits at least Retry-After, and pauses other callers too", async () => {
  await using server = startOpenAIServer({
    script: (req) =>
      req.index === 0 ? { status: 429, retryAfter: 0.3 } : { text: `re ${promptText(req)}` },
  });
  const llm = withLimits(hfGenerator({ model: "m", endpointUrl: server.url }), fast);
  const first = llm.generate(ask("a"));
  while (server.requests[0]?.outcome === undefined) await new Promise((r) => setTimeout(r, 2));
  await new Promise((r) => setTimeout(r, 20)); // the client has read the 429 by now
  const second = llm.generate(ask("b"));
  assert.equal((await first).text, "re a");
  assert.equal((await second).text, "re b");
  const r429 = server.requests[0];
  const retried = server.requests.find((r) => r.index > 0 && promptText(r) === "a")!;
  const other = server.requests.find((r) => promptText(r) === "b")!;
  assert.ok(
    retried.receivedAtMs - r429.receivedAtMs >= 290,
    `retried after ${retried.receivedAtMs - r429.receivedAtMs} ms`,
  );
  assert.ok(
    other.receivedAtMs - r429.receivedAtMs >= 290,
    `other caller went after ${other.receivedAtMs - r429.receivedAtMs} ms`,
  );
});

Deno.test("limits: other 4xx are not retried, and permanent; 408 is retried", async () => {
  for (const [status, requests] of [[400, 1], [401, 1], [404, 1], [422, 1], [408, 2]] as const) {
    await using server = startOpenAIServer({ script: [{ status }, { text: "ok" }] });
    const llm = withLimits(hfGenerator({ model: "m", endpointUrl: server.url }), fast);
    const outcome = await llm.generate(ask()).then((r) => r.text, (e) => e);
    assert.equal(server.requests.length, requests, `status ${status}`);
    if (requests === 1) {
      assert.ok(outcome instanceof LlmGaveUpError, `status ${status}`);
      assert.equal(outcome.attempts, 1);
      assert.match(outcome.message, /not retryable after 1 attempt/);
      assert.equal((outcome.cause as LlmHttpError).status, status);
      assert.equal(outcome.permanent, true, `status ${status}: a rerun cannot help`);
    } else {
      assert.equal(outcome, "ok");
    }
  }
});

Deno.test("limits: retries are bounded; the last error is the cause", async () => {
  await using server = startOpenAIServer({ fallback: { status: 503 } });
  const llm = withLimits(hfGenerator({ model: "m", endpointUrl: server.url }), {
    ...fast,
    maxRetries: 2,
  });
  const error = await llm.generate(ask()).catch((e) => e);
  assert.ok(error instanceof LlmGaveUpError);
  assert.equal(error.attempts, 3);
  assert.match(error.message, /gave up after 3 attempts/);
  assert.equal((error.cause as LlmHttpError).status, 503);
  assert.equal(error.permanent, false, "a rerun may succeed");
  assert.equal(server.requests.length, 3);
  assert.equal(llm.stats.failures, 1);
});

Deno.test("limits: a hanging attempt times out and is retried; dropped connections are retried", async () => {
  await using server = startOpenAIServer({
    script: [{ hang: true }, { drop: true }, { text: "third time" }],
  });
  const seen: string[] = [];
  const llm = withLimits(hfGenerator({ model: "m", endpointUrl: server.url }), {
    ...fast,
    timeoutMs: 150,
    onRetry: (e) => seen.push(e.error.name),
  });
  assert.equal((await llm.generate(ask())).text, "third time");
  assert.deepEqual(seen, [LlmTimeoutError.name, LlmNetworkError.name]);
  while (server.inFlight > 0) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(server.requests.map((r) => r.outcome), ["aborted", "dropped", 200]);
});

Deno.test("limits: slow streams within the timeout succeed", async () => {
  const text = "x".repeat(80);
  await using server = startOpenAIServer({ fallback: { text, chunkChars: 10, chunkDelayMs: 10 } });
  const llm = withLimits(hfGenerator({ model: "m", endpointUrl: server.url, stream: true }), {
    timeoutMs: 5_000,
  });
  assert.equal((await llm.generate(ask())).text, text);
  assert.equal(llm.stats.retries, 0);
});

Deno.test("limits: concurrency limit holds and is reached", async () => {
  await using server = startOpenAIServer({ fallback: { text: "ok", delayMs: 25 } });
  const llm = withLimits(hfGenerator({ model: "m", endpointUrl: server.url }), { concurrency: 4 });
  await Promise.all(Array.from({ length: 20 }, (_, i) => llm.generate(ask(`q${i}`))));
  assert.equal(server.requests.length, 20);
  assert.equal(server.maxInFlight, 4);
  assert.equal(llm.stats.maxInFlight, 4);
});

/** Most requests the server saw inside any window of `ms` (minus a little network jitter). */
function maxInWindow(times: number[], ms: number): number {
  let best = 0;
  for (let i = 0; i < times.length; i++) {
    best = Math.max(best, times.filter((t) => t >= times[i] && t < times[i] + ms).length);
  }
  return best;
}

Deno.test("limits: requests per window are capped", async () => {
  await using server = startOpenAIServer();
  const llm = withLimits(hfGenerator({ model: "m", endpointUrl: server.url }), {
    concurrency: 32,
    requestsPerMinute: 4,
    rateWindowMs: 250,
  });
  await Promise.all(Array.from({ length: 10 }, (_, i) => llm.generate(ask(`q${i}`))));
  const times = server.requests.map((r) => r.receivedAtMs).sort((a, b) => a - b);
  assert.equal(maxInWindow(times, 250 - 30), 4);
  assert.ok(
    times[9] - times[0] >= 2 * 250 - 30,
    `10 requests at 4/250ms took ${times[9] - times[0]} ms`,
  );
});

Deno.test("limits: tokens per window are capped using reported usage", async () => {
  const usage = { prompt_tokens: 40, completion_tokens: 60 }; // 100 tokens per call
  await using server = startOpenAIServer({ fallback: { text: "ok", usage } });
  const llm = withLimits(hfGenerator({ model: "m", endpointUrl: server.url }), {
    concurrency: 32,
    tokensPerMinute: 300,
    rateWindowMs: 250,
  });
  // The estimate of each call (prompt chars / 4 + maxTokens 50) is 52 tokens; the reported 100
  // replaces it, so after three calls the window is full.
  const req = {
    messages: [{ role: "user" as const, content: "12345678" }],
    params: { maxTokens: 50 },
  };
  for (let i = 0; i < 3; i++) await llm.generate(req);
  const before = server.requests.length;
  await llm.generate(req);
  const times = server.requests.map((r) => r.receivedAtMs);
  assert.equal(before, 3);
  assert.ok(times[3] - times[0] >= 250 - 30, `4th call after ${times[3] - times[0]} ms`);
  assert.equal(llm.stats.promptTokens, 160);
  assert.equal(llm.stats.completionTokens, 240);
});

Deno.test("limits: aborting the run cancels calls in flight and calls waiting for a slot", async () => {
  await using server = startOpenAIServer({ fallback: { hang: true } as Behaviour });
  const run = new AbortController();
  const llm = withLimits(hfGenerator({ model: "m", endpointUrl: server.url }), {
    concurrency: 3,
    signal: run.signal,
  });
  const calls = Array.from({ length: 8 }, (_, i) => llm.generate(ask(`q${i}`)).catch((e) => e));
  while (server.requests.length < 3) await new Promise((r) => setTimeout(r, 5));
  const reason = new Error("user pressed ctrl-c");
  run.abort(reason);
  const outcomes = await Promise.all(calls);
  assert.ok(outcomes.every((o) => o === reason));
  assert.equal(server.requests.length, 3, "queued calls never reached the server");
  assert.equal(llm.stats.failures, 8);
  assert.equal(llm.stats.retries, 0);
  await assert.rejects(llm.generate(ask("late")), (e) => e === reason);
  while (server.inFlight > 0) await new Promise((r) => setTimeout(r, 5));
  assert.ok(server.requests.every((r) => r.outcome === "aborted"));
});

Deno.test("limits: a per-call signal cancels only that call, also during backoff", async () => {
  await using server = startOpenAIServer({ fallback: { status: 500 } });
  const llm = withLimits(hfGenerator({ model: "m", endpointUrl: server.url }), {
    baseDelayMs: 10_000,
    maxDelayMs: 10_000,
    seed: 3,
  });
  const mine = new AbortController();
  const call = llm.generate(ask(), mine.signal);
  while (llm.stats.retries === 0) await new Promise((r) => setTimeout(r, 5));
  mine.abort(new Error("mine"));
  await assert.rejects(call, /mine/);
  assert.equal(server.requests.length, 1);
});

Deno.test("limits: jitter is reproducible by seed and stays under the doubling ceiling", async () => {
  async function delays(seed: number) {
    await using server = startOpenAIServer({ fallback: { status: 500 } });
    const got: number[] = [];
    const llm = withLimits(hfGenerator({ model: "m", endpointUrl: server.url }), {
      baseDelayMs: 2,
      maxDelayMs: 8,
      maxRetries: 4,
      seed,
      onRetry: (e) => got.push(e.delayMs),
    });
    await llm.generate(ask()).catch(() => {});
    return got;
  }
  const a = await delays(11);
  assert.deepEqual(a, await delays(11));
  assert.notDeepEqual(a, await delays(12));
  a.forEach((d, i) => assert.ok(d >= 0 && d <= Math.min(8, 2 * 2 ** i), `delay ${i} = ${d}`));
});

Deno.test("limits: invalid options are rejected", () => {
  const gen = hfGenerator({ model: "m", endpointUrl: "http://127.0.0.1:1" });
  assert.throws(() => withLimits(gen, { concurrency: 0 }), /concurrency must be > 0/);
  assert.throws(() => withLimits(gen, { requestsPerMinute: -1 }), /requestsPerMinute must be > 0/);
});

const PROXY_PAGE = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";

Deno.test("limits: an HTML 200 is a protocol error, retried up to --retries, then fails quoting it", async () => {
  await using server = startOpenAIServer({ fallback: { raw: PROXY_PAGE } });
  const seen: string[] = [];
  const llm = withLimits(hfGenerator({ model: "m", endpointUrl: server.url }), {
    ...fast,
    maxRetries: 2,
    onRetry: (e) => seen.push(e.error.name),
  });
  const error = await llm.generate(ask()).catch((e) => e);
  assert.ok(error instanceof LlmGaveUpError, String(error));
  assert.equal(error.attempts, 3);
  assert.equal(server.requests.length, 3);
  assert.deepEqual(seen, ["LlmProtocolError", "LlmProtocolError"]);
  const cause = error.cause as LlmProtocolError;
  assert.ok(cause instanceof LlmProtocolError);
  assert.match(cause.message, /answered 200 with a body that is not a chat completion/);
  assert.ok(cause.message.includes("<html><head><title>502 Bad Gateway"), cause.message);
  assert.match(cause.message, new RegExp(server.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
});

Deno.test("limits: JSON of the wrong shape is retried and the next good answer is taken", async () => {
  await using server = startOpenAIServer({
    script: [
      { raw: '{"object":"list","data":[]}', contentType: "application/json" },
      { raw: '{"choices":[]}', contentType: "application/json" },
      { text: "fine" },
    ],
  });
  const seen: string[] = [];
  const llm = withLimits(hfGenerator({ model: "m", endpointUrl: server.url }), {
    ...fast,
    onRetry: (e) => seen.push(e.error.message),
  });
  assert.equal((await llm.generate(ask())).text, "fine");
  assert.equal(seen.length, 2);
  assert.ok(seen[0].includes('{\\"object\\":\\"list\\"'), seen[0]);
  assert.ok(seen[1].includes('{\\"choices\\":[]}'), seen[1]);
});

Deno.test("limits: a long bad body is quoted to 200 characters", async () => {
  await using server = startOpenAIServer({ fallback: { raw: `<html>${"x".repeat(5000)}</html>` } });
  const llm = withLimits(hfGenerator({ model: "m", endpointUrl: server.url }), {
    ...fast,
    maxRetries: 0,
  });
  const error = await llm.generate(ask()).catch((e) => e);
  const quoted = (error.cause as Error).message.match(/: ("<html>x+")\.\.\.$/);
  assert.ok(quoted, (error.cause as Error).message);
  assert.equal(JSON.parse(quoted[1]).length, 200);
});
