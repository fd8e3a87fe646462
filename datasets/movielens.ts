/**
 * MovieLens-1M and MovieLens-100K sources in their standard GroupLens layouts
 * (docs/protocol.md#movielens).
 *
 * @module
 */
import { runtime } from "../runtime/mod.ts";
import { join } from "node:path";
import { loadDelimited } from "./delimited.ts";
import { type DuckDBConnection, readRows, requireFile, sqlString } from "./duckdb.ts";
import { applyDuplicatePolicy, type DuplicatePolicy } from "./duplicates.ts";
import { DatasetError } from "./errors.ts";
import { CREATE_SOURCE_TABLES, type DatasetSource, type SourceReport } from "./source.ts";
import type { DatasetDomain } from "./types.ts";

/** Movie domain: ratings 1..5, a like is a rating above 3. */
export const MOVIE_DOMAIN: DatasetDomain = {
  itemNoun: "movie",
  ratingScale: [1, 5],
  likeThreshold: 3,
};

/** Options shared by the MovieLens sources. */
export interface MovieLensOptions {
  /** Folder holding the dataset files. */
  dataDir: string;
  /**
   * Chronological key: `day` (calendar date of the timestamp in `timezone`, ties keep file order,
   * as the reference) or `timestamp` (full timestamp, ties keep file order).
   */
  order?: "day" | "timestamp";
  /**
   * IANA timezone for `day` order. The authors' timezone is unknown (docs/protocol.md#order); the
   * ML-1M default `Etc/GMT-10` (UTC+10) is the whole-hour offset whose positive rates come closest
   * to the reference's (scan recorded in bench/results/datasets.md). ML-100K defaults to UTC.
   */
  timezone?: string;
  /**
   * Rows repeating an earlier (user, movie, timestamp): counted either way, kept or dropped.
   *
   * @default "keep"
   */
  duplicates?: DuplicatePolicy;
}

/** Default ML-1M timezone for `day` order (see {@linkcode MovieLensOptions.timezone}). */
export const ML1M_TIMEZONE = "Etc/GMT-10";

function sortKeySql(options: MovieLensOptions, defaultTimezone: string): string {
  if ((options.order ?? "day") === "timestamp") return "ts";
  const tz = options.timezone ?? defaultTimezone;
  // Fixed-offset zones need no time-zone database: integer day arithmetic is 10x faster.
  const fixed = tz.match(/^(?:Etc\/)?(?:UTC|GMT)(?:([+-])(\d{1,2}))?$/);
  if (fixed) {
    // POSIX-style Etc/GMT-10 is UTC+10: the sign is inverted.
    const offset = fixed[1] ? (fixed[1] === "-" ? 1 : -1) * Number(fixed[2]) * 3600 : 0;
    return `(ts + ${offset}) // 86400`;
  }
  return `date_diff('day', DATE '1970-01-01', (timezone(${
    sqlString(tz)
  }, to_timestamp(ts)))::DATE)`;
}

/**
 * Moves a trailing ", The" / ", A" before the year to the front, as the reference does: it fires
 * only when the title has exactly one "(".
 *
 * @example
 * ```ts
 * import { fixMovieTitle } from "./movielens.ts";
 * console.assert(fixMovieTitle("Bronx Tale, A (1993)") === "A Bronx Tale (1993)");
 * ```
 */
export function fixMovieTitle(title: string): string {
  if (title.split("(").length !== 2) return title;
  const m = title.match(/^(.*), (The|A) (\(\d{4}\))\s*$/);
  return m ? `${m[2]} ${m[1]} ${m[3]}` : title;
}

/**
 * Loads `user item rating timestamp` lines into `raw_ratings`, checking the rating scale, and
 * applies the duplicate policy. The report starts here.
 */
