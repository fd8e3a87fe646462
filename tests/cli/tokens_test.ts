import assert from "node:assert/strict";
import { join } from "node:path";
import { promptText, type RecordedRequest, startOpenAIServer } from "../fixtures/openai_server.ts";
import { runTask } from "./run_task.ts";

/** Reflections cost 50 + 5 tokens and judge every draft unreasonable; drafts cost 100 + 10. */
function answer(req: RecordedRequest) {
  if (/Judgement/.test(promptText(req))) {
    return {
      text: "<Final Judgement>The user preference is not reasonable</Final Judgement>\n" +
        "<Reflection>It overlooks the low ratings.</Reflection>",
      usage: { prompt_tokens: 50, completion_tokens: 5 },
    };
  }
  return {
    text: "Enjoys calm character stories.",
    usage: { prompt_tokens: 100, completion_tokens: 10 },
  };
}

Deno.test("knowledge --price-in/--price-out: tokens per stage and round, and their cost", async () => {
  const dir = await Deno.makeTempDir();
  await using server = startOpenAIServer({ fallback: answer });
  const llm = `endpoint:${server.url}#fake-7b`;
  const args = [
    "--dataset=synthetic",
    "--synthetic-users=20",
    "--synthetic-items=20",
    "--kinds=user",
    "--limit=4",
    "--rounds=1",
    `--actor=${llm}`,
    `--reflector=${llm}`,
    `--store=${join(dir, "k.duckdb")}`,
  ];
  try {
    const alone = await runTask("knowledge", [...args, "--price-in=2"]);
    assert.equal(alone.code, 1);
    assert.match(alone.lastLine, /--price-in and --price-out go together/);
    assert.equal(server.requests.length, 0, "checked before any work");

    const r = await runTask("knowledge", [...args, "--price-in=2", "--price-out=10"]);
    assert.equal(r.code, 0, r.stderr);
    const { tokensByStage } = JSON.parse(r.stdout);
    assert.deepEqual(
      tokensByStage.stages,
      [
        { stage: "reason", round: 0, texts: 4, prompt: 400, completion: 40, unknown: 0 },
        { stage: "reflect", round: 1, texts: 4, prompt: 200, completion: 20, unknown: 0 },
        { stage: "refine", round: 1, texts: 4, prompt: 400, completion: 40, unknown: 0 },
      ],
    );
    assert.equal(server.requests.length, 12, "one call per text: no format retries");
    assert.equal(tokensByStage.cost, (1000 * 2 + 100 * 10) / 1e6);
    assert.match(
      r.stderr,
      /knowledge tokens: refine, round 1: 4 texts, 400 prompt \+ 40 completion tokens; ≈ 0\.001200$/m,
    );

    // A rerun writes nothing, so its own run used no tokens.
    const again = await runTask("knowledge", args);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout).tokensByStage.stages, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
