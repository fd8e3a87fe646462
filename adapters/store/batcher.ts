/**
 * The store's one batching pattern (group commit): requests that arrive while the connection is
 * busy are served together by one statement or transaction when it is free, so the store keeps up
 * with many concurrent callers. Generation lookups and writes, knowledge writes and vector writes
 * all go through it.
 *
 * @module
 */
import type { DuckDBConnection } from "@duckdb/node-api";
import { inTransaction, type StoreConnection } from "./connection.ts";

/** Options of a {@link Batcher}. */
export interface BatcherOptions<Item, Result> {
  /**
   * Serves one batch on the connection (held alone), returning one result per item in order, or
   * nothing when every item's result is `undefined`. Throwing fails the whole batch.
   */
  serve(c: DuckDBConnection, items: Item[]): Promise<Result[] | void>;
  /**
   * Most items in one batch; a longer queue is served as several batches, in order, each
   * committed before the next starts (a failing batch leaves the earlier ones committed).
   *
   * @default 1024
   */
  maxBatch?: number;
  /**
   * Serve each batch inside BEGIN/COMMIT. Off for reads and for writes of one statement (a
   * statement is a transaction of its own).
   *
   * @default true
   */
  transaction?: boolean;
  /**
   * When a batch fails, serve each of its items alone (each in its own transaction), so one bad
   * item fails only itself.
   *
   * @default false
   */
  isolateFailures?: boolean;
}

interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Queues items and serves them in batches on the store's connection: the first item queued
 * schedules a batch on the connection, and every item queued before that batch starts joins it.
 * Each item's promise settles once its batch is served (a write: committed, so durable).
 *
 * @example
 * ```ts
 * import { DuckDBInstance, INTEGER, LIST, listValue } from "@duckdb/node-api";
 * import { Batcher } from "./batcher.ts";
 * import { StoreConnection } from "./connection.ts";
 * const instance = await DuckDBInstance.create(":memory:");
 * const connection = new StoreConnection(":memory:", instance, await instance.connect());
 * await connection.exclusive((c) => c.run("CREATE TABLE t (x INTEGER)"));
 * const inserts = new Batcher<number>(connection, {
 *   serve: async (c, xs) => {
 *     await c.run("INSERT INTO t SELECT unnest($1)", [listValue(xs)], [LIST(INTEGER)]);
 *   },
 * });
 * await Promise.all([1, 2, 3].map((x) => inserts.add(x))); // one transaction
 * console.log(await connection.rows("SELECT count(*)::INTEGER AS n FROM t")); // [ { n: 3 } ]
 * await connection.close();
 * ```
 */
export class Batcher<Item, Result = void> {
  readonly #connection: StoreConnection;
  readonly #serve: BatcherOptions<Item, Result>["serve"];
  readonly #maxBatch: number;
  readonly #transaction: boolean;
  readonly #isolateFailures: boolean;
  #waiting: Waiting<Item, Result>[] = [];
  #scheduled = false;
  #lastDrain: Promise<void> = Promise.resolve();

  /** A batcher over `connection`; see {@link BatcherOptions}. */
  constructor(connection: StoreConnection, options: BatcherOptions<Item, Result>) {
    this.#connection = connection;
    this.#serve = options.serve;
    this.#maxBatch = options.maxBatch ?? 1024;
    this.#transaction = options.transaction ?? true;
    this.#isolateFailures = options.isolateFailures ?? false;
    if (!(this.#maxBatch >= 1)) {
      throw new Error(`Batcher: maxBatch must be >= 1, not ${options.maxBatch}`);
    }
  }

  /** Queues `item`; resolves with its result once its batch is served. */
  add(item: Item): Promise<Result> {
    if (this.#connection.closed) return Promise.reject(this.#connection.closedError());
    const answer = new Promise<Result>((resolve, reject) =>
      this.#waiting.push({ item, resolve, reject })
    );
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#lastDrain = this.#connection.exclusive((c) => this.#drain(c));
    }
    return answer;
  }

  /** Resolves once every item queued so far is served (whatever each item's outcome). */
  flush(): Promise<void> {
    return this.#lastDrain;
  }

  async #drain(c: DuckDBConnection): Promise<void> {
    this.#scheduled = false;
    const queued = this.#waiting;
    this.#waiting = [];
    for (let start = 0; start < queued.length; start += this.#maxBatch) {
      await this.#serveBatch(c, queued.slice(start, start + this.#maxBatch));
    }
  }

  async #serveBatch(c: DuckDBConnection, batch: Waiting<Item, Result>[]): Promise<void> {
    try {
      const results = await this.#run(c, batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results?.[i] as Result));
      return;
    } catch (error) {
      if (!this.#isolateFailures || batch.length === 1) {
        for (const w of batch) w.reject(error);
        return;
      }
    }
    // Find the culprits: each item alone.
    for (const w of batch) {
      try {
        const results = await this.#run(c, [w.item]);
        w.resolve(results?.[0] as Result);
      } catch (error) {
        w.reject(error);
      }
    }
  }

  #run(c: DuckDBConnection, items: Item[]): Promise<Result[] | void> {
    return this.#transaction
      ? inTransaction(c, () => this.#serve(c, items))
      : this.#serve(c, items);
  }
}
