/**
 * The store: one DuckDB database file holding every generation (content-addressed), the knowledge
 * rounds and final knowledge of every entity, encoder vectors, and run metadata. `DuckDbStore` is
 * a facade over one module per table (`tables/`), all on one {@link StoreConnection}.
 *
 * Durability: every write is one DuckDB transaction, committed through DuckDB's write-ahead log, so a
 * process killed at any moment (SIGKILL included) leaves either the whole record or none of it; the
 * next `openStore` replays the log. All statements of one store go through a single connection and
 * are serialised there, because interleaving statements of concurrent transactions on one DuckDB
 * connection would mix them.
 *
 * @module
 */
import { runtime } from "../../runtime/mod.ts";
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type {
  KnowledgeKind,
  KnowledgeRecord,
  KnowledgeStore,
  VectorCache,
} from "../../plugins/types.ts";
import { StoreConnection } from "./connection.ts";
import { openChecked } from "./integrity.ts";
import { sqlString } from "./sql.ts";
import {
  type GenerationRecord,
  GENERATIONS_SCHEMA,
  GenerationsTable,
} from "./tables/generations.ts";
import { BatchesTable } from "./tables/batches.ts";
import { KNOWLEDGE_SCHEMA, KnowledgeTable } from "./tables/knowledge.ts";
import { type RunRecord, RUNS_SCHEMA, RunsTable, type RunStatus } from "./tables/runs.ts";
import { VECTORS_SCHEMA, VectorsTable } from "./tables/vectors.ts";

export type { GenerationRecord } from "./tables/generations.ts";
export type { RunRecord, RunStatus } from "./tables/runs.ts";
export type { BatchesTable, BatchRecord, BatchStatus } from "./tables/batches.ts";

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Open without write access (several readers may share a file). */
  readOnly?: boolean;
}

/** Tables of the store, for `exportParquet` (`batches` exists once a batch was submitted). */
export type StoreTable =
  | "generations"
  | "knowledge"
  | "knowledge_rounds"
  | "vectors"
  | "runs"
  | "batches";
const TABLES: readonly StoreTable[] = [
  "generations",
  "knowledge",
  "knowledge_rounds",
  "vectors",
  "runs",
  "batches",
];

const SCHEMA = [GENERATIONS_SCHEMA, KNOWLEDGE_SCHEMA, VECTORS_SCHEMA, RUNS_SCHEMA].join("\n");

/**
 * A DuckDB-file store. Create it with {@link openStore}; close it when done.
 *
 * @example
 * ```ts
 * import { openStore } from "./duckdb_store.ts";
 * const store = await openStore(":memory:");
 * await store.putVectors("hashing-64", [{ textHash: "abc", vector: new Float32Array(64) }]);
 * console.log((await store.getVectors("hashing-64", ["abc"])).size); // 1
 * store.close();
 * ```
 */
export class DuckDbStore implements KnowledgeStore, VectorCache {
  readonly #connection: StoreConnection;
  readonly #generations: GenerationsTable;
  readonly #knowledge: KnowledgeTable;
  readonly #vectors: VectorsTable;
  readonly #runs: RunsTable;
  /**
   * The batches submitted to a Batch API (`tables/batches.ts`; the table is created on first use).
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * console.log((await store.batches.list()).length); // 0
   * ```
   */
  readonly batches: BatchesTable;

