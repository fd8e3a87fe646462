import assert from "node:assert/strict";
import { join } from "node:path";
import { openStore } from "../../adapters/store/duckdb_store.ts";
import { promptText, type RecordedRequest, startOpenAIServer } from "../fixtures/openai_server.ts";
import { runTask } from "./run_task.ts";

/** A hash of a prompt, so every answer is a function of its prompt alone. */
const hashOf = (text: string) => [...text].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);

/** Judges by a coin of the prompt, and writes knowledge naming the prompt's hash. */
function answer(req: RecordedRequest): { text: string } {
  const prompt = promptText(req);
  const h = hashOf(prompt);
  if (/Judgement/.test(prompt)) {
    const subject = /movie knowledge/i.test(prompt) ? "The movie knowledge" : "The user preference";
    return h % 2 === 0 ? { text: `<Final Judgement>${subject} is reasonable</Final Judgement>` } : {
      text: `<Final Judgement>${subject} is not reasonable</Final Judgement>\n` +
        "<Reflection>It overlooks the low ratings.</Reflection>",
    };
  }
  return { text: `Enjoys the films of this window: ${h.toString(16)}.` };
}

function knowledgeArgs(url: string, store: string, extra: string[] = []): string[] {
  const llm = `endpoint:${url}#fake-7b`;
  return [
    "--dataset=synthetic",
    "--synthetic-users=20",
    "--synthetic-items=20",
    "--limit=16",
    "--rounds=1",
    `--actor=${llm}`,
    `--reflector=${llm}`,
    `--store=${store}`,
    "--concurrency=2",
    ...extra,
  ];
}

/** Key, kind and final text of every knowledge record of a store, by key. */
async function finals(path: string): Promise<Record<string, unknown>[]> {
  await using store = await openStore(path, { readOnly: true });
  return await store.query(
    "SELECT key, kind, final_text, rounds FROM knowledge ORDER BY key",
  );
}

Deno.test("knowledge --shard I/N + store merge: 4 shards merged equal one unsharded run", async () => {
  const dir = await Deno.makeTempDir();
  await using server = startOpenAIServer({ fallback: answer });
  try {
    const whole = await runTask("knowledge", knowledgeArgs(server.url, join(dir, "whole.duckdb")));
    assert.equal(whole.code, 0, whole.stderr);
    assert.equal(JSON.parse(whole.stdout).written, 16);
    const shards: string[] = [];
    const sizes: number[] = [];
    for (let i = 0; i < 4; i++) {
      shards.push(join(dir, `shard${i}.duckdb`));
      const r = await runTask(
        "knowledge",
        knowledgeArgs(server.url, shards[i], [`--shard=${i}/4`]),
      );
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout);
      assert.equal(summary.shard, `${i}/4`);
      sizes.push(summary.written);
    }
    assert.equal(sizes.reduce((a, b) => a + b), 16, `shard sizes ${sizes}`);
    assert.ok(sizes.filter((n) => n > 0).length >= 2, `shard sizes ${sizes}`);

    const into = join(dir, "merged.duckdb");
    const merged = await runTask("store", ["merge", ...shards, `--into=${into}`]);
    assert.equal(merged.code, 0, merged.stderr);
    const summary = JSON.parse(merged.stdout);
    assert.equal(summary.added.knowledge, 16);
    assert.equal(summary.added.runs, 4);
    assert.deepEqual([summary.shards, summary.missingShards], [["0/4", "1/4", "2/4", "3/4"], []]);
    const partial = await runTask("store", [
      "merge",
      shards[0],
      shards[2],
      `--into=${join(dir, "partial.duckdb")}`,
    ]);
    assert.equal(partial.code, 0, partial.stderr);
    assert.deepEqual(JSON.parse(partial.stdout).missingShards, ["1/4", "3/4"]);
    assert.match(
      partial.lastLine,
      /partial\.duckdb lacks shard\(s\) 1\/4, 3\/4 \(it holds 0\/4, 2\/4\)/,
    );
    const expected = await finals(join(dir, "whole.duckdb"));
    assert.equal(expected.length, 16);
    assert.deepEqual(await finals(into), expected);

    // Merging again, and merging the unsharded store too, stores nothing twice.
    const again = await runTask("store", [
      "merge",
      ...shards,
      join(dir, "whole.duckdb"),
      `--into=${into}`,
    ]);
    assert.equal(again.code, 0, again.stderr);
    const second = JSON.parse(again.stdout);
    assert.deepEqual(
      [second.added.knowledge, second.added.knowledge_rounds, second.added.generations],
      [0, 0, 0],
    );
    assert.deepEqual(second.shards, ["0/4", "1/4", "2/4", "3/4", "all"]);
    assert.deepEqual(await finals(into), expected);
    await using store = await openStore(into, { readOnly: true });
    const [{ n, keys }] = await store.query(
      "SELECT count(*) AS n, count(DISTINCT key) AS keys FROM knowledge",
    );
    assert.deepEqual([Number(n), Number(keys)], [16, 16]);
    const [{ g }] = await store.query("SELECT count(*) AS g FROM generations");
    await using wholeStore = await openStore(join(dir, "whole.duckdb"), { readOnly: true });
    const [{ w }] = await wholeStore.query("SELECT count(*) AS w FROM generations");
    assert.equal(Number(g), Number(w), "the same generations, each once");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("store merge: stores of other rounds or models are refused, naming both and the field", async () => {
  const dir = await Deno.makeTempDir();
  await using server = startOpenAIServer({ fallback: answer });
  try {
    const a = join(dir, "a.duckdb"), b = join(dir, "b.duckdb"), c = join(dir, "c.duckdb");
    const runs = [
      runTask("knowledge", knowledgeArgs(server.url, a, ["--shard=0/2", "--limit=4"])),
      runTask(
        "knowledge",
        knowledgeArgs(server.url, b, ["--shard=1/2", "--limit=4", "--rounds=2"]),
      ),
    ];
    for (const r of await Promise.all(runs)) assert.equal(r.code, 0, r.stderr);
    const rounds = await runTask("store", ["merge", a, b, `--into=${join(dir, "m.duckdb")}`]);
    assert.equal(rounds.code, 1);
    assert.equal(
      rounds.lastLine,
      `error: store merge: ${a} and ${b} were made with different rounds ("1" vs "2"); ` +
        "nothing was merged",
    );
    const other = await runTask(
      "knowledge",
      knowledgeArgs(server.url, c, ["--shard=1/2", "--limit=4"]).map((f) =>
        f.replace("#fake-7b", "#other-13b")
      ),
    );
    assert.equal(other.code, 0, other.stderr);
    const model = await runTask("store", ["merge", a, c, `--into=${join(dir, "m.duckdb")}`]);
    assert.equal(model.code, 1);
    assert.match(model.lastLine, /different actor \(".*#fake-7b.*" vs ".*#other-13b.*"\)/);
    assert.ok(model.lastLine.includes(`${a} and ${c}`), model.lastLine);
    // Nothing was written by the refused merges.
    assert.equal(await Deno.stat(join(dir, "m.duckdb")).catch(() => null), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
