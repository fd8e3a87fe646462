/**
 * Reads a knowledge-vectors folder: finds each kind's one file set and reads it against the
 * dataset's vocabularies.
 *
 * @module
 */
import { runtime } from "../../runtime/mod.ts";
import { basename, join } from "node:path";
import type { Vocabulary } from "../../datasets/types.ts";
import { VectorFileError } from "./error.ts";
import { readJsonlVectors } from "./jsonl.ts";
import { readNpyVectors } from "./npy.ts";
import { readParquetVectors } from "./parquet.ts";
import type { VectorKind, VectorRows } from "./table.ts";

/** The three file formats of a vectors folder. */
export type VectorFormat = "parquet" | "npy" | "jsonl";

/** The vectors of one kind as read, with where they came from. */
export interface KindVectors extends VectorRows {
  /** The vector file (`users.npy`, `items.jsonl`, ...). */
  file: string;
  /** Every file read for the kind (`.npy` adds its `.ids.txt`). */
  files: string[];
  /** Format of the files. */
  format: VectorFormat;
  /** Element type stored in the file (`text` for JSON lines); rows are float32 in memory. */
  dtype: "float32" | "float64" | "text";
}

/** What a report says about one kind. */
export interface KindReport {
  /** Files read. */
  files: string[];
  /** Their format. */
  format: VectorFormat;
  /** Element type stored in the file (`text` for JSON lines). */
  dtype: "float32" | "float64" | "text";
  /** Rows read. */
  rows: number;
  /** Vector width. */
  dim: number;
  /** Vocabulary size, padding excluded. */
  vocabulary: number;
  /** Share of the vocabulary (padding excluded) that got a vector. */
  coverage: number;
}

/** What a report says about a vectors folder. */
export interface KnowledgeVectorsReport {
  /** The folder. */
  dir: string;
  /** User vectors. */
  users: KindReport;
  /** Item vectors. */
  items: KindReport;
  /** One line for reports: files, formats, counts, widths, coverage. */
  summary: string;
}

/** User and item vectors of a folder, and their report. */
export interface KnowledgeVectors {
  /** User vectors. */
  users: KindVectors;
  /** Item vectors. */
  items: KindVectors;
  /** Description for reports. */
  report: KnowledgeVectorsReport;
}

/**
 * The formats, in the order messages list them.
 *
 * @example
 * ```ts
 * import { VECTOR_FORMATS } from "./read.ts";
 * console.assert(VECTOR_FORMATS.includes("npy"));
 * ```
 */
export const VECTOR_FORMATS: readonly VectorFormat[] = ["parquet", "npy", "jsonl"];

/**
 * Reads `dir/users.*` and `dir/items.*`, mapping ids through the dataset's vocabularies. Any
 * problem is a {@linkcode VectorFileError} naming the file and the line or row.
 *
 * @example
 * ```ts
 * import { readKnowledgeVectors } from "./read.ts";
 * import { writeKnowledgeVectors } from "./write.ts";
 * // Vocabularies of a dataset with users "1", "2" and items "10", "11" (index 0 is padding).
 * const vocabulary = (ids: string[]) => ({ raw: ["", ...ids], index: new Map(["", ...ids].map((id, i) => [id, i])) });
 * const vocabularies = { users: vocabulary(["1", "2"]), items: vocabulary(["10", "11"]) };
 * const dir = await Deno.makeTempDir();
 * await writeKnowledgeVectors(dir, {
 *   users: { ids: ["1", "2"], rows: new Float32Array([1, 0, 0, 1]), dim: 2 },
 *   items: { ids: ["10", "11"], rows: new Float32Array([0.5, 0.25, 1, 0]), dim: 2 },
 * }, { format: "jsonl" });
 * const { users, items, report } = await readKnowledgeVectors(dir, vocabularies);
 * console.log(report.summary, users.dim, items.rows.length);
 * console.assert(users.dim === 2 && items.rows.length === 4);
 * ```
 */
