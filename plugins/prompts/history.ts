/**
 * History serialization of the prompt contract (docs/method.md#prompt-conventions).
 *
 * @module
 */
import type { RatedTitle } from "../types.ts";

/** Shown instead of an empty history (an item without a qualifying liker or disliker). */
export const EMPTY_HISTORY_TEXT = "(no history available)";

/**
 * Serializes `[title, rating]` pairs as `['Never Never', 5], ['Throb', 2]`: single-quoted titles with
 * inner apostrophes left as they are, integer ratings, chronological order as given (oldest first).
 * Line breaks inside a title become spaces so a pair never spans lines.
 *
 * @example
 * ```ts
 * import { formatHistory } from "./history.ts";
 * formatHistory([{ title: "Schindler's List (1993)", rating: 5 }]); // "['Schindler's List (1993)', 5]"
 * ```
 */
export function formatHistory(history: readonly RatedTitle[]): string {
  if (history.length === 0) return EMPTY_HISTORY_TEXT;
  return history.map((pair, index) => {
    if (!Number.isInteger(pair.rating)) {
      throw new Error(
        `formatHistory: rating at position ${index} (${JSON.stringify(pair.title)}) must be an ` +
          `integer, got ${pair.rating}`,
      );
    }
    const title = pair.title.replace(/\s*[\r\n]+\s*/g, " ").trim();
    return `['${title}', ${pair.rating}]`;
  }).join(", ");
}
