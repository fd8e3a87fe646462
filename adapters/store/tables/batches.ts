/**
 * The `batches` table: every batch submitted to a Batch API (its id, the request file, the stage
 * and round it answers, the status last seen), recorded before the first poll, so a run killed
 * while it waits resumes polling the recorded batch instead of submitting it again. Created on first
 * use: a store that never ran a batch keeps the tables it had.
 *
 * @module
 */
import { DOUBLE, type DuckDBConnection, INTEGER, VARCHAR } from "@duckdb/node-api";
import { Batcher } from "../batcher.ts";
import type { StoreConnection } from "../connection.ts";
import { optional, type Row, seconds, toNumber, unnestRows } from "../sql.ts";

/** A Batch API batch's status (the API's statuses). */
export type BatchStatus =
  | "validating"
  | "in_progress"
  | "finalizing"
  | "completed"
  | "failed"
  | "expired"
  | "cancelling"
  | "cancelled";

/** One submitted batch. */
export interface BatchRecord {
  /** The API's batch id. */
  batchId: string;
  /** The API's base URL. */
  api: string;
  /** The uploaded request file's id at the API. */
  inputFileId: string;
  /** The request file on disk. */
  file: string;
  /** Model named in the requests. */
  model: string;
  /** R4 stage of the requests (`reason`, `reflect`, `refine`). */
  stage: string;
  /** 0 for reasoning, else the reflection round. */
  round: number;
  /** Requests in the file. */
  requests: number;
  /** Status last seen. */
  status: BatchStatus;
  /** When it was submitted. */
  submittedAt: Date;
  /** When its answers were imported into the store (none yet: still to poll or import). */
  importedAt?: Date;
}

/** DDL of the table. */
export const BATCHES_SCHEMA = `
CREATE TABLE IF NOT EXISTS batches (
  batch_id VARCHAR PRIMARY KEY,
  api VARCHAR NOT NULL,
  input_file_id VARCHAR NOT NULL,
  file VARCHAR NOT NULL,
  model VARCHAR NOT NULL,
  stage VARCHAR NOT NULL,
  round INTEGER NOT NULL,
  requests INTEGER NOT NULL,
  status VARCHAR NOT NULL,
  submitted_at TIMESTAMPTZ NOT NULL,
  imported_at TIMESTAMPTZ
);`;

const COLUMNS = [
  ["batch_id", VARCHAR],
  ["api", VARCHAR],
  ["input_file_id", VARCHAR],
  ["file", VARCHAR],
  ["model", VARCHAR],
  ["stage", VARCHAR],
  ["round", INTEGER],
  ["requests", INTEGER],
  ["status", VARCHAR],
  ["submitted_s", DOUBLE],
  ["imported_s", DOUBLE],
] as const;

/**
 * The batches of one store. Reached through `DuckDbStore.batches`.
 *
 * @example
 * ```ts
 * import { DuckDBInstance } from "@duckdb/node-api";
 * import { StoreConnection } from "../connection.ts";
 * import { BatchesTable } from "./batches.ts";
 * const instance = await DuckDBInstance.create(":memory:");
 * const connection = new StoreConnection(":memory:", instance, await instance.connect());
 * const batches = new BatchesTable(connection);
 * await batches.record({
 *   batchId: "batch_1", api: "http://127.0.0.1:8000", inputFileId: "file-1", file: "reason.jsonl",
 *   model: "qwen", stage: "reason", round: 0, requests: 6, status: "validating",
 *   submittedAt: new Date(),
 * });
 * console.log((await batches.unimported("http://127.0.0.1:8000")).length); // 1
 * await connection.close();
 * ```
 */
export class BatchesTable {
  readonly #connection: StoreConnection;
  readonly #writes: Batcher<BatchRecord>;
  #created?: Promise<void>;

  /** The table of the store behind `connection` (created on first use). */
  constructor(connection: StoreConnection) {
    this.#connection = connection;
    this.#writes = new Batcher(connection, { serve: write });
  }

  /** Stores a batch, replacing the earlier record of its id; resolves once committed. */
  async record(batch: BatchRecord): Promise<void> {
    await this.#create();
    await this.#writes.add(batch);
  }

  /** Batches of `api` whose answers are not imported yet, in submission order. */
  async unimported(api: string): Promise<BatchRecord[]> {
    return (await this.list()).filter((b) => b.api === api && b.importedAt === undefined);
  }

  /** Every recorded batch in submission order (none when the table was never created). */
  async list(): Promise<BatchRecord[]> {
    const [table] = await this.#connection.rows(
      "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'batches'",
    );
    if (toNumber(table.n) === 0) return [];
    const rows = await this.#connection.rows(
      "SELECT * FROM batches ORDER BY submitted_at, batch_id",
    );
    return rows.map(batchFromRow);
  }

  /** Resolves once every write queued so far is served. */
  flush(): Promise<void> {
    return this.#writes.flush();
  }

  #create(): Promise<void> {
    this.#created ??= this.#connection.exclusive((c) => c.run(BATCHES_SCHEMA)).then(() => {});
    return this.#created;
  }
}

async function write(c: DuckDBConnection, batch: BatchRecord[]): Promise<void> {
  // The last record of an id wins, as it would written one by one.
  const last = new Map(batch.map((b) => [b.batchId, b]));
  const rows = unnestRows(
    COLUMNS,
    [...last.values()].map((b) => [
      b.batchId,
      b.api,
      b.inputFileId,
      b.file,
      b.model,
      b.stage,
      b.round,
      b.requests,
      b.status,
      seconds(b.submittedAt),
      b.importedAt === undefined ? null : seconds(b.importedAt),
    ]),
  );
  await c.run(
    `INSERT OR REPLACE INTO batches
     SELECT * EXCLUDE (submitted_s, imported_s), to_timestamp(submitted_s), to_timestamp(imported_s)
     FROM (${rows.select})`,
    rows.values,
    rows.types,
  );
}

function batchFromRow(row: Row): BatchRecord {
  return {
    batchId: row.batch_id as string,
    api: row.api as string,
    inputFileId: row.input_file_id as string,
    file: row.file as string,
    model: row.model as string,
    stage: row.stage as string,
    round: toNumber(row.round),
    requests: toNumber(row.requests),
    status: row.status as BatchStatus,
    submittedAt: row.submitted_at as Date,
    importedAt: optional(row.imported_at as Date | null),
  };
}
