import assert from "node:assert/strict";
import { cachedGenerator, generationKey, openStore } from "../../../adapters/store/mod.ts";
import { hfGenerator } from "../../../adapters/llm/hf.ts";
import type { ChatRequest, TextGenerator } from "../../../plugins/types.ts";
import { startOpenAIServer } from "../../fixtures/openai_server.ts";

/** A deterministic generator that counts its calls and can be told to fail or wait. */
function countingGenerator(options: { failOn?: string; waitMs?: number } = {}) {
  const calls: ChatRequest[] = [];
  const generator: TextGenerator = {
    id: "counting-1",
    kind: "deterministic",
    async generate(req) {
      calls.push(req);
      if (options.waitMs) await new Promise((r) => setTimeout(r, options.waitMs));
      const content = req.messages.at(-1)!.content;
      if (content === options.failOn) throw new Error(`refused ${content}`);
      return {
        text: `answer to ${content}`,
        usage: { prompt: content.length, completion: 3 },
        latencyMs: 7,
        model: "counter",
        cached: false,
        finishReason: "stop",
      };
    },
  };
  return { generator, calls };
}

const ask = (content: string, params?: ChatRequest["params"]): ChatRequest => ({
  messages: [{ role: "user", content }],
  params,
});

Deno.test("cachedGenerator: second identical request is served from the store", async () => {
  await using store = await openStore(":memory:");
  const { generator, calls } = countingGenerator();
  const cached = cachedGenerator(generator, store);
  assert.equal(cached.id, generator.id);
  const first = await cached.generate(ask("a"));
  const second = await cached.generate(ask("a", { maxTokens: 512 })); // same effective params
  const third = await cached.generate(ask("a", { maxTokens: 100 }));
  assert.equal(calls.length, 2);
  assert.equal(first.cached, false);
  assert.equal(first.latencyMs, 7);
  assert.deepEqual(second, { ...first, cached: true, latencyMs: 0 });
  assert.equal(third.cached, false);
  assert.deepEqual(cached.stats, { hits: 1, misses: 2, joined: 0 });
  const stored = await store.getGeneration(generationKey(generator.id, ask("a")));
  assert.equal(stored?.text, "answer to a");
  assert.deepEqual(stored?.params, { maxTokens: 512, temperature: 0 });
});

Deno.test("cachedGenerator: a rerun with a fresh wrapper reuses the stored generations", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/gen.duckdb`;
    {
      await using store = await openStore(path);
      const { generator } = countingGenerator();
      const cached = cachedGenerator(generator, store);
      await Promise.all(["x", "y", "z"].map((c) => cached.generate(ask(c))));
    }
    await using store = await openStore(path);
    const { generator, calls } = countingGenerator();
    const cached = cachedGenerator(generator, store);
    const answers = await Promise.all(["x", "y", "z", "w"].map((c) => cached.generate(ask(c))));
    assert.deepEqual(calls.map((c) => c.messages[0].content), ["w"]);
    assert.deepEqual(answers.map((a) => a.cached), [true, true, true, false]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cachedGenerator: identical concurrent requests share one call; failures are not stored", async () => {
  await using store = await openStore(":memory:");
  const { generator, calls } = countingGenerator({ failOn: "bad", waitMs: 20 });
  const cached = cachedGenerator(generator, store);
  const results = await Promise.all([1, 2, 3].map(() => cached.generate(ask("same"))));
  assert.equal(calls.length, 1);
  assert.equal(cached.stats.joined, 2);
  assert.ok(results.every((r) => r.text === "answer to same"));
  await assert.rejects(cached.generate(ask("bad")), /refused bad/);
  await assert.rejects(cached.generate(ask("bad")), /refused bad/);
  assert.equal(calls.length, 3);
  assert.equal(await store.countGenerations(), 1);
});

Deno.test("cachedGenerator: two endpoints serving the same model name never share answers", async () => {
  await using a = startOpenAIServer({ fallback: { text: "answer from server A" } });
  await using b = startOpenAIServer({ fallback: { text: "answer from server B" } });
  await using store = await openStore(":memory:");
  const viaA = cachedGenerator(hfGenerator({ model: "fake", endpointUrl: a.url }), store);
  const viaB = cachedGenerator(hfGenerator({ model: "fake", endpointUrl: b.url }), store);
  // The key holds what decides the answer: the endpoint's URL as well as the model name.
  assert.equal(viaA.id, `endpoint:${a.url}#fake`);
  assert.notEqual(generationKey(viaA.id, ask("q")), generationKey(viaB.id, ask("q")));
  assert.equal((await viaA.generate(ask("q"))).text, "answer from server A");
  assert.equal((await viaB.generate(ask("q"))).text, "answer from server B");
  assert.equal((await viaB.generate(ask("q"))).cached, true);
  assert.deepEqual([a.requests.length, b.requests.length], [1, 1]);
  assert.equal(await store.countGenerations(), 2);
});

Deno.test("cachedGenerator: an answer that is not text is returned but never stored", async () => {
  await using store = await openStore(":memory:");
  const answers = ["\u0000\u0001\u00ff garbage \u0000", "Enjoys quiet dramas."];
  const calls: string[] = [];
  const garbled: TextGenerator = {
    id: "garbled",
    kind: "llm",
    generate: () => {
      const text = answers[Math.min(calls.length, 1)];
      calls.push(text);
      return Promise.resolve({
        text,
        usage: { prompt: 1, completion: 1 },
        latencyMs: 1,
        model: "g",
        cached: false,
      });
    },
  };
  const cached = cachedGenerator(garbled, store);
  assert.equal((await cached.generate(ask("q"))).text, answers[0]);
  assert.equal(await store.countGenerations(), 0);
  // Asked again, not replayed: the second answer is text and is kept.
  assert.equal((await cached.generate(ask("q"))).text, answers[1]);
  assert.equal((await cached.generate(ask("q"))).cached, true);
  assert.equal(calls.length, 2);
});
