/**
 * Parquet export of prepared samples and vocabularies, for exchange with other platforms.
 *
 * @module
 */
import { runtime } from "../runtime/mod.ts";
import { join } from "node:path";
import { openMemoryDb, sqlString } from "./duckdb.ts";
import type { CtrDataset, SampleSplit } from "./types.ts";

/**
 * Writes `train.parquet`, `valid.parquet`, `test.parquet` (one row per sample; history slots as
 * columns `hist_item_0..T-1`, `hist_rating_*`, attributes as `attr_<field>` and
 * `hist_attr_<field>_<t>`), plus `users.parquet`, `items.parquet` (dense index, raw id, title,
 * attributes). Returns the files written.
 *
 * @example
 * ```ts
 * import { exportParquet } from "./parquet.ts";
 * import { prepareDataset } from "./prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 40, items: 60 } });
 * const files = await exportParquet(dataset, await Deno.makeTempDir());
 * console.assert(files.length === 5);
 * ```
 */
export async function exportParquet(d: CtrDataset, dir: string): Promise<string[]> {
  await runtime.mkdir(dir, { recursive: true });
  const db = await openMemoryDb();
  const files: string[] = [];
  const T = d.historyLength, A = d.attrFields;
  try {
    for (const [name, s] of [["train", d.train], ["valid", d.valid], ["test", d.test]] as const) {
      const cols = [
        "user_index INTEGER",
        "user_id VARCHAR",
        "position INTEGER",
        "item_index INTEGER",
        "item_id VARCHAR",
        "rating INTEGER",
        "label FLOAT",
        "period TINYINT",
        ...d.attrFieldNames.map((f) => `attr_${f} INTEGER`),
      ];
      for (let t = 0; t < T; t++) {
        cols.push(`hist_item_${t} INTEGER`, `hist_rating_${t} INTEGER`);
        for (const f of d.attrFieldNames) cols.push(`hist_attr_${f}_${t} INTEGER`);
      }
      await db.run(`create table ${name}(${cols.join(", ")})`);
      const app = await db.createAppender(name);
      appendSplit(app, d, s, T, A);
      app.closeSync();
      const file = join(dir, `${name}.parquet`);
      await db.run(`copy ${name} to ${sqlString(file)} (format parquet)`);
      files.push(file);
    }
    await db.run("create table users(user_index INTEGER, user_id VARCHAR)");
    const ua = await db.createAppender("users");
    for (let u = 1; u < d.users.raw.length; u++) {
      ua.appendInteger(u);
      ua.appendVarchar(d.users.raw[u]);
      ua.endRow();
    }
    ua.closeSync();
    await db.run(
      "create table items(item_index INTEGER, item_id VARCHAR, title VARCHAR, attributes VARCHAR)",
    );
    const ia = await db.createAppender("items");
    for (let i = 1; i < d.items.raw.length; i++) {
      ia.appendInteger(i);
      ia.appendVarchar(d.items.raw[i]);
      ia.appendVarchar(d.itemInfo[i].title);
      ia.appendVarchar(d.itemInfo[i].attributes.join("|"));
      ia.endRow();
    }
    ia.closeSync();
    for (const t of ["users", "items"]) {
      const file = join(dir, `${t}.parquet`);
      await db.run(`copy ${t} to ${sqlString(file)} (format parquet)`);
      files.push(file);
    }
  } finally {
    db.closeSync();
  }
  return files;
}

type Appender = Awaited<ReturnType<Awaited<ReturnType<typeof openMemoryDb>>["createAppender"]>>;

function appendSplit(app: Appender, d: CtrDataset, s: SampleSplit, T: number, A: number): void {
  for (let r = 0; r < s.size; r++) {
    app.appendInteger(s.user[r]);
    app.appendVarchar(d.users.raw[s.user[r]]);
    app.appendInteger(s.position[r]);
    app.appendInteger(s.item[r]);
    app.appendVarchar(d.items.raw[s.item[r]]);
    app.appendInteger(s.rating[r]);
    app.appendFloat(s.label[r]);
    app.appendTinyInt(s.period[r]);
    for (let f = 0; f < A; f++) app.appendInteger(s.attrs[r * A + f]);
    for (let t = 0; t < T; t++) {
      app.appendInteger(s.histItem[r * T + t]);
      app.appendInteger(s.histRating[r * T + t]);
      for (let f = 0; f < A; f++) app.appendInteger(s.histAttrs[(r * T + t) * A + f]);
    }
    app.endRow();
  }
}
