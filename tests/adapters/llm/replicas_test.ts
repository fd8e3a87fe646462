import assert from "node:assert/strict";
import { LlmGaveUpError, LlmNetworkError } from "../../../adapters/llm/errors.ts";
import { hfGenerator } from "../../../adapters/llm/hf.ts";
import { withLimits } from "../../../adapters/llm/limits.ts";
import { replicaGenerator } from "../../../adapters/llm/replicas.ts";
import { llmFromSpec, parseLlmSpec } from "../../../adapters/llm/spec.ts";
import { cachedGenerator } from "../../../adapters/store/cached_generator.ts";
import { openStore } from "../../../adapters/store/duckdb_store.ts";
import { type OpenAIServerOptions, startOpenAIServer } from "../../fixtures/openai_server.ts";

const ask = (content: string) => ({ messages: [{ role: "user" as const, content }] });

/** Replicas of model `m` at the given servers' URLs. */
function over(urls: string[], options: { backoffMs?: number; now?: () => number } = {}) {
  return replicaGenerator({
    id: "endpoint:replicas#m",
    replicas: urls.map((url) => ({
      url,
      generator: hfGenerator({ model: "m", endpointUrl: url }),
    })),
    ...options,
  });
}

/** A server started and closed at once: its port refuses connections. */
async function closedUrl(): Promise<string> {
  const server = startOpenAIServer();
  await server.close();
  return server.url;
}

const answering = (text: string, delayMs = 0): OpenAIServerOptions => ({
  fallback: { text, delayMs },
});

Deno.test("replicas: requests spread over the replicas by fewest in flight", async () => {
  await using a = startOpenAIServer(answering("from a", 20));
  await using b = startOpenAIServer(answering("from b", 20));
  const llm = over([a.url, b.url]);
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => llm.generate(ask(`q${i}`))),
  );
  assert.equal(answers.length, 20);
  assert.deepEqual([a.requests.length, b.requests.length], [10, 10]);
  assert.ok(a.maxInFlight <= 10 && b.maxInFlight <= 10);
  assert.deepEqual(llm.replicas.map((r) => [r.answers, r.failures, r.inFlight]), [
    [10, 0, 0],
    [10, 0, 0],
  ]);
});

Deno.test("replicas: a closed and a failing replica are taken out; their requests go to another", async () => {
  await using healthy = startOpenAIServer(answering("ok"));
  await using failing = startOpenAIServer({ fallback: { status: 503 } });
  const closed = await closedUrl();
  const llm = over([closed, failing.url, healthy.url], { backoffMs: 60_000 });
  for (let i = 0; i < 9; i++) {
    assert.equal((await llm.generate(ask(`q${i}`))).text, "ok");
  }
  // Each failed once and was then out for its backoff: every request was answered by `healthy`.
  assert.equal(failing.requests.length, 1);
  assert.equal(healthy.requests.length, 9);
  assert.deepEqual(llm.replicas.map((r) => [r.answers, r.failures]), [[0, 1], [0, 1], [9, 0]]);
  assert.match(llm.replicas[1].lastError!, /answered 503/);
});

Deno.test("replicas: a replica out for its backoff is tried again after it, and back in when it answers", async () => {
  let clock = 0;
  await using flaky = startOpenAIServer({ script: [{ status: 502 }], fallback: { text: "flaky" } });
  await using steady = startOpenAIServer(answering("steady"));
  const llm = over([flaky.url, steady.url], { backoffMs: 1000, now: () => clock });
  assert.equal((await llm.generate(ask("first"))).text, "steady", "failed over at once");
  assert.equal(llm.replicas[0].downUntil, 1000);
  for (let i = 0; i < 3; i++) assert.equal((await llm.generate(ask(`q${i}`))).text, "steady");
  assert.equal(flaky.requests.length, 1, "not tried during its backoff");
  clock = 1001;
  const texts = new Set<string>();
  for (let i = 0; i < 4; i++) texts.add((await llm.generate(ask(`r${i}`))).text);
  assert.deepEqual(texts, new Set(["flaky", "steady"]));
  assert.deepEqual([llm.replicas[0].failuresInRow, llm.replicas[0].downUntil], [0, 0]);
});

