/**
 * The store: one DuckDB database file holding every generation (content-addressed), the knowledge
 * rounds and final knowledge of every entity, encoder vectors, and run metadata.
 *
 * Durability: every write is one DuckDB transaction, committed through DuckDB's write-ahead log, so a
 * process killed at any moment (SIGKILL included) leaves either the whole record or none of it; the
 * next `openStore` replays the log. All statements of one store go through a single connection and
 * are serialised here, because interleaving statements of concurrent transactions on one DuckDB
 * connection would mix them.
 *
 * @module
 */
import {
  ARRAY,
  arrayValue,
  BOOLEAN,
  DOUBLE,
  DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBType,
  type DuckDBValue,
  FLOAT,
  INTEGER,
  LIST,
  listValue,
  VARCHAR,
} from "@duckdb/node-api";
import type {
  ChatMessage,
  Critique,
  Draft,
  GenerationParams,
  KnowledgeKind,
  KnowledgeRecord,
  KnowledgeRound,
  KnowledgeStore,
  TokenUsage,
  VectorCache,
} from "../../plugins/types.ts";

/** One stored generation. */
export interface GenerationRecord {
  /** Content key from `generationKey`. */
  key: string;
  /** Id of the generator that produced it (part of the key). */
  generator: string;
  /** Model id the server reported. */
  model: string;
  params: GenerationParams;
  messages: ChatMessage[];
  text: string;
  usage: TokenUsage;
  latencyMs: number;
  finishReason?: string;
  /** When the generation finished. */
  createdAt: Date;
}

/**
 * Status of a run. `interrupted`: it was still `running` when another process next opened the store
 * for writing, so its process died without finishing it (killed, crashed).
 */
export type RunStatus = "running" | "done" | "failed" | "cancelled" | "interrupted";

