/**
 * Loads a delimited text file (any separator, e.g. MovieLens `::`) into a typed DuckDB table with
 * line numbers, validating every line: wrong field count, non-numeric fields and bad encoding become
 * errors that name the file, line and column.
 *
 * @module
 */
import {
  type DuckDBConnection,
  linesOf,
  readRows,
  requireFile,
  runOnFile,
  sqlString,
} from "./duckdb.ts";
import { DatasetError } from "./errors.ts";
import { requireLatin1, verifyGzip } from "./file_checks.ts";

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
 * Creates `table(fields..., line BIGINT)` from a delimited file. Blank lines are skipped; a missing
 * or empty file, or one with blank lines only, is an error naming it.
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
  await verifyGzip(file);
  const encoding = options.encoding ?? "utf-8";
  if (encoding === "latin-1") await requireLatin1(file);
  const n = fields.length;
  const lines = linesOf(file, encoding);
  // One pass: split, keep the field count, and cast every field; a NULL marks a bad value. Only
  // digits with an optional sign (and blanks) are cast: try_cast alone reads 4.5 as 5, 1e3, 0x10
  // and 5_0 too. Text equal to the cast integer printed back needs no pattern match (the cheap
  // common case). The text of a bad line is read back only when there is one.
  const columns = fields.map((fd, k) => {
    if (fd.type === "VARCHAR") return `f[${k + 1}] as ${fd.name}`;
    const value = `try_cast(trim(f[${k + 1}]) as ${fd.type})`;
    return `case when ${value}::VARCHAR = f[${k + 1}]
      or regexp_full_match(f[${k + 1}], '\\s*[+-]?[0-9]+\\s*') then ${value} end as ${fd.name}`;
  }).join(", ");
  await runOnFile(
    db,
    `create or replace temp table ${table} as select ${columns}, line, len(f) as nf from (
      select line, string_split(text, ${sqlString(separator)}) as f from ${lines}
      where text is not null and trim(text) <> '')`,
    file,
  );
  const countCheck = options.allowExtraFields ? `nf < ${n}` : `nf <> ${n}`;
  const numeric = fields.map((fd, k) => ({ fd, k })).filter(({ fd }) => fd.type !== "VARCHAR");
  const firsts = (await readRows(
    db,
    `select min(line) filter (where ${countCheck}) as count_line${
      numeric.map(({ fd, k }) => `, min(line) filter (where ${fd.name} is null) as bad_${k}`).join(
        "",
      )
    } from ${table}`,
  ))[0];
  const lineText = async (line: number) =>
    String((await readRows(db, `select text from ${lines} where line = ${line}`))[0]?.text);
  if (firsts.count_line != null) {
    const line = Number(firsts.count_line);
    const text = await lineText(line);
    throw new DatasetError(
      `expected ${n} fields separated by "${separator}", found ${text.split(separator).length}: ${
        JSON.stringify(text)
      }`,
      { file, line },
    );
  }
  const badFields = numeric.filter(({ k }) => firsts[`bad_${k}`] != null)
    .sort((a, b) => Number(firsts[`bad_${a.k}`]) - Number(firsts[`bad_${b.k}`]));
  if (badFields.length) {
    const { fd, k } = badFields[0];
    const line = Number(firsts[`bad_${k}`]);
    const value = (await lineText(line)).split(separator)[k];
    const problem = /^\s*[+-]?[0-9]+\s*$/.test(value)
      ? `out of range for ${fd.type}`
      : "not an integer";
    throw new DatasetError(`${fd.name} is ${problem}: ${JSON.stringify(value)}`, {
      file,
      line,
      column: fd.name,
    });
  }
  await db.run(`alter table ${table} drop column nf`);
  const rows = Number((await readRows(db, `select count(*)::INTEGER as n from ${table}`))[0].n);
  if (rows === 0) {
    throw new DatasetError(`${options.what ?? "input file"} has no data lines`, { file });
  }
  return rows;
}
