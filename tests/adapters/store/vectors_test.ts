import assert from "node:assert/strict";
import { openStore } from "../../../adapters/store/mod.ts";

function vector(seed: number, dim: number): Float32Array {
  return Float32Array.from({ length: dim }, (_, i) => Math.sin(seed * 31 + i) / (i + 1));
}

Deno.test("vectors: reads span several data chunks and dimensions, exactly", async () => {
  await using store = await openStore(":memory:");
  // 5,000 rows are three result chunks of DuckDB's 2,048 rows; two encoders, two sizes.
  const entries = Array.from({ length: 5000 }, (_, i) => ({
    textHash: `h${i}`,
    vector: vector(i, i % 3 === 0 ? 7 : 3),
  }));
  await store.putVectors("enc", entries);
  await store.putVectors("other", [{ textHash: "h1", vector: vector(-1, 2) }]);
  const got = await store.getVectors("enc", [...entries.map((e) => e.textHash), "absent"]);
  assert.equal(got.size, entries.length);
  for (const e of entries) assert.deepEqual(got.get(e.textHash), e.vector);
  assert.deepEqual((await store.getVectors("other", ["h1", "h2"])).get("h1"), vector(-1, 2));
  assert.equal((await store.getVectors("other", [])).size, 0);
});

Deno.test("vectors: concurrent writes are each whole; the last write of a text wins", async () => {
  await using store = await openStore(":memory:");
  await Promise.all([
    store.putVectors("enc", [{ textHash: "a", vector: vector(1, 4) }]),
    store.putVectors("enc", [
      { textHash: "a", vector: vector(2, 2) },
      { textHash: "b", vector: vector(3, 4) },
      { textHash: "b", vector: vector(4, 4) },
    ]),
    store.putVectors("enc2", [{ textHash: "a", vector: vector(5, 3) }]),
  ]);
  const got = await store.getVectors("enc", ["a", "b"]);
  assert.deepEqual(got.get("a"), vector(2, 2));
  assert.deepEqual(got.get("b"), vector(4, 4));
  assert.deepEqual((await store.getVectors("enc2", ["a"])).get("a"), vector(5, 3));
  assert.deepEqual(
    await store.query("SELECT encoder_id, text_hash, dim FROM vectors ORDER BY ALL"),
    [
      { encoder_id: "enc", text_hash: "a", dim: 2 },
      { encoder_id: "enc", text_hash: "b", dim: 4 },
      { encoder_id: "enc2", text_hash: "a", dim: 3 },
    ],
  );
  await store.close();
  await assert.rejects(
    store.putVectors("enc", [{ textHash: "c", vector: vector(6, 2) }]),
    /store :memory: is closed/,
  );
});
