/**
 * The error of bad knowledge-vector files: it names the file and, where known, the line or row.
 *
 * @module
 */

/** Where in a vector file a problem is: a 1-based `line` of a text file or a 0-based `row`. */
export interface VectorLocation {
  /** Path of the file. */
  file: string;
  /** 1-based line (`.jsonl`, `.ids.txt`) or 0-based row index (`.npy`, `.parquet`). */
  row?: number;
  /** How `row` counts. @default "line" */
  unit?: "line" | "row";
}

/**
 * A problem with a knowledge-vector file. The one-line message starts with `file:line` for text
 * files and `file row N (0-based)` for `.npy` / `.parquet`, the way NumPy and Parquet count rows.
 *
 * @example
 * ```ts
 * import { VectorFileError } from "./error.ts";
 * const e = new VectorFileError("vector[3] is NaN", { file: "users.npy", row: 7, unit: "row" });
 * console.assert(e.message === "users.npy row 7 (0-based): vector[3] is NaN" && e.row === 7);
 * ```
 */
export class VectorFileError extends Error {
  /** Path of the file. */
  readonly file: string;
  /** 1-based line or 0-based row, see {@linkcode VectorLocation.unit}. */
  readonly row?: number;
  /** How `row` counts. */
  readonly unit: "line" | "row";

  constructor(message: string, at: VectorLocation, options?: ErrorOptions) {
    super(`${formatLocation(at)}: ${message.replaceAll("\n", " ")}`, options);
    this.name = "VectorFileError";
    this.file = at.file;
    this.row = at.row;
    this.unit = at.unit ?? "line";
  }
}

/**
 * `file:line`, `file row N (0-based)` or `file`, as in {@linkcode VectorFileError} messages.
 *
 * @example
 * ```ts
 * import { formatLocation } from "./error.ts";
 * console.assert(formatLocation({ file: "items.jsonl", row: 2 }) === "items.jsonl:2");
 * ```
 */
export function formatLocation(at: VectorLocation): string {
  if (at.row === undefined) return at.file;
  return at.unit === "row" ? `${at.file} row ${at.row} (0-based)` : `${at.file}:${at.row}`;
}

/**
 * `line N` or `row N` of a location, for naming a second place in the same file.
 *
 * @example
 * ```ts
 * import { rowName } from "./error.ts";
 * console.assert(rowName({ file: "users.npy", row: 0, unit: "row" }) === "row 0");
 * ```
 */
export function rowName(at: VectorLocation): string {
  return `${at.unit === "row" ? "row" : "line"} ${at.row}`;
}
