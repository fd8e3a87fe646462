/**
 * A generic source: interactions, items and (optionally) users from CSV or Parquet files with a
 * column mapping.
 *
 * @module
 */
import { type DuckDBConnection, readRows, requireFile, sqlString } from "./duckdb.ts";
import { applyDuplicatePolicy, type DuplicatePolicy } from "./duplicates.ts";
import { DatasetError, fromDuckDbError } from "./errors.ts";
import { verifyGzip } from "./file_checks.ts";
import { checkRatingRange } from "./movielens.ts";
import { CREATE_SOURCE_TABLES, type DatasetSource, type SourceReport } from "./source.ts";
import type { DatasetDomain } from "./types.ts";

/** A table file and how to read it. */
export interface TableFile {
  /** Path to a `.csv`, `.csv.gz`, `.tsv` or `.parquet` file. */
  path: string;
  /** Field delimiter for CSV (default: detected). */
  delimiter?: string;
}

/** Column names of the interactions file. */
export type InteractionColumns = {
  /** User id column. */
  user: string;
  /** Item id column. */
  item: string;
  /** Rating column: integers (`5` or `5.0`) on the domain's scale. */
  rating: string;
  /** Epoch seconds (integers) or dates; without it, file order is the chronological order. */
  timestamp?: string;
};

/** Column mapping of a generic dataset. */
export interface GenericMapping {
  /** Dataset name (default `custom`). */
  name?: string;
  /** Interactions table and its columns. */
  interactions: TableFile & { columns: InteractionColumns };
  /** Items table and its columns (optional: without it items are titled by id). */
  items?: TableFile & {
    columns: { item: string; title?: string; genres?: string; description?: string };
    /** Separator inside the genres column (default `|`). */
    genreSeparator?: string;
  };
  /** Item noun, rating scale and like-threshold (default: movie, 1..5, 3). */
  domain?: Partial<DatasetDomain>;
  /**
   * Interactions repeating an earlier (user, item, timestamp): counted either way, kept or
   * dropped. Without a timestamp column, a repeated (user, item) is a duplicate.
   *
   * @default "keep"
   */
  duplicates?: DuplicatePolicy;
}

const isParquet = (f: TableFile) => /\.parquet$/i.test(f.path);

function reader(f: TableFile, textColumns: string[] = []): string {
  if (isParquet(f)) return `read_parquet(${sqlString(f.path)})`;
  const delim = f.delimiter ? `, delim=${sqlString(f.delimiter)}` : "";
  const types = textColumns.length
    ? `, types={${textColumns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(", ")}}`
    : "";
  return `read_csv(${sqlString(f.path)}, header=true${delim}${types})`;
}

async function loadTable(
  db: DuckDBConnection,
  f: TableFile,
  table: string,
  columns: Record<string, string | undefined>,
): Promise<void> {
  await requireFile(f.path, `${table} file`);
  await verifyGzip(f.path);
  try {
    const sniffed = new Map(
      (await readRows(db, `describe select * from ${reader(f)}`)).map((r) => [
        String(r.column_name),
        String(r.column_type),
      ]),
    );
    for (const [role, name] of Object.entries(columns)) {
      if (name !== undefined && !sniffed.has(name)) {
        throw new DatasetError(
          `column mapping names ${JSON.stringify(name)} for ${role}, but the file has only ${
            [...sniffed.keys()].join(", ")
          }`,
          { file: f.path, column: name },
        );
      }
    }
    // Mapped CSV columns (dates aside) are read as text and parsed strictly later: in a column
    // whose sample the sniffer took for integers, DuckDB reads 4.5 as 5 and 0x10 as 16.
    const text = isParquet(f)
      ? []
      : Object.values(columns).filter((c): c is string =>
        c !== undefined && !/DATE|TIME/.test(sniffed.get(c)!)
      );
    await db.run(
      `create or replace temp table ${table} as select row_number() over () + 1 as line, * from ${
        reader(f, [...new Set(text)])
      }`,
    );
  } catch (e) {
    throw e instanceof DatasetError ? e : fromDuckDbError(e, f.path);
  }
}

/**
 * SQL for a column's value as BIGINT, NULL when it is not an integer: digits with an optional sign,
 * or a zero fraction (`5.0`, as float columns hold integers); not 4.5, 1e3, 0x10 or 5_0.
 */
function integerSql(column: string, type: string): string {
  if (/^(FLOAT|DOUBLE|REAL|DECIMAL)/.test(type)) {
    return `case when isfinite(${column}) and ${column} = trunc(${column}) then try_cast(${column} as BIGINT) end`;
  }
  const text = `trim(${column}::VARCHAR)`;
  return `case when regexp_full_match(${text}, '[+-]?[0-9]+(\\.0+)?') then try_cast(${text} as BIGINT) end`;
}

