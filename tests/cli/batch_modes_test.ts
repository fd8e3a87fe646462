import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { generationKey } from "../../adapters/store/generation_key.ts";
import {
  garbageAnswer,
  type RequestFault,
  startBatchServer,
} from "../fixtures/fake_batch_server.ts";
import { promptText, startOpenAIServer } from "../fixtures/openai_server.ts";
import { r4Answer, runBatchStandIn } from "../fixtures/r4_answers.ts";
import { batchArgs, storeContents } from "./batch_cli.ts";
import { runTask } from "./run_task.ts";

Deno.test("deno task knowledge: online, batch files and a Batch API store the same answers and knowledge", async () => {
  const dir = await Deno.makeTempDir();
  await using online = startOpenAIServer({
    script: (req) => ({ text: r4Answer(promptText(req)) }),
  });
  // One spec in all three modes: it is part of every key; batch modes never call it.
  const llm = `endpoint:${online.url}#fake-llm`;

  const direct = await runTask("knowledge", batchArgs(llm, join(dir, "online.duckdb")));
  assert.equal(direct.code, 0, direct.stderr);
  const calls = online.requests.length;
  const expected = await storeContents(join(dir, "online.duckdb"));
  assert.equal(expected.finals.length, 8);
  assert.ok(expected.finals.every((f) => f.includes("Also avoids")), "every task was refined");

  // Batch files, stage by stage: write, answer as `vllm run-batch` would, read and write the next.
  const files = join(dir, "files.duckdb");
  const stages: string[][] = [];
  let results: string[] = [];
  for (let step = 0; step < 8; step++) {
    const out = join(dir, `requests-${step}`);
    const r = await runTask(
      "knowledge",
      batchArgs(llm, files, [
        `--batch-out=${out}`,
        ...results.map((f) => `--batch-in=${f}`),
      ]),
    );
    assert.equal(r.code, 0, r.stderr);
    const { batch } = JSON.parse(r.stdout);
    assert.deepEqual([batch.failed, batch.unknown, batch.duplicates], [0, 0, 0]);
    if (batch.files.length === 0) break;
    stages.push(batch.files.map((f: string) => basename(f).split("-").slice(0, 2).join("-")));
    results = [];
    for (const request of batch.files) {
      const answered = join(dir, `results-${step}`, basename(request));
      await Deno.mkdir(join(dir, `results-${step}`), { recursive: true });
      await Deno.writeTextFile(answered, runBatchStandIn(await Deno.readTextFile(request)));
      results.push(answered);
    }
  }
  assert.deepEqual(stages, [["reason-r0"], ["reflect-r1"], ["refine-r1"], ["reflect-r2"]]);

  // The Batch API: one run, every stage of every round.
  await using api = startBatchServer({ pollsToFinish: 2 });
  const viaApi = join(dir, "api.duckdb");
  const r = await runTask(
    "knowledge",
    batchArgs(llm, viaApi, [
      `--batch-api=${api.url}`,
      "--batch-poll-ms=20",
      `--batch-out=${join(dir, "api-files")}`,
    ]),
  );
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.batch.queued, 0);
  assert.equal(summary.batch.batches.length, 4);
  assert.equal(api.creates, 4);
  assert.ok([...api.submissions.values()].every((n) => n === 1));
  assert.equal(online.requests.length, calls, "batch modes never call the endpoint");

  for (const got of [await storeContents(files), await storeContents(viaApi)]) {
    assert.deepEqual(got.generations, expected.generations);
    assert.equal(got.count, got.distinct);
    assert.deepEqual(got.finals, expected.finals);
  }
  assert.equal(expected.count, 4 * 8);
  await Deno.remove(dir, { recursive: true });
});

/**
 * One request in three goes wrong on its first answer, each kind of failure in turn; chosen by the
 * prompt (the keys name the server's random port), so every run meets the same faults.
 */
function faultOf(_key: string, attempt: number, prompt: string): RequestFault | undefined {
  const hash = [...prompt].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619), 2166136261);
  const kinds = ["error", "status", "garbage"] as const;
  return attempt === 0 && (hash >>> 0) % 3 === 0 ? kinds[(hash >>> 8) % 3] : undefined;
}

Deno.test("deno task knowledge --batch-api: failed lines, garbage and an expired batch end as an online run with the same faults", async () => {
  const dir = await Deno.makeTempDir();
  // Online, the same faults: errors are retried, garbage is stored and asked again.
  const seen = new Map<string, number>();
  await using online = startOpenAIServer({
    script: (req) => {
      const messages = req.body.messages;
      const params = { maxTokens: req.body.max_tokens, temperature: req.body.temperature };
      const key = generationKey(llm, { messages, params });
      const attempt = seen.get(key) ?? 0;
      seen.set(key, attempt + 1);
      const fault = faultOf(key, attempt, promptText(req));
      if (fault === "garbage") return { text: garbageAnswer(key) };
      return fault ? { status: 500 } : { text: r4Answer(promptText(req)) };
    },
  });
  const llm = `endpoint:${online.url}#fake-llm`;
  const direct = await runTask("knowledge", batchArgs(llm, join(dir, "online.duckdb")));
  assert.equal(direct.code, 0, direct.stderr);

  await using api = startBatchServer({
    pollsToFinish: 2,
    fault: faultOf,
    expire: (index) => index === 1 ? 0.5 : undefined,
    requireToken: "batch-token",
  });
  const store = join(dir, "store.duckdb");
  const r = await runTask(
    "knowledge",
    batchArgs(llm, store, [`--batch-api=${api.url}`, "--batch-poll-ms=20"]),
    { HF_TOKEN: "batch-token" },
  );
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.batch.queued, 0);
  assert.equal(summary.written, JSON.parse(direct.stdout).written, "each task written counts once");
  assert.ok(summary.batch.rejected > 0 && summary.batch.failed > 0, JSON.stringify(summary.batch));
  assert.equal(summary.batch.failed + summary.batch.rejected, api.faultsServed);
  assert.ok(summary.batch.batches.some((b: { status: string }) => b.status === "expired"));
  assert.match(r.stderr, /ended expired/);
  assert.ok([...api.submissions.values()].some((n) => n > 1), "failures were submitted again");
  const got = await storeContents(store),
    expected = await storeContents(join(dir, "online.duckdb"));
  assert.deepEqual(got.generations, expected.generations);
  assert.deepEqual(got.finals, expected.finals);
  assert.equal(got.count, got.distinct);
  assert.ok(got.batches.every((b) => b.importedAt !== undefined));
  await Deno.remove(dir, { recursive: true });
});
