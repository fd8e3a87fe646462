import assert from "node:assert/strict";
import { openStore } from "../../../adapters/store/mod.ts";
import { fitHashingEmbedder } from "../../../adapters/embed/hashing.ts";
import { textHash } from "../../../adapters/embed/text_hash.ts";
import { KILL_TEST_TEXTS } from "./kill_embed_texts.ts";

const CHILD = new URL("./kill_embed_run.ts", import.meta.url).pathname;

function run(args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CHILD, ...args],
    cwd: new URL("../../../", import.meta.url).pathname, // the project root, for deno.json
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

Deno.test("cachedEmbedder + DuckDB store: SIGKILL mid-run, rerun; each text embedded exactly once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const storePath = `${dir}/vectors.duckdb`;
    const logPath = `${dir}/embed.log`;
    await Deno.writeTextFile(logPath, "");
    const readLog = async () => (await Deno.readTextFile(logPath)).split("\n").filter(Boolean);

    // First run: blocks when batch 3 starts (batches 0-2 done and written), then is killed.
    const first = run([storePath, logPath, "3"]);
    const deadline = Date.now() + 60_000;
    while (!(await readLog()).includes("start 3")) {
      if (Date.now() > deadline) {
        throw new Error(`first run never reached batch 3: ${await readLog()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    first.kill("SIGKILL");
    const killed = await first.output();
    assert.equal(killed.signal, "SIGKILL");
    const firstLines = await readLog();
    const embeddedFirst = firstLines.filter((l) => l.startsWith("embedded ")).length;
    assert.equal(embeddedFirst, 15);
    assert.ok(!firstLines.some((l) => l.startsWith("finished")));

    // Second run: picks up from the store and finishes.
    const second = await run([storePath, logPath]).output();
    assert.equal(second.code, 0, new TextDecoder().decode(second.stderr));
    const lines = await readLog();
    assert.equal(lines.at(-1), `finished ${KILL_TEST_TEXTS.length}`);
    const embedded = lines.filter((l) => l.startsWith("embedded ")).map((l) => l.slice(9));
    assert.deepEqual([...embedded].sort(), [...KILL_TEST_TEXTS].sort()); // each exactly once
    // The rerun started with the first unfinished batch: 37 - 15 texts in 5 batches.
    assert.equal(lines.filter((l) => l.startsWith("start ")).length, 4 + 5);

    // What the store holds is exactly the embedder's output for every text.
    const expected = fitHashingEmbedder(KILL_TEST_TEXTS, { dim: 32 });
    await using store = await openStore(storePath);
    const stored = await store.getVectors(expected.id, KILL_TEST_TEXTS.map(textHash));
    assert.equal(stored.size, KILL_TEST_TEXTS.length);
    const want = await expected.embed(KILL_TEST_TEXTS);
    KILL_TEST_TEXTS.forEach((text, i) => assert.deepEqual(stored.get(textHash(text)), want[i]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
