/**
 * Duplicate interactions: rows repeating an earlier row's (user, item, timestamp). They are counted
 * in every source's report, and kept (as the reference preprocessing keeps them) or dropped.
 *
 * @module
 */
import { type DuckDBConnection, readRows } from "./duckdb.ts";
import type { SourceReport } from "./source.ts";

/**
 * What a source does with rows repeating an earlier row's (user, item, timestamp): `keep` them
 * (counted, as the reference does, so figures stay comparable) or `drop` all but the first.
 */
export type DuplicatePolicy = "keep" | "drop";

/** The `dropped` reason of rows removed under the `drop` policy. */
export const DUPLICATES_DROPPED = "duplicate (user, item, timestamp)";

/**
 * Counts the rows of `table` repeating an earlier row's `key` columns (earlier in `line` order),
 * sets `report.duplicates`, and under `drop` deletes them and counts them in `report.dropped`.
 *
 * @example
 * ```ts
 * import { openMemoryDb } from "./duckdb.ts";
 * import { applyDuplicatePolicy } from "./duplicates.ts";
 * import type { SourceReport } from "./source.ts";
 * const db = await openMemoryDb();
 * await db.run("create table t as select * from (values (1, 2, 9, 1), (1, 2, 9, 2)) v(u, i, ts, line)");
 * const report: SourceReport = { files: [], rowsRead: 2, dropped: {} };
 * await applyDuplicatePolicy(db, "t", ["u", "i", "ts"], "drop", report);
 * console.assert(report.duplicates === 1);
 * ```
 */
export async function applyDuplicatePolicy(
  db: DuckDBConnection,
  table: string,
  key: string[],
  policy: DuplicatePolicy,
  report: SourceReport,
): Promise<void> {
  const cols = key.join(", ");
  const n = Number(
    (await readRows(
      db,
      `select coalesce(sum(n - 1), 0)::BIGINT as n from (select count(*) as n from ${table} group by ${cols})`,
    ))[0].n,
  );
  report.duplicates = n;
  if (policy === "keep" || n === 0) return;
  await db.run(`delete from ${table} where line in (select line from (
      select line, row_number() over (partition by ${cols} order by line) as k from ${table})
    where k > 1)`);
  report.dropped[DUPLICATES_DROPPED] = n;
}
