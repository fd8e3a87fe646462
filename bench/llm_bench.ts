/**
 * Benchmarks of the LLM calling path (results recorded in bench/results/llm.md).
 *
 * - `overhead`: one call through `withLimits` (and through `withLimits` + the store cache) around an
 *   in-process generator that answers at once, against the bare generator: the difference is the
 *   orchestration cost per call (target < 1 ms).
 * - `throughput`: 320 calls through `withLimits(hfGenerator)` — the real `@huggingface/inference`
 *   client over real HTTP — against the fake OpenAI-compatible server answering each request after
 *   50 ms, concurrency 32 (target >= 400 calls/s; the ceiling is 32 / 0.05 s = 640 calls/s). The
 *   server runs in the same process, so its own work is counted against the client.
 *
 * Run: `npx -y deno@2.9.6 bench -A bench/llm_bench.ts`
 *
 * @module
 */
import { hfGenerator } from "../adapters/llm/hf.ts";
import { withLimits } from "../adapters/llm/limits.ts";
import { cachedGenerator, openStore } from "../adapters/store/mod.ts";
import type { ChatRequest, TextGenerator } from "../plugins/types.ts";
import { startOpenAIServer } from "../tests/fixtures/openai_server.ts";

const instant: TextGenerator = {
  id: "instant",
  kind: "deterministic",
  generate: (req) =>
    Promise.resolve({
      text: req.messages[0].content,
      usage: { prompt: 8, completion: 8 },
      latencyMs: 0,
      model: "instant",
      cached: false,
    }),
};
const request: ChatRequest = {
  messages: [{ role: "user", content: "Describe this user's taste in about 200 words." }],
  params: { maxTokens: 256 },
};

const limited = withLimits(instant, {
  concurrency: 32,
  requestsPerMinute: 1e9,
  tokensPerMinute: 1e12,
  timeoutMs: 60_000,
});

Deno.bench("overhead: bare generator", { group: "overhead", baseline: true }, async () => {
  await instant.generate(request);
});

Deno.bench("overhead: withLimits (concurrency, rpm, tpm, timeout, retry)", {
  group: "overhead",
}, async () => {
  await limited.generate(request);
});

const storeDir = await Deno.makeTempDir();
const store = await openStore(`${storeDir}/bench.duckdb`);
const cachedLimited = cachedGenerator(limited, store);
await cachedLimited.generate(request); // stored once; later calls are store hits
Deno.bench("overhead: store cache hit + withLimits", { group: "overhead" }, async () => {
  await cachedLimited.generate(request);
});

let fresh = 0;
Deno.bench("overhead: store miss (hash + lookup + insert) + withLimits", {
  group: "overhead",
}, async () => {
  await cachedLimited.generate({
    ...request,
    messages: [{ role: "user", content: `q${fresh++}` }],
  });
});

const server = startOpenAIServer({ fallback: { text: "A fan of slow dramas.", delayMs: 50 } });
const CALLS = 320;

Deno.bench(`throughput: ${CALLS} calls, server 50 ms, concurrency 32`, {
  group: "throughput",
  n: 5,
  warmup: 1,
}, async () => {
  const llm = withLimits(hfGenerator({ model: "bench", endpointUrl: server.url }), {
    concurrency: 32,
  });
  await Promise.all(
    Array.from(
      { length: CALLS },
      (_, i) => llm.generate({ messages: [{ role: "user", content: `user ${i}` }] }),
    ),
  );
});

let round = 0;
Deno.bench(`throughput: ${CALLS} calls + store writes, server 50 ms, concurrency 32`, {
  group: "throughput",
  n: 5,
  warmup: 1,
}, async () => {
  const llm = cachedGenerator(
    withLimits(hfGenerator({ model: "bench", endpointUrl: server.url }), { concurrency: 32 }),
    store,
  );
  round++;
  await Promise.all(
    Array.from(
      { length: CALLS },
      (_, i) => llm.generate({ messages: [{ role: "user", content: `round ${round} user ${i}` }] }),
    ),
  );
});

globalThis.addEventListener("unload", () => {
  server.close();
  Deno.removeSync(storeDir, { recursive: true });
});
