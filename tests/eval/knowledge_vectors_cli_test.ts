import assert from "node:assert/strict";
import { join } from "node:path";
import { loadServingBundle } from "../../adapters/http/bundle.ts";
import { r4ecRouter } from "../../adapters/http/router.ts";
import { openStore } from "../../adapters/store/duckdb_store.ts";
import { predict } from "../../backbone/mod.ts";
import { prepareDataset } from "../../datasets/prepare.ts";
import { knowledgeInputs, vectorMatrices } from "../../eval/knowledge_vectors.ts";
import { readKnowledgeVectors, writeKnowledgeVectors } from "../../eval/vector_files/mod.ts";

const SYNTHETIC = ["--dataset=synthetic", "--synthetic-users=40", "--synthetic-items=60"];

async function evalCli(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli/eval.ts", ...SYNTHETIC, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout), stderr };
}

/** Deterministic vectors for every user and item of the small synthetic dataset. */
async function writeVectors(dir: string, dim = 6) {
  const { dataset } = await prepareDataset({
    dataset: "synthetic",
    synthetic: { users: 40, items: 60 },
  });
  const set = (ids: string[]) => ({
    ids,
    dim,
    rows: Float32Array.from({ length: ids.length * dim }, (_, k) => Math.sin(k * 0.37)),
  });
  await writeKnowledgeVectors(dir, {
    users: set(dataset.users.raw.slice(1)),
    items: set(dataset.items.raw.slice(1)),
  }, { format: "jsonl" });
  return dataset;
}

Deno.test("eval --knowledge-vectors: bad files fail in one line naming file and row, before any work", async () => {
  const dir = await Deno.makeTempDir();
  await writeVectors(dir);
  const users = join(dir, "users.jsonl");
  const good = (await Deno.readTextFile(users)).split("\n");
  const cases: [string[], RegExp][] = [
    [[good[0], good[1], `{"id":"nobody","vector":[1,2,3,4,5,6]}`], /users\.jsonl:3: .*nobody/],
    [[good[0], `{"id":"2","vector":[1,2,3]}`], /users\.jsonl:2: .*(dimension|width|3)/],
    [[good[0], `{"id":"2","vector":[1,2,3,4,"x",6]}`], /users\.jsonl:2: /],
    [[good[0], good[1], good[0]], /users\.jsonl:3: .*duplicate/i],
  ];
  for (const [lines, pattern] of cases) {
    await Deno.writeTextFile(users, lines.join("\n") + "\n");
    const store = join(dir, "store.duckdb");
    const r = await evalCli(`--knowledge-vectors=${dir}`, `--store=${store}`);
    assert.equal(r.code, 1, r.stderr);
    const last = r.stderr.split("\n").at(-1)!;
    assert.match(last, /^error: --knowledge-vectors: /);
    assert.match(last, pattern);
    assert.ok(!r.stderr.includes("    at "), "no stack trace");
    // Checked before any knowledge is generated or any model trained.
    assert.doesNotMatch(r.stderr, /^(knowledge|encoding|train) /m);
  }
  const missing = await evalCli(`--knowledge-vectors=${join(dir, "none")}`);
  assert.match(missing.stderr.split("\n").at(-1)!, /--knowledge-vectors: .*none.*not found/);
});

Deno.test("eval --knowledge-vectors: trains the vectors condition and serves its bundle", async () => {
  const dir = await Deno.makeTempDir();
  const vectors = join(dir, "vectors"), out = join(dir, "out");
  const dataset = await writeVectors(vectors);
  const r = await evalCli(
    `--knowledge-vectors=${vectors}`,
    "--conditions=base,vectors",
    "--seeds=1",
    "--epochs=1",
    `--store=${join(dir, "store.duckdb")}`,
    `--out=${out}`,
  );
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  const report = JSON.parse(await Deno.readTextFile(join(out, "report.json")));
  assert.deepEqual(report.settings.conditions, ["base", "vectors"]);
  assert.match(report.components.vectors, /computed outside r4ec/);
  assert.match(report.components.actor, /^none/);
  const row = report.results.find((x: { condition: string }) => x.condition === "vectors");
  const bundle = await loadServingBundle(row.runs[0].modelDir);
  assert.ok(bundle.vectors, "the bundle holds the vectors");
  // Served scores equal offline predictions on the same vectors.
  const m = vectorMatrices(dataset, await readKnowledgeVectors(vectors, dataset));
  const split = dataset.test;
  const offline = predict(bundle.model, { split, ...knowledgeInputs(m, split) });
  await using store = await openStore(join(dir, "store.duckdb"));
  const app = r4ecRouter({ bundle, store });
  const user = dataset.users.raw[split.user[0]];
  const items = [split.item[0], split.item[1]].map((i) => dataset.items.raw[i]);
  const history = Array.from({ length: dataset.historyLength }, (_, t) => ({
    item: dataset.items.raw[split.histItem[t]],
    rating: split.histRating[t],
  }));
  const res = await app.request("/v1/score", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user, items: [items[0]], history }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.context.userKnowledge, "stored");
  assert.ok(Math.abs(body.scores[0].score - offline[0]) < 1e-6, `${body.scores[0].score}`);
});
