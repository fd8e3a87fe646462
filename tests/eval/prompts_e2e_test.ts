import assert from "node:assert/strict";
import { join } from "node:path";
import { promptText, type RecordedRequest, startOpenAIServer } from "../fixtures/openai_server.ts";

const CUSTOM = new URL("../fixtures/prompts_custom.txt", import.meta.url).pathname;

/** `['Title', 5]` pairs of the history block named `tag` in a prompt. */
function pairs(prompt: string, tag: string): { title: string; rating: number }[] {
  const block = prompt.match(new RegExp(`<${tag}>\\n([\\s\\S]*?)\\n</${tag}>`))?.[1] ?? "";
  return [...block.matchAll(/\['(.*?)', (\d+)\]/g)].map((m) => ({
    title: m[1],
    rating: Number(m[2]),
  }));
}

/** A scripted LLM that answers either wording: the kind is read from the prompt's content. */
function answer(req: RecordedRequest): { text: string } {
  const prompt = promptText(req);
  const user = prompt.includes("<User History>");
  const history = user
    ? pairs(prompt, "User History")
    : [...pairs(prompt, "Like User History"), ...pairs(prompt, "Dislike User History")];
  const liked = history.filter((p) => p.rating > 3).map((p) => p.title);
  const disliked = history.filter((p) => p.rating <= 3).map((p) => p.title);
  if (prompt.includes("<Final Judgement>")) {
    const subject = user ? "The user preference" : "The movie knowledge";
    return {
      text: `<Final Judgement>${subject} is not reasonable</Final Judgement>\n` +
        `<Reflection>It ignores the disliked movies.</Reflection>`,
    };
  }
  if (prompt.includes("<Reflection>")) {
    return { text: `Enjoys ${liked.join(", ")}. Also avoids ${disliked.join(", ")}.` };
  }
  return { text: `Enjoys ${liked.join(", ")} and similar films.` };
}

async function evalCli(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli/eval.ts", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    ...out,
    stdoutText: new TextDecoder().decode(out.stdout),
    stderrText: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("eval with --prompts: a file of the 12 kinds in other words drives the LLM end to end", async () => {
  await using server = startOpenAIServer({ script: answer });
  const dir = await Deno.makeTempDir();
  const llm = `endpoint:${server.url}#fake-llm`;
  const base = [
    "--dataset=synthetic",
    "--synthetic-users=40",
    "--synthetic-items=60",
    `--actor=${llm}`,
    `--reflector=${llm}`,
    "--conditions=r4",
    "--seeds=1",
    "--epochs=1",
    `--store=${join(dir, "store.duckdb")}`,
  ];
  const custom = await evalCli([...base, `--prompts=${CUSTOM}`, `--out=${join(dir, "custom")}`]);
  assert.ok(custom.success, custom.stderrText.slice(-2000));
  assert.match(
    custom.stdoutText,
    new RegExp(
      `actor: LLM fake-llm at .*\\(LLM actor\\) with prompt templates from ${CUSTOM} \\(12 of 12 kinds\\)`,
    ),
  );
  const chats = () => server.requests.filter((r) => r.path === "/v1/chat/completions");
  const first = chats().map(promptText);
  // Every call was rendered from the file: reason, reflect and refine of both knowledge kinds.
  const kinds = new Set(first.map((p) => p.match(/^\[custom ([a-z.]+)\]/)?.[1]));
  assert.deepEqual([...kinds].sort(), [
    "item.reason.inference",
    "item.refine.inference",
    "item.reflect.inference",
    "user.reason.inference",
    "user.refine.inference",
    "user.reflect.inference",
  ]);
  assert.ok(first.every((p) => !p.includes("You are an expert recommender engine")));
  assert.ok(first.every((p) => !p.includes("You are an impartial judge")));
  const report = JSON.parse(await Deno.readTextFile(join(dir, "custom", "report.json")));
  assert.equal(report.knowledge.user.records, report.dataset.users);
  assert.equal(report.knowledge.user.rounds[0].unparsable, 0);
  assert.equal(chats().length, 3 * (report.knowledge.user.records + report.knowledge.item.records));

  // The same store without --prompts: knowledge from other prompts is not reused.
  const builtIn = await evalCli([...base, `--out=${join(dir, "builtin")}`]);
  assert.ok(builtIn.success, builtIn.stderrText.slice(-2000));
  const second = chats().slice(first.length).map(promptText);
  assert.equal(second.length, first.length);
  assert.ok(second.every((p) => !p.startsWith("[custom ")));
  assert.ok(second.some((p) => p.startsWith("You are an expert recommender engine.")));
});

Deno.test("eval with --prompts: a template missing a placeholder fails with file and line, before any work", async () => {
  await using server = startOpenAIServer({ script: answer });
  const dir = await Deno.makeTempDir();
  const broken = join(dir, "prompts.txt");
  const lines = (await Deno.readTextFile(CUSTOM)).split("\n");
  const header = lines.indexOf("=== item.refine.inference ===") + 1;
  await Deno.writeTextFile(
    broken,
    lines.map((l, i) => i + 1 > header && l === "{reflection}" ? "(see above)" : l).join("\n"),
  );
  const llm = `endpoint:${server.url}#fake-llm`;
  const out = join(dir, "out");
  const r = await evalCli([
    "--dataset=synthetic",
    `--actor=${llm}`,
    `--reflector=${llm}`,
    `--prompts=${broken}`,
    `--store=${join(dir, "store.duckdb")}`,
    `--out=${out}`,
  ]);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderrText.trim().split("\n").at(-1),
    `error: --prompts: ${broken}:${header}: item.refine.inference: missing placeholder ` +
      `{reflection} (required: {item_title}, {liker_history}, {disliker_history}, {knowledge}, ` +
      `{reflection})`,
  );
  assert.equal(server.requests.length, 0);
  await assert.rejects(Deno.stat(out));
  const none = await evalCli(["--dataset=synthetic", `--prompts=${CUSTOM}`, `--out=${out}`]);
  assert.match(none.stderrText, /error: --prompts: no LLM actor or reflector would read it/);
  const missing = await evalCli([
    "--dataset=synthetic",
    `--actor=${llm}`,
    "--prompts=/nonexistent.txt",
  ]);
  assert.match(missing.stderrText, /error: --prompts \/nonexistent\.txt: no such file/);
});
