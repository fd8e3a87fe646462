/**
 * Whether a model's answer is text at all: random bytes, NUL characters or a mostly unprintable
 * string is a failed call, never knowledge.
 *
 * @module
 */

/** Shortest knowledge text accepted, in characters (after trimming). */
export const MIN_KNOWLEDGE_CHARS = 8;

/** Share of unprintable characters above which an answer is not text. */
const MAX_UNPRINTABLE = 0.02;

// Control characters (but tab and line breaks), lone surrogates, private use, unassigned code
// points and U+FFFD, what undecodable bytes become.
const UNPRINTABLE = /[^\P{C}\t\n\r]|\uFFFD/u;

/**
 * Why `text` is not text (`undefined` when it is): NUL characters, or more than 2% unprintable
 * characters.
 *
 * @example
 * ```ts
 * import { textProblem } from "./text.ts";
 * textProblem("Enjoys quiet dramas."); // undefined
 * textProblem("ab\u0000\u0001"); // "contains 1 NUL character(s)"
 * ```
 */
export function textProblem(text: string): string | undefined {
  let chars = 0, nul = 0, unprintable = 0;
  for (const ch of text) {
    chars++;
    if (ch === "\u0000") nul++;
    else if (UNPRINTABLE.test(ch)) unprintable++;
  }
  if (nul > 0) return `contains ${nul} NUL character(s)`;
  if (unprintable > MAX_UNPRINTABLE * chars) {
    return `${Math.round((100 * unprintable) / chars)}% of its ${chars} characters are unprintable`;
  }
  return undefined;
}
