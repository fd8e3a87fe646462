/**
 * Checks on the bytes of input files that DuckDB does not make: a gzip stream is read to its end
 * (DuckDB keeps whatever a truncated one decompressed to), and latin-1 encoding errors are found to
 * their line (DuckDB names none, and reads UTF-8 declared latin-1 as mojibake).
 *
 * @module
 */
import { runtime } from "../runtime/mod.ts";
import { createReadStream } from "node:fs";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { DatasetError } from "./errors.ts";

/** True when the loaders (and DuckDB) read `file` as gzip: its name ends in `.gz`. */
function isGzip(file: string): boolean {
  return /\.gz$/i.test(file);
}

/** The bytes of `file`, gunzipped when it is gzip; read errors end the iteration with the error. */
function bytesOf(file: string): AsyncIterable<Uint8Array> {
  const raw = createReadStream(file);
  return isGzip(file) ? pipeline(raw, createGunzip(), () => {}) : raw;
}

/**
 * Decompresses a `.gz` file to its end and discards the output, so a truncated or corrupt stream
 * fails before DuckDB reads part of it. Other files pass unread.
 *
 * @example
 * ```ts
 * import { verifyGzip } from "./file_checks.ts";
 * const path = await Deno.makeTempFile({ suffix: ".gz" });
 * await Deno.writeFile(path, new Blob(["1::2::5::3\n"]).stream().pipeThrough(new CompressionStream("gzip")));
 * await verifyGzip(path);
 * ```
 */
export async function verifyGzip(file: string): Promise<void> {
  if (!isGzip(file)) return;
  try {
    for await (const _chunk of bytesOf(file)) {
      // Only the decompressor's verdict matters.
    }
  } catch (e) {
    const code = String((e as { code?: string }).code);
    // zlib says Z_BUF_ERROR ("unexpected end of file") when the input ends inside the stream.
    const reason = code === "Z_BUF_ERROR"
      ? `truncated gzip file: its ${(await runtime.stat(file)).size} bytes end inside the ` +
        "compressed stream (gzip -t fails too); copy or download it again"
      : code.startsWith("Z_")
      ? `corrupt gzip file: ${(e as Error).message}`
      : `cannot read: ${(e as Error).message}`;
    throw new DatasetError(reason, { file }, { cause: e });
  }
}

/** Where and why a file's text is not valid in its declared encoding. */
export interface EncodingProblem {
  /** 1-based line number. */
  line: number;
  /** What is wrong, in words. */
  reason: string;
}

/** Calls `visit` with each line's bytes (without the `\n`) until it returns `true`. */
async function forEachLine(
  file: string,
  visit: (bytes: Uint8Array, line: number) => boolean,
): Promise<void> {
  let parts: Uint8Array[] = [];
  let line = 0;
  const joined = (last: Uint8Array) => {
    if (!parts.length) return last;
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, last.length));
    let at = 0;
    for (const p of [...parts, last]) {
      all.set(p, at);
      at += p.length;
    }
    parts = [];
    return all;
  };
  for await (const chunk of bytesOf(file)) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      if (visit(joined(chunk.subarray(start, nl)), ++line)) return;
      start = nl + 1;
    }
    if (start < chunk.length) parts.push(chunk.slice(start));
  }
  if (parts.length) visit(joined(new Uint8Array(0)), ++line);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The line as UTF-8, or `undefined` when it is not valid UTF-8. */
function utf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Finds the first line of a latin-1 file (gunzipped if `.gz`) that is not latin-1 text. If the
 * whole file is valid UTF-8 with non-ASCII text, it is UTF-8 (a latin-1 file almost never is) and
 * its first non-ASCII line is named; otherwise the first line with a byte 0x80-0x9f (control codes,
 * which DuckDB rejects without naming a line). UTF-8 files need no such scan: DuckDB names the line.
 *
 * @example
 * ```ts
 * import { findLatin1Problem } from "./file_checks.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "1::Heat (1995)::Action\n2::Métisse (1993)::Comedy\n");
 * const problem = await findLatin1Problem(path);
 * console.assert(problem?.line === 2);
 * ```
 */
export async function findLatin1Problem(file: string): Promise<EncodingProblem | undefined> {
  let firstUtf8: EncodingProblem | undefined;
  let control: EncodingProblem | undefined;
  let allUtf8 = true;
  await forEachLine(file, (bytes, line) => {
    if (!bytes.some((b) => b >= 0x80)) return false;
    const text = utf8(bytes);
    if (text === undefined) allUtf8 = false;
    else if (!firstUtf8) {
      firstUtf8 = {
        line,
        reason: `the file is read as latin-1 but is UTF-8 (${
          JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text)
        }); convert it with iconv -f utf-8 -t latin1`,
      };
    }
    const at = bytes.findIndex((b) => b >= 0x80 && b <= 0x9f);
    if (at >= 0 && !control) {
      control = {
        line,
        reason: `byte 0x${bytes[at].toString(16)} at position ${
          at + 1
        } of the line is not latin-1 text (bad encoding)`,
      };
    }
    return control !== undefined && !allUtf8;
  });
  return allUtf8 && firstUtf8 ? firstUtf8 : control;
}

/**
 * Checks that a file read as latin-1 is latin-1 text, naming the first bad line.
 *
 * @example
 * ```ts
 * import { requireLatin1 } from "./file_checks.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "1|Heat (1995)\n");
 * await requireLatin1(path);
 * ```
 */
export async function requireLatin1(file: string): Promise<void> {
  const problem = await findLatin1Problem(file);
  if (problem) throw new DatasetError(problem.reason, { file, line: problem.line });
}
