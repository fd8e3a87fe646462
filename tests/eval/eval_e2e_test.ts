import assert from "node:assert/strict";
import { join } from "node:path";
import { loadServingBundle } from "../../adapters/http/bundle.ts";
import { promptText, type RecordedRequest, startOpenAIServer } from "../fixtures/openai_server.ts";
import { r4Answer } from "../fixtures/r4_answers.ts";

/** The scripted LLM of tests/fixtures/r4_answers.ts, reading each request's prompt. */
const answer = (req: RecordedRequest) => ({ text: r4Answer(promptText(req)) });

Deno.test("eval end to end: LLM actor and reflector over the real HF client on 127.0.0.1", async () => {
  await using server = startOpenAIServer({ script: answer });
  const dir = await Deno.makeTempDir();
  const out = join(dir, "out");
  const llm = `endpoint:${server.url}#fake-llm`;
  const run = () =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "cli/eval.ts",
        "--dataset=synthetic",
        "--synthetic-users=60",
        "--synthetic-items=80",
        `--actor=${llm}`,
        `--reflector=${llm}`,
        "--seeds=1",
        "--epochs=1",
        `--store=${join(dir, "store.duckdb")}`,
        `--out=${out}`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
  const first = await run();
  const stdout = new TextDecoder().decode(first.stdout);
  assert.ok(first.success, new TextDecoder().decode(first.stderr).slice(-2000));
  assert.match(stdout.split("\n")[0], /^data: built-in synthetic dataset/);
  assert.match(stdout, /actor: LLM fake-llm at http:\/\/127\.0\.0\.1:\d+ .*\(LLM actor\)/);

  const report = JSON.parse(await Deno.readTextFile(join(out, "report.json")));
  const users = report.dataset.users, items = report.dataset.items;
  // One user task per user (its window before the first target), one per rated item.
  const userTasks = users;
  // Every task: reason, reflect (not reasonable), refine. Every call went over HTTP.
  const chats = server.requests.filter((r) => r.path === "/v1/chat/completions");
  assert.equal(chats.length, 3 * (userTasks + report.knowledge.item.records));
  assert.ok(chats.every((r) => r.body.model === "fake-llm"));
  assert.equal(report.knowledge.user.records, userTasks);
  assert.ok(report.knowledge.item.records > 0 && report.knowledge.item.records <= items);
  assert.deepEqual(report.knowledge.user.rounds, [{
    round: 1,
    judged: userTasks,
    reasonable: 0,
    reasonableRate: 0,
    unparsable: 0,
  }]);
  assert.ok(report.knowledge.user.tokens.prompt > 0);
  assert.deepEqual(report.results.map((r: { condition: string }) => r.condition), [
    "base",
    "statistics",
    "history",
    "reasoning",
    "r4",
  ]);
  for (const r of report.results) {
    assert.ok(r.auc.mean > 0.4 && r.auc.mean < 1, `${r.condition} AUC ${r.auc.mean}`);
    assert.equal(r.runs.length, 1);
  }
  assert.equal(report.baselines.length, 3);
  for (const f of ["report.md", "report.svg"]) {
    assert.ok((await Deno.stat(join(out, f))).size > 500);
  }
  assert.match(await Deno.readTextFile(join(out, "report.md")), /\| din \| R4 knowledge/);
  // The R4 model is kept as a serving bundle the HTTP router can load.
  const r4 = report.results.find((r: { condition: string }) => r.condition === "r4");
  const bundle = await loadServingBundle(r4.runs[0].modelDir);
  assert.equal(bundle.manifest.dataset, "synthetic");

  // A rerun reuses stored knowledge and trainings: no new LLM call.
  const again = await run();
  assert.ok(again.success);
  assert.equal(
    server.requests.filter((r) => r.path === "/v1/chat/completions").length,
    chats.length,
  );
  const rerun = JSON.parse(await Deno.readTextFile(join(out, "report.json")));
  assert.deepEqual(rerun.results, report.results);
});
