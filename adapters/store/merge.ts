/**
 * Merging stores (`deno task store merge A.duckdb B.duckdb --into S.duckdb`): the shards of one
 * knowledge job, run apart (`--shard I/N`), become one store. Each source is checked whole
 * (`integrity.ts`), then `ATTACH`ed read-only to the target and copied in one transaction, rows
 * deduplicated by primary key, so merging twice, or merging stores that overlap, stores nothing
 * twice. Stores made with other prompts, models, rounds or data are refused before anything is
 * written (`knowledge_identity.ts`).
 *
 * @module
 */
import { resolve } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { runtime } from "../../runtime/mod.ts";
import { inTransaction } from "./connection.ts";
import { openStore } from "./duckdb_store.ts";
import { openChecked } from "./integrity.ts";
import {
  identityDifference,
  knowledgeIdentities,
  type KnowledgeIdentity,
  knowledgeShards,
  missingShards,
  storeIdentity,
} from "./knowledge_identity.ts";
import { sqlString } from "./sql.ts";

/** The tables a merge copies. */
export type MergedTable = "generations" | "knowledge" | "knowledge_rounds" | "vectors" | "runs";

/** The tables a merge copies, in copy order; each table's rows are deduplicated by its key. */
const MERGED_TABLES: readonly MergedTable[] = [
  "generations",
  "knowledge",
  "knowledge_rounds",
  "vectors",
  "runs",
];

/** Rows one merge added to the target, per table. */
export type MergeCounts = Record<MergedTable, number>;

/** What {@link mergeStores} did. */
export interface MergeSummary {
  /** The target store. */
  into: string;
  /** The sources, in the order merged. */
  sources: string[];
  /** Rows added per table, over all sources. */
  added: MergeCounts;
  /** Knowledge records of the target that held an unparsable answer and a source replaced. */
  replaced: number;
  /** The identity the merged knowledge shares (absent when no store had a knowledge run). */
  identity?: KnowledgeIdentity;
  /** The shards (`I/N`, `all`) of the knowledge runs now in the target. */
  shards: string[];
  /** Shards of `N` that no merged store holds, when all are shards of one `N`. */
  missingShards: string[];
}

/** The alias a source is attached under. */
const SOURCE = "merge_source";

/**
 * Merges the stores `sources` into `into` (created when missing). A knowledge record already in
 * the target is kept, unless it holds an unparsable answer and the source's is parsed. Throws
 * before writing anything when a source is missing, damaged, in use, the target itself, or made
 * with another configuration than the others (the error names both stores and the field).
 *
 * @example
 * ```ts
 * import { mergeStores, openStore } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const shard = await openStore(`${dir}/a.duckdb`);
 * const identity = { dataset: "synthetic", actor: "profile", reflector: "grounded", rounds: 1 };
 * await shard.finishRun(await shard.startRun({ kind: "knowledge", config: { identity } }), {
 *   status: "done",
 * });
 * await shard.close();
 * const summary = await mergeStores([`${dir}/a.duckdb`], `${dir}/all.duckdb`);
 * console.log(summary.added.runs); // 1
 * ```
 */
export async function mergeStores(sources: string[], into: string): Promise<MergeSummary> {
  if (sources.length === 0) throw new Error("store merge: no source stores given");
  const { identity, shards } = await checkSources(sources, into);
  // openStore creates the tables, checks an existing target and takes its lock; the merge then
  // reopens it bare, for ATTACH on its own connection.
  await (await openStore(into)).close();
  const instance = await DuckDBInstance.create(into);
  const c = await instance.connect();
  const added = Object.fromEntries(MERGED_TABLES.map((t) => [t, 0])) as MergeCounts;
  let replaced = 0;
  try {
    for (const source of sources) {
      const one = await mergeOne(c, source);
      for (const table of MERGED_TABLES) added[table] += one.added[table];
      replaced += one.replaced;
    }
  } finally {
    c.closeSync();
    instance.closeSync();
  }
  return {
    into,
    sources,
    added,
    replaced,
    ...(identity ? { identity } : {}),
    shards,
    missingShards: missingShards(shards),
  };
}

/**
 * Every source checked whole and its identity read; throws at the first source that is missing,
 * the target, damaged, or of another configuration than the ones before it (target first).
 */