/** Metadata of one run (a knowledge job, an evaluation, ...). */
export interface RunRecord {
  runId: string;
  /** What kind of run, e.g. `knowledge`. */
  kind: string;
  status: RunStatus;
  startedAt: Date;
  finishedAt?: Date;
  /** The run's full configuration, as given. */
  config: unknown;
  /** Named durations in milliseconds. */
  timings?: Record<string, number>;
  /** Whatever the run reports at its end (counts, metrics). */
  summary?: unknown;
}

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** Open without write access (several readers may share a file). */
  readOnly?: boolean;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS generations (
  key VARCHAR PRIMARY KEY,
  generator VARCHAR NOT NULL,
  model VARCHAR NOT NULL,
  params VARCHAR NOT NULL,
  messages VARCHAR NOT NULL,
  output VARCHAR NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  latency_ms DOUBLE NOT NULL,
  finish_reason VARCHAR,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS knowledge (
  key VARCHAR PRIMARY KEY,
  kind VARCHAR NOT NULL,
  first_text VARCHAR NOT NULL,
  final_text VARCHAR NOT NULL,
  final_round INTEGER NOT NULL,
  rounds INTEGER NOT NULL,
  reasonable BOOLEAN,
  parse_failures INTEGER NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  latency_ms DOUBLE NOT NULL,
  first_draft VARCHAR NOT NULL,
  final_draft VARCHAR NOT NULL,
  run_id VARCHAR,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS knowledge_rounds (
  key VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  round INTEGER NOT NULL,
  draft_text VARCHAR NOT NULL,
  verdict VARCHAR,
  author VARCHAR NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  latency_ms DOUBLE NOT NULL,
  parse_failure VARCHAR,
  reasonable BOOLEAN,
  critique VARCHAR,
  critic VARCHAR,
  critique_prompt_tokens INTEGER,
  critique_completion_tokens INTEGER,
  critique_latency_ms DOUBLE,
  critique_parse_failure VARCHAR,
  evidence VARCHAR,
  PRIMARY KEY (key, round)
);
CREATE TABLE IF NOT EXISTS vectors (
  encoder_id VARCHAR NOT NULL,
  text_hash VARCHAR NOT NULL,
  dim INTEGER NOT NULL,
  vector FLOAT[] NOT NULL,
  PRIMARY KEY (encoder_id, text_hash)
);
CREATE TABLE IF NOT EXISTS runs (
  run_id VARCHAR PRIMARY KEY,
  kind VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  started_at TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ,
  config VARCHAR NOT NULL,
  timings VARCHAR,
  summary VARCHAR
);
ALTER TABLE runs ADD COLUMN IF NOT EXISTS pid INTEGER;
`;

/** Tables of the store, for `exportParquet`. */
export type StoreTable = "generations" | "knowledge" | "knowledge_rounds" | "vectors" | "runs";
const TABLES: readonly StoreTable[] = [
  "generations",
  "knowledge",
  "knowledge_rounds",
  "vectors",
  "runs",
];

type Row = Record<string, unknown>;

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function seconds(date: Date): number {
  return date.getTime() / 1000;
}

function toNumber(value: unknown): number {
  return typeof value === "bigint" ? Number(value) : (value as number);
}

function optional<T>(value: T | null | undefined): T | undefined {
  return value === null ? undefined : value;
}

/** Rows per data chunk of a vector write (DuckDB's standard vector size). */
const VECTOR_CHUNK = 2048;

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
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  /** Use {@link openStore}. */
  constructor(readonly path: string, instance: DuckDBInstance, connection: DuckDBConnection) {
    this.#instance = instance;
    this.#connection = connection;
  }

  /** Runs `work` alone on the connection (statements of different callers never interleave). */
  #exclusive<T>(work: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error(`store ${this.path} is closed`));
    const next = this.#queue.then(() => work(this.#connection));
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Runs `work` inside BEGIN/COMMIT, rolling back on any error. */
  #transaction<T>(work: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.#exclusive(async (c) => {
      await c.run("BEGIN TRANSACTION");
      try {
        const result = await work(c);
        await c.run("COMMIT");
        return result;
      } catch (error) {
        await c.run("ROLLBACK").catch(() => {});
        throw error;
      }
    });
  }

  async #rows(
    sql: string,
    values?: DuckDBValue[],
    types?: DuckDBType[],
  ): Promise<Row[]> {
    return await this.#exclusive(async (c) => {
      const reader = await c.runAndReadAll(sql, values, types);
      return reader.getRowObjectsJS() as Row[];
    });
  }

  /** Creates the tables when missing. Called by {@link openStore}. */
  async init(): Promise<void> {
    await this.#exclusive((c) => c.run(SCHEMA));
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
  async markInterruptedRuns(): Promise<number> {
    const note = JSON.stringify({
      error: `interrupted: its process ended without finishing it (killed?); marked when the ` +
        `store was next opened for writing (${new Date().toISOString()})`,
    });
    return await this.#exclusive(async (c) => {
      const reader = await c.runAndReadAll(
        `UPDATE runs SET status = 'interrupted', summary = coalesce(summary, $1)
         WHERE status = 'running' AND (pid IS NULL OR pid <> $2)`,
        [note, Deno.pid],
        [VARCHAR, INTEGER],
      );
      return toNumber(reader.getRowsJS()[0]?.[0] ?? 0);
    });
  }

  // ---- generations ----
  // Lookups and inserts of generations are batched: requests that arrive while the connection is
  // busy are served by one query (group commit), so the store keeps up with many concurrent calls.
  // A put resolves only after its batch is committed, so an acknowledged generation is durable.

  #pendingGets: {
    key: string;
    resolve: (r: GenerationRecord | undefined) => void;
    reject: (e: unknown) => void;
  }[] = [];
  #pendingPuts: { record: GenerationRecord; resolve: () => void; reject: (e: unknown) => void }[] =
    [];
  #getsScheduled = false;
  #putsScheduled = false;

  /**
   * The stored generation with this content key, if any.
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * console.log(await store.getGeneration("0".repeat(64))); // undefined
   * ```
   */
  getGeneration(key: string): Promise<GenerationRecord | undefined> {
    if (this.#closed) return Promise.reject(new Error(`store ${this.path} is closed`));
    const answer = new Promise<GenerationRecord | undefined>((resolve, reject) =>
      this.#pendingGets.push({ key, resolve, reject })
    );
    if (!this.#getsScheduled) {
      this.#getsScheduled = true;
      this.#exclusive((c) => this.#flushGets(c)).catch(() => {});
    }
    return answer;
  }

  async #flushGets(c: DuckDBConnection): Promise<void> {
    this.#getsScheduled = false;
    const batch = this.#pendingGets;
    this.#pendingGets = [];
    try {
      const keys = [...new Set(batch.map((b) => b.key))];
      // One key: a primary-key point lookup; several: one semi-join for the whole batch.
      const reader = keys.length === 1
        ? await c.runAndReadAll("SELECT * FROM generations WHERE key = $1", keys, [VARCHAR])
        : await c.runAndReadAll(
          "SELECT * FROM generations WHERE key IN (SELECT unnest($1))",
          [listValue(keys)],
          [LIST(VARCHAR)],
        );
      const found = new Map<string, GenerationRecord>();
      for (const row of reader.getRowObjectsJS() as Row[]) {
        found.set(row.key as string, generationFromRow(row));
      }
      for (const b of batch) b.resolve(found.get(b.key));
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }

  /**
   * Stores a generation. The first write of a key wins; later writes of the same key are ignored
   * (equal keys mean equal requests). Resolves once the generation is committed.
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
    if (this.#closed) return Promise.reject(new Error(`store ${this.path} is closed`));
    const done = new Promise<void>((resolve, reject) =>
      this.#pendingPuts.push({ record, resolve, reject })
    );
    if (!this.#putsScheduled) {
      this.#putsScheduled = true;
      this.#exclusive((c) => this.#flushPuts(c)).catch(() => {});
    }
    return done;
  }

  async #flushPuts(c: DuckDBConnection): Promise<void> {
    this.#putsScheduled = false;
    const batch = this.#pendingPuts;
    this.#pendingPuts = [];
    try {
      const firsts = new Map<string, GenerationRecord>();
      for (const { record } of batch) if (!firsts.has(record.key)) firsts.set(record.key, record);
      const records = [...firsts.values()];
      const column = <T extends DuckDBValue>(f: (r: GenerationRecord) => T) =>
        listValue(records.map(f));
      const values = [
        column((r) => r.key),
        column((r) => r.generator),
        column((r) => r.model),
        column((r) => JSON.stringify(r.params)),
        column((r) => JSON.stringify(r.messages)),
        column((r) => r.text),
        column((r) => r.usage.prompt),
        column((r) => r.usage.completion),
        column((r) => r.latencyMs),
        column((r) => r.finishReason ?? null),
        column((r) => seconds(r.createdAt)),
      ];
      const types = [
        LIST(VARCHAR),
        LIST(VARCHAR),
        LIST(VARCHAR),
        LIST(VARCHAR),
        LIST(VARCHAR),
        LIST(VARCHAR),
        LIST(INTEGER),
        LIST(INTEGER),
        LIST(DOUBLE),
        LIST(VARCHAR),
        LIST(DOUBLE),
      ];
      const insert = `INSERT INTO generations
         SELECT key, generator, model, params, messages, output, prompt_tokens, completion_tokens,
                latency_ms, finish_reason, to_timestamp(created_s)
         FROM (SELECT unnest($1) AS key, unnest($2) AS generator, unnest($3) AS model,
                      unnest($4) AS params, unnest($5) AS messages, unnest($6) AS output,
                      unnest($7) AS prompt_tokens, unnest($8) AS completion_tokens,
                      unnest($9) AS latency_ms, unnest($10) AS finish_reason,
                      unnest($11) AS created_s)`;
      // One statement = one transaction: the whole batch is committed or none of it. The plain
      // insert is the fast path (the caller looked the keys up first); if another writer stored
      // one of the keys meanwhile, the batch is redone skipping stored keys (a table scan).
      try {
        await c.run(insert, values, types);
      } catch (error) {
        if (!/duplicate key|constraint/i.test((error as Error).message)) throw error;
        await c.run(
          `${insert}\n         WHERE key NOT IN (SELECT key FROM generations)`,
          values,
          types,
        );
      }
      for (const b of batch) b.resolve();
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
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
  async countGenerations(generator?: string): Promise<number> {
    const [row] = generator === undefined
      ? await this.#rows("SELECT count(*) AS n FROM generations")
      : await this.#rows("SELECT count(*) AS n FROM generations WHERE generator = $1", [
        generator,
      ], [VARCHAR]);
    return toNumber(row.n);
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
  async completedKeys(keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await this.#rows(
      `SELECT key FROM knowledge WHERE key IN (SELECT unnest($1))
         AND json_extract_string(final_draft, '$.parseFailure') IS NULL`,
      [listValue(keys)],
      [LIST(VARCHAR)],
    );
    return new Set(rows.map((r) => r.key as string));
  }

  #pendingKnowledge: {
    record: KnowledgeRecord;
    resolve: () => void;
    reject: (e: unknown) => void;
  }[] = [];
  #knowledgeScheduled = false;

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
    if (this.#closed) return Promise.reject(new Error(`store ${this.path} is closed`));
    if (record.rounds.length === 0) {
      return Promise.reject(
        new Error(`knowledge record ${record.key}: rounds must not be empty`),
      );
    }
    const done = new Promise<void>((resolve, reject) =>
      this.#pendingKnowledge.push({ record, resolve, reject })
    );
    if (!this.#knowledgeScheduled) {
      this.#knowledgeScheduled = true;
      this.#exclusive((c) => this.#flushKnowledge(c)).catch(() => {});
    }
    return done;
  }

  async #flushKnowledge(c: DuckDBConnection): Promise<void> {
    this.#knowledgeScheduled = false;
    const batch = this.#pendingKnowledge;
    this.#pendingKnowledge = [];
    // The last write of a key in a batch wins, as it would written one by one.
    const last = new Map<string, KnowledgeRecord>();
    for (const { record } of batch) last.set(record.key, record);
    try {
      await this.#writeKnowledge(c, [...last.values()]);
      for (const b of batch) b.resolve();
      return;
    } catch {
      // Find the culprit: each record alone, in its own transaction.
    }
    for (const b of batch) {
      try {
        await this.#writeKnowledge(c, [b.record]);
        b.resolve();
      } catch (error) {
        b.reject(error);
      }
    }
  }

  async #writeKnowledge(c: DuckDBConnection, records: KnowledgeRecord[]): Promise<void> {
    const heads: DuckDBValue[][] = Array.from({ length: 15 }, () => []);
    const rows: DuckDBValue[][] = Array.from({ length: 18 }, () => []);
    const now = seconds(new Date());
    for (const record of records) {
      const rounds = [...record.rounds].sort((a, b) => a.round - b.round);
      const finalRound = rounds.findLast((r) => r.draft.text === record.final.text)?.round ??
        rounds.at(-1)!.round;
      const lastJudged = rounds.findLast((r) => r.critique !== undefined)?.critique;
      let prompt = 0, completion = 0, latency = 0, failures = 0;
      for (const r of rounds) {
        const cr = r.critique;
        prompt += r.draft.usage.prompt + (cr?.usage.prompt ?? 0);
        completion += r.draft.usage.completion + (cr?.usage.completion ?? 0);
        latency += r.draft.latencyMs + (cr?.latencyMs ?? 0);
        failures += (r.draft.parseFailure ? 1 : 0) + (cr?.parseFailure ? 1 : 0);
        [
          record.key,
          record.kind,
          r.round,
          r.draft.text,
          r.draft.verdict ?? null,
          r.draft.author,
          r.draft.usage.prompt,
          r.draft.usage.completion,
          r.draft.latencyMs,
          r.draft.parseFailure ?? null,
          cr ? cr.reasonable : null,
          cr ? cr.feedback : null,
          cr ? cr.author : null,
          cr ? cr.usage.prompt : null,
          cr ? cr.usage.completion : null,
          cr ? cr.latencyMs : null,
          cr?.parseFailure ?? null,
          cr?.evidence === undefined ? null : JSON.stringify(cr.evidence),
        ].forEach((v, i) => rows[i].push(v));
      }
      [
        record.key,
        record.kind,
        record.first.text,
        record.final.text,
        finalRound,
        rounds.length,
        lastJudged ? lastJudged.reasonable : null,
        failures,
        prompt,
        completion,
        latency,
        JSON.stringify(record.first),
        JSON.stringify(record.final),
        record.runId ?? null,
        now,
      ].forEach((v, i) => heads[i].push(v));
    }
    const columns = (values: DuckDBValue[][], types: DuckDBType[]) => ({
      values: values.map((v) => listValue(v)),
      types: types.map((t) => LIST(t)),
      select: values.map((_, i) => `unnest($${i + 1})`).join(", "),
    });
    const r = columns(rows, [
      VARCHAR,
      VARCHAR,
      INTEGER,
      VARCHAR,
      VARCHAR,
      VARCHAR,
      INTEGER,
      INTEGER,
      DOUBLE,
      VARCHAR,
      BOOLEAN,
      VARCHAR,
      VARCHAR,
      INTEGER,
      INTEGER,
      DOUBLE,
      VARCHAR,
      VARCHAR,
    ]);
    const h = columns(heads, [
      VARCHAR,
      VARCHAR,
      VARCHAR,
      VARCHAR,
      INTEGER,
      INTEGER,
      BOOLEAN,
      INTEGER,
      INTEGER,
      INTEGER,
      DOUBLE,
      VARCHAR,
      VARCHAR,
      VARCHAR,
      DOUBLE,
    ]);
    const keys = [listValue(heads[0])];
    await c.run("BEGIN TRANSACTION");
    try {
      await c.run("DELETE FROM knowledge_rounds WHERE key IN (SELECT unnest($1))", keys, [
        LIST(VARCHAR),
      ]);
      await c.run("DELETE FROM knowledge WHERE key IN (SELECT unnest($1))", keys, [LIST(VARCHAR)]);
      await c.run(`INSERT INTO knowledge_rounds SELECT ${r.select}`, r.values, r.types);
      // The last column is seconds since the epoch: convert while inserting.
      await c.run(
        `INSERT INTO knowledge SELECT * EXCLUDE (created_s), to_timestamp(created_s)
         FROM (SELECT ${h.select.replace(/, unnest\(\$15\)$/, ", unnest($15) AS created_s")})`,
        h.values,
        h.types,
      );
      await c.run("COMMIT");
    } catch (error) {
      await c.run("ROLLBACK").catch(() => {});
      throw error;
    }
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
    const [record] = await this.listKnowledge({ keys: [key] });
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
  async listKnowledge(
    filter: { kind?: KnowledgeKind; keyPrefix?: string; keys?: string[] } = {},
  ): Promise<KnowledgeRecord[]> {
    const where: string[] = [];
    const values: DuckDBValue[] = [];
    const types: DuckDBType[] = [];
    if (filter.kind !== undefined) {
      values.push(filter.kind);
      types.push(VARCHAR);
      where.push(`kind = $${values.length}`);
    }
    if (filter.keyPrefix !== undefined) {
      values.push(filter.keyPrefix);
      types.push(VARCHAR);
      where.push(`starts_with(key, $${values.length})`);
    }
    if (filter.keys !== undefined) {
      values.push(listValue(filter.keys));
      types.push(LIST(VARCHAR));
      where.push(`key IN (SELECT unnest($${values.length}))`);
    }
    const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
    // Both reads in one exclusive slot so a concurrent write cannot land between them.
    const [heads, roundRows] = await this.#exclusive(async (c) => {
      const h = await c.runAndReadAll(
        `SELECT key, kind, first_draft, final_draft, run_id FROM knowledge ${clause} ORDER BY key`,
        values,
        types,
      );
      const r = await c.runAndReadAll(
        `SELECT * FROM knowledge_rounds WHERE key IN (SELECT key FROM knowledge ${clause})
         ORDER BY key, round`,
        values,
        types,
      );
      return [h.getRowObjectsJS() as Row[], r.getRowObjectsJS() as Row[]];
    });
    const byKey = new Map<string, KnowledgeRound[]>();
    for (const row of roundRows) {
      const list = byKey.get(row.key as string) ?? [];
      list.push(roundFromRow(row));
      byKey.set(row.key as string, list);
    }
    return heads.map((h) => ({
      key: h.key as string,
      kind: h.kind as KnowledgeKind,
      first: JSON.parse(h.first_draft as string) as Draft,
      final: JSON.parse(h.final_draft as string) as Draft,
      rounds: byKey.get(h.key as string) ?? [],
      runId: optional(h.run_id as string | null),
    }));
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
  async getVectors(encoderId: string, textHashes: string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    if (textHashes.length === 0) return out;
    const rows = await this.#rows(
      "SELECT text_hash, vector FROM vectors WHERE encoder_id = $1 AND text_hash IN (SELECT unnest($2))",
      [encoderId, listValue(textHashes)],
      [VARCHAR, LIST(VARCHAR)],
    );
    for (const row of rows) {
      out.set(row.text_hash as string, Float32Array.from(row.vector as number[]));
    }
    return out;
  }

  /**
   * Stores vectors of `encoderId` (one transaction; existing entries are replaced).
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * await store.putVectors("bge-m3", [{ textHash: "h1", vector: Float32Array.of(0.5, -1) }]);
   * ```
   */
  async putVectors(
    encoderId: string,
    entries: { textHash: string; vector: Float32Array }[],
  ): Promise<void> {
    if (entries.length === 0) return;
    // Rows go in as data chunks of fixed-size arrays through a temporary table: binding one list
    // per statement took ~40 ms a row (ML-1M's 20K vectors: minutes).
    const byDim = new Map<number, { textHash: string; vector: Float32Array }[]>();
    for (const e of entries) {
      const group = byDim.get(e.vector.length) ?? [];
      group.push(e);
      byDim.set(e.vector.length, group);
    }
    await this.#transaction(async (c) => {
      for (const [dim, group] of byDim) {
        await c.run(`CREATE OR REPLACE TEMP TABLE vector_batch (h VARCHAR, v FLOAT[${dim}])`);
        const appender = await c.createAppender("vector_batch");
        const types = [VARCHAR, ARRAY(FLOAT, dim)];
        for (let start = 0; start < group.length; start += VECTOR_CHUNK) {
          const rows = group.slice(start, start + VECTOR_CHUNK);
          const chunk = DuckDBDataChunk.create(types, rows.length);
          chunk.setColumnValues(0, rows.map((r) => r.textHash));
          chunk.setColumnValues(1, rows.map((r) => arrayValue(Array.from(r.vector))));
          appender.appendDataChunk(chunk);
        }
        appender.closeSync();
        await c.run(
          `INSERT OR REPLACE INTO vectors SELECT $1, h, ${dim}, v::FLOAT[] FROM vector_batch`,
          [encoderId],
        );
        await c.run("DROP TABLE vector_batch");
      }
    });
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
  async exportVectorsParquet(path: string, options: { encoderId?: string } = {}): Promise<void> {
    const filter = options.encoderId === undefined
      ? ""
      : `WHERE encoder_id = ${sqlString(options.encoderId)}`;
    await this.#exclusive((c) =>
      c.run(
        `COPY (SELECT * FROM vectors ${filter} ORDER BY encoder_id, text_hash)
         TO ${sqlString(path)} (FORMAT parquet)`,
      )
    );
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
  async importVectorsParquet(path: string): Promise<number> {
    return await this.#transaction(async (c) => {
      const reader = await c.runAndReadAll(
        `INSERT OR REPLACE INTO vectors
         SELECT encoder_id, text_hash, CAST(len(vector) AS INTEGER), CAST(vector AS FLOAT[])
         FROM read_parquet(${sqlString(path)})`,
      );
      const rows = reader.getRowsJS();
      return rows.length ? toNumber(rows[0][0]) : 0;
    });
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
    await this.#exclusive((c) =>
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
  async startRun(
    options: { kind: string; config: unknown; runId?: string },
  ): Promise<string> {
    const runId = options.runId ?? crypto.randomUUID();
    await this.#exclusive((c) =>
      c.run(
        `INSERT INTO runs (run_id, kind, status, started_at, config, pid)
         VALUES ($1, $2, 'running', to_timestamp($3), $4, $5)`,
        [
          runId,
          options.kind,
          seconds(new Date()),
          JSON.stringify(options.config ?? null),
          Deno.pid,
        ],
        [VARCHAR, VARCHAR, DOUBLE, VARCHAR, INTEGER],
      )
    );
    return runId;
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
  async finishRun(
    runId: string,
    result: {
      status: Exclude<RunStatus, "running">;
      timings?: Record<string, number>;
      summary?: unknown;
    },
  ): Promise<void> {
    await this.#exclusive(async (c) => {
      const reader = await c.runAndReadAll(
        `UPDATE runs SET status = $2, finished_at = to_timestamp($3), timings = $4, summary = $5
         WHERE run_id = $1`,
        [
          runId,
          result.status,
          seconds(new Date()),
          result.timings === undefined ? null : JSON.stringify(result.timings),
          result.summary === undefined ? null : JSON.stringify(result.summary),
        ],
        [VARCHAR, VARCHAR, DOUBLE, VARCHAR, VARCHAR],
      );
      const changed = toNumber(reader.getRowsJS()[0]?.[0] ?? 0);
      if (changed !== 1) throw new Error(`finishRun: no run with id "${runId}" in ${this.path}`);
    });
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
  async listRuns(kind?: string): Promise<RunRecord[]> {
    const rows = kind === undefined
      ? await this.#rows("SELECT * FROM runs ORDER BY started_at, run_id")
      : await this.#rows("SELECT * FROM runs WHERE kind = $1 ORDER BY started_at, run_id", [kind], [
        VARCHAR,
      ]);
    return rows.map((r) => ({
      runId: r.run_id as string,
      kind: r.kind as string,
      status: r.status as RunStatus,
      startedAt: r.started_at as Date,
      finishedAt: optional(r.finished_at as Date | null),
      config: JSON.parse(r.config as string),
      timings: r.timings === null ? undefined : JSON.parse(r.timings as string),
      summary: r.summary === null ? undefined : JSON.parse(r.summary as string),
    }));
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
  query(sql: string): Promise<Row[]> {
    return this.#rows(sql);
  }

  /**
   * Waits for pending statements, checkpoints and closes the database file.
   *
   * @example
   * ```ts
   * import { openStore } from "./duckdb_store.ts";
   * const store = await openStore(":memory:");
   * await store.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    this.#connection.closeSync();
    this.#instance.closeSync();
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function generationFromRow(row: Row): GenerationRecord {
  return {
    key: row.key as string,
    generator: row.generator as string,
    model: row.model as string,
    params: JSON.parse(row.params as string),
    messages: JSON.parse(row.messages as string),
    text: row.output as string,
    usage: { prompt: toNumber(row.prompt_tokens), completion: toNumber(row.completion_tokens) },
    latencyMs: toNumber(row.latency_ms),
    finishReason: optional(row.finish_reason as string | null),
    createdAt: row.created_at as Date,
  };
}

function roundFromRow(row: Row): KnowledgeRound {
  const draft: Draft = {
    text: row.draft_text as string,
    author: row.author as string,
    usage: { prompt: toNumber(row.prompt_tokens), completion: toNumber(row.completion_tokens) },
    latencyMs: toNumber(row.latency_ms),
  };
  if (row.verdict !== null) draft.verdict = row.verdict as Draft["verdict"];
  if (row.parse_failure !== null) draft.parseFailure = row.parse_failure as string;
  const round: KnowledgeRound = { round: toNumber(row.round), draft };
  if (row.reasonable !== null) {
    const critique: Critique = {
      reasonable: row.reasonable as boolean,
      feedback: (row.critique as string | null) ?? "",
      author: row.critic as string,
      usage: {
        prompt: toNumber(row.critique_prompt_tokens),
        completion: toNumber(row.critique_completion_tokens),
      },
      latencyMs: toNumber(row.critique_latency_ms),
    };
    if (row.critique_parse_failure !== null) {
      critique.parseFailure = row.critique_parse_failure as string;
    }
    if (row.evidence !== null) critique.evidence = JSON.parse(row.evidence as string);
    round.critique = critique;
  }
  return round;
}

/**
 * Opens (creating if needed) the store in one DuckDB file; `":memory:"` gives a throw-away store.
 * A writer holds the file's lock: a second process fails at once, naming the holder's PID. Opening
 * for writing marks runs that an earlier, dead process left `running` as `interrupted`.
 *
 * @example
 * ```ts
 * import { openStore } from "./duckdb_store.ts";
 * const store = await openStore("runs/knowledge.duckdb");
 * console.log(await store.countGenerations());
 * await store.close();
 * ```
 */
export async function openStore(
  path: string,
  options: OpenStoreOptions = {},
): Promise<DuckDbStore> {
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(
      path,
      options.readOnly ? { access_mode: "READ_ONLY" } : undefined,
    );
  } catch (error) {
    const message = (error as Error).message;
    const pid = /Conflicting lock is held in .* \(PID (\d+)\)/.exec(message)?.[1];
    throw new Error(
      pid
        ? `store ${path} is in use by another process (PID ${pid}); wait for it to finish, or ` +
          `use another store`
        : `cannot open store ${path}: ${message.replace(/^IO Error: /, "").split("\n")[0]}`,
      { cause: error },
    );
  }
  const connection = await instance.connect();
  const store = new DuckDbStore(path, instance, connection);
  if (!options.readOnly) {
    await store.init();
    await store.markInterruptedRuns();
  }
  return store;
}
