/**
 * What a dataset source loads into DuckDB before the protocol runs.
 *
 * A source fills two tables:
 * - `ratings(user_raw VARCHAR, item_raw VARCHAR, rating INTEGER, sort_key BIGINT, line BIGINT)`:
 *   one row per interaction; each user's chronological order is `(sort_key, line)` (stable on ties).
 * - `items(item_raw VARCHAR, title VARCHAR, genres VARCHAR[], attrs VARCHAR[], description VARCHAR,
 *   year INTEGER)`: one row per item; `attrs` holds the attribute values in field order.
 *
 * @module
 */
import type { DatasetDomain } from "./types.ts";
import type { DuckDBConnection } from "./duckdb.ts";

/** Counts of what a source read and what it dropped (never silently). */
export interface SourceReport {
  /** Files read. */
  files: string[];
  /** Interaction rows read from the files. */
  rowsRead: number;
  /** Rows dropped, by reason. */
  dropped: Record<string, number>;
}

/**
 * A dataset source: fills the `ratings` and `items` tables.
 *
 * @example
 * ```ts
 * import type { DatasetSource } from "./source.ts";
 * const empty: DatasetSource = {
 *   name: "empty",
 *   domain: { itemNoun: "movie", ratingScale: [1, 5], likeThreshold: 3 },
 *   attrFieldNames: ["genre"],
 *   async load(db) {
 *     await db.run("create table ratings(user_raw varchar, item_raw varchar, rating integer, sort_key bigint, line bigint)");
 *     await db.run("create table items(item_raw varchar, title varchar, genres varchar[], attrs varchar[], description varchar, year integer)");
 *     return { files: [], rowsRead: 0, dropped: {} };
 *   },
 * };
 * ```
 */
export interface DatasetSource {
  /** Dataset name used in keys and reports. */
  readonly name: string;
  /** Item noun, rating scale and like-threshold. */
  readonly domain: DatasetDomain;
  /** Names of the attribute fields, in `items.attrs` order. */
  readonly attrFieldNames: string[];
  /** Creates and fills `ratings` and `items`. */
  load(db: DuckDBConnection): Promise<SourceReport>;
}

/** SQL creating empty `ratings` and `items` tables. */
export const CREATE_SOURCE_TABLES = `
create or replace table ratings(user_raw VARCHAR, item_raw VARCHAR, rating INTEGER, sort_key BIGINT, line BIGINT);
create or replace table items(item_raw VARCHAR, title VARCHAR, genres VARCHAR[], attrs VARCHAR[], description VARCHAR, year INTEGER);
`;

/**
 * The release year at the end of a MovieLens title, e.g. `Heat (1995)` -> 1995.
 *
 * @example
 * ```ts
 * import { yearOfTitle } from "./source.ts";
 * console.assert(yearOfTitle("Heat (1995)") === 1995 && yearOfTitle("Heat") === undefined);
 * ```
 */
export function yearOfTitle(title: string): number | undefined {
  const m = title.match(/\((\d{4})\)\s*$/);
  return m ? Number(m[1]) : undefined;
}
