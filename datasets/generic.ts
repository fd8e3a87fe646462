/**
 * A generic source: interactions, items and (optionally) users from CSV or Parquet files with a
 * column mapping.
 *
 * @module
 */
import { type DuckDBConnection, readRows, requireFile, runOnFile, sqlString } from "./duckdb.ts";
import { DatasetError } from "./errors.ts";
import { checkRatingRange } from "./movielens.ts";
import { CREATE_SOURCE_TABLES, type DatasetSource } from "./source.ts";
import type { DatasetDomain } from "./types.ts";

/** A table file and how to read it. */
export interface TableFile {
  /** Path to a `.csv`, `.csv.gz`, `.tsv` or `.parquet` file. */
  path: string;
  /** Field delimiter for CSV (default: detected). */
  delimiter?: string;
}

/** Column mapping of a generic dataset. */
export interface GenericMapping {
  /** Dataset name (default `custom`). */
  name?: string;
  /** Interactions table and its columns. */
  interactions: TableFile & {
    columns: { user: string; item: string; rating: string; timestamp?: string };
  };
  /** Items table and its columns (optional: without it items are titled by id). */
  items?: TableFile & {
    columns: { item: string; title?: string; genres?: string; description?: string };
    /** Separator inside the genres column (default `|`). */
    genreSeparator?: string;
  };
  /** Item noun, rating scale and like-threshold (default: movie, 1..5, 3). */
  domain?: Partial<DatasetDomain>;
}

function reader(f: TableFile): string {
  if (/\.parquet$/i.test(f.path)) return `read_parquet(${sqlString(f.path)})`;
  const delim = f.delimiter ? `, delim=${sqlString(f.delimiter)}` : "";
  return `read_csv(${sqlString(f.path)}, header=true${delim})`;
}

async function loadTable(
  db: DuckDBConnection,
  f: TableFile,
  table: string,
  columns: Record<string, string | undefined>,
): Promise<void> {
  await requireFile(f.path, `${table} file`);
  await runOnFile(
    db,
    `create or replace temp table ${table} as select row_number() over () + 1 as line, * from ${
      reader(f)
    }`,
    f.path,
  );
  const present = (await readRows(db, `describe ${table}`)).map((r) => String(r.column_name));
  for (const [role, name] of Object.entries(columns)) {
    if (name !== undefined && !present.includes(name)) {
      throw new DatasetError(
        `column mapping names ${JSON.stringify(name)} for ${role}, but the file has only ${
          present.filter((c) => c !== "line").join(", ")
        }`,
        { file: f.path, column: name },
      );
    }
  }
}

const q = (c: string) => `"${c.replaceAll('"', '""')}"`;

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
      const ic = mapping.interactions.columns;
      await db.run(CREATE_SOURCE_TABLES);
      await loadTable(db, mapping.interactions, "raw_ratings", ic);
      const file = mapping.interactions.path;
      const bad = await readRows(
        db,
        `select line, ${q(ic.rating)}::VARCHAR as v from raw_ratings
         where try_cast(${q(ic.rating)} as DOUBLE) is null order by line limit 1`,
      );
      if (bad.length) {
        throw new DatasetError(`rating is not a number: ${JSON.stringify(bad[0].v)}`, {
          file,
          line: Number(bad[0].line),
          column: ic.rating,
        });
      }
      let tsSql = "0::BIGINT";
      if (ic.timestamp) {
        const type = String(
          (await readRows(db, `describe select ${q(ic.timestamp)} from raw_ratings`))[0]
            .column_type,
        );
        // Epoch numbers are used as they are; dates and timestamps become epoch seconds.
        tsSql = /DATE|TIME/.test(type)
          ? `epoch(${q(ic.timestamp)})::BIGINT`
          : `${q(ic.timestamp)}::BIGINT`;
      }
      await db.run(
        `create or replace temp table raw_ratings2 as select ${q(ic.user)}::VARCHAR as u, ${
          q(ic.item)
        }::VARCHAR as i, round(${q(ic.rating)}::DOUBLE)::INTEGER as rating, ${tsSql} as ts, line
        from raw_ratings`,
      );
      await checkRatingRange(db, file, domain, "raw_ratings2");
      await db.run("insert into ratings select u, i, rating, ts, line from raw_ratings2");
      const rowsRead = Number((await readRows(db, "select count(*) n from ratings"))[0].n);
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
      return {
        files: [file, ...(it ? [it.path] : [])],
        rowsRead,
        dropped: {},
      };
    },
  };
}
