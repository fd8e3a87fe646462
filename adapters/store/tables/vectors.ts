/**
 * The `vectors` table: encoder vectors keyed by (encoder id, text hash), written as DuckDB data
 * chunks and read back as typed arrays, and exchanged with other platforms as Parquet files.
 *
 * @module
 */
import {
  ARRAY,
  arrayValue,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBListVector,
  FLOAT,
  LIST,
  listValue,
  VARCHAR,
} from "@duckdb/node-api";
import { Batcher } from "../batcher.ts";
import type { StoreConnection } from "../connection.ts";
import { sqlString, toNumber } from "../sql.ts";

/** DDL of the table (unchanged: existing store files open as they are). */
export const VECTORS_SCHEMA = `
CREATE TABLE IF NOT EXISTS vectors (
  encoder_id VARCHAR NOT NULL,
  text_hash VARCHAR NOT NULL,
  dim INTEGER NOT NULL,
  vector FLOAT[] NOT NULL,
  PRIMARY KEY (encoder_id, text_hash)
);`;

/** One cached vector. */
export interface VectorEntry {
  textHash: string;
  vector: Float32Array;
}

interface VectorWrite {
  encoderId: string;
  entries: VectorEntry[];
}

/** Rows per data chunk of a vector write (DuckDB's standard vector size). */
const CHUNK_ROWS = 2048;

/**
 * The vectors of one store. Reached through `DuckDbStore`'s vector methods.
 *
 * @example
 * ```ts
 * import { DuckDBInstance } from "@duckdb/node-api";
 * import { StoreConnection } from "../connection.ts";
 * import { VECTORS_SCHEMA, VectorsTable } from "./vectors.ts";
 * const instance = await DuckDBInstance.create(":memory:");
 * const connection = new StoreConnection(":memory:", instance, await instance.connect());
 * await connection.exclusive((c) => c.run(VECTORS_SCHEMA));
 * const vectors = new VectorsTable(connection);
 * await vectors.put("enc", [{ textHash: "h1", vector: Float32Array.of(0.5, -1) }]);
 * console.log((await vectors.get("enc", ["h1", "h2"])).get("h1")); // Float32Array(2) [ 0.5, -1 ]
 * await connection.close();
 * ```
 */
export class VectorsTable {
  readonly #connection: StoreConnection;
  readonly #writes: Batcher<VectorWrite>;

  /** The table of the store behind `connection` (its schema already created). */
  constructor(connection: StoreConnection) {
    this.#connection = connection;
    // A write is one call's entries; concurrent calls share a transaction, none is split.
    this.#writes = new Batcher(connection, { serve: write });
  }

  /** Stored vectors of `encoderId` for the given text hashes (missing hashes are absent). */
  async get(encoderId: string, textHashes: string[]): Promise<Map<string, Float32Array>> {
    if (textHashes.length === 0) return new Map();
    return await this.#connection.exclusive((c) => readVectors(c, encoderId, textHashes));
  }

  /** Stores vectors of `encoderId`, replacing existing entries; resolves once committed. */
  async put(encoderId: string, entries: VectorEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.#writes.add({ encoderId, entries });
  }

  /** Writes vectors (all, or one encoder's) to a Parquet file, ordered by encoder and hash. */
  async exportParquet(path: string, options: { encoderId?: string } = {}): Promise<void> {
    const filter = options.encoderId === undefined
      ? ""
      : `WHERE encoder_id = ${sqlString(options.encoderId)}`;
    await this.#connection.exclusive((c) =>
      c.run(
        `COPY (SELECT * FROM vectors ${filter} ORDER BY encoder_id, text_hash)
         TO ${sqlString(path)} (FORMAT parquet)`,
      )
    );
  }

  /** Loads vectors from a Parquet file with the table's columns; returns how many rows. */
  async importParquet(path: string): Promise<number> {
    const rows = await this.#connection.transaction(async (c) =>
      (await c.runAndReadAll(
        `INSERT OR REPLACE INTO vectors
         SELECT encoder_id, text_hash, CAST(len(vector) AS INTEGER), CAST(vector AS FLOAT[])
         FROM read_parquet(${sqlString(path)})`,
      )).getRowsJS()
    );
    return rows.length ? toNumber(rows[0][0]) : 0;
  }

  /** Resolves once every write queued so far is served. */
  flush(): Promise<void> {
    return this.#writes.flush();
  }
}

/**
 * Reads vectors straight from the result's data chunks: each list is copied out of the flat
 * FLOAT child vector, with no per-row JS objects or number arrays.
 */
async function readVectors(
  c: DuckDBConnection,
  encoderId: string,
  textHashes: string[],
): Promise<Map<string, Float32Array>> {
  const result = await c.run(
    "SELECT text_hash, vector FROM vectors WHERE encoder_id = $1 AND text_hash IN (SELECT unnest($2))",
    [encoderId, listValue(textHashes)],
    [VARCHAR, LIST(VARCHAR)],
  );
  const out = new Map<string, Float32Array>();
  for (const chunk of await result.fetchAllChunks()) {
    const hashes = chunk.getColumnVector(0);
    const lists = chunk.getColumnVector(1) as DuckDBListVector;
    const floats = lists.childVector;
    for (let row = 0; row < chunk.rowCount; row++) {
      const start = lists.getEntryOffset(row);
      const vector = new Float32Array(lists.getEntryLength(row));
      for (let i = 0; i < vector.length; i++) vector[i] = floats.getItem(start + i) as number;
      out.set(hashes.getItem(row) as string, vector);
    }
  }
  return out;
}

/**
 * Writes a batch inside the transaction the batcher opened: rows go in as data chunks of
 * fixed-size arrays through a temporary table, one per (encoder, dimension). Binding one list per
 * statement took ~40 ms a row (ML-1M's 20K vectors: minutes).
 */
async function write(c: DuckDBConnection, batch: VectorWrite[]): Promise<void> {
  // The last write of an (encoder, hash) wins, as it would written one by one; one INSERT OR
  // REPLACE may not touch a row twice.
  const last = new Map<string, { encoderId: string; entry: VectorEntry }>();
  for (const { encoderId, entries } of batch) {
    for (const entry of entries) last.set(`${encoderId}\0${entry.textHash}`, { encoderId, entry });
  }
  const groups = new Map<string, { encoderId: string; dim: number; entries: VectorEntry[] }>();
  for (const { encoderId, entry } of last.values()) {
    const id = `${encoderId}\0${entry.vector.length}`;
    const group = groups.get(id) ?? { encoderId, dim: entry.vector.length, entries: [] };
    group.entries.push(entry);
    groups.set(id, group);
  }
  for (const { encoderId, dim, entries } of groups.values()) {
    await c.run(`CREATE OR REPLACE TEMP TABLE vector_batch (h VARCHAR, v FLOAT[${dim}])`);
    const appender = await c.createAppender("vector_batch");
    const types = [VARCHAR, ARRAY(FLOAT, dim)];
    for (let start = 0; start < entries.length; start += CHUNK_ROWS) {
      const rows = entries.slice(start, start + CHUNK_ROWS);
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
}
