import assert from "node:assert/strict";
import { join } from "node:path";
import { openStore } from "../../adapters/store/duckdb_store.ts";
import { startOpenAIServer } from "../fixtures/openai_server.ts";
import { runTask } from "./run_task.ts";

Deno.test("knowledge with replicas: a closed and a dropping replica do not fail the run", async () => {
  const dir = await Deno.makeTempDir();
  await using healthy = startOpenAIServer({ fallback: { text: "Enjoys calm stories." } });
  await using dropping = startOpenAIServer({ fallback: { drop: true } });
  const closed = startOpenAIServer();
  await closed.close();
  const store = join(dir, "k.duckdb");
  try {
    const r = await runTask("knowledge", [
      "--dataset=synthetic",
      "--synthetic-users=20",
      "--synthetic-items=20",
      "--kinds=user",
      "--limit=6",
      "--rounds=0",
      `--actor=endpoint:${closed.url},${dropping.url},${healthy.url}#fake-7b`,
      `--store=${store}`,
      "--concurrency=2",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.written, 6);
    assert.equal(summary.failed, 0);
    assert.equal(healthy.requests.length, 6, "every request answered by the healthy replica");
    assert.ok(dropping.requests.length >= 1 && dropping.requests.length <= 2);
    await using s = await openStore(store, { readOnly: true });
    const rows = await s.query("SELECT DISTINCT generator FROM generations");
    assert.deepEqual(rows, [{ generator: "endpoint:replicas#fake-7b" }]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
