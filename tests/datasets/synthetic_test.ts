import assert from "node:assert/strict";
import { datasetStats, exportParquet, prepareDataset } from "../../datasets/mod.ts";
import { openMemoryDb, readRows } from "../../datasets/duckdb.ts";

Deno.test("synthetic: same seed, same data; another seed, other data", async () => {
  const opts = { users: 80, items: 120, seed: 5 };
  const a = (await prepareDataset({ dataset: "synthetic", synthetic: opts })).dataset;
  const b = (await prepareDataset({ dataset: "synthetic", synthetic: opts })).dataset;
  const c = (await prepareDataset({ dataset: "synthetic", synthetic: { ...opts, seed: 6 } }))
    .dataset;
  assert.deepEqual(a.train.rating, b.train.rating);
  assert.deepEqual(a.itemInfo, b.itemInfo);
  assert.notDeepEqual(a.train.rating, c.train.rating);
  const s = datasetStats(a);
  assert.equal(s.users, 80);
  assert.ok(s.train.positiveRate > 0.2 && s.train.positiveRate < 0.8);
  // Descriptions carry the text-only theme words; the attribute is the genre.
  assert.ok(a.itemInfo.slice(1).every((i) => (i.description ?? "").length > 20));
  assert.ok(a.itemInfo.slice(1).every((i) => i.description!.startsWith(i.attributes[0])));
});

Deno.test("parquet export round-trips sample counts and labels", async () => {
  const { dataset } = await prepareDataset({
    dataset: "synthetic",
    synthetic: { users: 40, items: 60, seed: 2 },
  });
  const dir = await Deno.makeTempDir();
  const files = await exportParquet(dataset, dir);
  assert.equal(files.length, 5);
  const db = await openMemoryDb();
  const rows = await readRows(
    db,
    `select count(*)::INTEGER n, sum(label)::DOUBLE pos, max(hist_item_4)::INTEGER h from '${dir}/train.parquet'`,
  );
  let pos = 0, maxHist = 0;
  for (let r = 0; r < dataset.train.size; r++) {
    pos += dataset.train.label[r];
    maxHist = Math.max(maxHist, dataset.train.histItem[r * 5 + 4]);
  }
  assert.equal(rows[0].n, dataset.train.size);
  assert.equal(rows[0].pos, pos);
  assert.equal(rows[0].h, maxHist);
  db.closeSync();
});

Deno.test("synthetic: identical across processes (deno task prep twice)", async () => {
  const run = async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "cli/prep.ts", "--dataset", "synthetic"],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assert.ok(out.success);
    const stats = JSON.parse(new TextDecoder().decode(out.stdout));
    delete stats.prepareSeconds;
    return stats;
  };
  assert.deepEqual(await run(), await run());
});
