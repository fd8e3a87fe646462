/**
 * Finding XML-like tags in model output, tolerant of case, spacing, underscores and missing closing
 * tags (docs/method.md#parsers).
 *
 * @module
 */

/** One occurrence of a tag. */
export interface TagOccurrence {
  /** Trimmed text between the opening tag and its end. */
  content: string;
  /** The matching closing tag was found (otherwise the content ends at the next known tag or EOF). */
  closed: boolean;
  /** Offset of the opening tag in the searched text. */
  start: number;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Regex source matching a tag name's words with any case, spacing or underscores between them;
 * `Judgement` also matches `Judgment`.
 *
 * @example
 * ```ts
 * import { tagNamePattern } from "./tags.ts";
 * new RegExp(`^${tagNamePattern("Final Judgement")}$`, "i").test("final_judgment"); // true
 * ```
 */
export function tagNamePattern(name: string): string {
  return name.trim().split(/\s+/).map((word) =>
    /^judgement$/i.test(word) ? "judge?ment" : escapeRegExp(word)
  ).join("[\\s_-]*");
}

function openPattern(name: string): string {
  return `<\\s*${tagNamePattern(name)}\\s*>`;
}

function closePattern(name: string): string {
  return `<\\s*\\/\\s*${tagNamePattern(name)}\\s*>`;
}

interface TagRegexes {
  open: RegExp;
  close: RegExp;
  boundary: RegExp;
}

// Parsing runs on every LLM answer; the handful of (name, boundaries) pairs are compiled once.
const regexCache = new Map<string, TagRegexes>();

function tagRegexes(name: string, boundaries: readonly string[]): TagRegexes {
  const cacheKey = `${name}\u0000${boundaries.join("\u0000")}`;
  let cached = regexCache.get(cacheKey);
  if (!cached) {
    const names = [...new Set([name, ...boundaries])];
    cached = {
      open: new RegExp(openPattern(name), "gi"),
      close: new RegExp(`^${closePattern(name)}$`, "i"),
      boundary: new RegExp(
        `<\\s*\\/?\\s*(?:${names.map((n) => tagNamePattern(n)).join("|")})\\s*>`,
        "gi",
      ),
    };
    if (regexCache.size > 256) regexCache.clear();
    regexCache.set(cacheKey, cached);
  }
  return cached;
}

/**
 * Every occurrence of `<name>` in `text`, in order. An occurrence ends at its closing tag, or when
 * that is missing at the next opening or closing tag of any name in `boundaries` (and of `name`
 * itself), or at the end of the text.
 *
 * @example
 * ```ts
 * import { findTags } from "./tags.ts";
 * findTags("<final verdict> user will like the target movie", "Final Verdict", []);
 * // [{ content: "user will like the target movie", closed: false, start: 0 }]
 * ```
 */
export function findTags(
  text: string,
  name: string,
  boundaries: readonly string[],
): TagOccurrence[] {
  const { open, close, boundary } = tagRegexes(name, boundaries);
  open.lastIndex = 0;
  const found: TagOccurrence[] = [];
  for (let m = open.exec(text); m; m = open.exec(text)) {
    const bodyStart = m.index + m[0].length;
    boundary.lastIndex = bodyStart;
    const next = boundary.exec(text);
    const bodyEnd = next ? next.index : text.length;
    const closed = next !== null && close.test(next[0]);
    found.push({ content: text.slice(bodyStart, bodyEnd).trim(), closed, start: m.index });
    open.lastIndex = closed && next ? next.index + next[0].length : bodyEnd;
  }
  return found;
}

/**
 * Removes every opening or closing tag of the given names, leaving their contents.
 *
 * @example
 * ```ts
 * import { removeTags } from "./tags.ts";
 * removeTags("<User Preference>likes jazz</User Preference>", ["User Preference"]); // "likes jazz"
 * ```
 */
export function removeTags(text: string, names: readonly string[]): string {
  if (names.length === 0) return text;
  const any = new RegExp(
    `<\\s*\\/?\\s*(?:${names.map((n) => tagNamePattern(n)).join("|")})\\s*>`,
    "gi",
  );
  return text.replace(any, "");
}
