import assert from "node:assert/strict";
import { join } from "node:path";
import { promptText, type RecordedRequest, startOpenAIServer } from "../fixtures/openai_server.ts";
import { roleOfPrompt } from "../plugins/scripted_generator.ts";
import { runTask } from "./run_task.ts";

/**
 * A scripted teacher: it always predicts "like" first; its judge finds a draft reasonable by the
 * prompt's length (a fixed coin); its refinement predicts "dislike". So every outcome of the
 * keep/discard table can occur, decided by the labels.
 */
function teacher(req: RecordedRequest): { text: string } {
  const prompt = promptText(req);
  const item = prompt.includes("<Like User History>");
  const who = item ? "target user" : "user";
  const role = roleOfPrompt(prompt);
  if (role === "reflect") {
    const subject = item ? "The movie knowledge" : "The user preference";
    return prompt.length % 3 !== 0
      ? { text: `<Final Judgement>${subject} is reasonable</Final Judgement>` }
      : {
        text: `<Final Judgement>${subject} is not reasonable</Final Judgement>\n` +
          "<Reflection>It overlooks the low ratings in the history.</Reflection>",
      };
  }
  const refined = role === "refine";
  const tag = `${refined ? "Refined " : ""}${item ? "Movie Knowledge" : "User Preference"}`;
  const knowledge = item
    ? "1. A quiet drama. 2. Liked by patient viewers. 3. Disliked by action fans."
    : `Enjoys calm character stories${refined ? " and avoids loud spectacle" : ""}.`;
  return {
    text: `<${tag}>${knowledge}</${tag}>\n<Final Verdict>${who} will ${
      refined ? "not " : ""
    }like the target movie</Final Verdict>`,
  };
}

Deno.test("deno task construct: SFT sets from a teacher over HTTP, counts that add up, a rerun repeats no call", async () => {
  await using server = startOpenAIServer({ fallback: teacher });
  const dir = await Deno.makeTempDir();
  const out = join(dir, "sft");
  const args = [
    "--dataset=synthetic",
    "--synthetic-users=20",
    "--synthetic-items=20",
    "--limit=4",
    `--teacher=endpoint:${server.url}#teacher-7b`,
    `--out=${out}`,
    "--formats=alpaca,chat",
    `--store=${join(dir, "store.duckdb")}`,
  ];
  try {
    const first = await runTask("construct", args);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stderr.split("\n")[0],
      /^construct: 8 samples of synthetic; teacher LLM teacher-7b at http:\/\/127\.0\.0\.1:\d+ \(OpenAI-compatible endpoint\)/,
    );
    const summary = JSON.parse(first.stdout);
    assert.equal(summary.teacher.id, `llm-actor:endpoint:${server.url}#teacher-7b`);
    assert.equal(summary.total, 8);
    const outcomes: Record<string, number> = summary.outcomes;
    assert.equal(Object.values(outcomes).reduce((a, b) => a + b, 0), 8);
    const kept = (outcomes.kept_reasonable ?? 0) + (outcomes.kept_repaired ?? 0);
    assert.equal(summary.kept, kept);
    assert.ok(kept > 0, JSON.stringify(outcomes));
    // One file per kind, role and format; each line one record; counts as the table decides.
    assert.equal(summary.files.length, 2 * 3 * 2);
    const lines = async (kind: string, role: string, format: string) =>
      (await Deno.readTextFile(join(out, `synthetic.${kind}.${role}.${format}.jsonl`)))
        .split("\n").filter(Boolean).map((l) => JSON.parse(l));
    let reason = 0, refine = 0, reflect = 0;
    for (const kind of ["user", "item"]) {
      reason += (await lines(kind, "reason", "alpaca")).length;
      refine += (await lines(kind, "refine", "chat")).length;
      reflect += (await lines(kind, "reflect", "chat")).length;
    }
    assert.equal(reason, outcomes.kept_reasonable ?? 0);
    assert.equal(refine, outcomes.kept_repaired ?? 0);
    assert.equal(reflect, kept);
    // SFT inputs are inference prompts: no target, no verdict asked; outputs carry no tags.
    for (const kind of ["user", "item"]) {
      for (const r of await lines(kind, "reason", "alpaca")) {
        assert.equal(r.teacher, summary.teacher.id);
        // (The item kind's own title sits in <Target Movie Name>; the target user is gone.)
        const target = kind === "user" ? /Target Movie Name/ : /Target User History/;
        assert.ok(!target.test(r.instruction) && !/Final Verdict/.test(r.instruction));
        assert.ok(!r.output.includes("<"), r.output);
      }
    }

    const calls = server.requests.length;
    const again = await runTask("construct", args);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(server.requests.length, calls, "every teacher call came from the store");
    assert.deepEqual(JSON.parse(again.stdout).outcomes, outcomes);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
