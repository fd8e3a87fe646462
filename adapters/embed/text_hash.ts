/**
 * The text hash that keys cached vectors: SHA-256 of the text's UTF-8 bytes, lower-case hex (64
 * chars). Chosen over a faster non-cryptographic hash because it is the same in every language and
 * tool (`sha256sum`, DuckDB's `sha256()`, Python's `hashlib`), so other platforms can join on it;
 * at a few microseconds per text it is far below the cost of embedding. The text is hashed exactly
 * as given (no trimming or Unicode normalisation).
 *
 * @module
 */
import { createHash } from "node:crypto";

/**
 * SHA-256 hex of the UTF-8 bytes of `text`.
 *
 * @example
 * ```ts
 * import { textHash } from "./text_hash.ts";
 * textHash("abc"); // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
 * ```
 */
export function textHash(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
