/**
 * SQL text helpers shared by the dataset loaders and the store.
 *
 * @module
 */

/**
 * Quotes a string as a SQL literal (for statements that take no parameters: file paths in
 * `read_csv`, `COPY`).
 *
 * @example
 * ```ts
 * import { sqlString } from "./sql.ts";
 * console.assert(sqlString("it's") === "'it''s'");
 * ```
 */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