async function checkSources(
  sources: string[],
  into: string,
): Promise<{ identity?: KnowledgeIdentity; shards: string[] }> {
  const self = sources.find((path) => resolve(path) === resolve(into));
  if (self) throw new Error(`store merge: ${self} is the target store; merge it into another file`);
  const seen: { path: string; identity: KnowledgeIdentity }[] = [];
  const shards = new Set<string>();
  const target = await runtime.stat(into).catch(() => null);
  for (const path of target?.size ? [into, ...sources] : sources) {
    const { identity, shards: own } = await identityOfFile(path);
    for (const shard of own) shards.add(shard);
    if (!identity) {
      if (path === into) continue;
      throw new Error(
        `store merge: ${path} holds no knowledge run (written by deno task knowledge), so ` +
          `what made it cannot be checked against the others`,
      );
    }
    for (const other of seen) {
      const d = identityDifference(other.identity, identity);
      if (d) {
        throw new Error(
          `store merge: ${other.path} and ${path} were made with different ${d.field} ` +
            `(${JSON.stringify(d.a)} vs ${JSON.stringify(d.b)}); nothing was merged`,
        );
      }
    }
    seen.push({ path, identity });
  }
  return { identity: seen[0]?.identity, shards: [...shards].sort() };
}

/** A store file's identity and shards, the file read whole on the way (damage throws, naming it). */
async function identityOfFile(
  path: string,
): Promise<{ identity?: KnowledgeIdentity; shards: string[] }> {
  if (!(await runtime.stat(path).catch(() => null))?.size) {
    throw new Error(`store merge: ${path}: no such store file`);
  }
  let instance: DuckDBInstance;
  try {
    instance = await openChecked(path);
  } catch (error) {
    throw new Error(`store merge: ${(error as Error).message.split("\n")[0]}`, { cause: error });
  }
  const c = await instance.connect();
  try {
    const [{ db }] = (await c.runAndReadAll("SELECT current_database() AS db"))
      .getRowObjectsJS() as { db: string }[];
    return {
      identity: storeIdentity(path, await knowledgeIdentities(c, db)),
      shards: await knowledgeShards(c, db),
    };
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

/** Copies one source into the target's connection in one transaction. */
async function mergeOne(
  c: DuckDBConnection,
  source: string,
): Promise<{ added: MergeCounts; replaced: number }> {
  await c.run(`ATTACH ${sqlString(source)} AS ${SOURCE} (READ_ONLY)`);
  try {
    const before = await tableCounts(c);
    const replaced = await inTransaction(c, () => copyRows(c));
    const after = await tableCounts(c);
    const added = Object.fromEntries(
      MERGED_TABLES.map((t) => [t, after[t] - before[t]]),
    ) as MergeCounts;
    return { added, replaced };
  } finally {
    await c.run(`DETACH ${SOURCE}`);
  }
}

/** Row counts of the target's merged tables. */
async function tableCounts(c: DuckDBConnection): Promise<MergeCounts> {
  const select = MERGED_TABLES.map((t) => `(SELECT count(*) FROM main.${t}) AS ${t}`).join(", ");
  const [row] = (await c.runAndReadAll(`SELECT ${select}`)).getRowObjectsJS();
  return Object.fromEntries(MERGED_TABLES.map((t) => [t, Number(row[t])])) as MergeCounts;
}

/** Whether a `knowledge` row's final draft was parsed (SQL over the row alias `r`). */
const PARSED = (r: string) => `json_extract_string(${r}.final_draft, '$.parseFailure') IS NULL`;

/**
 * The statements of one source's copy; returns how many unparsed target records it replaced.
 * Columns go by name, so a source written before a column was added still merges.
 */
async function copyRows(c: DuckDBConnection): Promise<number> {
  const src = `${SOURCE}.main`;
  // A record comes whole, with its own rounds: new keys, and parsed records over unparsed ones.
  await c.run(
    `CREATE OR REPLACE TEMP TABLE merge_keys AS
     SELECT s.key, m.key IS NOT NULL AS replacing FROM ${src}.knowledge s
     LEFT JOIN main.knowledge m ON m.key = s.key
     WHERE m.key IS NULL OR (NOT ${PARSED("m")} AND ${PARSED("s")})`,
  );
  const [{ n }] = (await c.runAndReadAll(
    "SELECT count(*) AS n FROM merge_keys WHERE replacing",
  )).getRowObjectsJS();
  for (const table of ["knowledge_rounds", "knowledge"]) {
    await c.run(`DELETE FROM main.${table} WHERE key IN (SELECT key FROM merge_keys)`);
  }
  for (const table of ["knowledge_rounds", "knowledge"]) {
    await c.run(
      `INSERT INTO main.${table} BY NAME
       SELECT * FROM ${src}.${table} WHERE key IN (SELECT key FROM merge_keys)`,
    );
  }
  for (const table of ["generations", "vectors", "runs"]) {
    await c.run(`INSERT OR IGNORE INTO main.${table} BY NAME SELECT * FROM ${src}.${table}`);
  }
  await c.run("DROP TABLE merge_keys");
  return Number(n);
}
