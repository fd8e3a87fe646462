/**
 * What the store's open-time integrity check (`adapters/store/integrity.ts`) costs and what it
 * detects, on a store of ML-1M size written in a temp folder through the store's API
 * (`tests/adapters/store/sized_store.ts`: 6,040 users and 3,706 items, two rounds of knowledge
 * each, 256-d vectors, three LLM generations per record).
 *
 * - Open times (median of `--reps`, default 7, page cache warm): a plain DuckDB open against
 *   `openStore` (read-only: one checked instance; read-write: checked, then reopened).
 * - Damage, each on a fresh copy: zeroed tails and garbage at fixed fractions of the file, and
 *   what a plain open, `count(*)` of every table and the check make of it.
 * - `--sweep`: every 256 KiB block damaged in turn (bytes inside a live segment for table-data
 *   blocks, at the block's start otherwise), classified by what notices it: the check, only a
 *   write (a rolled-back insert of an existing row walks the primary-key index), or nothing.
 *
 * `deno run -A bench/store_integrity.ts [--reps N] [--sweep]` prints Markdown; recorded results:
 * bench/results/store.md.
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { openStore } from "../adapters/store/duckdb_store.ts";
import { writeSizedStore } from "../tests/adapters/store/sized_store.ts";

const TABLES = ["generations", "knowledge", "knowledge_rounds", "runs", "vectors"];
const { values } = parseArgs({
  args: Deno.args,
  options: { reps: { type: "string" }, sweep: { type: "boolean" } },
});
const reps = Number(values.reps ?? 7);

/** What a damaged file does under a plain open and `count(*)`, and under `openStore`. */
async function verdicts(path: string): Promise<{ plain: string; counts: string; check: string }> {
  const short = (e: unknown) => (e as Error).message.split("\n")[0].replace(/ \(nothing.*$/, "");
  let plain = "opens", counts = "answer";
  try {
    const i = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
    const c = await i.connect();
    try {
      for (const t of TABLES) await c.run(`SELECT count(*) FROM ${t}`);
    } catch (e) {
      counts = `fail: ${short(e)}`;
    }
    c.closeSync();
    i.closeSync();
  } catch (e) {
    plain = `fails: ${short(e)}`;
    counts = "—";
  }
  let check = "opens (not detected)";
  try {
    await (await openStore(path, { readOnly: true })).close();
  } catch (e) {
    check = `refused: ${short(e).replace(/^store \S+ is /, "")}`;
  }
  return { plain, counts, check };
}

async function overwrite(path: string, offset: number, bytes: Uint8Array): Promise<Uint8Array> {
  using f = await Deno.open(path, { read: true, write: true });
  const old = new Uint8Array(bytes.length);
  await f.seek(offset, Deno.SeekMode.Start);
  await f.read(old);
  await f.seek(offset, Deno.SeekMode.Start);
  await f.write(bytes);
  return old;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(work: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

const dir = await Deno.makeTempDir({ prefix: "r4ec-integrity-bench-" });
try {
  const path = join(dir, "ml1m-size.duckdb");
  const built = await time(async () =>
    void await writeSizedStore(path, { users: 6040, items: 3706 })
  );
  const size = (await Deno.stat(path)).size;
  const layout = await (async () => {
    const i = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
    const c = await i.connect();
    const [db] = (await c.runAndReadAll("PRAGMA database_size")).getRowObjectsJS();
    const segments = new Map<number, number>(); // block → offset of its first live segment
    for (const t of TABLES) {
      const rows = (await c.runAndReadAll(
        `SELECT block_id, min(block_offset) AS o FROM pragma_storage_info('${t}') ` +
          `WHERE block_id >= 0 GROUP BY block_id`,
      )).getRowObjectsJS();
      for (const r of rows) {
        const b = Number(r.block_id), o = Number(r.o);
        segments.set(b, Math.min(o, segments.get(b) ?? o));
      }
    }
    const rows: Record<string, number> = Object.fromEntries(
      await Promise.all(
        TABLES.map(async (
          t,
        ) => [
          t,
          Number((await c.runAndReadAll(`SELECT count(*) AS n FROM ${t}`)).getRowObjectsJS()[0].n),
        ]),
      ),
    );
    c.closeSync();
    i.closeSync();
    const blockSize = Number(db.block_size), total = Number(db.total_blocks);
    return {
      blockSize,
      total,
      used: Number(db.used_blocks),
      free: Number(db.free_blocks),
      header: size - total * blockSize,
      segments,
      rows,
    };
  })();

  const plainRo: number[] = [], plainRw: number[] = [], checkedRo: number[] = [];
  const checkedRw: number[] = [];
  for (let r = 0; r < reps; r++) {
    plainRo.push(
      await time(async () => {
        const i = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
        (await i.connect()).closeSync();
        i.closeSync();
      }),
    );
    checkedRo.push(
      await time(async () => await (await openStore(path, { readOnly: true })).close()),
    );
    plainRw.push(
      await time(async () => {
        const i = await DuckDBInstance.create(path);
        (await i.connect()).closeSync();
        i.closeSync();
      }),
    );
    checkedRw.push(await time(async () => await (await openStore(path)).close()));
  }

  const scenarios: [string, (p: string) => Promise<unknown>][] = [
    [
      "zeroed last 10%",
      (p) => overwrite(p, Math.floor(size * 0.9), new Uint8Array(size - Math.floor(size * 0.9))),
    ],
    [
      "zeroed last 25%",
      (p) => overwrite(p, Math.floor(size * 0.75), new Uint8Array(size - Math.floor(size * 0.75))),
    ],
    ["zeroed last 256 KiB", (p) => overwrite(p, size - 262_144, new Uint8Array(262_144))],
    ...[0.25, 0.5, 0.75].map((f): [string, (p: string) => Promise<unknown>] => [
      `64 KiB of noise at ${f * 100}%`,
      (p) => overwrite(p, Math.floor(size * f), crypto.getRandomValues(new Uint8Array(65_536))),
    ]),
    ["4 KiB of noise in the live table data nearest the middle", (p) => {
      const starts = [...layout.segments].map(([b, o]) => layout.header + b * layout.blockSize + o);
      const mid = starts.reduce((a, b) => Math.abs(b - size / 2) < Math.abs(a - size / 2) ? b : a);
      return overwrite(p, mid, crypto.getRandomValues(new Uint8Array(4096)));
    }],
    ["the file truncated to half", (p) => Deno.truncate(p, Math.floor(size / 2))],
  ];
  const scenarioRows: string[] = [];
  for (const [name, damage] of scenarios) {
    const copy = join(dir, "damaged.duckdb");
    await Deno.copyFile(path, copy);
    await damage(copy);
    const v = await verdicts(copy);
    scenarioRows.push(`| ${name} | ${v.plain} | ${v.counts} | ${v.check} |`);
  }

  const out = [
    `## Integrity check at open`,
    ``,
    `\`deno run -A bench/store_integrity.ts --reps ${reps}${values.sweep ? " --sweep" : ""}\`, ` +
    `${new Date().toISOString().slice(0, 16)} UTC, load average ` +
    `${Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ")}.`,
    ``,
    `Store of ML-1M size written in ${(built / 1000).toFixed(0)} s: **${
      (size / 2 ** 20).toFixed(1)
    } MiB**, ` +
    Object.entries(layout.rows).map(([t, n]) => `${n.toLocaleString("en")} ${t}`).join(", ") +
    `; ` +
    `${layout.total} blocks of ${
      layout.blockSize / 1024
    } KiB (${layout.used} used, ${layout.free} free), ` +
    `${layout.segments.size} holding table data.`,
    ``,
    `| open (median of ${reps}, page cache warm) | ms |`,
    `|---|---|`,
    `| plain DuckDB open, read-only | ${median(plainRo).toFixed(0)} |`,
    `| \`openStore(path, { readOnly: true })\` (open + check) | ${median(checkedRo).toFixed(0)} |`,
    `| plain DuckDB open, read-write | ${median(plainRw).toFixed(0)} |`,
    `| \`openStore(path)\` (check, reopen read-write, init) | ${median(checkedRw).toFixed(0)} |`,
    ``,
    `| damage | plain open | \`count(*)\` of every table | \`openStore\` |`,
    `|---|---|---|---|`,
    ...scenarioRows,
  ];
  if (values.sweep) out.push(``, ...(await sweep(path, layout)));
  console.log(out.join("\n"));
} finally {
  await Deno.remove(dir, { recursive: true });
}

/** Damages every block in turn (restoring it after) and says what noticed it. */
async function sweep(
  path: string,
  layout: { header: number; blockSize: number; total: number; segments: Map<number, number> },
): Promise<string[]> {
  const noise = crypto.getRandomValues(new Uint8Array(512));
  const found = new Map<string, number[]>();
  for (let b = 0; b < layout.total; b++) {
    const data = layout.segments.has(b);
    const offset = layout.header + b * layout.blockSize +
      (data ? layout.segments.get(b)! + 16 : 64);
    const old = await overwrite(path, offset, noise);
    let verdict = data ? "table data: not detected" : "other: read by nothing tried";
    try {
      await (await openStore(path, { readOnly: true })).close();
      if (!data) {
        const i = await DuckDBInstance.create(path);
        const c = await i.connect();
        for (const t of TABLES) {
          await c.run("BEGIN");
          const e = await c.run(`INSERT INTO ${t} SELECT * FROM ${t} LIMIT 1`).then(
            () => undefined,
            (e) => e,
          );
          await c.run("ROLLBACK").catch(() => {});
          if (e && !/Duplicate key|PRIMARY KEY|constraint/i.test(e.message)) {
            verdict = "other: index, detected only by a write";
          }
        }
        c.closeSync();
        i.closeSync();
      }
    } catch {
      verdict = data ? "table data: refused at open" : "other: refused at open (catalog)";
    }
    await overwrite(path, offset, old);
    found.set(verdict, [...(found.get(verdict) ?? []), b]);
  }
  return [
    `Every block damaged in turn (${layout.total} blocks):`,
    ``,
    `| block | what noticed it | blocks |`,
    `|---|---|---|`,
    ...[...found].sort().map(([k, v]) =>
      `| ${k.split(": ")[0]} | ${k.split(": ")[1]} | ${v.length} |`
    ),
  ];
}
