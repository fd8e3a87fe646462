/**
 * Amazon-Book in the Amazon Review Data 2018 format (docs/protocol.md#amazon-book): `Books_5.json.gz` reviews and
 * `meta_Books.json.gz` metadata, 60-core users / 40-core items, attributes brand + first
 * sub-category in one shared vocabulary.
 *
 * @module
 */
import { join } from "node:path";
import { listValue } from "@duckdb/node-api";
import { type DuckDBConnection, readRows, requireFile, runOnFile, sqlString } from "./duckdb.ts";
import { applyDuplicatePolicy, type DuplicatePolicy } from "./duplicates.ts";
import { DatasetError } from "./errors.ts";
import { verifyGzip } from "./file_checks.ts";
import { checkRatingRange } from "./movielens.ts";
import { CREATE_SOURCE_TABLES, type DatasetSource, type SourceReport } from "./source.ts";
import type { DatasetDomain } from "./types.ts";

/** Book domain: ratings 1..5, only 5 stars is a like. */
export const BOOK_DOMAIN: DatasetDomain = {
  itemNoun: "book",
  ratingScale: [1, 5],
  likeThreshold: 4,
};

/** Options of {@linkcode amazonBooks}. */
export interface AmazonOptions {
  /** Folder holding `Books_5.json.gz` and `meta_Books.json.gz`. */
  dataDir: string;
  /** Reviews file name (default `Books_5.json.gz`). */
  reviewsFile?: string;
  /** Metadata file name (default `meta_Books.json.gz`). */
  metaFile?: string;
  /** Minimum interactions per user in the k-core (default 60). */
  userCore?: number;
  /** Minimum interactions per item in the k-core (default 40). */
  itemCore?: number;
  /**
   * Reviews repeating an earlier (reviewer, book, time), dropped before the k-core or kept (the
   * reference counts them in the k-core); counted either way.
   *
   * @default "keep"
   */
  duplicates?: DuplicatePolicy;
}

const ENTITIES: Record<string, string> = {
  amp: "&",
  quot: '"',
  apos: "'",
  lt: "<",
  gt: ">",
  nbsp: " ",
};

/**
 * Cleans a title or brand as the reference does (HTML-unescape, ASCII quotes and dashes, collapse
 * spaces, truncate to 150 characters at a word boundary). Strings the reference would turn into its
 * long "delete-flag" string (non-ASCII left, no letters, or under 3 characters) come back as
 * `undefined`, so callers use a readable placeholder instead (docs/protocol.md#amazon-book).
 *
 * @example
 * ```ts
 * import { cleanAmazonText } from "./amazon.ts";
 * console.assert(cleanAmazonText("Pride &amp; Prejudice") === "Pride & Prejudice");
 * console.assert(cleanAmazonText("??") === undefined);
 * ```
 */
export function cleanAmazonText(raw: string | null | undefined): string | undefined {
  if (raw == null) return undefined;
  let s = raw.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === "#") {
      const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1));
      return Number.isFinite(code) ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
  s = s.replace(/[\u2018\u2019\u201a\u2032]/g, "'").replace(/[\u201c\u201d\u201e\u2033]/g, '"')
    .replace(/[\u2013\u2014\u2212]/g, "-").replace(/\u2026/g, "...")
    .replace(/[\u00a0\t\r\n]/g, " ").replace(/[\u00ae\u2122\u00a9]/g, "");
  s = s.replace(/\s+/g, " ").trim();
  if (s.length > 150) {
    const cut = s.slice(0, 150);
    const space = cut.lastIndexOf(" ");
    s = (space > 0 ? cut.slice(0, space) : cut).trim();
  }
  // deno-lint-ignore no-control-regex
  if (/[^\x00-\x7f]/.test(s) || !/[a-z]/i.test(s) || s.length < 3) return undefined;
  return s;
}

