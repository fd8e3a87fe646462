/**
 * The `knowledge` and `knowledge_rounds` tables: each entity's final knowledge (with summary
 * columns) and every round of drafts and critiques that led to it. A record and its rounds are
 * written in one transaction, replacing any earlier record of the key; concurrent writes share a
 * transaction (group commit), and a record that fails is retried alone.
 *
 * @module
 */
import {
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
  LIST,
  listValue,
  VARCHAR,
} from "@duckdb/node-api";
import type {
  Draft,
  KnowledgeKind,
  KnowledgeRecord,
  KnowledgeRound,
} from "../../../plugins/types.ts";
import { Batcher } from "../batcher.ts";
import type { StoreConnection } from "../connection.ts";
import { optional, type Row, unnestRows } from "../sql.ts";
import { HEAD_COLUMNS, knowledgeRows, ROUND_COLUMNS, roundFromRow } from "./knowledge_rows.ts";

/**
 * DDL of the two tables. A round's token columns hold NULL for unknown counts; older files gain
 * that by the `ALTER`s, so existing store files open as they are.
 */
export const KNOWLEDGE_SCHEMA = `
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
ALTER TABLE knowledge_rounds ALTER COLUMN prompt_tokens DROP NOT NULL;
ALTER TABLE knowledge_rounds ALTER COLUMN completion_tokens DROP NOT NULL;`;

/** Filter of {@link KnowledgeTable.list}: all given conditions hold. */
export interface KnowledgeFilter {
  kind?: KnowledgeKind;
  keyPrefix?: string;
  keys?: string[];
}

/**
 * The knowledge of one store. Reached through `DuckDbStore`'s knowledge methods.
 *
 * @example
 * ```ts
 * import { DuckDBInstance } from "@duckdb/node-api";
 * import { StoreConnection } from "../connection.ts";
 * import { KNOWLEDGE_SCHEMA, KnowledgeTable } from "./knowledge.ts";
 * const instance = await DuckDBInstance.create(":memory:");
 * const connection = new StoreConnection(":memory:", instance, await instance.connect());
 * await connection.exclusive((c) => c.run(KNOWLEDGE_SCHEMA));
 * const knowledge = new KnowledgeTable(connection);
 * console.log(await knowledge.list({ kind: "user" })); // []
 * await connection.close();
 * ```
 */
export class KnowledgeTable {
  readonly #connection: StoreConnection;
  readonly #writes: Batcher<KnowledgeRecord>;

  /** The tables of the store behind `connection` (their schema already created). */
  constructor(connection: StoreConnection) {
    this.#connection = connection;
    this.#writes = new Batcher(connection, { serve: write, isolateFailures: true });
  }

  /** The keys among `keys` whose stored final draft was parsed. */
  async completedKeys(keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await this.#connection.rows(
      `SELECT key FROM knowledge WHERE key IN (SELECT unnest($1))
         AND json_extract_string(final_draft, '$.parseFailure') IS NULL`,
      [listValue(keys)],
      [LIST(VARCHAR)],
    );
    return new Set(rows.map((r) => r.key as string));
  }

  /** Writes (or replaces) a record and its rounds; resolves once committed. */
  put(record: KnowledgeRecord): Promise<void> {
    if (this.#connection.closed) return Promise.reject(this.#connection.closedError());
    if (record.rounds.length === 0) {
      return Promise.reject(new Error(`knowledge record ${record.key}: rounds must not be empty`));
    }
    return this.#writes.add(record);
  }

  /** Records matching `filter`, ordered by key, each with its rounds in order. */
  async list(filter: KnowledgeFilter = {}): Promise<KnowledgeRecord[]> {
    const { clause, values, types } = whereOf(filter);
    // Both reads in one exclusive slot so a concurrent write cannot land between them.
    const [heads, roundRows] = await this.#connection.exclusive(async (c) => {
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

  /** Resolves once every write queued so far is served. */
  flush(): Promise<void> {
    return this.#writes.flush();
  }
}

function whereOf(filter: KnowledgeFilter) {
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
  return { clause: where.length ? `WHERE ${where.join(" AND ")}` : "", values, types };
}

/** Writes a batch inside the transaction the batcher opened. */
async function write(c: DuckDBConnection, batch: KnowledgeRecord[]): Promise<void> {
  // The last write of a key in a batch wins, as it would written one by one.
  const last = new Map<string, KnowledgeRecord>();
  for (const record of batch) last.set(record.key, record);
  const createdAt = new Date();
  const rows = [...last.values()].map((record) => knowledgeRows(record, createdAt));
  const heads = unnestRows(HEAD_COLUMNS, rows.map((r) => r.head));
  const rounds = unnestRows(ROUND_COLUMNS, rows.flatMap((r) => r.rounds));
  const keys = [listValue([...last.keys()])];
  await c.run("DELETE FROM knowledge_rounds WHERE key IN (SELECT unnest($1))", keys, [
    LIST(VARCHAR),
  ]);
  await c.run("DELETE FROM knowledge WHERE key IN (SELECT unnest($1))", keys, [LIST(VARCHAR)]);
  await c.run(`INSERT INTO knowledge_rounds ${rounds.select}`, rounds.values, rounds.types);
  await c.run(
    `INSERT INTO knowledge SELECT * EXCLUDE (created_s), to_timestamp(created_s)
     FROM (${heads.select})`,
    heads.values,
    heads.types,
  );
}
