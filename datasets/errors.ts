/**
 * Errors for bad dataset input: they name the file and, where known, the line and column.
 *
 * @module
 */

/** Where in an input a problem was found. */
export interface DataLocation {
  /** Path of the file. */
  file: string;
  /** 1-based line number. */
  line?: number;
  /** Column or field name. */
  column?: string;
}

/**
 * A problem with dataset input. The message starts with `file:line` (or `file`) so it reads like a
 * compiler diagnostic.
 *
 * @example
 * ```ts
 * import { DatasetError } from "./errors.ts";
 * const e = new DatasetError("rating is not a number: \"x\"", { file: "ratings.dat", line: 2, column: "rating" });
 * console.assert(e.message.startsWith("ratings.dat:2"));
 * ```
 */
export class DatasetError extends Error {
  /** Where the problem is. */
  readonly location?: DataLocation;

  /** Prefixes `message` with `location` when given; `options.cause` keeps the underlying error. */
  constructor(message: string, location?: DataLocation, options?: ErrorOptions) {
    super(location ? `${formatLocation(location)}: ${message}` : message, options);
    this.name = "DatasetError";
    this.location = location;
  }
}

function formatLocation(l: DataLocation): string {
  let s = l.file;
  if (l.line !== undefined) s += `:${l.line}`;
  if (l.column !== undefined) s += ` (column ${l.column})`;
  return s;
}

/**
 * Turns a DuckDB error about a file into a {@linkcode DatasetError} naming the file and the line
 * DuckDB reported, so users never see raw SQL context.
 *
 * @example
 * ```ts
 * import { fromDuckDbError } from "./errors.ts";
 * const e = fromDuckDbError(new Error("CSV Error on Line: 3\nInvalid unicode"), "u.data");
 * console.assert(e.message.startsWith("u.data:3"));
 * ```
 */
export function fromDuckDbError(error: unknown, file: string): DatasetError {
  const text = error instanceof Error ? error.message : String(error);
  if (/No files found|No such file|Cannot open file/i.test(text)) {
    return new DatasetError("file not found", { file }, { cause: error });
  }
  const csvLine = text.match(/on Line:\s*(\d+)/i)?.[1];
  // DuckDB 1.5's JSON reader reports the line after the malformed one ("in line N+1").
  const jsonLine = text.match(/in line (\d+)/i)?.[1];
  const line = csvLine ? Number(csvLine) : jsonLine ? Number(jsonLine) - 1 : undefined;
  let reason =
    text.split("\n").find((l) =>
      /invalid unicode|malformed json|unexpected|could not convert|conversion/i.test(l)
    ) ?? text.split("\n")[0];
  reason = reason.replace(/^.*?Error:\s*/, "").trim();
  if (/invalid unicode/i.test(reason)) reason = "invalid UTF-8 byte sequence (bad encoding)";
  reason = reason.replace(/ in file "[^"]*", at byte \d+ in line \d+/, "");
  return new DatasetError(reason, { file, line }, {
    cause: error,
  });
}
