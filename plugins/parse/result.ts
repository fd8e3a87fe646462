/**
 * Typed parse results: a value, or a failure that keeps the raw text. Parsers never throw.
 *
 * @module
 */

/** Why an output could not be parsed. */
export type ParseFailureCode =
  /** Nothing usable after removing thinking, fences and chatter. */
  | "empty"
  /** Not text: NUL characters or mostly unprintable characters (random bytes, a broken decoder). */
  | "not_text"
  /** Knowledge shorter than the minimum length. */
  | "too_short"
  /** A `<think>` block was opened and never closed (the answer was cut off inside it). */
  | "unclosed_think"
  /** A required tag is absent. */
  | "missing_tag"
  /** A required tag is present but empty. */
  | "empty_tag"
  /** A fixed-string tag holds neither fixed string. */
  | "unknown_answer"
  /** A fixed-string tag holds both fixed strings. */
  | "ambiguous_answer"
  /** Knowledge or critique mentions the construction target (docs/method.md#parsers). */
  | "target_leak"
  /** Knowledge contains a verdict string. */
  | "verdict_in_knowledge"
  /** A parser bug caught by the safety net (parsers are total; this should never be seen). */
  | "parser_error";

/** A parse failure. */
export interface ParseFailure {
  /** The kind of failure. */
  code: ParseFailureCode;
  /** One line for logs, the trace and the format reminder, e.g. `missing <Final Verdict>`. */
  message: string;
  /** The tag concerned, when one is. */
  tag?: string;
}

/** A successful parse. */
export interface ParseSuccess<T> {
  /** Discriminant. */
  ok: true;
  /** What was parsed. */
  value: T;
  /** The model's output as received. */
  raw: string;
  /** Tolerated irregularities (unclosed tag, repeated tag, chatter removed, ...). */
  warnings: string[];
}

/** A failed parse, keeping the raw text. */
export interface ParseError {
  /** Discriminant. */
  ok: false;
  /** Why it failed. */
  failure: ParseFailure;
  /** The model's output as received. */
  raw: string;
}

/** A parse outcome. */
export type Parsed<T> = ParseSuccess<T> | ParseError;

/**
 * Builds a failure.
 *
 * @example
 * ```ts
 * import { parseError } from "./result.ts";
 * parseError("", "empty", "empty output");
 * ```
 */
export function parseError(
  raw: string,
  code: ParseFailureCode,
  message: string,
  tag?: string,
): ParseError {
  return {
    ok: false,
    failure: tag === undefined ? { code, message } : { code, message, tag },
    raw,
  };
}

/**
 * Formats a failure as one string (`code: message`), the form stored in `Draft.parseFailure`.
 *
 * @example
 * ```ts
 * import { describeFailure } from "./result.ts";
 * describeFailure({ code: "missing_tag", message: "missing <Final Verdict>" }); // "missing_tag: missing <Final Verdict>"
 * ```
 */
export function describeFailure(failure: ParseFailure): string {
  return `${failure.code}: ${failure.message}`;
}
