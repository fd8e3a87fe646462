import assert from "node:assert/strict";
import { DuckDBInstance } from "@duckdb/node-api";
import { generationKey, openStore } from "../../../adapters/store/mod.ts";
import { textHash } from "../../../adapters/embed/text_hash.ts";
import type { Critique, Draft, KnowledgeRecord } from "../../../plugins/types.ts";

function draft(text: string, extra: Partial<Draft> = {}): Draft {
  return { text, author: "actor-x", usage: { prompt: 10, completion: 20 }, latencyMs: 5, ...extra };
}
function critique(reasonable: boolean, feedback: string, extra: Partial<Critique> = {}): Critique {
  return {
    reasonable,
    feedback,
    author: "critic-y",
    usage: { prompt: 3, completion: 4 },
    latencyMs: 2,
    ...extra,
  };
}

function sampleRecord(key: string): KnowledgeRecord {
  const first = draft(`first of ${key}`, { verdict: "like" });
  const second = draft(`second of ${key}`, { parseFailure: "no <preference> tag" });
  return {
    key,
    kind: "user",
    first,
    final: second,
    rounds: [
      {
        round: 0,
        draft: first,
        critique: critique(false, "too vague", { evidence: { accuracy: 0.5, probes: [1, 2] } }),
      },
      { round: 1, draft: second },
    ],
    runId: "run-1",
  };
}

Deno.test("knowledge: only records with a parsed final draft count as completed", async () => {
  await using store = await openStore(":memory:");
  const unparsable = sampleRecord("k:bad");
  await store.putKnowledge(unparsable);
  await store.putKnowledge({ ...sampleRecord("k:good"), final: unparsable.first });
  assert.deepEqual(await store.completedKeys(["k:bad", "k:good"]), new Set(["k:good"]));
  // A rerun's parsed answer replaces the unparsable record.
  await store.putKnowledge({ ...unparsable, final: unparsable.first });
  assert.deepEqual(await store.completedKeys(["k:bad", "k:good"]), new Set(["k:bad", "k:good"]));
});

Deno.test("generations: round trip, first write wins, counts per generator", async () => {
  await using store = await openStore(":memory:");
  const req = { messages: [{ role: "user" as const, content: "hi" }], params: { maxTokens: 64 } };
  const key = generationKey("gen-a", req);
  assert.equal(await store.getGeneration(key), undefined);
  const createdAt = new Date("2026-01-02T03:04:05.678Z");
  const record = {
    key,
    generator: "gen-a",
    model: "m-1",
    params: { maxTokens: 64, temperature: 0 },
    messages: req.messages,
    text: "hello 'quoted' text",
    usage: { prompt: 7, completion: 3 },
    latencyMs: 12.5,
    finishReason: "stop",
    createdAt,
  };
  await store.putGeneration(record);
  await store.putGeneration({ ...record, text: "a later answer" });
  assert.deepEqual(await store.getGeneration(key), record);
  assert.equal(await store.countGenerations(), 1);
  assert.equal(await store.countGenerations("gen-a"), 1);
  assert.equal(await store.countGenerations("gen-b"), 0);
});

Deno.test("generationKey: defaults and key order do not matter; content does", () => {
  const messages = [{ role: "user" as const, content: "x" }];
  const a = generationKey("g", { messages });
  const b = generationKey("g", { messages, params: { temperature: 0, maxTokens: 512 } });
  assert.equal(a, b);
  assert.notEqual(a, generationKey("g", { messages, params: { maxTokens: 511 } }));
  assert.notEqual(a, generationKey("h", { messages }));
  assert.notEqual(a, generationKey("g", { messages: [{ role: "system", content: "x" }] }));
  assert.match(textHash("abc"), /^[0-9a-f]{64}$/);
});