  /** Use {@link openStore}. */
  constructor(readonly path: string, instance: DuckDBInstance, connection: DuckDBConnection) {
    this.#connection = new StoreConnection(path, instance, connection);
    this.#generations = new GenerationsTable(this.#connection);
    this.#knowledge = new KnowledgeTable(this.#connection);
    this.#vectors = new VectorsTable(this.#connection);
    this.#runs = new RunsTable(this.#connection);
    this.batches = new BatchesTable(this.#connection);
  }

  /** Creates the tables when missing. Called by {@link openStore}. */
  async init(): Promise<void> {
    await this.#connection.exclusive((c) => c.run(SCHEMA));
  }

  /**
   * Marks as `interrupted` the runs still `running` that another process started: a writer holds
   * the file's lock, so such a process is gone. Called by {@link openStore}; returns how many.
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * console.log(await store.markInterruptedRuns()); // 0
   * ```
   */
  markInterruptedRuns(): Promise<number> {
    return this.#runs.markInterrupted();
  }

  // ---- generations ----

  /**
   * The stored generation with this content key, if any. Lookups that arrive while the store is
   * busy are served by one query.
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * console.log(await store.getGeneration("0".repeat(64))); // undefined
   * ```
   */
  getGeneration(key: string): Promise<GenerationRecord | undefined> {
    return this.#generations.get(key);
  }

  /**
   * Stores a generation. The first write of a key wins; later writes of the same key are ignored
   * (equal keys mean equal requests). Resolves once the generation is committed; writes that
   * arrive while the store is busy share one transaction.
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * await store.putGeneration({
   *   key: "k1", generator: "hf:m", model: "m", params: { maxTokens: 512, temperature: 0 },
   *   messages: [{ role: "user", content: "hi" }], text: "hello",
   *   usage: { prompt: 1, completion: 1 }, latencyMs: 12, createdAt: new Date(),
   * });
   * ```
   */
  putGeneration(record: GenerationRecord): Promise<void> {
    return this.#generations.put(record);
  }

  /**
   * Number of stored generations (optionally of one generator).
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * console.log(await store.countGenerations()); // 0
   * ```
   */
  countGenerations(generator?: string): Promise<number> {
    return this.#generations.count(generator);
  }

  // ---- knowledge ----

  /**
   * The keys among `keys` that already have a usable knowledge record: one whose final draft was
   * parsed (a record holding only an unparsable answer is done again by the next run).
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * console.log(await store.completedKeys(["u:1", "u:2"])); // Set(0) {}
   * ```
   */
  completedKeys(keys: string[]): Promise<Set<string>> {
    return this.#knowledge.completedKeys(keys);
  }

  /**
   * Writes one entity's knowledge and all its rounds in a single transaction, replacing any earlier
   * record of the same key. Records written concurrently share one transaction (group commit); a
   * record that fails is retried alone, so one bad record never fails the others.
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * const draft = { text: "likes drama", author: "profile", usage: { prompt: 0, completion: 0 }, latencyMs: 0 };
   * await store.putKnowledge({ key: "u:1", kind: "user", first: draft, final: draft, rounds: [{ round: 0, draft }] });
   * ```
   */
  putKnowledge(record: KnowledgeRecord): Promise<void> {
    return this.#knowledge.put(record);
  }

  /**
   * One entity's knowledge record with its rounds, if stored.
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * console.log(await store.getKnowledge("u:1")); // undefined
   * ```
   */
  async getKnowledge(key: string): Promise<KnowledgeRecord | undefined> {
    const [record] = await this.#knowledge.list({ keys: [key] });
    return record;
  }

  /**
   * Knowledge records, optionally filtered by kind, key prefix or exact keys, ordered by key.
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * const users = await store.listKnowledge({ kind: "user", keyPrefix: "ml-1m:" });
   * console.log(users.length); // 0
   * ```
   */
  listKnowledge(
    filter: { kind?: KnowledgeKind; keyPrefix?: string; keys?: string[] } = {},
  ): Promise<KnowledgeRecord[]> {
    return this.#knowledge.list(filter);
  }

  // ---- vectors ----

  /**
   * Cached vectors of `encoderId` for the given text hashes (missing hashes are absent).
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * console.log((await store.getVectors("bge-m3", ["h1"])).size); // 0
   * ```
   */
  getVectors(encoderId: string, textHashes: string[]): Promise<Map<string, Float32Array>> {
    return this.#vectors.get(encoderId, textHashes);
  }

  /**
   * Stores vectors of `encoderId` (one transaction; existing entries are replaced, and of one text
   * given twice the last vector wins).
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * await store.putVectors("bge-m3", [{ textHash: "h1", vector: Float32Array.of(0.5, -1) }]);
   * ```
   */
  putVectors(
    encoderId: string,
    entries: { textHash: string; vector: Float32Array }[],
  ): Promise<void> {
    return this.#vectors.put(encoderId, entries);
  }

  /**
   * Writes vectors (all, or one encoder's) to a Parquet file with columns
   * `encoder_id, text_hash, dim, vector FLOAT[]`.
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * await store.exportVectorsParquet(await Deno.makeTempFile({ suffix: ".parquet" }), { encoderId: "bge-m3" });
   * ```
   */
  exportVectorsParquet(path: string, options: { encoderId?: string } = {}): Promise<void> {
    return this.#vectors.exportParquet(path, options);
  }

  /**
   * Loads vectors from a Parquet file written by {@link exportVectorsParquet} (or any file with the
   * same columns); returns how many rows were read.
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * // await store.importVectorsParquet("vectors.parquet");
   * ```
   */
  importVectorsParquet(path: string): Promise<number> {
    return this.#vectors.importParquet(path);
  }

  /**
   * Writes a whole table to a Parquet file (exchange with other platforms).
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * await store.exportParquet("knowledge", await Deno.makeTempFile({ suffix: ".parquet" }));
   * ```
   */
  async exportParquet(table: StoreTable, path: string): Promise<void> {
    if (!TABLES.includes(table)) {
      throw new Error(`exportParquet: unknown table "${table}" (one of ${TABLES.join(", ")})`);
    }
    await this.#connection.exclusive((c) =>
      c.run(`COPY (SELECT * FROM ${table}) TO ${sqlString(path)} (FORMAT parquet)`)
    );
  }

