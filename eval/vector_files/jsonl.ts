/**
 * JSON-lines vectors: one `{"id": "...", "vector": [numbers]}` per line, read line by line.
 *
 * @module
 */
import { runtime } from "../../runtime/mod.ts";
import type { Vocabulary } from "../../datasets/types.ts";
import { VectorFileError, type VectorLocation } from "./error.ts";
import { countNonEmptyLines, readLines } from "./lines.ts";
import { type VectorKind, type VectorRows, type VectorSet, VectorTable } from "./table.ts";

const WRITE_BATCH_CHARS = 1 << 22;

/**
 * Reads a `.jsonl` file of vectors. `id` may be a string or an integer (compared as its string);
 * blank lines are skipped. Rows are allocated once, after counting the file's lines.
 *
 * @example
 * ```ts
 * import { readJsonlVectors } from "./jsonl.ts";
 * // Vocabularies of a dataset with users "1", "2" and items "10", "11" (index 0 is padding).
 * const vocabulary = (ids: string[]) => ({ raw: ["", ...ids], index: new Map(["", ...ids].map((id, i) => [id, i])) });
 * const users = vocabulary(["1", "2"]), items = vocabulary(["10", "11"]);
 * const file = await Deno.makeTempFile({ suffix: ".jsonl" });
 * await Deno.writeTextFile(file, '{"id": "10", "vector": [0.5, 0.25]}\n{"id": 11, "vector": [1, 0]}\n');
 * const { ids, rows, dense } = await readJsonlVectors(file, "item", items);
 * console.assert(ids.join() === "10,11" && rows[1] === 0.25 && dense[1] === 2);
 * ```
 */
export async function readJsonlVectors(
  file: string,
  kind: VectorKind,
  vocabulary: Vocabulary,
): Promise<VectorRows> {
  const table = new VectorTable(kind, vocabulary, await countNonEmptyLines(file));
  for await (const [line, text] of readLines(file)) {
    if (text.trim() === "") continue;
    const at = { file, row: line };
    const { id, vector } = parseLine(text, at);
    table.addId(id, at);
    const offset = table.startRow(vector.length, at);
    for (let c = 0; c < vector.length; c++) {
      const v = vector[c];
      if (typeof v !== "number") {
        throw new VectorFileError(`vector[${c}] is ${JSON.stringify(v)}, not a number`, at);
      }
      table.put(offset, c, v, at);
    }
  }
  if (table.size === 0) throw new VectorFileError(`no ${kind} vectors in the file`, { file });
  return table.finish();
}

function parseLine(text: string, at: VectorLocation): { id: string; vector: unknown[] } {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (e) {
    // Python's json.dumps writes NaN and Infinity, which are not JSON: name the culprit.
    const bare = text.match(/[\[,]\s*(-?Infinity|NaN)\s*[,\]]/)?.[1];
    const hint = bare ? ` (${bare} is not a JSON number; vectors must be finite)` : "";
    throw new VectorFileError(`bad JSON: ${(e as Error).message}${hint}`, at, { cause: e });
  }
  if (typeof record !== "object" || record === null || Array.isArray(record)) {
    throw new VectorFileError('expected an object {"id": ..., "vector": [...]}', at);
  }
  const { id, vector } = record as Record<string, unknown>;
  if (id === undefined || id === null) throw new VectorFileError('missing "id"', at);
  if (vector === undefined || vector === null) throw new VectorFileError('missing "vector"', at);
  if (typeof id !== "string" && !Number.isSafeInteger(id)) {
    throw new VectorFileError(`"id" is ${JSON.stringify(id)}; expected a string or integer`, at);
  }
  if (!Array.isArray(vector)) {
    throw new VectorFileError(`"vector" is ${typeof vector}; expected an array of numbers`, at);
  }
  return { id: String(id), vector };
}

/**
 * Writes `set` as JSON lines, in batches of a few MiB of text.
 *
 * @example
 * ```ts
 * import { writeJsonlVectors } from "./jsonl.ts";
 * const file = `${await Deno.makeTempDir()}/users.jsonl`;
 * await writeJsonlVectors(file, { ids: ["7"], rows: new Float32Array([0.5, 1]), dim: 2 });
 * ```
 */
export async function writeJsonlVectors(file: string, set: VectorSet): Promise<void> {
  using f = await runtime.open(file, { write: true });
  const encoder = new TextEncoder();
  let batch: string[] = [], chars = 0;
  const flush = async () => {
    const bytes = encoder.encode(batch.join(""));
    for (let done = 0; done < bytes.length;) done += await f.write(bytes.subarray(done));
    batch = [];
    chars = 0;
  };
  for (let r = 0; r < set.ids.length; r++) {
    const vector = Array.from(set.rows.subarray(r * set.dim, (r + 1) * set.dim));
    const line = JSON.stringify({ id: set.ids[r], vector }) + "\n";
    batch.push(line);
    chars += line.length;
    if (chars >= WRITE_BATCH_CHARS) await flush();
  }
  await flush();
}
