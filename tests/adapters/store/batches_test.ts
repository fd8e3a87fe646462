import assert from "node:assert/strict";
import { join } from "node:path";
import { openStore } from "../../../adapters/store/duckdb_store.ts";
import type { BatchRecord } from "../../../adapters/store/mod.ts";

const batch = (id: string, api = "http://127.0.0.1:1/v1"): BatchRecord => ({
  batchId: id,
  api,
  inputFileId: `file-${id}`,
  file: `/tmp/${id}.jsonl`,
  model: "qwen",
  stage: "reflect",
  round: 2,
  requests: 12,
  status: "validating",
  submittedAt: new Date(1_700_000_000_000 + Number(id.slice(-1)) * 1000),
});

Deno.test("batches table: created on first record, updated in place, kept across a reopen", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "store.duckdb");
  {
    await using store = await openStore(path);
    assert.deepEqual(await store.batches.list(), []);
    const tables = await store.query("SELECT table_name FROM duckdb_tables() ORDER BY 1");
    assert.ok(
      !tables.some((t) => t.table_name === "batches"),
      "no table until a batch is recorded",
    );
    await Promise.all([store.batches.record(batch("b1")), store.batches.record(batch("b2"))]);
    await store.batches.record({ ...batch("b1"), status: "in_progress" });
    await store.batches.record(batch("b3", "http://elsewhere/v1"));
  }
  await using store = await openStore(path);
  const all = await store.batches.list();
  assert.deepEqual(all.map((b) => [b.batchId, b.status]), [
    ["b1", "in_progress"],
    ["b2", "validating"],
    ["b3", "validating"],
  ]);
  assert.deepEqual(all[0], { ...batch("b1"), status: "in_progress", importedAt: undefined });
  const importedAt = new Date(1_700_000_100_000);
  await store.batches.record({ ...batch("b2"), status: "completed", importedAt });
  const open = await store.batches.unimported("http://127.0.0.1:1/v1");
  assert.deepEqual(open.map((b) => b.batchId), ["b1"]);
  assert.equal((await store.batches.list())[1].importedAt?.getTime(), importedAt.getTime());
  await Deno.remove(dir, { recursive: true });
});
