import assert from "node:assert/strict";
import { join } from "node:path";
import { promptText, type RecordedRequest, startOpenAIServer } from "../fixtures/openai_server.ts";
import { runTask } from "./run_task.ts";

const CUSTOM = new URL("../fixtures/prompts_custom.txt", import.meta.url).pathname;

/** The kind a prompt of the custom file was rendered from (`user.reason.inference`, ...). */
const kindOf = (prompt: string) => prompt.match(/^\[custom ([a-z.]+)\]/)?.[1];

/** A teacher for the custom wording: likes first, judges by a coin, refines to a dislike. */
function answer(req: RecordedRequest): { text: string } {
  const prompt = promptText(req);
  const [kind, role, mode] = (kindOf(prompt) ?? "").split(".");
  if (!kind) return { text: "not a custom prompt" };
  if (role === "reflect") {
    const subject = kind === "item" ? "The movie knowledge" : "The user preference";
    return prompt.length % 2 === 0
      ? { text: `<Final Judgement>${subject} is reasonable</Final Judgement>` }
      : {
        text: `<Final Judgement>${subject} is not reasonable</Final Judgement>\n` +
          "<Reflection>It overlooks the low ratings.</Reflection>",
      };
  }
  const knowledge = kind === "item"
    ? "1. A quiet drama. 2. Liked by patient viewers. 3. Disliked by action fans."
    : `Enjoys calm character stories${role === "refine" ? " and avoids spectacle" : ""}.`;
  if (mode === "inference") return { text: knowledge };
  const tag = `${role === "refine" ? "Refined " : ""}${
    kind === "item" ? "Movie Knowledge" : "User Preference"
  }`;
  const who = kind === "item" ? "target user" : "user";
  return {
    text: `<${tag}>${knowledge}</${tag}>\n<Final Verdict>${who} will ${
      role === "refine" ? "not " : ""
    }like the target movie</Final Verdict>`,
  };
}

Deno.test("deno task knowledge --prompts: every LLM call uses the file's templates", async () => {
  await using server = startOpenAIServer({ script: answer });
  const dir = await Deno.makeTempDir();
  const llm = `endpoint:${server.url}#fake-llm`;
  const r = await runTask("knowledge", [
    "--dataset=synthetic",
    "--synthetic-users=20",
    "--synthetic-items=20",
    "--limit=6",
    `--actor=${llm}`,
    `--reflector=${llm}`,
    `--prompts=${CUSTOM}`,
    `--store=${join(dir, "store.duckdb")}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.failed, 0);
  assert.match(summary.actor.description, /with prompt templates from .*prompts_custom\.txt/);
  assert.match(summary.actor.id, /\+prompts:[0-9a-f]{16}$/);
  const prompts = server.requests.map(promptText);
  assert.ok(prompts.length >= 12);
  assert.ok(prompts.every((p) => kindOf(p)?.endsWith(".inference")), prompts[0].slice(0, 200));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("deno task construct --prompts: the teacher's construction prompts and the SFT instructions come from the file", async () => {
  await using server = startOpenAIServer({ script: answer });
  const dir = await Deno.makeTempDir();
  const out = join(dir, "sft");
  const r = await runTask("construct", [
    "--dataset=synthetic",
    "--synthetic-users=20",
    "--synthetic-items=20",
    "--limit=6",
    `--teacher=endpoint:${server.url}#teacher`,
    `--prompts=${CUSTOM}`,
    `--out=${out}`,
    "--formats=alpaca",
    `--store=${join(dir, "store.duckdb")}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.ok(summary.kept > 0, JSON.stringify(summary.outcomes));
  const seen = new Set(server.requests.map((q) => kindOf(promptText(q))));
  for (const kind of ["user", "item"]) {
    for (const role of ["reason", "reflect"]) assert.ok(seen.has(`${kind}.${role}.construction`));
  }
  assert.ok([...seen].every((k) => k?.endsWith(".construction")), [...seen].join(", "));
  let samples = 0;
  for (const file of summary.files as { path: string; kind: string; role: string }[]) {
    const lines = (await Deno.readTextFile(file.path)).split("\n").filter(Boolean);
    for (const line of lines) {
      assert.equal(kindOf(JSON.parse(line).instruction), `${file.kind}.${file.role}.inference`);
      samples++;
    }
  }
  assert.ok(samples > 0);
  await Deno.remove(dir, { recursive: true });
});
