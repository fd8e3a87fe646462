/**
 * Small helpers over `@duckdb/node-api`: an in-memory database, typed-array column reads, and
 * line-numbered text reads for precise error messages.
 *
 * @module
 */
import { type FileInfo, runtime } from "../runtime/mod.ts";
import { type DuckDBConnection as NodeApiConnection, DuckDBInstance } from "@duckdb/node-api";
import { DatasetError, fromDuckDbError } from "./errors.ts";
import { sqlString } from "../util/sql.ts";

export { sqlString };

/**
 * An open connection of `@duckdb/node-api` (its `DuckDBConnection`): what a dataset source loads
 * its tables into and the protocol reads them from. Named here so that the API's docs name it.
 *
 * @example
 * ```ts
 * import { type DuckDBConnection, openMemoryDb } from "./duckdb.ts";
 * const db: DuckDBConnection = await openMemoryDb();
 * console.assert((await db.runAndReadAll("select 42 as n")).getRowObjects()[0].n === 42);
 * db.closeSync();
 * ```
 */
export type DuckDBConnection = NodeApiConnection;

/**
 * Opens a fresh in-memory DuckDB connection.
 *
 * @example
 * ```ts
 * import { openMemoryDb } from "./duckdb.ts";
 * const db = await openMemoryDb();
 * db.closeSync();
 * ```
 */
export async function openMemoryDb(): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(":memory:");
  return await instance.connect();
}

/**
 * Runs a statement that reads `file`, turning DuckDB's file errors into {@linkcode DatasetError}s.
 *
 * @example
 * ```ts
 * import { openMemoryDb, runOnFile } from "./duckdb.ts";
 * const db = await openMemoryDb();
 * await runOnFile(db, "select 1", "none.csv");
 * ```
 */
export async function runOnFile(db: DuckDBConnection, sql: string, file: string): Promise<void> {
  try {
    await db.run(sql);
  } catch (e) {
    throw fromDuckDbError(e, file);
  }
}

/**
 * SQL for a table of the lines of a text file (optionally gzip): `(line BIGINT, text VARCHAR)`,
 * 1-based line numbers, empty lines as NULL text.
 *
 * @example
 * ```ts
 * import { linesOf } from "./duckdb.ts";
 * const sql = `select count(*) from ${linesOf("ratings.dat")}`;
 * ```
 */
export function linesOf(file: string, encoding: "utf-8" | "latin-1" = "utf-8"): string {
  return `(select row_number() over () as line, line as text from read_csv(${
    sqlString(file)
  }, delim=chr(31), header=false, quote='', escape='', columns={'line':'VARCHAR'}, encoding='${encoding}', strict_mode=false, auto_detect=false))`;
}

/**
 * Checks that a file exists and is not empty, naming it when it is not so.
 *
 * @example
 * ```ts
 * import { requireFile } from "./duckdb.ts";
 * const file = await Deno.makeTempFile({ suffix: ".dat" });
 * await Deno.writeTextFile(file, "1::F::1::10::48067\n");
 * await requireFile(file, "users file"); // passes; an empty or missing file throws a DatasetError
 * ```
 */
export async function requireFile(file: string, what: string): Promise<void> {
  let st: FileInfo;
  try {
    st = await runtime.stat(file);
  } catch {
    throw new DatasetError(`${what} not found`, { file });
  }
  if (!st.isFile) throw new DatasetError(`${what} is not a file`, { file });
  if (st.size === 0) throw new DatasetError(`${what} is empty`, { file });
}

/**
 * Reads integer/float columns of a query into typed arrays without per-row objects.
 *
 * @example
 * ```ts
 * import { openMemoryDb, readColumns } from "./duckdb.ts";
 * const db = await openMemoryDb();
 * const { a } = await readColumns(db, "select range::INTEGER as a from range(3)", { a: "i32" });
 * console.assert(a.length === 3);
 * ```
 */
export async function readColumns<K extends string>(
  db: DuckDBConnection,
  sql: string,
  columns: Record<K, "i32" | "f32" | "f64" | "u8">,
): Promise<Record<K, Int32Array | Float32Array | Float64Array | Uint8Array> & { size: number }> {
  const result = await db.run(sql);
  const names = result.columnNames();
  const keys = Object.keys(columns) as K[];
  const indices = keys.map((k) => {
    const i = names.indexOf(k);
    if (i < 0) throw new Error(`query has no column ${k}`);
    return i;
  });
  const chunks = await result.fetchAllChunks();
  let size = 0;
  for (const c of chunks) size += c.rowCount;
  const out = {} as Record<K, Int32Array | Float32Array | Float64Array | Uint8Array>;
  for (const k of keys) {
    const kind = columns[k];
    out[k] = kind === "i32"
      ? new Int32Array(size)
      : kind === "f32"
      ? new Float32Array(size)
      : kind === "u8"
      ? new Uint8Array(size)
      : new Float64Array(size);
  }
  let offset = 0;
  for (const c of chunks) {
    const n = c.rowCount;
    keys.forEach((k, j) => {
      const vec = c.getColumnVector(indices[j]);
      const arr = out[k];
      for (let r = 0; r < n; r++) {
        const v = vec.getItem(r);
        arr[offset + r] = v === null ? 0 : Number(v);
      }
    });
    offset += n;
  }
  return Object.assign(out, { size });
}

/**
 * Reads a query's rows as plain JS objects (for small results: vocabularies, metadata, stats).
 *
 * @example
 * ```ts
 * import { openMemoryDb, readRows } from "./duckdb.ts";
 * const db = await openMemoryDb();
 * const rows = await readRows(db, "select 1 as one");
 * console.assert(rows[0].one === 1);
 * ```
 */
export async function readRows(
  db: DuckDBConnection,
  sql: string,
): Promise<Record<string, unknown>[]> {
  const reader = await db.runAndReadAll(sql);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}
