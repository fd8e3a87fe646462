import assert from "node:assert/strict";
import { join } from "node:path";
import { openStore } from "../../../adapters/store/duckdb_store.ts";
import { mergeStores } from "../../../adapters/store/merge.ts";
import type { Draft } from "../../../plugins/types.ts";

const identity = {
  dataset: "synthetic",
  data: "00112233445566ff",
  actor: "llm-actor:endpoint:http://127.0.0.1:1#m",
  reflector: "grounded",
  rounds: 0,
  prompts: "built-in",
  keyPrefix: "abc|",
};

const draft = (text: string, parseFailure?: string): Draft => ({
  text,
  author: "m",
  usage: { prompt: 3, completion: 2 },
  latencyMs: 1,
  ...(parseFailure ? { parseFailure } : {}),
});

/** A store with one knowledge run of `id` and records `texts` (key → text, `!` = unparsable). */
async function storeWith(path: string, texts: Record<string, string>, id = identity) {
  await using store = await openStore(path);
  const runId = await store.startRun({ kind: "knowledge", config: { identity: id } });
  for (const [key, text] of Object.entries(texts)) {
    const d = text.startsWith("!") ? draft(text, "no_tag: no tag") : draft(text);
    await store.putKnowledge({
      key,
      kind: "user",
      first: d,
      final: d,
      rounds: [{ round: 0, draft: d }],
      runId,
    });
  }
  await store.putVectors("hashing-2", [{ textHash: key0(texts), vector: Float32Array.of(1, 2) }]);
  await store.finishRun(runId, { status: "done" });
}
const key0 = (texts: Record<string, string>) => Object.keys(texts)[0];

async function texts(path: string): Promise<Record<string, string>> {
  await using store = await openStore(path, { readOnly: true });
  const rows = await store.query(
    "SELECT k.key, k.final_text, count(r.round) AS n FROM knowledge k JOIN knowledge_rounds r " +
      "USING (key) GROUP BY ALL ORDER BY k.key",
  );
  for (const row of rows) assert.equal(Number(row.n), 1, `${row.key}: its own round only`);
  return Object.fromEntries(rows.map((r) => [r.key as string, r.final_text as string]));
}

Deno.test("mergeStores: new keys come whole; a parsed record replaces an unparsable one, never the reverse", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const [a, b, into] = ["a", "b", "into"].map((n) => join(dir, `${n}.duckdb`));
    await storeWith(a, { "abc|u:1": "likes drama", "abc|u:2": "!garbage" });
    await storeWith(b, { "abc|u:2": "likes comedy", "abc|u:3": "likes noir", "abc|u:1": "!bad" });
    const first = await mergeStores([a], into);
    assert.deepEqual(first.identity, identity);
    const second = await mergeStores([b], into);
    assert.equal(second.replaced, 1);
    assert.equal(second.added.knowledge, 1);
    assert.equal(second.added.runs, 1);
    assert.deepEqual(await texts(into), {
      "abc|u:1": "likes drama",
      "abc|u:2": "likes comedy",
      "abc|u:3": "likes noir",
    });
    const again = await mergeStores([a, b], into);
    assert.deepEqual(Object.values(again.added), [0, 0, 0, 0, 0]);
    assert.equal(again.replaced, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mergeStores: refuses other data or prompts, the target as source, missing and foreign stores", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const [a, b, c, into] = ["a", "b", "c", "into"].map((n) => join(dir, `${n}.duckdb`));
    await storeWith(a, { "abc|u:1": "x" });
    await storeWith(b, { "abc|u:2": "y" }, { ...identity, data: "ffeeddccbbaa9988" });
    await storeWith(c, { "abc|u:3": "z" }, { ...identity, prompts: "0a1b2c3d4e5f6789" });
    await assert.rejects(
      mergeStores([a, b], into),
      new RegExp(`^Error: store merge: ${a} and ${b} were made with different data`),
    );
    await assert.rejects(mergeStores([a, c], into), /different prompts \("built-in" vs "0a1b/);
    await mergeStores([a], into);
    // The target's own runs take part: b differs from what `into` already holds.
    await assert.rejects(mergeStores([b], into), new RegExp(`${into} and ${b} .*different data`));
    await assert.rejects(mergeStores([into], into), /is the target store/);
    await assert.rejects(
      mergeStores([join(dir, "none.duckdb")], into),
      /none\.duckdb: no such store/,
    );
    const bare = join(dir, "bare.duckdb");
    await (await openStore(bare)).close();
    await assert.rejects(mergeStores([bare], into), /bare\.duckdb holds no knowledge run/);
    assert.deepEqual(await texts(into), { "abc|u:1": "x" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