Deno.test("knowledge: round trip of drafts, critiques, evidence; summary columns", async () => {
  await using store = await openStore(":memory:");
  const record = sampleRecord("ml:user:1");
  await store.putKnowledge(record);
  assert.deepEqual(await store.getKnowledge("ml:user:1"), record);
  // Its final draft is an unparsable answer: not completed, so the next run does it again.
  assert.deepEqual(await store.completedKeys(["ml:user:1", "ml:user:2"]), new Set());
  const [row] = await store.query(
    "SELECT final_text, final_round, rounds, reasonable, parse_failures, prompt_tokens, completion_tokens FROM knowledge",
  );
  assert.deepEqual(row, {
    final_text: "second of ml:user:1",
    final_round: 1,
    rounds: 2,
    reasonable: false,
    parse_failures: 1,
    prompt_tokens: 10 + 3 + 10,
    completion_tokens: 20 + 4 + 20,
  });
});

Deno.test("knowledge: replacing a record replaces all its rounds; listing filters", async () => {
  await using store = await openStore(":memory:");
  await store.putKnowledge(sampleRecord("a:user:1"));
  const only = draft("single");
  await store.putKnowledge({
    key: "a:user:1",
    kind: "user",
    first: only,
    final: only,
    rounds: [{ round: 0, draft: only, critique: critique(true, "") }],
  });
  await store.putKnowledge({ ...sampleRecord("a:item:9"), kind: "item" });
  await store.putKnowledge(sampleRecord("b:user:1"));
  const got = await store.getKnowledge("a:user:1");
  assert.equal(got?.rounds.length, 1);
  assert.equal(got?.final.text, "single");
  const [{ n }] = await store.query(
    "SELECT count(*) AS n FROM knowledge_rounds WHERE key = 'a:user:1'",
  );
  assert.equal(n, 1n);
  assert.deepEqual((await store.listKnowledge({ kind: "item" })).map((r) => r.key), ["a:item:9"]);
  assert.deepEqual((await store.listKnowledge({ keyPrefix: "a:" })).map((r) => r.key), [
    "a:item:9",
    "a:user:1",
  ]);
});

Deno.test("knowledge: a failing write leaves nothing behind (transaction rolls back)", async () => {
  await using store = await openStore(":memory:");
  const bad = sampleRecord("k:bad");
  // Two rounds with the same number violate the (key, round) primary key on the second insert.
  bad.rounds = [bad.rounds[0], { ...bad.rounds[1], round: 0 }];
  await assert.rejects(store.putKnowledge(bad));
  assert.deepEqual(await store.query("SELECT count(*) AS n FROM knowledge_rounds"), [{ n: 0n }]);
  assert.equal(await store.getKnowledge("k:bad"), undefined);
  // The connection is usable afterwards.
  await store.putKnowledge(sampleRecord("k:good"));
  assert.equal((await store.getKnowledge("k:good"))?.rounds.length, 2);
  await assert.rejects(
    store.putKnowledge({ ...sampleRecord("k:empty"), rounds: [] }),
    /k:empty: rounds must not be empty/,
  );
});

