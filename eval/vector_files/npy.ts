/**
 * NumPy `.npy` vectors with a companion `.ids.txt`. The header is parsed by hand from the format
 * spec (numpy.org/doc/stable/reference/generated/numpy.lib.format.html): it is a dozen lines, while
 * a library would bring a full pickle/Python-literal reader for one dict of three keys.
 *
 * @module
 */
import { type FileHandle, runtime } from "../../runtime/mod.ts";
import type { Vocabulary } from "../../datasets/types.ts";
import { VectorFileError, type VectorLocation } from "./error.ts";
import { readLines } from "./lines.ts";
import {
  nonFinite,
  type VectorKind,
  type VectorRows,
  type VectorSet,
  VectorTable,
} from "./table.ts";

/** What an `.npy` header says, limited to the 2-D float arrays this module reads. */
export interface NpyHeader {
  /** Element type: little-endian float32 or float64. */
  dtype: "<f4" | "<f8";
  /** `[rows, dim]`. */
  shape: [number, number];
  /** Byte offset of the data. */
  dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const CHUNK_BYTES = 1 << 20;
// Typed arrays use the host's byte order; .npy data here is little-endian, as on x86-64 and arm64.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Parses the header at the start of `bytes` (npy format 1.0, 2.0 or 3.0). Returns `undefined`
 * when `bytes` is too short to hold the whole header.
 *
 * @example
 * ```ts
 * import { parseNpyHeader } from "./npy.ts";
 * const text = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n";
 * const bytes = new Uint8Array([0x93, 78, 85, 77, 80, 89, 1, 0, text.length, 0, ...new TextEncoder().encode(text)]);
 * console.assert(parseNpyHeader(bytes, "x.npy")?.shape[1] === 3);
 * ```
 */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader | undefined {
  const at = { file };
  if (MAGIC.some((b, i) => i < bytes.length && bytes[i] !== b)) {
    throw new VectorFileError("not a .npy file", at);
  }
  if (bytes.length < 10) return undefined;
  const major = bytes[6], view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major < 1 || major > 3) {
    throw new VectorFileError(`unsupported npy format version ${major}.${bytes[7]}`, at);
  }
  const start = major === 1 ? 10 : 12;
  if (bytes.length < start) return undefined;
  const length = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (bytes.length < start + length) return undefined;
  const dict = new TextDecoder(major === 3 ? "utf-8" : "latin1")
    .decode(bytes.subarray(start, start + length));
  const descr = dict.match(/['"]descr['"]\s*:\s*['"]([^'"]*)['"]/)?.[1];
  const fortran = dict.match(/['"]fortran_order['"]\s*:\s*(True|False)/)?.[1];
  const shape = dict.match(/['"]shape['"]\s*:\s*\(([^)]*)\)/)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined) {
    throw new VectorFileError(`unreadable npy header ${JSON.stringify(dict.trim())}`, at);
  }
  if (descr !== "<f4" && descr !== "<f8") {
    throw new VectorFileError(
      `unsupported dtype ${
        JSON.stringify(descr)
      }; expected little-endian float32 '<f4' or float64 '<f8'`,
      at,
    );
  }
  if (fortran === "True") {
    throw new VectorFileError("Fortran-order array; save a C-order one (np.ascontiguousarray)", at);
  }
  const dims = shape.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  if (dims.length !== 2 || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new VectorFileError(`shape (${shape}) is not 2-D; expected (rows, dim)`, at);
  }
  if (dims[0] === 0 || dims[1] === 0) throw new VectorFileError(`shape (${shape}) is empty`, at);
  return { dtype: descr, shape: [dims[0], dims[1]], dataOffset: start + length };
}

/**
 * Reads `npyFile` (2-D `<f4`/`<f8`, C order) and its ids file (one raw id per line) into one
 * allocation of float32 rows.
 *
 * @example
 * ```ts
 * import { readNpyVectors } from "./npy.ts";
 * import { writeKnowledgeVectors } from "./write.ts";
 * // Vocabularies of a dataset with users "1", "2" and items "10", "11" (index 0 is padding).
 * const vocabulary = (ids: string[]) => ({ raw: ["", ...ids], index: new Map(["", ...ids].map((id, i) => [id, i])) });
 * const users = vocabulary(["1", "2"]), items = vocabulary(["10", "11"]);
 * const dir = await Deno.makeTempDir();
 * await writeKnowledgeVectors(dir, {
 *   users: { ids: ["1", "2"], rows: new Float32Array([1, 0, 0, 1]), dim: 2 },
 *   items: { ids: ["10", "11"], rows: new Float32Array([0.5, 0.25, 1, 0]), dim: 2 },
 * }, { format: "npy" });
 * const { rows, dim } = await readNpyVectors(`${dir}/users.npy`, `${dir}/users.ids.txt`, "user", users);
 * console.assert(dim === 2 && rows.length === 4);
 * ```
 */
export async function readNpyVectors(
  npyFile: string,
  idsFile: string,
  kind: VectorKind,
  vocabulary: Vocabulary,
): Promise<VectorRows & { dtype: "float32" | "float64" }> {
  if (!HOST_IS_LITTLE_ENDIAN) throw new Error("reading .npy needs a little-endian host");
  using f = await runtime.open(npyFile);
  const header = await readHeader(f, npyFile);
  const [n, dim] = header.shape;
  const itemSize = header.dtype === "<f4" ? 4 : 8;
  const dataBytes = (await f.size()) - header.dataOffset;
  if (dataBytes !== n * dim * itemSize) {
    throw new VectorFileError(
      `has ${dataBytes} data bytes but shape (${n}, ${dim}) of ${header.dtype} needs ${
        n * dim * itemSize
      } (truncated or not a plain array)`,
      { file: npyFile },
    );
  }
  const table = new VectorTable(kind, vocabulary, n);
  for await (const [line, id] of readLines(idsFile)) {
    if (line > n) {
      throw new VectorFileError(`more ids than the ${n} rows of ${npyFile}`, {
        file: idsFile,
        row: line,
      });
    }
    table.addId(id, { file: idsFile, row: line });
  }
  if (table.size < n) {
    throw new VectorFileError(
      `no id: ${idsFile} has ${table.size} lines for ${n} rows`,
      { file: npyFile, row: table.size, unit: "row" },
    );
  }
  table.allocate(n, dim);
  await f.seek(header.dataOffset);
  const rowAt = (row: number): VectorLocation => ({ file: npyFile, row, unit: "row" });
  if (itemSize === 4) {
    await readFully(f, new Uint8Array(table.rows.buffer), npyFile);
    table.checkFinite(n, rowAt);
  } else {
    await readFloat64(f, table.rows, dim, npyFile, rowAt);
  }
  return { ...table.finish(), dtype: itemSize === 4 ? "float32" : "float64" };
}

async function readHeader(f: FileHandle, file: string): Promise<NpyHeader> {
  let prefix = new Uint8Array(256);
  for (let filled = 0;;) {
    const n = await f.read(prefix.subarray(filled));
    if (n === null) throw new VectorFileError("truncated npy header", { file });
    filled += n;
    const header = parseNpyHeader(prefix.subarray(0, filled), file);
    if (header) return header;
    if (filled === prefix.length) {
      const grown = new Uint8Array(prefix.length * 4);
      grown.set(prefix);
      prefix = grown;
    }
  }
}

async function readFully(f: FileHandle, target: Uint8Array, file: string): Promise<void> {
  for (let filled = 0; filled < target.length;) {
    const n = await f.read(target.subarray(filled, Math.min(target.length, filled + (1 << 26))));
    if (n === null) throw new VectorFileError("truncated data", { file });
    filled += n;
  }
}

async function readFloat64(
  f: FileHandle,
  rows: Float32Array,
  dim: number,
  file: string,
  rowAt: (row: number) => VectorLocation,
): Promise<void> {
  const chunk = new Uint8Array(CHUNK_BYTES), values = new Float64Array(chunk.buffer);
  for (let done = 0; done < rows.length;) {
    const count = Math.min(values.length, rows.length - done);
    await readFully(f, chunk.subarray(0, count * 8), file);
    for (let i = 0; i < count; i++) {
      const v = values[i], x = Math.fround(v);
      if (!Number.isFinite(x)) {
        const flat = done + i;
        throw nonFinite(v, flat % dim, rowAt(Math.floor(flat / dim)));
      }
      rows[done + i] = x;
    }
    done += count;
  }
}

/**
 * Writes `set` as a float32 `.npy` (format 1.0) and an ids file with one id per line.
 *
 * @example
 * ```ts
 * import { writeNpyVectors } from "./npy.ts";
 * const dir = await Deno.makeTempDir();
 * await writeNpyVectors(`${dir}/items.npy`, `${dir}/items.ids.txt`, {
 *   ids: ["1", "2"],
 *   rows: new Float32Array([1, 0, 0, 1]),
 *   dim: 2,
 * });
 * ```
 */
export async function writeNpyVectors(
  npyFile: string,
  idsFile: string,
  set: VectorSet,
): Promise<void> {
  const n = set.ids.length;
  let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${n}, ${set.dim}), }`;
  dict = dict.padEnd(Math.ceil((10 + dict.length + 1) / 64) * 64 - 10 - 1) + "\n";
  const header = new Uint8Array(10 + dict.length);
  header.set(MAGIC);
  header.set([1, 0], 6);
  new DataView(header.buffer).setUint16(8, dict.length, true);
  header.set(new TextEncoder().encode(dict), 10);
  using f = await runtime.open(npyFile, { write: true });
  await writeFully(f, header);
  await writeFully(f, new Uint8Array(set.rows.buffer, set.rows.byteOffset, n * set.dim * 4));
  await runtime.writeTextFile(idsFile, set.ids.map((id) => id + "\n").join(""));
}

async function writeFully(f: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length;) {
    done += await f.write(bytes.subarray(done, Math.min(bytes.length, done + (1 << 26))));
  }
}
