/**
 * Small SQL helpers shared by the store's table modules: literals, timestamps, result values, and
 * rows bound as one list per column.
 *
 * @module
 */
import { type DuckDBType, type DuckDBValue, LIST, listValue } from "@duckdb/node-api";
import type { TokenUsage } from "../../plugins/types.ts";

/** One result row as plain JS values (`getRowObjectsJS`). */
export type Row = Record<string, unknown>;

export { sqlString } from "../../util/sql.ts";

/**
 * Seconds since the epoch, for `to_timestamp`.
 *
 * @example
 * ```ts
 * import { seconds } from "./sql.ts";
 * console.log(seconds(new Date(1500))); // 1.5
 * ```
 */
export function seconds(date: Date): number {
  return date.getTime() / 1000;
}

/**
 * A numeric result value as a number (DuckDB returns BIGINT and HUGEINT as `bigint`).
 *
 * @example
 * ```ts
 * import { toNumber } from "./sql.ts";
 * console.log(toNumber(3n) + 1); // 4
 * ```
 */
export function toNumber(value: unknown): number {
  return typeof value === "bigint" ? Number(value) : (value as number);
}

/**
 * Token counts from two columns: `NULL` in either means unknown (see `TokenUsage.unknown`).
 *
 * @example
 * ```ts
 * import { usageFromColumns } from "./sql.ts";
 * console.log(usageFromColumns(3n, null)); // { prompt: 0, completion: 0, unknown: true }
 * ```
 */
export function usageFromColumns(prompt: unknown, completion: unknown): TokenUsage {
  return prompt === null || completion === null
    ? { prompt: 0, completion: 0, unknown: true }
    : { prompt: toNumber(prompt), completion: toNumber(completion) };
}

/**
 * The values of a usage's two token columns: `NULL`s when it is unknown, never 0.
 *
 * @example
 * ```ts
 * import { usageColumns } from "./sql.ts";
 * console.log(usageColumns({ prompt: 0, completion: 0, unknown: true })); // [ null, null ]
 * ```
 */
export function usageColumns(usage: TokenUsage): [number | null, number | null] {
  return usage.unknown ? [null, null] : [usage.prompt, usage.completion];
}

/**
 * SQL `NULL` as `undefined`, for optional record fields.
 *
 * @example
 * ```ts
 * import { optional } from "./sql.ts";
 * console.log(optional(null)); // undefined
 * ```
 */
export function optional<T>(value: T | null | undefined): T | undefined {
  return value === null ? undefined : value;
}

/** Rows bound as parameters: a `SELECT` of them, its values and their types. */
export interface UnnestedRows {
  /** `SELECT unnest($1) AS a, unnest($2) AS b, ...`: one result row per input row. */
  select: string;
  values: DuckDBValue[];
  types: DuckDBType[];
}

/**
 * Binds many rows as one list parameter per column, selected back as rows with `unnest`: one
 * statement (one transaction) writes a whole batch, with no per-row binding.
 *
 * @example
 * ```ts
 * import { INTEGER, VARCHAR } from "@duckdb/node-api";
 * import { unnestRows } from "./sql.ts";
 * const rows = unnestRows([["key", VARCHAR], ["n", INTEGER]], [["a", 1], ["b", 2]]);
 * console.log(rows.select); // SELECT unnest($1) AS key, unnest($2) AS n
 * ```
 */
export function unnestRows(
  columns: readonly (readonly [name: string, type: DuckDBType])[],
  rows: readonly DuckDBValue[][],
): UnnestedRows {
  return {
    select: `SELECT ${columns.map(([name], i) => `unnest($${i + 1}) AS ${name}`).join(", ")}`,
    values: columns.map((_, i) => listValue(rows.map((row) => row[i]))),
    types: columns.map(([, type]) => LIST(type)),
  };
}
