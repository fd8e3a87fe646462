import assert from "node:assert/strict";
import type { Embedder } from "../../../plugins/types.ts";
import { cachedEmbedder } from "../../../adapters/embed/cached.ts";
import { fitHashingEmbedder } from "../../../adapters/embed/hashing.ts";
import { MemoryVectorCache } from "../../../adapters/embed/memory_cache.ts";
import { textHash } from "../../../adapters/embed/text_hash.ts";
import type { EmbedProgress } from "../../../adapters/embed/progress.ts";

const TEXTS = Array.from({ length: 23 }, (_, i) => `user ${i} likes genre ${i % 5} films`);

/** A real hashing embedder that records every text it is asked to embed. */
function countingEmbedder(failOnCall?: number) {
  const inner = fitHashingEmbedder(TEXTS, { dim: 16 });
  const seen: string[] = [];
  let calls = 0;
  const embedder: Embedder = {
    id: inner.id,
    dim: inner.dim,
    embed(texts, signal) {
      calls++;
      if (calls === failOnCall) return Promise.reject(new Error(`embedder died on call ${calls}`));
      seen.push(...texts);
      return inner.embed(texts, signal);
    },
  };
  return { embedder, inner, seen, calls: () => calls };
}

Deno.test("textHash: SHA-256 hex of the UTF-8 bytes", async () => {
  assert.equal(textHash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const text = "Amélie — 🎬";
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  assert.equal(textHash(text), hex);
});

Deno.test("cachedEmbedder: embeds only missing texts, in batches, and returns input order", async () => {
  const cache = new MemoryVectorCache();
  const { embedder, inner, seen, calls } = countingEmbedder();
  const cached = cachedEmbedder(embedder, cache, { batchSize: 5 });
  assert.equal(cached.id, inner.id);
  assert.equal(cached.dim, 16);

  const first = await cached.embed(TEXTS.slice(0, 12));
  assert.equal(calls(), 3); // 12 texts in batches of 5
  assert.equal(cache.calls.put, 3);
  assert.deepEqual(first, await inner.embed(TEXTS.slice(0, 12)));

  const all = await cached.embed([...TEXTS].reverse());
  assert.deepEqual(all, await inner.embed([...TEXTS].reverse()));
  assert.equal(seen.length, TEXTS.length);
  assert.deepEqual([...seen].sort(), [...TEXTS].sort()); // each text embedded exactly once
  assert.deepEqual(cached.stats, { requested: 35, cacheHits: 12, embedded: 23 });
  assert.equal(cache.size(inner.id), 23);
});

Deno.test("cachedEmbedder: duplicates in one call are embedded once", async () => {
  const { embedder, seen } = countingEmbedder();
  const cached = cachedEmbedder(embedder, new MemoryVectorCache());
  const vectors = await cached.embed(["a b", "c d", "a b", "a b"]);
  assert.deepEqual(seen, ["a b", "c d"]);
  assert.equal(vectors[0], vectors[2]);
  assert.deepEqual(vectors[0], vectors[3]);
});

Deno.test("cachedEmbedder: a failed run keeps finished batches; the rerun embeds the rest", async () => {
  const cache = new MemoryVectorCache();
  const failing = countingEmbedder(3);
  await assert.rejects(
    cachedEmbedder(failing.embedder, cache, { batchSize: 4 }).embed(TEXTS),
    /embedder died on call 3/,
  );
  assert.equal(cache.size(failing.inner.id), 8);
  const rerun = countingEmbedder();
  const vectors = await cachedEmbedder(rerun.embedder, cache, { batchSize: 4 }).embed(TEXTS);
  assert.deepEqual([...failing.seen, ...rerun.seen].sort(), [...TEXTS].sort());
  assert.deepEqual(vectors, await rerun.inner.embed(TEXTS));
});

Deno.test("cachedEmbedder: progress counts input texts, cached ones first", async () => {
  const cache = new MemoryVectorCache();
  const { embedder } = countingEmbedder();
  await cachedEmbedder(embedder, cache).embed(TEXTS.slice(0, 3));
  const events: EmbedProgress[] = [];
  await cachedEmbedder(embedder, cache, { batchSize: 2, onProgress: (p) => events.push(p) })
    .embed([...TEXTS.slice(0, 6), TEXTS[0]]);
  assert.deepEqual(events.map((p) => p.done), [4, 6, 7]);
  assert.ok(events.every((p) => p.total === 7));
});

Deno.test("cachedEmbedder: wrong-sized vectors from cache or embedder are errors", async () => {
  const cache = new MemoryVectorCache();
  const { embedder, inner } = countingEmbedder();
  await cache.putVectors(inner.id, [{ textHash: textHash("x y"), vector: new Float32Array(3) }]);
  await assert.rejects(
    cachedEmbedder(embedder, cache).embed(["x y"]),
    /the cache gave a 3-d vector for text [0-9a-f]{64}, expected 16-d/,
  );
  const short: Embedder = {
    id: "short",
    dim: 4,
    embed: (texts) => Promise.resolve(texts.slice(1).map(() => new Float32Array(4))),
  };
  await assert.rejects(
    cachedEmbedder(short, cache).embed(["p", "q"]),
    /returned 1 vectors for 2 texts/,
  );
});
