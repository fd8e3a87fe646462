import assert from "node:assert/strict";
import { join } from "node:path";
import { openStore } from "../../adapters/store/duckdb_store.ts";
import { runTask } from "./run_task.ts";

Deno.test("CLIs: a bad spec, path or flag fails in one line naming the flag, before any work", async () => {
  const dir = await Deno.makeTempDir();
  const store = join(dir, "store.duckdb");
  const cases: [string, string[], RegExp][] = [
    [
      "eval",
      ["--encoder", "transformers:/nonexistent"],
      /^error: --encoder transformers:\/nonexistent: no model folder at \/nonexistent$/,
    ],
    [
      "eval",
      ["--actor", "local:/nonexistent"],
      /^error: --actor local:\/nonexistent: no model folder at \/nonexistent$/,
    ],
    [
      "eval",
      ["--reflector", `hybrid:local:${dir}`],
      new RegExp(
        `^error: --reflector hybrid:local:${dir}: model folder ${dir} has no config\\.json$`,
      ),
    ],
    [
      "eval",
      ["--actor", "endpoint:nowhere#m"],
      /^error: --actor endpoint:nowhere#m: "nowhere" is not a URL/,
    ],
    ["eval", ["--max-prompt-tokens", "400"], /^error: --max-prompt-tokens: needs a local: model/],
    [
      "eval",
      ["--out", "/proc/r4ec-out"],
      /^error: --out \/proc\/r4ec-out: cannot create the folder/,
    ],
    ["knowledge", ["--dataset", "ml-1m"], /^error: --data: required for --dataset ml-1m/],
    ["prep", ["--dataset", "ml-100k"], /^error: --data: required for --dataset ml-100k/],
    [
      "construct",
      ["--dataset", "synthetic", "--teacher", "profile", "--out", dir],
      /^error: --teacher profile: the teacher writes verdicts on targets, so it is an LLM spec$/,
    ],
    [
      "construct",
      ["--dataset", "synthetic", "--teacher", "gpt:4", "--out", dir],
      /^error: --teacher gpt:4: unknown kind; expected hf:MODEL/,
    ],
    [
      "construct",
      ["--dataset", "synthetic", "--teacher", "hf:m"],
      /^error: bad flags: --out: required/,
    ],
  ];
  try {
    for (const [task, args, pattern] of cases) {
      const r = await runTask(task, task === "prep" ? args : [...args, "--store", store]);
      const what = `${task} ${args.join(" ")}`;
      assert.equal(r.code === 0, false, what);
      assert.match(r.lastLine, pattern, what);
      assert.equal(r.stderr.split("\n").length, 1, `${what}: one line, nothing before it`);
      // The data were not even looked for (eval's first stdout line says which data run).
      assert.equal(r.stdout, "", what);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("knowledge CLI: a store locked by another process fails before the data are prepared", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "busy.duckdb");
  try {
    // This process holds the store's write lock, as a running job would.
    await using held = await openStore(path);
    const r = await runTask("knowledge", ["--dataset", "synthetic", "--store", path]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `error: --store ${path}: in use by another process (PID ${Deno.pid}); wait for it to ` +
        `finish, or use another --store`,
    );
    assert.equal(await held.countGenerations(), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve CLI: a store that does not exist is refused, not created", async () => {
  const dir = await Deno.makeTempDir();
  const typo = join(dir, "typo.duckdb");
  try {
    const r = await runTask("serve", ["--store", typo, "--model", dir, "--port", "0"]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `error: --store ${typo}: no such store (give the file that deno task eval or knowledge wrote)`,
    );
    await assert.rejects(Deno.stat(typo), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
