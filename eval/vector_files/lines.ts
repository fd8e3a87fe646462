/**
 * Streams the lines of a UTF-8 text file without holding its text: files of vectors can be larger
 * than memory would comfortably hold twice.
 *
 * @module
 */
import { runtime } from "../../runtime/mod.ts";
import { VectorFileError } from "./error.ts";

const CHUNK_BYTES = 1 << 20;
const NEWLINE = 10, CR = 13;

/**
 * Yields `[line, text]` for each line (1-based; `\r\n` endings accepted; a final newline does not
 * make an empty last line). Bad UTF-8 is a {@linkcode VectorFileError} naming the line.
 *
 * @example
 * ```ts
 * import { readLines } from "./lines.ts";
 * const file = await Deno.makeTempFile();
 * await Deno.writeTextFile(file, "a\r\nb\n");
 * const lines = [];
 * for await (const [line, text] of readLines(file)) lines.push(`${line}:${text}`);
 * console.assert(lines.join() === "1:a,2:b");
 * ```
 */
export async function* readLines(file: string): AsyncGenerator<[number, string]> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const decode = (bytes: Uint8Array, line: number): string => {
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CR
      ? bytes.length - 1
      : bytes.length;
    try {
      return decoder.decode(bytes.subarray(0, end));
    } catch (e) {
      throw new VectorFileError("invalid UTF-8 byte sequence", { file, row: line }, { cause: e });
    }
  };
  let line = 0;
  let pending: Uint8Array[] = []; // pieces of a line that spans chunks
  for await (const chunk of readChunks(file)) {
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, nl);
      const bytes = pending.length ? concat([...pending, piece]) : piece;
      pending = [];
      yield [++line, decode(bytes, line)];
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(chunk.slice(start));
  }
  if (pending.length) yield [++line, decode(concat(pending), line)];
}

/**
 * Counts the lines that are not empty, without decoding them: the row count to allocate for.
 *
 * @example
 * ```ts
 * import { countNonEmptyLines } from "./lines.ts";
 * const file = await Deno.makeTempFile();
 * await Deno.writeTextFile(file, "a\n\nb");
 * console.assert(await countNonEmptyLines(file) === 2);
 * ```
 */
export async function countNonEmptyLines(file: string): Promise<number> {
  let count = 0, length = 0;
  for await (const chunk of readChunks(file)) {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === NEWLINE) {
        if (length > 0) count++;
        length = 0;
      } else if (b !== CR) length++;
    }
  }
  return length > 0 ? count + 1 : count;
}

async function* readChunks(file: string): AsyncGenerator<Uint8Array> {
  using f = await runtime.open(file);
  const buffer = new Uint8Array(CHUNK_BYTES);
  for (let n = await f.read(buffer); n !== null; n = await f.read(buffer)) {
    yield buffer.subarray(0, n);
  }
}

function concat(pieces: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of pieces) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
