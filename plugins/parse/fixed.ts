/**
 * Matching the fixed verdict and judgement strings (docs/method.md#parsers): strip brackets,
 * quotes, whitespace and a trailing full stop, compare case-insensitively, negative form first.
 *
 * @module
 */
import type { FixedAnswers } from "../prompts/protocol.ts";

/**
 * Normalises an answer for comparison: lower case, brackets/quotes/markdown emphasis and
 * punctuation become spaces, whitespace collapses.
 *
 * @example
 * ```ts
 * import { normaliseAnswer } from "./fixed.ts";
 * normaliseAnswer(' **"User will like the target movie."** '); // "user will like the target movie"
 * ```
 */
export function normaliseAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\[\](){}"'`“”‘’*_#>|.,;:!?]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Which fixed string a tag's content holds, or why none. */
export type FixedMatch =
  | { ok: true; answer: "positive" | "negative"; exact: boolean }
  | { ok: false; code: "unknown_answer" | "ambiguous_answer" | "empty_tag" };

/**
 * Matches a tag's content against a pair of fixed strings. The normalised content must equal one
 * of them, or contain exactly one of them as a whole phrase (the negative one is tested first; a
 * content holding both, such as an echoed "X or Y", is ambiguous). Any other wording fails.
 *
 * @example
 * ```ts
 * import { matchFixed } from "./fixed.ts";
 * const answers = { positive: "The user preference is reasonable", negative: "The user preference is not reasonable" };
 * matchFixed("the user preference is NOT reasonable.", answers); // { ok: true, answer: "negative", exact: true }
 * ```
 */
export function matchFixed(content: string, answers: FixedAnswers): FixedMatch {
  const text = normaliseAnswer(content);
  if (text === "") return { ok: false, code: "empty_tag" };
  const negative = normaliseAnswer(answers.negative);
  const positive = normaliseAnswer(answers.positive);
  if (text === negative) return { ok: true, answer: "negative", exact: true };
  if (text === positive) return { ok: true, answer: "positive", exact: true };
  const padded = ` ${text} `;
  const hasNegative = padded.includes(` ${negative} `);
  const hasPositive = padded.includes(` ${positive} `);
  if (hasNegative && hasPositive) return { ok: false, code: "ambiguous_answer" };
  if (hasNegative) return { ok: true, answer: "negative", exact: false };
  if (hasPositive) return { ok: true, answer: "positive", exact: false };
  return { ok: false, code: "unknown_answer" };
}
