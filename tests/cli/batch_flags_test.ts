import assert from "node:assert/strict";
import { join } from "node:path";
import { openStore } from "../../adapters/store/duckdb_store.ts";
import { batchArgs } from "./batch_cli.ts";
import { runTask } from "./run_task.ts";

const LLM = "endpoint:http://127.0.0.1:9#fake-llm";

Deno.test("deno task knowledge --batch-in: a malformed line fails before any work, naming file and line", async () => {
  const dir = await Deno.makeTempDir();
  const results = join(dir, "out.jsonl");
  const good = JSON.stringify({ custom_id: "k", response: null, error: { message: "x" } });
  await Deno.writeTextFile(results, `${good}\n{"custom_id": "k2", "response": \n`);
  const store = join(dir, "store.duckdb");
  const bad = await runTask("knowledge", batchArgs(LLM, store, [`--batch-in=${results}`]));
  assert.equal(bad.code, 1);
  assert.equal(bad.lastLine.split(" (")[0], `error: --batch-in: ${results}:2: not JSON`);
  {
    await using opened = await openStore(store, { readOnly: true });
    assert.equal((await opened.listRuns()).length, 0, "no run started");
  }

  const noLlm = await runTask("knowledge", [
    ...batchArgs("profile", store, [`--batch-out=${join(dir, "b")}`]).filter((a) =>
      !a.startsWith("--reflector")
    ),
    "--reflector=grounded",
  ]);
  assert.equal(noLlm.code, 1);
  assert.match(noLlm.lastLine, /^error: --batch-\*: the actor and reflector call no LLM/);
  await Deno.remove(dir, { recursive: true });
});