  // ---- runs ----

  /**
   * Records the start of a run and returns its id (a fresh UUID unless given).
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * const runId = await store.startRun({ kind: "knowledge", config: { rounds: 1 } });
   * await store.finishRun(runId, { status: "done", timings: { totalMs: 1200 } });
   * ```
   */
  startRun(options: { kind: string; config: unknown; runId?: string }): Promise<string> {
    return this.#runs.start(options);
  }

  /**
   * Records the end of a run with its timings and summary.
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * const runId = await store.startRun({ kind: "eval", config: {} });
   * await store.finishRun(runId, { status: "failed", summary: { error: "out of memory" } });
   * ```
   */
  finishRun(
    runId: string,
    result: {
      status: Exclude<RunStatus, "running">;
      timings?: Record<string, number>;
      summary?: unknown;
    },
  ): Promise<void> {
    return this.#runs.finish(runId, result);
  }

  /**
   * Runs in start order (optionally of one kind).
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * console.log((await store.listRuns("knowledge")).length); // 0
   * ```
   */
  listRuns(kind?: string): Promise<RunRecord[]> {
    return this.#runs.list(kind);
  }

  /**
   * Runs a read-only SQL query against the store and returns plain JS rows (for reports and tests).
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * const rows = await store.query("SELECT count(*) AS n FROM knowledge");
   * console.log(rows[0].n); // 0n
   * ```
   */
  query(sql: string): Promise<Record<string, unknown>[]> {
    return this.#connection.rows(sql);
  }

  /**
   * Waits for every queued write and pending statement, checkpoints and closes the database file.
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * await store.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#connection.closed) return;
    await Promise.all([
      this.#generations.flush(),
      this.#knowledge.flush(),
      this.#vectors.flush(),
      this.batches.flush(),
    ]);
    await this.#connection.close();
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Opens (creating if needed) the store in one DuckDB file; `":memory:"` gives a throw-away store.
 * An existing file is first read whole by a read-only instance (`integrity.ts`): a damaged one is
 * refused at once, naming the file, before anything is written to it. A writer holds the file's
 * lock: a second process fails at once, naming the holder's PID. Opening for writing marks runs
 * that an earlier, dead process left `running` as `interrupted`.
 *
 * @example
 * ```ts
 * import { openStore } from "./duckdb_store.ts";
 * const dir = await Deno.makeTempDir();
 * const store = await openStore(`${dir}/knowledge.duckdb`);
 * console.log(await store.countGenerations()); // 0
 * await store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openStore(
  path: string,
  options: OpenStoreOptions = {},
): Promise<DuckDbStore> {
  let instance: DuckDBInstance;
  try {
    instance = await openInstance(path, options.readOnly ?? false);
  } catch (error) {
    throw openError(path, error as Error);
  }
  const connection = await instance.connect();
  const store = new DuckDbStore(path, instance, connection);
  if (!options.readOnly) {
    await store.init();
    await store.markInterruptedRuns();
  }
  return store;
}

/** The instance of `path`: an existing file checked first (the check's own instance if read-only). */
async function openInstance(path: string, readOnly: boolean): Promise<DuckDBInstance> {
  const existing = path !== ":memory:" && (await runtime.stat(path).catch(() => null))?.size;
  if (!existing) {
    return await DuckDBInstance.create(path, readOnly ? { access_mode: "READ_ONLY" } : undefined);
  }
  const checked = await openChecked(path);
  if (readOnly) return checked;
  checked.closeSync();
  return await DuckDBInstance.create(path);
}

/** The error of a failed open: the lock holder's PID when another process holds the file. */
function openError(path: string, error: Error): Error {
  if (error.message.startsWith(`store ${path} is damaged:`)) return error;
  const pid = /Conflicting lock is held in .* \(PID (\d+)\)/.exec(error.message)?.[1];
  return new Error(
    pid
      ? `store ${path} is in use by another process (PID ${pid}); wait for it to finish, or ` +
        `use another store`
      : `cannot open store ${path}: ${error.message.replace(/^IO Error: /, "").split("\n")[0]}`,
    { cause: error },
  );
}
