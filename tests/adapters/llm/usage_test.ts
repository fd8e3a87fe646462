import assert from "node:assert/strict";
import { hfGenerator } from "../../../adapters/llm/hf.ts";
import { withLimits } from "../../../adapters/llm/limits.ts";
import { cachedGenerator } from "../../../adapters/store/cached_generator.ts";
import { openStore } from "../../../adapters/store/duckdb_store.ts";
import { startOpenAIServer } from "../../fixtures/openai_server.ts";

const hi = { messages: [{ role: "user" as const, content: "Describe the user in one line." }] };

/** A fetch that removes `usage` from answers (JSON and every SSE event), as some servers send. */
const withoutUsage: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const text = await response.text();
  const strip = (json: string) => {
    const value = JSON.parse(json);
    delete value.usage;
    return JSON.stringify(value);
  };
  const body = text.startsWith("{")
    ? strip(text)
    : text.replace(/^data: (\{.*\})$/gm, (_, json) => `data: ${strip(json)}`);
  return new Response(body, { status: response.status, headers: response.headers });
};

for (const stream of [false, true]) {
  Deno.test(`hf: an answer without usage has unknown token counts, not 0 (stream: ${stream})`, async () => {
    await using server = startOpenAIServer({ fallback: { text: "Enjoys dramas." } });
    const gen = hfGenerator({
      model: "m",
      endpointUrl: server.url,
      stream,
      fetch: withoutUsage,
    });
    const result = await gen.generate(hi);
    assert.equal(result.text, "Enjoys dramas.");
    assert.deepEqual(result.usage, { prompt: 0, completion: 0, unknown: true });
    // With usage, the counts are the server's and nothing is marked unknown.
    const counted = await hfGenerator({ model: "m", endpointUrl: server.url, stream }).generate(hi);
    assert.equal(counted.usage.unknown, undefined);
    assert.ok(counted.usage.prompt > 0 && counted.usage.completion > 0);
  });
}

Deno.test("unknown token counts: counted apart by withLimits, stored as NULL, read back unknown", async () => {
  await using server = startOpenAIServer({ fallback: { text: "Enjoys dramas." } });
  const limited = withLimits(
    hfGenerator({ model: "m", endpointUrl: server.url, fetch: withoutUsage }),
    { concurrency: 1 },
  );
  await using store = await openStore(":memory:");
  const cached = cachedGenerator(limited, store);
  await cached.generate(hi);
  assert.deepEqual(
    [limited.stats.promptTokens, limited.stats.completionTokens, limited.stats.unknownUsageCalls],
    [0, 0, 1],
  );
  const [row] = await store.query("SELECT prompt_tokens, completion_tokens FROM generations");
  assert.deepEqual(row, { prompt_tokens: null, completion_tokens: null });
  const again = await cached.generate(hi);
  assert.equal(again.cached, true);
  assert.deepEqual(again.usage, { prompt: 0, completion: 0, unknown: true });
  assert.equal(server.requests.length, 1);
});

Deno.test("unknown token counts: a knowledge round keeps them unknown through the store", async () => {
  await using store = await openStore(":memory:");
  const unknown = { prompt: 0, completion: 0, unknown: true as const };
  const draft = { text: "likes drama", author: "m", usage: unknown, latencyMs: 1 };
  const critique = {
    reasonable: false,
    feedback: "too vague",
    author: "m",
    usage: { prompt: 40, completion: 8 },
    latencyMs: 1,
  };
  const refined = { ...draft, text: "likes slow dramas", usage: { prompt: 50, completion: 6 } };
  await store.putKnowledge({
    key: "u:1",
    kind: "user",
    first: draft,
    final: refined,
    rounds: [{ round: 0, draft, critique }, { round: 1, draft: refined }],
  });
  const record = await store.getKnowledge("u:1");
  assert.deepEqual(record!.rounds[0].draft.usage, unknown);
  assert.deepEqual(record!.rounds[0].critique!.usage, { prompt: 40, completion: 8 });
  assert.deepEqual(record!.rounds[1].draft.usage, { prompt: 50, completion: 6 });
  // The record's totals add the known counts only.
  const [head] = await store.query("SELECT prompt_tokens, completion_tokens FROM knowledge");
  assert.deepEqual(head, { prompt_tokens: 90, completion_tokens: 14 });
});
