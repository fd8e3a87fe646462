import assert from "node:assert/strict";
import { join } from "node:path";
import { startBatchServer } from "../fixtures/fake_batch_server.ts";
import { batchArgs, killAt, storeContents } from "./batch_cli.ts";
import { runTask } from "./run_task.ts";

const LLM = "endpoint:http://127.0.0.1:9#fake-llm";

/** Kills a `--batch-api` run at the first stderr line matching `at`, then reruns it to the end. */
async function killAndResume(at: RegExp) {
  const dir = await Deno.makeTempDir();
  const store = join(dir, "store.duckdb");
  const server = startBatchServer({ pollsToFinish: 4 });
  const args = batchArgs(LLM, store, [`--batch-api=${server.url}`, "--batch-poll-ms=30"]);
  const { killed } = await killAt(args, at);
  const afterKill = await storeContents(store);
  const createsAtKill = server.creates;
  const rerun = await runTask("knowledge", args);
  const final = await storeContents(store);
  await server.close();
  await Deno.remove(dir, { recursive: true });
  return { killed, afterKill, createsAtKill, rerun, final, server };
}

/** Every request was submitted exactly once, and the store holds every answer once. */
function assertWhole(r: Awaited<ReturnType<typeof killAndResume>>): void {
  assert.equal(r.rerun.code, 0, r.rerun.stderr);
  const summary = JSON.parse(r.rerun.stdout);
  assert.equal(summary.batch.queued, 0);
  assert.equal(r.final.finals.length, 8, "every task has its knowledge");
  assert.equal(r.final.count, 4 * 8, "nothing lost");
  assert.equal(r.final.distinct, r.final.count, "nothing stored twice");
  assert.equal(r.server.creates, 4, "one batch per stage and round");
  assert.deepEqual(
    [...new Set(r.server.submissions.values())],
    [1],
    "no request submitted twice",
  );
  assert.ok(r.final.batches.every((b) => b.importedAt !== undefined));
}

Deno.test("deno task knowledge --batch-api: killed while polling, the rerun polls the recorded batch", async () => {
  const r = await killAndResume(/batch: polling batch_2/);
  // The kill left the second batch recorded, neither finished nor imported.
  const open = r.afterKill.batches.filter((b) => b.importedAt === undefined);
  assert.deepEqual(open.map((b) => [b.batchId, b.stage, b.round]), [["batch_2", "reflect", 1]]);
  assert.equal(r.createsAtKill, 2);
  assert.match(r.rerun.stderr, /batch: polling batch_2/);
  assert.doesNotMatch(r.rerun.stderr, /submitted batch_2/);
  assertWhole(r);
});

Deno.test("deno task knowledge --batch-api: killed while importing, the rerun imports again and stores nothing twice", async () => {
  const r = await killAndResume(/batch: importing .*reflect-r1/);
  const open = r.afterKill.batches.filter((b) => b.importedAt === undefined);
  assert.deepEqual(open.map((b) => [b.batchId, b.status]), [["batch_2", "completed"]]);
  assert.equal(r.createsAtKill, 2);
  const summary = JSON.parse(r.rerun.stdout);
  assert.equal(summary.batch.imported, r.final.count - r.afterKill.count, "each answer once");
  assertWhole(r);
});
