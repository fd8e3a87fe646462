import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { openStore } from "../../adapters/store/duckdb_store.ts";
import { sharedModel } from "../helpers.ts";
import { runTask } from "./run_task.ts";

const stories = sharedModel("stories260K");
// `local:stories260K` is found by name under R4EC_MODELS_DIR.
const env = { R4EC_MODELS_DIR: stories ? dirname(stories) : "" };
const tiny = ["--dataset=synthetic", "--synthetic-users=20", "--synthetic-items=20"];

Deno.test({
  name: "eval with the local stories260K model: one R4 round end to end with a prompt budget",
  ignore: stories === undefined,
  async fn() {
    const dir = await Deno.makeTempDir();
    const store = join(dir, "store.duckdb");
    try {
      const r = await runTask("eval", [
        ...tiny,
        "--actor=local:stories260K",
        "--reflector=grounded",
        "--history-window=3",
        "--max-prompt-tokens=448",
        "--max-tokens=64",
        "--limit=4",
        "--seeds=1",
        "--epochs=1",
        `--store=${store}`,
        `--out=${join(dir, "out")}`,
      ], env);
      assert.equal(r.code, 0, r.stderr.slice(-3000));
      assert.match(
        r.stdout,
        /^actor: local transformers\.js model stories260K \(prompts cut to their last 448 tokens\) \(LLM actor\)$/m,
      );
      const report = JSON.parse(await Deno.readTextFile(join(dir, "out", "report.json")));
      assert.equal(report.knowledge.user.records, 4);
      assert.deepEqual(report.knowledge.user.rounds.map((x: { judged: number }) => x.judged), [4]);
      assert.equal(report.results.length, 5);
      // Every record: the model's draft, the grounded critique of it, the model's refinement.
      await using s = await openStore(store, { readOnly: true });
      const records = await s.listKnowledge({});
      assert.equal(records.length, 4);
      for (const record of records) {
        assert.match(
          record.first.author,
          /^transformers:local\/stories260K@[0-9a-f]{12}#maxPromptTokens=448$/,
        );
        assert.equal(record.rounds[0].critique?.author.startsWith("grounded"), true);
        const refined = record.rounds[1]?.draft;
        assert.ok(refined && refined.author === record.first.author, JSON.stringify(record.rounds));
        assert.ok(refined.usage.prompt <= 448 && refined.usage.completion > 0);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "knowledge with stories260K and no prompt budget: the context overflow is a permanent failure",
  ignore: stories === undefined,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const r = await runTask("knowledge", [
        ...tiny,
        "--actor=local:stories260K",
        "--rounds=0",
        "--limit=2",
        "--max-tokens=64",
        `--store=${join(dir, "store.duckdb")}`,
      ], env);
      assert.equal(r.code, 1);
      assert.match(
        r.lastLine,
        /^knowledge: 2 task\(s\) failed permanently \(a rerun fails the same way; change the settings\): .*prompt of \d+ tokens \+ maxTokens 64 exceeds the model's context of 512 tokens \(lower maxTokens \/ --max-tokens, or cap prompts with maxPromptTokens \/ --max-prompt-tokens\)$/,
      );
      assert.ok(!r.stderr.includes("rerun to retry"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
