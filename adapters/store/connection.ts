/**
 * The store's one DuckDB connection and the plumbing every table module goes through: statements
 * of different callers never interleave (`exclusive`), and a transaction commits whole or rolls
 * back (`inTransaction`).
 *
 * @module
 */
import type { DuckDBConnection, DuckDBInstance, DuckDBType, DuckDBValue } from "@duckdb/node-api";
import type { Row } from "./sql.ts";

/**
 * Runs `work` between BEGIN and COMMIT on `c`, rolling back on any error (which it rethrows). The
 * caller must hold the connection alone (inside {@link StoreConnection.exclusive}).
 *
 * @example
 * ```ts
 * import { DuckDBInstance } from "@duckdb/node-api";
 * import { inTransaction } from "./connection.ts";
 * const c = await (await DuckDBInstance.create(":memory:")).connect();
 * await c.run("CREATE TABLE t (x INTEGER)");
 * await inTransaction(c, () => c.run("INSERT INTO t VALUES (1)"));
 * ```
 */
export async function inTransaction<T>(c: DuckDBConnection, work: () => Promise<T>): Promise<T> {
  await c.run("BEGIN TRANSACTION");
  try {
    const result = await work();
    await c.run("COMMIT");
    return result;
  } catch (error) {
    await c.run("ROLLBACK").catch(() => {});
    throw error;
  }
}

/**
 * One DuckDB instance and connection, serialising all work on it: interleaving statements of
 * concurrent transactions on one DuckDB connection would mix them.
 *
 * @example
 * ```ts
 * import { DuckDBInstance } from "@duckdb/node-api";
 * import { StoreConnection } from "./connection.ts";
 * const instance = await DuckDBInstance.create(":memory:");
 * const connection = new StoreConnection(":memory:", instance, await instance.connect());
 * console.log(await connection.rows("SELECT 42 AS answer")); // [ { answer: 42 } ]
 * await connection.close();
 * ```
 */
export class StoreConnection {
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  /** Wraps an open instance and connection of the database file at `path` (named in errors). */
  constructor(readonly path: string, instance: DuckDBInstance, connection: DuckDBConnection) {
    this.#instance = instance;
    this.#connection = connection;
  }

  /** Whether {@link close} was called: every later call is rejected. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The error of a call after {@link close}. */
  closedError(): Error {
    return new Error(`store ${this.path} is closed`);
  }

  /** Runs `work` alone on the connection, after all work queued before it. */
  exclusive<T>(work: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(this.closedError());
    const next = this.#queue.then(() => work(this.#connection));
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Runs `work` alone on the connection inside one transaction (see {@link inTransaction}). */
  transaction<T>(work: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.exclusive((c) => inTransaction(c, () => work(c)));
  }

  /** Runs one query alone on the connection and returns its rows as plain JS objects. */
  rows(sql: string, values?: DuckDBValue[], types?: DuckDBType[]): Promise<Row[]> {
    return this.exclusive(async (c) => {
      const reader = await c.runAndReadAll(sql, values, types);
      return reader.getRowObjectsJS() as Row[];
    });
  }

  /** Refuses new work, waits for the work already queued, then closes connection and instance. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    this.#connection.closeSync();
    this.#instance.closeSync();
  }
}