const q = (c: string) => `"${c.replaceAll('"', '""')}"`;

/** Fails on the first row of `raw_ratings2` whose rating or timestamp did not parse. */
async function requireParsed(db: DuckDBConnection, file: string, ic: InteractionColumns) {
  for (const [role, column] of [["rating", ic.rating], ["timestamp", ic.timestamp]]) {
    if (column === undefined) continue;
    const bad = await readRows(
      db,
      `select line, r.${q(column)}::VARCHAR as v from raw_ratings2 b join raw_ratings r using (line)
       where b.${role === "rating" ? "rating" : "ts"} is null order by line limit 1`,
    );
    if (bad.length) {
      throw new DatasetError(
        bad[0].v == null
          ? `missing ${role}`
          : `${role} is not an integer: ${JSON.stringify(bad[0].v)}`,
        { file, line: Number(bad[0].line), column },
      );
    }
  }
}

/** Fills `ratings` from the interactions file, strictly parsed; the report starts here. */
async function loadInteractions(
  db: DuckDBConnection,
  mapping: GenericMapping,
  domain: DatasetDomain,
): Promise<SourceReport> {
  const ic = mapping.interactions.columns;
  const file = mapping.interactions.path;
  await loadTable(db, mapping.interactions, "raw_ratings", ic);
  const types = new Map(
    (await readRows(db, "describe raw_ratings")).map((r) => [
      String(r.column_name),
      String(r.column_type),
    ]),
  );
  const integer = (c: string) => integerSql(q(c), types.get(c)!);
  // Epoch numbers are used as they are; dates and timestamps become epoch seconds.
  const tsSql = !ic.timestamp
    ? "0::BIGINT"
    : /DATE|TIME/.test(types.get(ic.timestamp)!)
    ? `epoch(${q(ic.timestamp)})::BIGINT`
    : integer(ic.timestamp);
  await db.run(
    `create or replace temp table raw_ratings2 as select ${q(ic.user)}::VARCHAR as u, ${
      q(ic.item)
    }::VARCHAR as i, ${integer(ic.rating)} as rating, ${tsSql} as ts, line from raw_ratings`,
  );
  await requireParsed(db, file, ic);
  await checkRatingRange(db, file, domain, "raw_ratings2");
  const report: SourceReport = {
    files: [file, ...(mapping.items ? [mapping.items.path] : [])],
    rowsRead: Number((await readRows(db, "select count(*) n from raw_ratings2"))[0].n),
    dropped: {},
  };
  await applyDuplicatePolicy(
    db,
    "raw_ratings2",
    ["u", "i", "ts"],
    mapping.duplicates ?? "keep",
    report,
  );
  await db.run("insert into ratings select u, i, rating::INTEGER, ts, line from raw_ratings2");
  return report;
}

/**
 * Builds a source from files and a column mapping.
 *
 * @example
 * ```ts
 * import { genericSource } from "./generic.ts";
 * const source = genericSource({
 *   name: "shop",
 *   interactions: { path: "events.parquet", columns: { user: "uid", item: "sku", rating: "stars", timestamp: "ts" } },
 *   domain: { itemNoun: "product", likeThreshold: 3 },
 * });
 * console.assert(source.name === "shop");
 * ```
 */
export function genericSource(mapping: GenericMapping): DatasetSource {
  const domain: DatasetDomain = {
    itemNoun: mapping.domain?.itemNoun ?? "movie",
    ratingScale: mapping.domain?.ratingScale ?? [1, 5],
    likeThreshold: mapping.domain?.likeThreshold ?? 3,
  };
  return {
    name: mapping.name ?? "custom",
    domain,
    attrFieldNames: ["genre"],
    async load(db) {
      await db.run(CREATE_SOURCE_TABLES);
      const report = await loadInteractions(db, mapping, domain);
      const it = mapping.items;
      if (it) {
        const c = it.columns;
        await loadTable(db, it, "raw_items", c);
        const sep = sqlString(it.genreSeparator ?? "|");
        const genres = c.genres ? `string_split(${q(c.genres)}::VARCHAR, ${sep})` : "[]::VARCHAR[]";
        await db.run(`insert into items select ${q(c.item)}::VARCHAR,
            ${c.title ? `${q(c.title)}::VARCHAR` : `'item ' || ${q(c.item)}::VARCHAR`},
            ${genres}, [coalesce(${genres}[1], 'unknown')],
            ${c.description ? `${q(c.description)}::VARCHAR` : "NULL"}, NULL
          from raw_items`);
      }
      // Items rated but absent from the items file still get a row, titled by id.
      await db.run(
        `insert into items select distinct item_raw, 'item ' || item_raw, [], ['unknown'],
          NULL, NULL from ratings where item_raw not in (select item_raw from items)`,
      );
      return report;
    },
  };
}