Deno.test("vectors: exact float32 round trip, replace, Parquet export and import", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using store = await openStore(`${dir}/a.duckdb`);
    const v1 = Float32Array.of(0.1, -2.5, 3e-8, 1 / 3);
    const v2 = Float32Array.of(1, 2);
    await store.putVectors("enc-1", [{ textHash: "h1", vector: v1 }, {
      textHash: "h2",
      vector: v2,
    }]);
    await store.putVectors("enc-2", [{ textHash: "h1", vector: Float32Array.of(9) }]);
    const got = await store.getVectors("enc-1", ["h1", "h2", "missing"]);
    assert.deepEqual([...got.keys()].sort(), ["h1", "h2"]);
    assert.deepEqual(got.get("h1"), v1);
    await store.putVectors("enc-1", [{ textHash: "h2", vector: Float32Array.of(7, 8, 9) }]);
    assert.deepEqual((await store.getVectors("enc-1", ["h2"])).get("h2"), Float32Array.of(7, 8, 9));

    const parquet = `${dir}/enc1.parquet`;
    await store.exportVectorsParquet(parquet, { encoderId: "enc-1" });
    // Read the file back with a separate DuckDB instance: it is a plain Parquet file.
    const db = await DuckDBInstance.create(":memory:");
    const c = await db.connect();
    const rows = (await c.runAndReadAll(
      `SELECT encoder_id, text_hash, dim, vector FROM read_parquet('${parquet}') ORDER BY text_hash`,
    )).getRowObjectsJS();
    c.closeSync();
    db.closeSync();
    assert.equal(rows.length, 2);
    assert.equal(rows[0].encoder_id, "enc-1");
    assert.equal(rows[1].dim, 3);

    await using other = await openStore(":memory:");
    assert.equal(await other.importVectorsParquet(parquet), 2);
    assert.deepEqual((await other.getVectors("enc-1", ["h1"])).get("h1"), v1);
    assert.equal((await other.getVectors("enc-2", ["h1"])).size, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runs: start, finish, list; unknown run id is an error", async () => {
  await using store = await openStore(":memory:");
  const id = await store.startRun({ kind: "knowledge", config: { rounds: 2, actor: "hf:m" } });
  await store.startRun({ kind: "eval", config: {}, runId: "eval-1" });
  await store.finishRun(id, { status: "done", timings: { totalMs: 42 }, summary: { done: 3 } });
  const [run] = await store.listRuns("knowledge");
  assert.equal(run.runId, id);
  assert.equal(run.status, "done");
  assert.deepEqual(run.config, { rounds: 2, actor: "hf:m" });
  assert.deepEqual(run.timings, { totalMs: 42 });
  assert.deepEqual(run.summary, { done: 3 });
  assert.ok(run.finishedAt instanceof Date && run.finishedAt >= run.startedAt);
  assert.equal((await store.listRuns()).length, 2);
  await assert.rejects(store.finishRun("nope", { status: "failed" }), /no run with id "nope"/);
});