async function loadRatings(
  db: DuckDBConnection,
  file: string,
  separator: string,
  duplicates: DuplicatePolicy = "keep",
): Promise<SourceReport> {
  const rowsRead = await loadDelimited(db, {
    file,
    table: "raw_ratings",
    separator,
    what: "ratings file",
    fields: [
      { name: "uid", type: "INTEGER" },
      { name: "iid", type: "INTEGER" },
      { name: "rating", type: "INTEGER" },
      { name: "ts", type: "BIGINT" },
    ],
  });
  await checkRatingRange(db, file, MOVIE_DOMAIN);
  const report: SourceReport = { files: [file], rowsRead, dropped: {} };
  await applyDuplicatePolicy(db, "raw_ratings", ["uid", "iid", "ts"], duplicates, report);
  return report;
}

/** Moves `raw_ratings` into the source's `ratings` table with its chronological key. */
async function insertRatings(db: DuckDBConnection, sortKey: string): Promise<void> {
  await db.run(
    `insert into ratings select uid::VARCHAR, iid::VARCHAR, rating, ${sortKey}, line from raw_ratings`,
  );
}

async function finishItems(db: DuckDBConnection, report: SourceReport): Promise<void> {
  const titles = await readRows(db, "select item_raw, title from items");
  if (titles.length) {
    await db.run("create temp table fixed_titles(item_raw VARCHAR, title VARCHAR)");
    const app = await db.createAppender("fixed_titles");
    for (const r of titles) {
      app.appendVarchar(String(r.item_raw));
      app.appendVarchar(fixMovieTitle(String(r.title)));
      app.endRow();
    }
    app.closeSync();
    await db.run(
      "update items set title = f.title from fixed_titles f where items.item_raw = f.item_raw",
    );
  }
  const missing = await readRows(
    db,
    "select count(*)::INTEGER as n from ratings where item_raw not in (select item_raw from items)",
  );
  const n = Number(missing[0].n);
  if (n > 0) {
    await db.run("delete from ratings where item_raw not in (select item_raw from items)");
    report.dropped["item missing from the movie file"] = n;
  }
}

/**
 * MovieLens-1M: `ratings.dat` or `ratings.dat.gz` (`UserID::MovieID::Rating::Timestamp`),
 * `movies.dat` (latin-1, `MovieID::Title::Genres`), `users.dat` (checked, like every file, before
 * anything loads; unused by the protocol). Item attribute: the first listed genre.
 *
 * @example
 * ```ts
 * import { movieLens1m } from "./movielens.ts";
 * const source = movieLens1m({ dataDir: "../shared/data/ml-1m" });
 * console.assert(source.name === "ml-1m");
 * ```
 */
export function movieLens1m(options: MovieLensOptions): DatasetSource {
  return {
    name: "ml-1m",
    domain: MOVIE_DOMAIN,
    attrFieldNames: ["genre"],
    async load(db) {
      let ratingsFile = join(options.dataDir, "ratings.dat");
      try {
        await runtime.stat(ratingsFile);
      } catch {
        ratingsFile += ".gz";
        try {
          await runtime.stat(ratingsFile);
        } catch {
          throw new DatasetError("ratings file not found (ratings.dat or ratings.dat.gz)", {
            file: join(options.dataDir, "ratings.dat"),
          });
        }
      }
      const moviesFile = join(options.dataDir, "movies.dat");
      await requireFile(ratingsFile, "ratings file");
      await requireFile(moviesFile, "movies file");
      await requireFile(join(options.dataDir, "users.dat"), "users file");
      await db.run(CREATE_SOURCE_TABLES);
      const report = await loadRatings(db, ratingsFile, "::", options.duplicates);
      await loadDelimited(db, {
        file: moviesFile,
        table: "raw_movies",
        separator: "::",
        encoding: "latin-1",
        what: "movies file",
        fields: [
          { name: "iid", type: "INTEGER" },
          { name: "title", type: "VARCHAR" },
          { name: "genres", type: "VARCHAR" },
        ],
      });
      await insertRatings(db, sortKeySql(options, ML1M_TIMEZONE));
      await db.run(
        `insert into items select iid::VARCHAR, title, string_split(genres, '|'), [string_split(genres, '|')[1]], NULL,
           try_cast(regexp_extract(title, '\\((\\d{4})\\)\\s*$', 1) as INTEGER) from raw_movies`,
      );
      report.files.push(moviesFile);
      await finishItems(db, report);
      return report;
    },
  };
}

