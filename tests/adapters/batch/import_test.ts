import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { openStore } from "../../../adapters/store/duckdb_store.ts";
import { runBatchStandIn } from "../../fixtures/r4_answers.ts";
import { batchStep, fileKeys, rigTasks } from "./batch_rig.ts";

/** Answers a request file as `vllm run-batch` would, into `dir`; returns the result file. */
async function answerFile(request: string, dir: string): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const out = join(dir, basename(request));
  await Deno.writeTextFile(out, runBatchStandIn(await Deno.readTextFile(request)));
  return out;
}

Deno.test("batch import: failed lines are sent again, rejected answers asked again with the reminder: the next file holds exactly those tasks", async () => {
  const dir = await Deno.makeTempDir();
  await using store = await openStore(join(dir, "store.duckdb"));
  const tasks = await rigTasks(40);
  const first = await batchStep({ store, tasks, rounds: 1, outDir: join(dir, "b1") });
  assert.equal(first.summary.deferred, 40);
  assert.deepEqual(first.report.files.map((f) => basename(f).split("-").slice(0, 2).join("-")), [
    "reason-r0",
  ]);
  const [requests] = first.report.files;
  const prompts = new Map(
    (await Deno.readTextFile(requests)).trim().split("\n").map((l) => JSON.parse(l))
      .map((l) => [l.custom_id, l.body.messages[0].content]),
  );
  assert.equal(prompts.size, 40);

  // 5% error lines (2 of 40: one `error` object, one status 500) and 5% garbage answers (2 of 40).
  const answered = (await Deno.readTextFile(await answerFile(requests, join(dir, "o1"))))
    .trim().split("\n").map((l) => JSON.parse(l));
  const failed = new Map<string, number>(), garbage = new Map<string, number>();
  answered.forEach((line, i) => {
    if (i === 3) line.error = { code: "server_error", message: "injected" }, line.response = null;
    else if (i === 13) line.response.status_code = 500;
    else if (i === 23) line.response.body.choices[0].message.content = "";
    else if (i === 33) line.response.body.choices[0].message.content = "<think>no answer";
    else return;
    (i < 20 ? failed : garbage).set(line.custom_id, i + 1);
  });
  const results = join(dir, "o1", "faulty.jsonl");
  await Deno.writeTextFile(results, answered.map((l) => `${JSON.stringify(l)}\n`).join(""));

  const second = await batchStep({
    store,
    tasks,
    rounds: 1,
    outDir: join(dir, "b2"),
    inputs: [results],
  });
  assert.deepEqual(
    [second.report.imported, second.report.rejected, second.report.failed],
    [36, 2, 2],
  );
  assert.deepEqual(
    second.report.failures.map((f) => [f.key, f.at]).sort(),
    [...failed, ...garbage].map(([key, line]) => [key, `${results}:${line}`]).sort(),
  );
  assert.match(second.report.failures.find((f) => f.at.endsWith(":24"))!.error, /rejected .*empty/);
  const reasonFile = second.report.files.find((f) => basename(f).startsWith("reason-r0"))!;
  const reflectFile = second.report.files.find((f) => basename(f).startsWith("reflect-r1"))!;
  const next = (await Deno.readTextFile(reasonFile)).trim().split("\n").map((l) => JSON.parse(l));
  // The failed requests again, as they were; the rejected ones' tasks with the format reminder.
  assert.deepEqual(
    next.filter((l) => failed.has(l.custom_id)).map((l) => l.custom_id).sort(),
    [...failed.keys()].sort(),
  );
  const retried = next.filter((l) => !failed.has(l.custom_id));
  assert.equal(retried.length, 2);
  for (const key of garbage.keys()) {
    const prompt = prompts.get(key)!;
    assert.equal(retried.filter((l) => l.body.messages[0].content.startsWith(prompt)).length, 1);
  }
  assert.ok(retried.every((l) => !prompts.has(l.custom_id)));
  assert.equal((await fileKeys(reflectFile)).length, 36);
  assert.equal(second.report.queued, 40);
  const stored = await store.query(
    "SELECT count(*) AS n, count(DISTINCT key) AS k FROM generations",
  );
  assert.deepEqual([Number(stored[0].n), Number(stored[0].k)], [38, 38]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("batch import: the same file twice stores nothing twice, and lines of no request are reported", async () => {
  const dir = await Deno.makeTempDir();
  await using store = await openStore(join(dir, "store.duckdb"));
  const tasks = await rigTasks(6);
  const first = await batchStep({ store, tasks, rounds: 0, outDir: join(dir, "b1") });
  const results = await answerFile(first.report.files[0], join(dir, "o1"));
  const stranger = join(dir, "o1", "stranger.jsonl");
  const line = JSON.parse((await Deno.readTextFile(results)).split("\n")[0]);
  await Deno.writeTextFile(stranger, JSON.stringify({ ...line, custom_id: "f".repeat(64) }) + "\n");

  const once = await batchStep({ store, tasks, rounds: 0, inputs: [results, stranger] });
  assert.deepEqual([once.report.imported, once.report.duplicates, once.report.unknown], [6, 0, 1]);
  assert.deepEqual(once.report.unknownLines, [{ at: `${stranger}:1`, key: "f".repeat(64) }]);
  assert.equal(once.summary.written, 6);
  const twice = await batchStep({ store, tasks, rounds: 0, inputs: [results, results] });
  assert.deepEqual([twice.report.imported, twice.report.duplicates, twice.report.failed], [
    0,
    12,
    0,
  ]);
  assert.equal(twice.report.queued, 0);
  assert.equal(await store.countGenerations(), 6);
  assert.equal((await store.listKnowledge()).length, 6);
  await Deno.remove(dir, { recursive: true });
});