export async function readKnowledgeVectors(
  dir: string,
  vocabularies: { users: Vocabulary; items: Vocabulary },
): Promise<KnowledgeVectors> {
  await requireFolder(dir);
  // Both kinds are located before either is read, so a missing file fails at once.
  const located = { users: await locate(dir, "users"), items: await locate(dir, "items") };
  const read = async (name: "users" | "items", kind: VectorKind): Promise<KindVectors> => {
    const { format, files } = located[name];
    const vocabulary = vocabularies[name];
    const rows = format === "npy"
      ? await readNpyVectors(files[0], files[1], kind, vocabulary)
      : format === "jsonl"
      ? { ...await readJsonlVectors(files[0], kind, vocabulary), dtype: "text" as const }
      : await readParquetVectors(files[0], kind, vocabulary);
    return { ...rows, file: files[0], files, format };
  };
  const users = await read("users", "user"), items = await read("items", "item");
  return { users, items, report: describe(dir, users, items, vocabularies) };
}

async function requireFolder(dir: string): Promise<void> {
  const stat = await runtime.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory) {
    throw new VectorFileError("knowledge-vectors folder not found", { file: dir });
  }
}

async function locate(
  dir: string,
  name: "users" | "items",
): Promise<{ format: VectorFormat; files: string[] }> {
  const present: VectorFormat[] = [];
  for (const format of VECTOR_FORMATS) {
    if (await isFile(join(dir, `${name}.${format}`))) present.push(format);
  }
  if (present.length === 0) {
    throw new VectorFileError(
      `no ${name} vectors: expected ${name}.parquet, ${name}.npy with ${name}.ids.txt, or ${name}.jsonl`,
      { file: join(dir, `${name}.*`) },
    );
  }
  if (present.length > 1) {
    throw new VectorFileError(
      `ambiguous: ${present.map((f) => `${name}.${f}`).join(" and ")} both exist; keep one`,
      { file: join(dir, `${name}.${present[0]}`) },
    );
  }
  const format = present[0], file = join(dir, `${name}.${format}`);
  if (format !== "npy") return { format, files: [file] };
  const ids = join(dir, `${name}.ids.txt`);
  if (!await isFile(ids)) {
    throw new VectorFileError(`ids file not found (${name}.npy needs one id per row)`, {
      file: ids,
    });
  }
  return { format, files: [file, ids] };
}

/**
 * Whether `path` is an existing file.
 *
 * @example
 * ```ts
 * import { isFile } from "./read.ts";
 * console.assert(!(await isFile(await Deno.makeTempDir())));
 * ```
 */
export async function isFile(path: string): Promise<boolean> {
  return (await runtime.stat(path).catch(() => undefined))?.isFile ?? false;
}

function describe(
  dir: string,
  users: KindVectors,
  items: KindVectors,
  vocabularies: { users: Vocabulary; items: Vocabulary },
): KnowledgeVectorsReport {
  const kind = (v: KindVectors, vocabulary: Vocabulary): KindReport => {
    const size = vocabulary.raw.length - 1;
    const { files, format, dtype, dim } = v;
    return {
      files,
      format,
      dtype,
      rows: v.ids.length,
      dim,
      vocabulary: size,
      coverage: size ? v.ids.length / size : 0,
    };
  };
  const report = {
    dir,
    users: kind(users, vocabularies.users),
    items: kind(items, vocabularies.items),
  };
  const line = (name: string, k: KindReport) => {
    const files = k.files.map((f) => basename(f)).join(" + ");
    const coverage = `${(100 * k.coverage).toFixed(1)}% of ${k.vocabulary} ${name}`;
    return `${name} ${files} (${k.format} ${k.dtype}) ${k.rows} x ${k.dim}, ${coverage}`;
  };
  const summary = `knowledge vectors computed outside r4ec (encoder not recorded in the files), ` +
    `from ${dir}: ${line("users", report.users)}; ${line("items", report.items)}`;
  return { ...report, summary };
}
