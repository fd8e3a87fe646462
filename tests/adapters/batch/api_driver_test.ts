import assert from "node:assert/strict";
import { join } from "node:path";
import { BatchApiClient } from "../../../adapters/batch/mod.ts";
import { openStore } from "../../../adapters/store/duckdb_store.ts";
import { startBatchServer } from "../../fixtures/fake_batch_server.ts";
import { batchStep, rigTasks } from "./batch_rig.ts";

Deno.test("batch API driver: a recorded batch the API does not know is ended, its requests sent again", async () => {
  const dir = await Deno.makeTempDir();
  await using server = startBatchServer({ pollsToFinish: 2 });
  await using store = await openStore(join(dir, "store.duckdb"));
  const api = new BatchApiClient({ url: server.url });
  await store.batches.record({
    batchId: "batch_gone",
    api: api.base,
    inputFileId: "file-gone",
    file: join(dir, "gone.jsonl"),
    model: "fake-llm",
    stage: "reason",
    round: 0,
    requests: 3,
    status: "in_progress",
    submittedAt: new Date(),
  });
  const tasks = await rigTasks(3);
  const { summary, report } = await batchStep({ store, tasks, rounds: 0, outDir: dir, api });
  assert.equal(summary.written, 3);
  assert.equal(report.queued, 0);
  const gone = (await store.batches.list()).find((b) => b.batchId === "batch_gone")!;
  assert.equal(gone.status, "failed");
  assert.ok(gone.importedAt !== undefined);
  assert.equal(server.creates, 1);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("batch API driver: requests that never get an answer stop the run instead of looping", async () => {
  const dir = await Deno.makeTempDir();
  const tasks = await rigTasks(4);
  // Every answer to the first task's prompt is an error line, however often it is sent.
  const doomed = new Set<string>();
  await using server = startBatchServer({
    pollsToFinish: 1,
    fault: (_id, _attempt, prompt) => {
      if (doomed.size === 0) doomed.add(prompt);
      return doomed.has(prompt) ? "error" : undefined;
    },
  });
  await using store = await openStore(join(dir, "store.duckdb"));
  const api = new BatchApiClient({ url: server.url });
  const { summary, report } = await batchStep({ store, tasks, rounds: 0, outDir: dir, api });
  assert.equal(summary.written, 3);
  assert.equal(summary.deferred, 1);
  assert.equal(report.queued, 1);
  assert.match(report.stopped ?? "", /brought no answer .* 1 request\(s\) queued/);
  assert.equal(server.creates, 2, "sent once more, then stopped");
  assert.equal(report.failed, 2);
  await Deno.remove(dir, { recursive: true });
});
