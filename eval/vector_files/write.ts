/**
 * Writes a knowledge-vectors folder in the layout `readKnowledgeVectors` reads, so a
 * serving bundle keeps the vectors it was trained with.
 *
 * @module
 */
import { runtime } from "../../runtime/mod.ts";
import { join } from "node:path";
import { writeJsonlVectors } from "./jsonl.ts";
import { writeNpyVectors } from "./npy.ts";
import { writeParquetVectors } from "./parquet.ts";
import { isFile, VECTOR_FORMATS, type VectorFormat } from "./read.ts";
import type { VectorSet } from "./table.ts";

const KINDS = ["users", "items"] as const;

/** Options of {@linkcode writeKnowledgeVectors}. */
export interface WriteVectorsOptions {
  /** File format. @default "npy" */
  format?: VectorFormat;
}

/**
 * Writes user and item vectors in the folder layout {@linkcode readKnowledgeVectors} reads (npy:
 * float32 + `.ids.txt`), each file under a temporary name first. Refuses a folder that already
 * holds the kind in another format, which would make it ambiguous. Returns the files written.
 *
 * @example
 * ```ts
 * import { writeKnowledgeVectors } from "./write.ts";
 * const dir = await Deno.makeTempDir();
 * const files = await writeKnowledgeVectors(dir, {
 *   users: { ids: ["1", "2"], rows: new Float32Array([1, 0, 0, 1]), dim: 2 },
 *   items: { ids: ["10"], rows: new Float32Array([0.6, 0.8]), dim: 2 },
 * }, { format: "jsonl" });
 * console.assert(files.length === 2);
 * ```
 */
export async function writeKnowledgeVectors(
  dir: string,
  vectors: { users: VectorSet; items: VectorSet },
  options: WriteVectorsOptions = {},
): Promise<string[]> {
  const format = options.format ?? "npy";
  for (const name of KINDS) checkSet(name, vectors[name], format);
  await runtime.mkdir(dir, { recursive: true });
  for (const name of KINDS) {
    for (const other of VECTOR_FORMATS.filter((f) => f !== format)) {
      const file = join(dir, `${name}.${other}`);
      if (await isFile(file)) {
        throw new Error(`${file} exists: writing ${name}.${format} beside it would be ambiguous`);
      }
    }
  }
  const written: string[] = [];
  for (const name of KINDS) {
    const file = join(dir, `${name}.${format}`), set = vectors[name];
    const files = format === "npy" ? [file, join(dir, `${name}.ids.txt`)] : [file];
    const partial = files.map((f) => `${f}.partial`);
    if (format === "npy") await writeNpyVectors(partial[0], partial[1], set);
    else if (format === "jsonl") await writeJsonlVectors(partial[0], set);
    else await writeParquetVectors(partial[0], set);
    for (let i = 0; i < files.length; i++) await runtime.rename(partial[i], files[i]);
    written.push(...files);
  }
  return written;
}

/** Refuses sets the reader would refuse, before anything is written. */
function checkSet(name: string, set: VectorSet, format: VectorFormat): void {
  const { ids, rows, dim } = set;
  if (!Number.isInteger(dim) || dim <= 0) {
    throw new RangeError(`${name}: dim ${dim} is not positive`);
  }
  if (ids.length === 0) throw new RangeError(`${name}: no vectors`);
  if (rows.length !== ids.length * dim) {
    throw new RangeError(`${name}: ${rows.length} values for ${ids.length} ids x ${dim}`);
  }
  const seen = new Set<string>();
  for (const id of ids) {
    if (id === "" || seen.has(id)) throw new RangeError(`${name}: empty or duplicate id "${id}"`);
    if (format === "npy" && /[\r\n]/.test(id)) {
      throw new RangeError(
        `${name}: id ${JSON.stringify(id)} has a line break (npy ids are lines)`,
      );
    }
    seen.add(id);
  }
  const bad = rows.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new RangeError(
      `${name}: row ${Math.floor(bad / dim)} vector[${bad % dim}] is ${rows[bad]}`,
    );
  }
}