Deno.test("replicas: a backoff doubles with each failure in a row, up to its ceiling", async () => {
  let clock = 0;
  const url = await closedUrl();
  const llm = replicaGenerator({
    id: "endpoint:replicas#m",
    replicas: [{ url, generator: hfGenerator({ model: "m", endpointUrl: url }) }],
    backoffMs: 100,
    maxBackoffMs: 350,
    now: () => clock,
  });
  const downFor: number[] = [];
  for (let i = 0; i < 4; i++) {
    await assert.rejects(llm.generate(ask("q")), LlmNetworkError);
    downFor.push(llm.replicas[0].downUntil - clock);
    clock = llm.replicas[0].downUntil;
  }
  assert.deepEqual(downFor, [100, 200, 350, 350]);
});

Deno.test("replicas: all down is one retryable error naming every replica; withLimits retries it", async () => {
  const urls = [await closedUrl(), await closedUrl()];
  const llm = over(urls);
  const error = await llm.generate(ask("q")).catch((e) => e);
  assert.ok(error instanceof LlmNetworkError && error.retryable);
  assert.match(
    error.message,
    new RegExp(
      `^endpoint:replicas#m: all 2 replicas are down: ${
        urls[0]
      } \\(.*; tried again in \\d\\.\\d s\\); ` +
        `${urls[1]} \\(.*; tried again in \\d\\.\\d s\\)$`,
    ),
  );
  const limited = withLimits(over(urls), { maxRetries: 1, baseDelayMs: 1 });
  const gaveUp = await limited.generate(ask("q")).catch((e) => e);
  assert.ok(gaveUp instanceof LlmGaveUpError);
  assert.match(gaveUp.message, /gave up after 2 attempts: .*all 2 replicas are down/);
});

Deno.test("replicas: a replica that times out is taken out and the retry goes to another", async () => {
  await using hanging = startOpenAIServer({ fallback: { hang: true } });
  await using healthy = startOpenAIServer(answering("ok"));
  const llm = over([hanging.url, healthy.url], { backoffMs: 60_000 });
  const limited = withLimits(llm, { timeoutMs: 300, maxRetries: 2, baseDelayMs: 1 });
  assert.equal((await limited.generate(ask("q"))).text, "ok");
  assert.equal(limited.stats.retries, 1);
  assert.deepEqual(llm.replicas.map((r) => [r.answers, r.failures]), [[0, 1], [1, 0]]);
  assert.equal(llm.replicas[0].lastError, "timed out");
  // A 4xx is the request's fault, not the replica's: it is not sent to another replica.
  await using refusing = startOpenAIServer({ fallback: { status: 400 } });
  const strict = over([refusing.url, healthy.url]);
  await assert.rejects(strict.generate(ask("q")), /answered 400/);
  assert.deepEqual(strict.replicas.map((r) => r.failures), [0, 0]);
});

Deno.test("replica specs: parsed, one generator id whatever the replicas, one cache key", async () => {
  await using a = startOpenAIServer(answering("same answer"));
  await using b = startOpenAIServer(answering("same answer"));
  assert.deepEqual(parseLlmSpec(`endpoint:${a.url}/v1,${b.url}/v1#m`), {
    kind: "endpoint",
    model: "m",
    url: `${a.url}/v1`,
    replicas: [`${a.url}/v1`, `${b.url}/v1`],
  });
  assert.throws(() => parseLlmSpec(`endpoint:${a.url},${a.url}#m`), /is given twice/);
  assert.throws(() => parseLlmSpec(`endpoint:${a.url},nowhere#m`), /is not a URL/);
  const ab = await llmFromSpec(`endpoint:${a.url},${b.url}#m`);
  const ba = await llmFromSpec(`endpoint:${b.url},${a.url}#m`);
  assert.equal(ab.generator.id, "endpoint:replicas#m");
  assert.equal(ba.generator.id, ab.generator.id);
  assert.equal(
    ab.description,
    `LLM m at 2 replicas (${a.url}, ${b.url}; OpenAI-compatible endpoints)`,
  );
  await using store = await openStore(":memory:");
  const first = cachedGenerator(ab.generator, store);
  await first.generate(ask("q"));
  await a.close();
  // Another replica set of the same model finds the stored answer: nothing is asked again.
  const again = await cachedGenerator(ba.generator, store).generate(ask("q"));
  assert.equal(again.cached, true);
  assert.equal(a.requests.length + b.requests.length, 1);
});
