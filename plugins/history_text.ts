/**
 * The plain-history text of a knowledge task: what the task's inputs say, with no reasoning, in the
 * style of KAR's history prompts. Encoded by the same encoder and fed through the same adaptor as
 * generated knowledge, it is the control that shows what reasoning and refinement add beyond the
 * raw text.
 *
 * @module
 */
import type { KnowledgeTask, RatedTitle } from "./types.ts";

function rated(pairs: RatedTitle[]): string {
  return pairs.map((p) => `${p.title}, ${p.rating} stars`).join("; ");
}

/**
 * The task's inputs as plain text. User: every rated title of the window with its stars, oldest
 * first. Item: title, attributes and description (the raters' histories are left out, as in KAR's
 * item text).
 *
 * @example
 * ```ts
 * import { historyText } from "./history_text.ts";
 * const domain = { itemNoun: "movie", ratingScale: [1, 5] as [number, number], likeThreshold: 3 };
 * const text = historyText({
 *   kind: "user",
 *   key: "ml-1m:user:1",
 *   domain,
 *   history: [{ title: "Heat (1995)", rating: 5 }, { title: "Casino (1995)", rating: 2 }],
 * });
 * console.assert(text === "Rated movies: Heat (1995), 5 stars; Casino (1995), 2 stars.");
 * ```
 */
export function historyText(task: KnowledgeTask): string {
  if (task.kind === "user") {
    return task.history.length ? `Rated ${task.domain.itemNoun}s: ${rated(task.history)}.` : "";
  }
  return [
    `${task.title}.`,
    ...(task.attributes.length ? [`${task.attributes.join(", ")}.`] : []),
    ...(task.description ? [task.description] : []),
  ].join(" ");
}
