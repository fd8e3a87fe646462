/**
 * Parquet vectors: columns `id` (string or integer) and `vector` (LIST or ARRAY of FLOAT/DOUBLE),
 * read through DuckDB chunk by chunk straight from its flat child vectors.
 *
 * @module
 */
import {
  ARRAY,
  arrayValue,
  DuckDBDataChunk,
  type DuckDBListVector,
  FLOAT,
  VARCHAR,
} from "@duckdb/node-api";
import { openMemoryDb, readRows, sqlString } from "../../datasets/duckdb.ts";
import type { DuckDBConnection } from "../../datasets/duckdb.ts";
import type { Vocabulary } from "../../datasets/types.ts";
import { VectorFileError } from "./error.ts";
import { type VectorKind, type VectorRows, type VectorSet, VectorTable } from "./table.ts";

const ID_TYPES = /^(VARCHAR|U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT))$/;
const VECTOR_TYPE = /^(FLOAT|DOUBLE)\[\d*\]$/;
const CHUNK_ROWS = 2048; // DuckDB's standard vector size

/**
 * Reads a Parquet file of vectors; error rows are its `file_row_number` (0-based).
 *
 * @example
 * ```ts
 * import { readParquetVectors } from "./parquet.ts";
 * import { writeKnowledgeVectors } from "./write.ts";
 * // Vocabularies of a dataset with users "1", "2" and items "10", "11" (index 0 is padding).
 * const vocabulary = (ids: string[]) => ({ raw: ["", ...ids], index: new Map(["", ...ids].map((id, i) => [id, i])) });
 * const users = vocabulary(["1", "2"]), items = vocabulary(["10", "11"]);
 * const dir = await Deno.makeTempDir();
 * await writeKnowledgeVectors(dir, {
 *   users: { ids: ["1", "2"], rows: new Float32Array([1, 0, 0, 1]), dim: 2 },
 *   items: { ids: ["10", "11"], rows: new Float32Array([0.5, 0.25, 1, 0]), dim: 2 },
 * }, { format: "parquet" });
 * const { rows, dim, dtype } = await readParquetVectors(`${dir}/users.parquet`, "user", users);
 * console.assert(dim === 2 && rows.length === 4 && dtype === "float32");
 * ```
 */
export async function readParquetVectors(
  file: string,
  kind: VectorKind,
  vocabulary: Vocabulary,
): Promise<VectorRows & { dtype: "float32" | "float64" }> {
  const db = await openMemoryDb();
  try {
    const source = `read_parquet(${sqlString(file)}, file_row_number=true)`;
    const dtype = await checkColumns(db, source, file);
    const [{ n }] = await duck(file, () => readRows(db, `select count(*) as n from ${source}`));
    const table = new VectorTable(kind, vocabulary, Number(n));
    const result = await duck(file, () =>
      db.stream(
        `select file_row_number, id::VARCHAR, vector::DOUBLE[], vector is null from ${source}`,
      ));
    for (;;) {
      const chunk = await duck(file, () => result.fetchChunk());
      if (!chunk || chunk.rowCount === 0) break;
      const rowNumbers = chunk.getColumnVector(0), ids = chunk.getColumnVector(1);
      const vectors = chunk.getColumnVector(2) as DuckDBListVector;
      const values = vectors.childVector, missing = chunk.getColumnVector(3);
      for (let r = 0; r < chunk.rowCount; r++) {
        const at = { file, row: Number(rowNumbers.getItem(r)), unit: "row" as const };
        const id = ids.getItem(r);
        if (id === null) throw new VectorFileError("id is null", at);
        table.addId(String(id), at);
        if (missing.getItem(r)) throw new VectorFileError("vector is null", at);
        const start = vectors.getEntryOffset(r), length = vectors.getEntryLength(r);
        const offset = table.startRow(length, at);
        for (let c = 0; c < length; c++) {
          const v = values.getItem(start + c);
          if (v === null) throw new VectorFileError(`vector[${c}] is null`, at);
          table.put(offset, c, v as number, at);
        }
      }
    }
    if (table.size === 0) throw new VectorFileError(`no ${kind} vectors in the file`, { file });
    return { ...table.finish(), dtype };
  } finally {
    db.closeSync();
  }
}

async function checkColumns(
  db: DuckDBConnection,
  source: string,
  file: string,
): Promise<"float32" | "float64"> {
  const columns = await duck(file, () => readRows(db, `describe select * from ${source}`));
  const typeOf = new Map(columns.map((c) => [String(c.column_name), String(c.column_type)]));
  const names = [...typeOf.keys()].filter((c) => c !== "file_row_number").join(", ");
  for (const name of ["id", "vector"]) {
    if (!typeOf.has(name)) {
      throw new VectorFileError(`no column "${name}" (columns: ${names})`, { file });
    }
  }
  if (!ID_TYPES.test(typeOf.get("id")!)) {
    throw new VectorFileError(
      `column "id" is ${typeOf.get("id")}; expected a string or an integer`,
      { file },
    );
  }
  const vectorType = typeOf.get("vector")!;
  if (!VECTOR_TYPE.test(vectorType)) {
    throw new VectorFileError(
      `column "vector" is ${vectorType}; expected a LIST or ARRAY of FLOAT or DOUBLE`,
      { file },
    );
  }
  return vectorType.startsWith("FLOAT") ? "float32" : "float64";
}

/** Runs a DuckDB call on `file`, turning its errors into one-line {@linkcode VectorFileError}s. */
async function duck<T>(file: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof VectorFileError) throw e;
    const text = e instanceof Error ? e.message : String(e);
    const reason = text.split("\n")[0].replace(/^[\w ]*Error:\s*/, "")
      .replaceAll(`File '${file}'`, "file").replaceAll(`'${file}'`, "the file");
    throw new VectorFileError(reason, { file }, { cause: e });
  }
}

/**
 * Writes `set` as Parquet with columns `id VARCHAR` and `vector FLOAT[]`. Rows go in as data
 * chunks of fixed-size arrays: appending them one list at a time was ~80x slower (ML-1M scale).
 *
 * @example
 * ```ts
 * import { writeParquetVectors } from "./parquet.ts";
 * const file = `${await Deno.makeTempDir()}/items.parquet`;
 * await writeParquetVectors(file, { ids: ["a", "b"], rows: new Float32Array([1, 2, 3, 4]), dim: 2 });
 * ```
 */
export async function writeParquetVectors(file: string, set: VectorSet): Promise<void> {
  const { ids, rows, dim } = set;
  const db = await openMemoryDb();
  try {
    await db.run(`create table vectors(id VARCHAR, vector FLOAT[${dim}])`);
    const appender = await db.createAppender("vectors");
    const types = [VARCHAR, ARRAY(FLOAT, dim)];
    for (let start = 0; start < ids.length; start += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, ids.length - start);
      const chunk = DuckDBDataChunk.create(types, count);
      chunk.setColumnValues(0, ids.slice(start, start + count));
      chunk.setColumnValues(
        1,
        Array.from({ length: count }, (_, i) => {
          const r = start + i;
          return arrayValue(Array.from(rows.subarray(r * dim, (r + 1) * dim)));
        }),
      );
      appender.appendDataChunk(chunk);
    }
    appender.closeSync();
    await db.run(`copy vectors to ${sqlString(file)} (format parquet)`);
  } finally {
    db.closeSync();
  }
}