async function readJsonLines(
  db: DuckDBConnection,
  file: string,
  table: string,
  columns: Record<string, string>,
): Promise<void> {
  const cols = Object.entries(columns).map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`).join(
    ", ",
  );
  await verifyGzip(file);
  await runOnFile(
    db,
    `create or replace temp table ${table} as select row_number() over () as line, * from read_json(${
      sqlString(file)
    }, format='newline_delimited', columns={${cols}})`,
    file,
  );
}

// JSON numbers read as text: an integer, or one written with a zero fraction (`5.0`, as the
// dataset writes ratings). DuckDB writes 1e3 as "1000.0"; 4.5 and strings like "0x10" fail.
const INTEGRAL_TEXT = "'[+-]?[0-9]+(\\.0+)?'";

/**
 * Fails on the first review without an id, or whose `overall` or `unixReviewTime` is not a whole
 * number, naming its line and field.
 */
async function requireReviewFields(db: DuckDBConnection, reviewsFile: string): Promise<void> {
  for (
    const [col, check] of [
      ["reviewerID", "reviewerID is null"],
      ["asin", "asin is null"],
      ["overall", `overall is not null and not regexp_full_match(overall, ${INTEGRAL_TEXT})`],
      [
        "unixReviewTime",
        `not coalesce(regexp_full_match(unixReviewTime, ${INTEGRAL_TEXT}), false)
          or try_cast(unixReviewTime as BIGINT) is null`,
      ],
    ]
  ) {
    const bad = await readRows(
      db,
      `select line, ${col} as v from raw_reviews where ${check} order by line limit 1`,
    );
    if (bad.length) {
      throw new DatasetError(
        bad[0].v == null
          ? `missing ${col}`
          : `${col} is not an integer: ${JSON.stringify(bad[0].v)}`,
        { file: reviewsFile, line: Number(bad[0].line), column: col },
      );
    }
  }
}

/**
 * The Amazon-Book source.
 *
 * @example
 * ```ts
 * import { amazonBooks } from "./amazon.ts";
 * const source = amazonBooks({ dataDir: "data/amazon-book" });
 * console.assert(source.domain.likeThreshold === 4);
 * ```
 */
export function amazonBooks(options: AmazonOptions): DatasetSource {
  const userCore = options.userCore ?? 60;
  const itemCore = options.itemCore ?? 40;
  return {
    name: "amazon-book",
    domain: BOOK_DOMAIN,
    attrFieldNames: ["brand", "category"],
    async load(db) {
      const reviewsFile = join(options.dataDir, options.reviewsFile ?? "Books_5.json.gz");
      const metaFile = join(options.dataDir, options.metaFile ?? "meta_Books.json.gz");
      await requireFile(reviewsFile, "reviews file");
      await requireFile(metaFile, "metadata file");
      await db.run(CREATE_SOURCE_TABLES);
      await readJsonLines(db, reviewsFile, "raw_reviews", {
        reviewerID: "VARCHAR",
        asin: "VARCHAR",
        overall: "VARCHAR",
        unixReviewTime: "VARCHAR",
      });
      const report: SourceReport = { files: [reviewsFile, metaFile], rowsRead: 0, dropped: {} };
      report.rowsRead = Number((await readRows(db, "select count(*) n from raw_reviews"))[0].n);
      await requireReviewFields(db, reviewsFile);
      const noOverall = Number(
        (await readRows(db, "select count(*) n from raw_reviews where overall is null"))[0].n,
      );
      if (noOverall) report.dropped["review without overall"] = noOverall;
      await db.run(`create or replace temp table kc as
        select reviewerID, asin, round(overall::DOUBLE)::INTEGER as rating,
          unixReviewTime::BIGINT as ts, line from raw_reviews where overall is not null`);
      await checkRatingRange(db, reviewsFile, BOOK_DOMAIN, "kc");
      await applyDuplicatePolicy(
        db,
        "kc",
        ["reviewerID", "asin", "ts"],
        options.duplicates ?? "keep",
        report,
      );
      const before = Number((await readRows(db, "select count(*) n from kc"))[0].n);
      // Iterate the k-core to a fixed point; duplicates count, as the reference.
      for (;;) {
        const n0 = Number((await readRows(db, "select count(*) n from kc"))[0].n);
        await db.run(`delete from kc where reviewerID in
            (select reviewerID from kc group by 1 having count(*) < ${userCore})
          or asin in (select asin from kc group by 1 having count(*) < ${itemCore})`);
        const n1 = Number((await readRows(db, "select count(*) n from kc"))[0].n);
        if (n1 === n0) break;
      }
      const after = Number((await readRows(db, "select count(*) n from kc"))[0].n);
      if (before - after) {
        report.dropped[`outside the ${userCore}/${itemCore}-core`] = before - after;
      }

      await readJsonLines(db, metaFile, "raw_meta", {
        asin: "VARCHAR",
        title: "VARCHAR",
        brand: "VARCHAR",
        category: "VARCHAR[]",
      });
      await db.run(`create or replace temp table meta as
        select * from (select *, row_number() over (partition by asin order by line) rn from raw_meta
          where asin in (select distinct asin from kc)) where rn = 1`);
      const noMeta = Number(
        (await readRows(db, "select count(*) n from kc where asin not in (select asin from meta)"))[
          0
        ]
          .n,
      );
      if (noMeta) report.dropped["item without metadata (k-core not re-checked)"] = noMeta;

      const metaRows = await readRows(db, "select asin, title, brand, category from meta");
      const items = await db.createAppender("items");
      let unknownTitles = 0, unknownBrands = 0;
      for (const r of metaRows) {
        const title = cleanAmazonText(r.title as string | null);
        const brand = cleanAmazonText(r.brand as string | null);
        if (!title) unknownTitles++;
        if (!brand) unknownBrands++;
        const path = ((r.category as string[] | null) ?? []).map((c) => cleanAmazonText(c) ?? "")
          .filter((c) => c);
        const category = path[1] ?? "unknown category";
        items.appendVarchar(String(r.asin));
        items.appendVarchar(title ?? "unknown title");
        items.appendValue(listValue(path.slice(1)));
        items.appendValue(listValue([brand ?? "unknown brand", category]));
        items.appendNull();
        items.appendNull();
        items.endRow();
      }
      items.closeSync();
      if (unknownTitles) {
        report.dropped["titles replaced by 'unknown title' (kept)"] = unknownTitles;
      }
      if (unknownBrands) {
        report.dropped["brands replaced by 'unknown brand' (kept)"] = unknownBrands;
      }
      await db.run(`insert into ratings select reviewerID, asin, rating, ts, line from kc
        where asin in (select asin from meta)`);
      return report;
    },
  };
}
