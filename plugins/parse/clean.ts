/**
 * Removing what models wrap answers in: `<think>` blocks, code fences, polite preambles.
 *
 * @module
 */

const THINK_OPEN = /<\s*(?:think|thinking)\s*>/gi;
const THINK_CLOSE = /<\s*\/\s*(?:think|thinking)\s*>/i;

/** The answer with thinking removed. */
export interface Unthought {
  /** What is left. */
  text: string;
  /** A `<think>` was opened and never closed; `text` keeps only what came before it. */
  unclosed: boolean;
  /** Some thinking was removed. */
  removed: boolean;
}

/**
 * Removes `<think>…</think>` (and `<thinking>`) blocks. A closing tag without an opening one (the
 * chat template opened it in the prompt) drops everything before it; an opening tag never closed
 * drops everything after it and reports `unclosed`.
 *
 * @example
 * ```ts
 * import { stripThinking } from "./clean.ts";
 * stripThinking("<think>hmm</think>The answer").text; // "The answer"
 * ```
 */
export function stripThinking(input: string): Unthought {
  let text = input;
  let removed = false;
  for (;;) {
    const close = THINK_CLOSE.exec(text);
    if (!close) break;
    let openAt = -1;
    THINK_OPEN.lastIndex = 0;
    for (let m = THINK_OPEN.exec(text); m && m.index < close.index; m = THINK_OPEN.exec(text)) {
      openAt = m.index;
    }
    const from = openAt < 0 ? 0 : openAt;
    text = text.slice(0, from) + text.slice(close.index + close[0].length);
    removed = true;
  }
  THINK_OPEN.lastIndex = 0;
  const open = THINK_OPEN.exec(text);
  THINK_OPEN.lastIndex = 0;
  if (open) {
    return { text: text.slice(0, open.index), unclosed: true, removed: true };
  }
  return { text, unclosed: false, removed };
}

/**
 * Removes code-fence lines (```` ``` ````, ```` ```xml ````, `~~~`), keeping what they wrapped.
 *
 * @example
 * ```ts
 * import { unwrapFences } from "./clean.ts";
 * const fence = "`".repeat(3);
 * const answer = `${fence}xml\n<Reflection>\n</Reflection>\n${fence}`;
 * console.assert(unwrapFences(answer) === "\n<Reflection>\n</Reflection>\n");
 * ```
 */
export function unwrapFences(text: string): string {
  return text.replace(/^[ \t]*(?:```|~~~)[\w+-]*[ \t]*$/gm, "");
}

const PREAMBLE =
  /^(?:sure|certainly|okay|ok|of course|absolutely|alright|great|here(?:'s| is| are)|below (?:is|are)|based on (?:the |this |their |your )?[^.:\n]{0,80}:)/i;
// A polite line ending in "." is only a preamble when it announces the answer.
const ANNOUNCES =
  /\b(?:here|below|following|analysis|preferences?|knowledge|answer|summary|profile)\b/i;
const HEADING =
  /^(?:#{1,6}\s+.*|[*_]{0,2}(?:refined\s+)?(?:(?:the\s+)?user(?:'s)?\s+preferences?|(?:[a-z]+\s+)?knowledge|answer|profile|summary|final answer)[*_]{0,2}:?[*_]{0,2})$/i;
const SIGN_OFF = /^(?:let me know|i hope|hope this|feel free|if you (?:need|want|have))\b/i;

/**
 * Removes polite preambles ("Sure! Here is the user's preference:"), a leading heading line and
 * trailing sign-offs from plain-text knowledge, keeping numbered parts and the body intact.
 * Returns the cleaned text and what was removed.
 *
 * @example
 * ```ts
 * import { stripChatter } from "./clean.ts";
 * stripChatter("Sure! Here is the profile:\nLikes noir.\nLet me know if you need more.").text; // "Likes noir."
 * ```
 */
export function stripChatter(text: string): { text: string; removed: string[] } {
  const lines = text.trim().split(/\r?\n/);
  const removed: string[] = [];
  // At most two preamble lines; a long first line is content even if it starts with "Sure".
  for (let i = 0; i < 2 && lines.length > 1; i++) {
    const first = lines[0].trim();
    if (first === "") {
      lines.shift();
      i--;
      continue;
    }
    const isPreamble = PREAMBLE.test(first) && first.length <= 160 &&
      (/[:!]$/.test(first) || (first.endsWith(".") && first.length <= 80 && ANNOUNCES.test(first)));
    const isHeading = HEADING.test(first);
    if (!isPreamble && !isHeading) break;
    removed.push(first);
    lines.shift();
  }
  while (lines.length > 1) {
    const last = lines[lines.length - 1].trim();
    if (last === "") {
      lines.pop();
      continue;
    }
    if (!SIGN_OFF.test(last)) break;
    removed.push(last);
    lines.pop();
  }
  return { text: lines.join("\n").trim(), removed };
}
