import assert from "node:assert/strict";
import { type DuckDBConnection, DuckDBInstance, INTEGER, LIST, listValue } from "@duckdb/node-api";
import { Batcher } from "../../../adapters/store/batcher.ts";
import { StoreConnection } from "../../../adapters/store/connection.ts";

async function table(): Promise<StoreConnection> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = new StoreConnection(":memory:", instance, await instance.connect());
  await connection.exclusive((c) => c.run("CREATE TABLE t (x INTEGER PRIMARY KEY)"));
  return connection;
}

async function stored(connection: StoreConnection): Promise<number[]> {
  const rows = await connection.rows("SELECT x FROM t ORDER BY x");
  return rows.map((r) => r.x as number);
}

/** Inserts a batch with two statements, so a failing batch needs its transaction to roll back. */
function inserter(batches: number[][], failWhen: (xs: number[]) => boolean = () => false) {
  return async (c: DuckDBConnection, xs: number[]) => {
    batches.push(xs);
    await c.run("INSERT INTO t SELECT unnest($1)", [listValue(xs.slice(0, 1))], [LIST(INTEGER)]);
    if (failWhen(xs)) throw new Error(`bad batch ${xs.join(",")}`);
    await c.run("INSERT INTO t SELECT unnest($1)", [listValue(xs.slice(1))], [LIST(INTEGER)]);
  };
}

Deno.test("batcher: items queued while the connection is busy share one batch", async () => {
  const connection = await table();
  const batches: number[][] = [];
  const inserts = new Batcher<number>(connection, { serve: inserter(batches) });
  await Promise.all([1, 2, 3].map((x) => inserts.add(x)));
  await inserts.add(4);
  assert.deepEqual(batches, [[1, 2, 3], [4]]);
  assert.deepEqual(await stored(connection), [1, 2, 3, 4]);
  await connection.close();
});

Deno.test("batcher: maxBatch splits the queue; a failing batch keeps the batches before it", async () => {
  const connection = await table();
  const batches: number[][] = [];
  const inserts = new Batcher<number>(connection, {
    serve: inserter(batches, (xs) => xs.includes(3)),
    maxBatch: 2,
  });
  const outcomes = await Promise.allSettled([1, 2, 3, 4, 5].map((x) => inserts.add(x)));
  assert.deepEqual(batches, [[1, 2], [3, 4], [5]]);
  assert.deepEqual(outcomes.map((o) => o.status), [
    "fulfilled",
    "fulfilled",
    "rejected",
    "rejected",
    "fulfilled",
  ]);
  assert.match(String((outcomes[2] as PromiseRejectedResult).reason), /bad batch 3,4/);
  // The failed batch rolled back whole (its first statement had inserted 3).
  assert.deepEqual(await stored(connection), [1, 2, 5]);
  await connection.close();
});

Deno.test("batcher: isolateFailures retries each item alone, so only the bad one fails", async () => {
  const connection = await table();
  const batches: number[][] = [];
  const inserts = new Batcher<number>(connection, {
    serve: inserter(batches, (xs) => xs.includes(-1)),
    isolateFailures: true,
  });
  const outcomes = await Promise.allSettled([1, -1, 2].map((x) => inserts.add(x)));
  assert.deepEqual(outcomes.map((o) => o.status), ["fulfilled", "rejected", "fulfilled"]);
  assert.deepEqual(batches, [[1, -1, 2], [1], [-1], [2]]);
  assert.deepEqual(await stored(connection), [1, 2]);
  await connection.close();
});

Deno.test("batcher: results per item; flush waits for the queue; closed connection rejects", async () => {
  const connection = await table();
  await connection.exclusive((c) => c.run("INSERT INTO t VALUES (1), (3)"));
  const served: number[][] = [];
  const lookups = new Batcher<number, boolean>(connection, {
    serve: async (c, xs) => {
      served.push(xs);
      const rows = (await c.runAndReadAll(
        "SELECT x FROM t WHERE x IN (SELECT unnest($1))",
        [listValue(xs)],
        [LIST(INTEGER)],
      )).getRowsJS();
      const found = new Set(rows.map((r) => r[0]));
      return xs.map((x) => found.has(x));
    },
    transaction: false,
  });
  const answers = [1, 2, 3].map((x) => lookups.add(x));
  await lookups.flush();
  assert.deepEqual(served, [[1, 2, 3]]);
  assert.deepEqual(await Promise.all(answers), [true, false, true]);
  await connection.close();
  await assert.rejects(lookups.add(1), /store :memory: is closed/);
  assert.throws(
    () => new Batcher(connection, { serve: () => Promise.resolve(), maxBatch: 0 }),
    /maxBatch must be >= 1, not 0/,
  );
});