Deno.test("runs: a writer's open marks runs other processes left running as interrupted", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/runs.duckdb`;
    {
      await using store = await openStore(path);
      await store.startRun({ kind: "knowledge", config: {}, runId: "dead" });
      await store.startRun({ kind: "knowledge", config: {}, runId: "mine" });
      // As if "dead" had been started by a process that no longer holds the file.
      await store.query(`UPDATE runs SET pid = ${Deno.pid + 1} WHERE run_id = 'dead'`);
    }
    {
      await using reader = await openStore(path, { readOnly: true });
      assert.deepEqual((await reader.listRuns()).map((r) => r.status), ["running", "running"]);
    }
    await using store = await openStore(path);
    const runs = new Map((await store.listRuns()).map((r) => [r.runId, r]));
    assert.equal(runs.get("dead")?.status, "interrupted");
    assert.match((runs.get("dead")?.summary as { error: string }).error, /^interrupted: /);
    // This process's own run may still be going: left alone.
    assert.equal(runs.get("mine")?.status, "running");
    assert.equal(await store.markInterruptedRuns(), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("store file persists across reopen; read-only open sees the data", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/s.duckdb`;
    const store = await openStore(path);
    await store.putKnowledge(sampleRecord("p:1"));
    await store.close();
    await assert.rejects(store.getKnowledge("p:1"), /is closed/);
    await using reader = await openStore(path, { readOnly: true });
    assert.deepEqual(await reader.getKnowledge("p:1"), sampleRecord("p:1"));
    await assert.rejects(
      openStore(`${dir}/missing/dir/x.duckdb`),
      /^Error: cannot open store .*missing\/dir\/x\.duckdb: Cannot open file .*No such file/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SIGKILL during writes never leaves a half-written knowledge record", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/kill.duckdb`;
    const writer = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./kill_writer.ts", import.meta.url).pathname, path],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    // Kill once a few dozen records have been committed (mid-stream of further writes).
    const reader = writer.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    let committed = 0;
    while (committed < 40) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += value;
      committed = seen.split("\n").filter((l) => l.startsWith("committed")).length;
    }
    writer.kill("SIGKILL");
    const status = await writer.status;
    reader.releaseLock();
    await writer.stdout.cancel().catch(() => {});
    assert.equal(status.signal, "SIGKILL");
    assert.ok(committed >= 40, `writer committed only ${committed} records before exiting`);

    await using store = await openStore(path);
    const heads = await store.query(
      "SELECT key, rounds FROM knowledge ORDER BY CAST(split_part(key, ':', 2) AS INTEGER)",
    );
    // Every record acknowledged before the kill is there...
    assert.ok(heads.length >= committed, `${heads.length} records < ${committed} acknowledged`);
    // ...and every stored record is whole: the expected number of rounds, all present.
    const counts = await store.query(
      "SELECT key, count(*) AS n FROM knowledge_rounds GROUP BY key",
    );
    const roundsByKey = new Map(counts.map((r) => [r.key as string, Number(r.n)]));
    assert.equal(roundsByKey.size, heads.length, "rounds exist for a key with no head record");
    heads.forEach((h, i) => {
      assert.equal(h.key, `k:${i}`, "records are a prefix of the write order");
      assert.equal(h.rounds, 1 + (i % 4));
      assert.equal(roundsByKey.get(h.key as string), 1 + (i % 4), `rounds of ${h.key}`);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generations: concurrent puts and gets are batched; duplicates in a batch keep the first", async () => {
  await using store = await openStore(":memory:");
  const make = (i: number, text: string) => ({
    key: `key-${i}`,
    generator: "g",
    model: "m",
    params: { maxTokens: 8, temperature: 0 },
    messages: [{ role: "user" as const, content: `q${i}` }],
    text,
    usage: { prompt: i, completion: 2 * i },
    latencyMs: i / 2,
    finishReason: i % 2 ? "stop" : undefined,
    createdAt: new Date(1_700_000_000_000 + i),
  });
  await Promise.all([
    ...Array.from({ length: 50 }, (_, i) => store.putGeneration(make(i, `first ${i}`))),
    store.putGeneration(make(7, "second write of 7")),
  ]);
  assert.equal(await store.countGenerations(), 50);
  const got = await Promise.all(
    Array.from({ length: 52 }, (_, i) => store.getGeneration(`key-${i}`)),
  );
  assert.deepEqual(got.slice(0, 50), Array.from({ length: 50 }, (_, i) => make(i, `first ${i}`)));
  assert.deepEqual(got.slice(50), [undefined, undefined]);
});

Deno.test("knowledge: concurrent writes share a transaction; a bad record fails alone", async () => {
  await using store = await openStore(":memory:");
  const bad = sampleRecord("k:bad");
  bad.rounds = [bad.rounds[0], { ...bad.rounds[1], round: 0 }]; // duplicate (key, round)
  const outcomes = await Promise.allSettled([
    ...Array.from({ length: 20 }, (_, i) => store.putKnowledge(sampleRecord(`k:${i}`))),
    store.putKnowledge(bad),
    store.putKnowledge({ ...sampleRecord("k:3"), runId: "later write of k:3" }),
  ]);
  assert.deepEqual(outcomes.map((o) => o.status), [
    ...Array(20).fill("fulfilled"),
    "rejected",
    "fulfilled",
  ]);
  const stored = await store.listKnowledge();
  assert.equal(stored.length, 20);
  assert.equal(stored.find((r) => r.key === "k:3")?.runId, "later write of k:3");
  assert.deepEqual(stored.find((r) => r.key === "k:7"), sampleRecord("k:7"));
  assert.deepEqual(await store.query("SELECT count(*) AS n FROM knowledge_rounds"), [{ n: 40n }]);
});
