/**
 * Collects the vectors of one kind while a reader walks its file: every id is checked against the
 * vocabulary and for duplicates, every row for its width, every value for being a finite float32.
 *
 * @module
 */
import type { Vocabulary } from "../../datasets/types.ts";
import { rowName, VectorFileError, type VectorLocation } from "./error.ts";

/** `user` or `item`: the kind of a vector set, as messages name it. */
export type VectorKind = "user" | "item";

/** Vectors of one kind: `rows` holds `ids.length * dim` values, row `r` belonging to `ids[r]`. */
export interface VectorSet {
  /** Raw id of each row. */
  ids: string[];
  /** Row-major vectors. */
  rows: Float32Array;
  /** Width of each vector. */
  dim: number;
}

/** The rows of one kind read from a file, with their dense vocabulary index. */
export interface VectorRows extends VectorSet {
  /** Dense vocabulary index (1-based) of each row. */
  dense: Int32Array;
}

/**
 * The growing vectors of one kind. Readers call {@linkcode VectorTable.addId} once per row and
 * either {@linkcode VectorTable.startRow} + {@linkcode VectorTable.put} per value, or write
 * {@linkcode VectorTable.rows} directly after {@linkcode VectorTable.allocate} and then
 * {@linkcode VectorTable.checkFinite}.
 *
 * @example
 * ```ts
 * import { VectorTable } from "./table.ts";
 * const vocab = { raw: ["", "u1"], index: new Map([["", 0], ["u1", 1]]) };
 * const table = new VectorTable("user", vocab, 1);
 * const at = { file: "users.jsonl", row: 1 };
 * table.addId("u1", at);
 * const offset = table.startRow(2, at);
 * table.put(offset, 0, 0.5, at);
 * table.put(offset, 1, -1, at);
 * console.assert(table.finish().dim === 2);
 * ```
 */
export class VectorTable {
  /** Width, fixed by the first row; 0 before. */
  dim = 0;
  /** Row-major values of the rows so far (capacity may exceed them until `finish`). */
  rows = new Float32Array(0);
  readonly #ids: string[] = [];
  readonly #dense: Int32Array;
  /** Per dense index: the row/line (+1) that claimed it, for duplicate messages. */
  readonly #claimedAt: Float64Array;
  #rowCount = 0;
  #firstRow?: VectorLocation;

  /** `capacity` is the expected row count (an upper bound avoids any reallocation). */
  constructor(readonly kind: VectorKind, readonly vocabulary: Vocabulary, capacity: number) {
    this.#dense = new Int32Array(capacity);
    this.#claimedAt = new Float64Array(vocabulary.raw.length);
  }

  /** Number of ids added. */
  get size(): number {
    return this.#ids.length;
  }

  /** Records the id of the next row: it must be in the vocabulary and not seen before. */
  addId(id: string, at: VectorLocation): void {
    if (id === "") throw new VectorFileError(`empty ${this.kind} id`, at);
    const dense = this.vocabulary.index.get(id);
    if (!dense) {
      const known = this.vocabulary.raw.length - 1;
      throw new VectorFileError(
        `unknown ${this.kind} id ${
          JSON.stringify(id)
        } (not among the dataset's ${known} ${this.kind}s)`,
        at,
      );
    }
    const first = this.#claimedAt[dense];
    if (first > 0) {
      const other = rowName({ ...at, row: first - 1 });
      throw new VectorFileError(
        `duplicate ${this.kind} id ${JSON.stringify(id)} (also at ${other})`,
        at,
      );
    }
    this.#claimedAt[dense] = (at.row ?? 0) + 1;
    if (this.#ids.length === this.#dense.length) throw new Error("VectorTable capacity exceeded");
    this.#dense[this.#ids.length] = dense;
    this.#ids.push(id);
  }

  /** Sets the width and allocates `rowCount * dim` values at once (for binary formats). */
  allocate(rowCount: number, dim: number): void {
    this.dim = dim;
    this.rows = new Float32Array(rowCount * dim);
    this.#rowCount = rowCount;
  }

  /** Starts the next row of `length` values; returns its offset in {@linkcode VectorTable.rows}. */
  startRow(length: number, at: VectorLocation): number {
    if (length === 0) throw new VectorFileError("empty vector", at);
    if (this.dim === 0) {
      this.allocate(this.#dense.length, length);
      this.#rowCount = 0;
      this.#firstRow = at;
    } else if (length !== this.dim) {
      const first = this.#firstRow ? ` like ${rowName(this.#firstRow)}` : "";
      throw new VectorFileError(`vector has ${length} values, expected ${this.dim}${first}`, at);
    }
    if (this.#rowCount * this.dim >= this.rows.length) {
      throw new Error("VectorTable capacity exceeded");
    }
    return this.#rowCount++ * this.dim;
  }

  /** Stores value `column` of the row at `offset`, refusing NaN, ±Infinity and float32 overflow. */
  put(offset: number, column: number, value: number, at: VectorLocation): void {
    const f = Math.fround(value);
    if (!Number.isFinite(f)) throw nonFinite(value, column, at);
    this.rows[offset + column] = f;
  }

  /** Checks the first `rowCount` rows for NaN and ±Infinity; `at(row)` locates row `row`. */
  checkFinite(rowCount: number, at: (row: number) => VectorLocation): void {
    const { rows, dim } = this;
    for (let r = 0; r < rowCount; r++) {
      for (let c = 0, o = r * dim; c < dim; c++) {
        if (!Number.isFinite(rows[o + c])) throw nonFinite(rows[o + c], c, at(r));
      }
    }
  }

  /** The rows collected, trimmed to their count. */
  finish(): VectorRows {
    const n = this.#ids.length, dim = this.dim;
    const rows = this.rows.length === n * dim ? this.rows : this.rows.slice(0, n * dim);
    const dense = this.#dense.length === n ? this.#dense : this.#dense.slice(0, n);
    return { ids: this.#ids, rows, dim, dense };
  }
}

/**
 * The error for a value that is NaN, ±Infinity or beyond float32, at `vector[column]` of `at`.
 *
 * @example
 * ```ts
 * import { nonFinite } from "./table.ts";
 * const e = nonFinite(NaN, 2, { file: "users.jsonl", row: 4 });
 * console.assert(e.message.startsWith("users.jsonl:4: vector[2] is NaN"));
 * ```
 */
export function nonFinite(value: number, column: number, at: VectorLocation): VectorFileError {
  const what = Number.isFinite(value) ? `= ${value} is outside the float32 range` : `is ${value}`;
  return new VectorFileError(`vector[${column}] ${what} (vectors must be finite)`, at);
}
