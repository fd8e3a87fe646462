/**
 * Loads a delimited text file (any separator, e.g. MovieLens `::`) into a typed DuckDB table with
 * line numbers, validating every line: wrong field count, non-numeric fields and bad encoding become
 * errors that name the file, line and column.
 *
 * @module
 */
import { type DuckDBConnection, linesOf, readRows, requireFile, sqlString } from "./duckdb.ts";
import { DatasetError, fromDuckDbError } from "./errors.ts";

/** One field of a delimited file. */
export interface DelimitedField {
  name: string;
  type: "INTEGER" | "BIGINT" | "VARCHAR";
}

/** Options of {@linkcode loadDelimited}. */
export interface DelimitedOptions {
  /** Path of the file; `.gz` is decompressed. */
  file: string;
  /** Table to create. */
  table: string;
  /** Field separator, any length (`::`, `\t`, `|`). */
  separator: string;
  /** Fields in order. The table gets these plus `line`. */
  fields: DelimitedField[];
  /** Text encoding of the file. */
  encoding?: "utf-8" | "latin-1";
  /** Accept more fields than listed (extra ones are ignored), as `u.item` has. */
  allowExtraFields?: boolean;
  /** Short description of the file for error messages, e.g. "ratings file". */
  what?: string;
}

/**
 * Creates `table(fields..., line BIGINT)` from a delimited file. Blank lines are skipped.
 *
 * @example
 * ```ts
 * import { openMemoryDb } from "./duckdb.ts";
 * import { loadDelimited } from "./delimited.ts";
 * const db = await openMemoryDb();
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "1::10::5::978300760\n");
 * await loadDelimited(db, {
 *   file: path, table: "r", separator: "::",
 *   fields: [{ name: "u", type: "INTEGER" }, { name: "i", type: "INTEGER" }, { name: "rating", type: "INTEGER" }, { name: "ts", type: "BIGINT" }],
 * });
 * ```
 */
export async function loadDelimited(
  db: DuckDBConnection,
  options: DelimitedOptions,
): Promise<number> {
  const { file, table, separator, fields } = options;
  await requireFile(file, options.what ?? "input file");
  const raw = `${table}__raw`;
  try {
    await db.run(
      `create or replace temp table ${raw} as select line, text, string_split(text, ${
        sqlString(separator)
      }) as f from ${
        linesOf(file, options.encoding ?? "utf-8")
      } where text is not null and trim(text) <> ''`,
    );
  } catch (e) {
    throw fromDuckDbError(e, file);
  }
  const n = fields.length;
  const countCheck = options.allowExtraFields ? `len(f) < ${n}` : `len(f) <> ${n}`;
  const numeric = fields.map((fd, k) => ({ fd, k })).filter(({ fd }) => fd.type !== "VARCHAR");
  // One scan finds the first bad line of every kind; details are read only when one exists.
  const firsts = (await readRows(
    db,
    `select min(line) filter (where ${countCheck}) as count_line${
      numeric.map(({ fd, k }) =>
        `, min(line) filter (where ${
          countCheck.replace("<>", "=").replace("<", ">=")
        } and try_cast(trim(f[${k + 1}]) as ${fd.type}) is null) as bad_${k}`
      ).join("")
    } from ${raw}`,
  ))[0];
  if (firsts.count_line != null) {
    const b = (await readRows(
      db,
      `select text, len(f)::INTEGER as nf from ${raw} where line = ${firsts.count_line}`,
    ))[0];
    throw new DatasetError(
      `expected ${n} fields separated by "${separator}", found ${b.nf}: ${JSON.stringify(b.text)}`,
      { file, line: Number(firsts.count_line) },
    );
  }
  const badFields = numeric.filter(({ k }) => firsts[`bad_${k}`] != null)
    .sort((a, b) => Number(firsts[`bad_${a.k}`]) - Number(firsts[`bad_${b.k}`]));
  if (badFields.length) {
    const { fd, k } = badFields[0];
    const line = Number(firsts[`bad_${k}`]);
    const v = (await readRows(db, `select f[${k + 1}] as v from ${raw} where line = ${line}`))[0].v;
    throw new DatasetError(`${fd.name} is not an integer: ${JSON.stringify(v)}`, {
      file,
      line,
      column: fd.name,
    });
  }
  const select = fields.map((fd, k) =>
    fd.type === "VARCHAR"
      ? `f[${k + 1}] as ${fd.name}`
      : `cast(trim(f[${k + 1}]) as ${fd.type}) as ${fd.name}`
  ).join(", ");
  await db.run(`create or replace temp table ${table} as select ${select}, line from ${raw}`);
  await db.run(`drop table ${raw}`);
  const rows = await readRows(db, `select count(*)::INTEGER as n from ${table}`);
  return Number(rows[0].n);
}
