/**
 * The `runs` table: metadata of every run (a knowledge job, an evaluation, ...), with the PID of
 * the process that started it, so a later writer can tell runs whose process died.
 *
 * @module
 */
import { runtime } from "../../../runtime/mod.ts";
import { DOUBLE, INTEGER, VARCHAR } from "@duckdb/node-api";
import type { StoreConnection } from "../connection.ts";
import { optional, seconds, toNumber } from "../sql.ts";

/**
 * Status of a run. `interrupted`: it was still `running` when another process next opened the store
 * for writing, so its process died without finishing it (killed, crashed).
 */
export type RunStatus = "running" | "done" | "failed" | "cancelled" | "interrupted";

/** Metadata of one run (a knowledge job, an evaluation, ...). */
export interface RunRecord {
  /** Unique id of the run. */
  runId: string;
  /** What kind of run, e.g. `knowledge`. */
  kind: string;
  /** Where the run stands. */
  status: RunStatus;
  /** When it started. */
  startedAt: Date;
  /** When it ended, once it did. */
  finishedAt?: Date;
  /** The run's full configuration, as given. */
  config: unknown;
  /** Named durations in milliseconds. */
  timings?: Record<string, number>;
  /** Whatever the run reports at its end (counts, metrics). */
  summary?: unknown;
}

/** How a run ended, for {@link RunsTable.finish}. */
export interface RunResult {
  /** How it ended. */
  status: Exclude<RunStatus, "running">;
  /** Named durations in milliseconds. */
  timings?: Record<string, number>;
  /** Whatever the run reports at its end (counts, metrics). */
  summary?: unknown;
}

/** DDL of the table; `pid` was added later, so it comes by `ALTER` (older files gain it). */
export const RUNS_SCHEMA = `
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
ALTER TABLE runs ADD COLUMN IF NOT EXISTS pid INTEGER;`;

/**
 * The runs of one store. Reached through `DuckDbStore`'s run methods.
 *
 * @example
 * ```ts
 * import { DuckDBInstance } from "@duckdb/node-api";
 * import { StoreConnection } from "../connection.ts";
 * import { RUNS_SCHEMA, RunsTable } from "./runs.ts";
 * const instance = await DuckDBInstance.create(":memory:");
 * const connection = new StoreConnection(":memory:", instance, await instance.connect());
 * await connection.exclusive((c) => c.run(RUNS_SCHEMA));
 * const runs = new RunsTable(connection);
 * await runs.finish(await runs.start({ kind: "eval", config: {} }), { status: "done" });
 * console.log((await runs.list())[0].status); // done
 * await connection.close();
 * ```
 */
export class RunsTable {
  readonly #connection: StoreConnection;

  /** The table of the store behind `connection` (its schema already created). */
  constructor(connection: StoreConnection) {
    this.#connection = connection;
  }

  /** Marks as `interrupted` the runs still `running` that another process started; how many. */
  async markInterrupted(): Promise<number> {
    const note = JSON.stringify({
      error: `interrupted: its process ended without finishing it (killed?); marked when the ` +
        `store was next opened for writing (${new Date().toISOString()})`,
    });
    const rows = await this.#connection.exclusive(async (c) =>
      (await c.runAndReadAll(
        `UPDATE runs SET status = 'interrupted', summary = coalesce(summary, $1)
         WHERE status = 'running' AND (pid IS NULL OR pid <> $2)`,
        [note, runtime.pid],
        [VARCHAR, INTEGER],
      )).getRowsJS()
    );
    return toNumber(rows[0]?.[0] ?? 0);
  }

  /** Records the start of a run by this process; returns its id (a fresh UUID unless given). */
  async start(options: { kind: string; config: unknown; runId?: string }): Promise<string> {
    const runId = options.runId ?? crypto.randomUUID();
    await this.#connection.exclusive((c) =>
      c.run(
        `INSERT INTO runs (run_id, kind, status, started_at, config, pid)
         VALUES ($1, $2, 'running', to_timestamp($3), $4, $5)`,
        [
          runId,
          options.kind,
          seconds(new Date()),
          JSON.stringify(options.config ?? null),
          runtime.pid,
        ],
        [VARCHAR, VARCHAR, DOUBLE, VARCHAR, INTEGER],
      )
    );
    return runId;
  }

  /** Records the end of a run; an unknown id is an error naming the store. */
  async finish(runId: string, result: RunResult): Promise<void> {
    const rows = await this.#connection.exclusive(async (c) =>
      (await c.runAndReadAll(
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
      )).getRowsJS()
    );
    if (toNumber(rows[0]?.[0] ?? 0) !== 1) {
      throw new Error(`finishRun: no run with id "${runId}" in ${this.#connection.path}`);
    }
  }

  /** Runs in start order (optionally of one kind). */
  async list(kind?: string): Promise<RunRecord[]> {
    const rows = kind === undefined
      ? await this.#connection.rows("SELECT * FROM runs ORDER BY started_at, run_id")
      : await this.#connection.rows(
        "SELECT * FROM runs WHERE kind = $1 ORDER BY started_at, run_id",
        [kind],
        [VARCHAR],
      );
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
}
