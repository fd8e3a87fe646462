/**
 * The `generations` table: every LLM generation, content-addressed by `generationKey`. Lookups and
 * writes are batched (group commit); a write resolves only once committed, so an acknowledged
 * generation is durable.
 *
 * @module
 */
import { DOUBLE, type DuckDBConnection, INTEGER, LIST, listValue, VARCHAR } from "@duckdb/node-api";
import type { ChatMessage, GenerationParams, TokenUsage } from "../../../plugins/types.ts";
import { Batcher } from "../batcher.ts";
import type { StoreConnection } from "../connection.ts";
import {
  optional,
  type Row,
  seconds,
  toNumber,
  unnestRows,
  usageColumns,
  usageFromColumns,
} from "../sql.ts";

/** One stored generation. */
export interface GenerationRecord {
  /** Content key from `generationKey`. */
  key: string;
  /** Id of the generator that produced it (part of the key). */
  generator: string;
  /** Model id the server reported. */
  model: string;
  /** Generation parameters in effect (defaults filled in). */
  params: GenerationParams;
  /** The chat messages sent. */
  messages: ChatMessage[];
  /** The generated text. */
  text: string;
  /** Tokens of prompt and completion, as the server counted them. */
  usage: TokenUsage;
  /** Wall-clock time of the call. */
  latencyMs: number;
  /** Why generation stopped (`stop`, `length`, ...), when the server said. */
  finishReason?: string;
  /** When the generation finished. */
  createdAt: Date;
}

/**
 * DDL of the table. The token columns hold NULL for unknown counts (`TokenUsage.unknown`); older
 * files gain that by the `ALTER`s, so existing files open as they are.
 */
export const GENERATIONS_SCHEMA = `
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
ALTER TABLE generations ALTER COLUMN prompt_tokens DROP NOT NULL;
ALTER TABLE generations ALTER COLUMN completion_tokens DROP NOT NULL;`;

/** Bound columns of a write, in table order; the timestamp goes in as seconds. */
const COLUMNS = [
  ["key", VARCHAR],
  ["generator", VARCHAR],
  ["model", VARCHAR],
  ["params", VARCHAR],
  ["messages", VARCHAR],
  ["output", VARCHAR],
  ["prompt_tokens", INTEGER],
  ["completion_tokens", INTEGER],
  ["latency_ms", DOUBLE],
  ["finish_reason", VARCHAR],
  ["created_s", DOUBLE],
] as const;

/**
 * The generations of one store. Reached through `DuckDbStore`'s generation methods.
 *
 * @example
 * ```ts
 * import { DuckDBInstance } from "@duckdb/node-api";
 * import { StoreConnection } from "../connection.ts";
 * import { GENERATIONS_SCHEMA, GenerationsTable } from "./generations.ts";
 * const instance = await DuckDBInstance.create(":memory:");
 * const connection = new StoreConnection(":memory:", instance, await instance.connect());
 * await connection.exclusive((c) => c.run(GENERATIONS_SCHEMA));
 * const generations = new GenerationsTable(connection);
 * console.log(await generations.count()); // 0
 * await connection.close();
 * ```
 */
export class GenerationsTable {
  readonly #connection: StoreConnection;
  readonly #lookups: Batcher<string, GenerationRecord | undefined>;
  readonly #writes: Batcher<GenerationRecord>;

  /** The table of the store behind `connection` (its schema already created). */
  constructor(connection: StoreConnection) {
    this.#connection = connection;
    this.#lookups = new Batcher(connection, { serve: lookUp, transaction: false });
    // One statement per batch, retried by `write` itself: no BEGIN/COMMIT around it.
    this.#writes = new Batcher(connection, { serve: write, transaction: false });
  }

  /** The stored generation with this key, if any. */
  get(key: string): Promise<GenerationRecord | undefined> {
    return this.#lookups.add(key);
  }

  /** Stores a generation unless its key is stored (the first write wins); resolves once committed. */
  put(record: GenerationRecord): Promise<void> {
    return this.#writes.add(record);
  }

  /** Number of stored generations (optionally of one generator). */
  async count(generator?: string): Promise<number> {
    const [row] = generator === undefined
      ? await this.#connection.rows("SELECT count(*) AS n FROM generations")
      : await this.#connection.rows(
        "SELECT count(*) AS n FROM generations WHERE generator = $1",
        [generator],
        [VARCHAR],
      );
    return toNumber(row.n);
  }

  /** Resolves once every lookup and write queued so far is served. */
  async flush(): Promise<void> {
    await Promise.all([this.#lookups.flush(), this.#writes.flush()]);
  }
}

async function lookUp(
  c: DuckDBConnection,
  keys: string[],
): Promise<(GenerationRecord | undefined)[]> {
  const unique = [...new Set(keys)];
  // One key: a primary-key point lookup; several: one semi-join for the whole batch.
  const reader = unique.length === 1
    ? await c.runAndReadAll("SELECT * FROM generations WHERE key = $1", unique, [VARCHAR])
    : await c.runAndReadAll(
      "SELECT * FROM generations WHERE key IN (SELECT unnest($1))",
      [listValue(unique)],
      [LIST(VARCHAR)],
    );
  const found = new Map<string, GenerationRecord>();
  for (const row of reader.getRowObjectsJS() as Row[]) {
    found.set(row.key as string, generationFromRow(row));
  }
  return keys.map((key) => found.get(key));
}

async function write(c: DuckDBConnection, batch: GenerationRecord[]): Promise<void> {
  // The first write of a key in a batch wins, as it would written one by one.
  const firsts = new Map<string, GenerationRecord>();
  for (const record of batch) if (!firsts.has(record.key)) firsts.set(record.key, record);
  const rows = unnestRows(
    COLUMNS,
    [...firsts.values()].map((r) => [
      r.key,
      r.generator,
      r.model,
      JSON.stringify(r.params),
      JSON.stringify(r.messages),
      r.text,
      ...usageColumns(r.usage),
      r.latencyMs,
      r.finishReason ?? null,
      seconds(r.createdAt),
    ]),
  );
  const insert = `INSERT INTO generations
     SELECT * EXCLUDE (created_s), to_timestamp(created_s) FROM (${rows.select})`;
  // One statement = one transaction: the whole batch is committed or none of it. The plain
  // insert is the fast path (the caller looked the keys up first); if another writer stored
  // one of the keys meanwhile, the batch is redone skipping stored keys (a table scan).
  try {
    await c.run(insert, rows.values, rows.types);
  } catch (error) {
    if (!/duplicate key|constraint/i.test((error as Error).message)) throw error;
    await c.run(
      `${insert}\n     WHERE key NOT IN (SELECT key FROM generations)`,
      rows.values,
      rows.types,
    );
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
    usage: usageFromColumns(row.prompt_tokens, row.completion_tokens),
    latencyMs: toNumber(row.latency_ms),
    finishReason: optional(row.finish_reason as string | null),
    createdAt: row.created_at as Date,
  };
}