/**
 * MovieLens-100K: `u.data` (tab-separated `user item rating timestamp`), `u.item` (latin-1,
 * `|`-separated, 19 genre flags in `u.genre` order), `u.user` (checked, like every file, before
 * anything loads; unused by the protocol). Item attribute: the first flagged genre.
 *
 * @example
 * ```ts
 * import { movieLens100k } from "./movielens.ts";
 * const source = movieLens100k({ dataDir: "../shared/data/ml-100k" });
 * console.assert(source.name === "ml-100k");
 * ```
 */
export function movieLens100k(options: MovieLensOptions): DatasetSource {
  return {
    name: "ml-100k",
    domain: MOVIE_DOMAIN,
    attrFieldNames: ["genre"],
    async load(db) {
      const dataFile = join(options.dataDir, "u.data");
      const itemFile = join(options.dataDir, "u.item");
      const genreFile = join(options.dataDir, "u.genre");
      await requireFile(dataFile, "ratings file");
      await requireFile(itemFile, "item file");
      await requireFile(genreFile, "genre file");
      await requireFile(join(options.dataDir, "u.user"), "users file");
      await db.run(CREATE_SOURCE_TABLES);
      const report = await loadRatings(db, dataFile, "\t", options.duplicates);
      await loadDelimited(db, {
        file: genreFile,
        table: "raw_genres",
        separator: "|",
        encoding: "latin-1",
        what: "genre file",
        fields: [{ name: "name", type: "VARCHAR" }, { name: "idx", type: "INTEGER" }],
      });
      const genres = (await readRows(db, "select name from raw_genres order by idx")).map((r) =>
        String(r.name)
      );
      await loadDelimited(db, {
        file: itemFile,
        table: "raw_items",
        separator: "|",
        encoding: "latin-1",
        what: "item file",
        fields: [
          { name: "iid", type: "INTEGER" },
          { name: "title", type: "VARCHAR" },
          { name: "released", type: "VARCHAR" },
          { name: "video", type: "VARCHAR" },
          { name: "url", type: "VARCHAR" },
          ...genres.map((_, k) => ({ name: `g${k}`, type: "INTEGER" as const })),
        ],
      });
      const genreList = `list_filter([${
        genres.map((g, k) => `case when g${k} = 1 then ${sqlString(g)} end`).join(", ")
      }], x -> x is not null)`;
      await insertRatings(db, sortKeySql(options, "UTC"));
      await db.run(
        `insert into items select iid::VARCHAR, title, g, [coalesce(g[1], 'unknown')], NULL,
           try_cast(regexp_extract(title, '\\((\\d{4})\\)\\s*$', 1) as INTEGER)
         from (select *, ${genreList} as g from raw_items)`,
      );
      report.files.push(itemFile, genreFile);
      await finishItems(db, report);
      return report;
    },
  };
}

/** Fails on the first rating outside the domain's scale, naming the line. */
export async function checkRatingRange(
  db: DuckDBConnection,
  file: string,
  domain: DatasetDomain,
  table = "raw_ratings",
): Promise<void> {
  const [lo, hi] = domain.ratingScale;
  const bad = await readRows(
    db,
    `select line, rating from ${table} where rating < ${lo} or rating > ${hi} order by line limit 1`,
  );
  if (bad.length) {
    throw new DatasetError(`rating ${bad[0].rating} is outside ${lo}..${hi}`, {
      file,
      line: Number(bad[0].line),
      column: "rating",
    });
  }
}
