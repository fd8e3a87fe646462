/**
 * Building blocks of the probe-verdict prompt and the placeholder values: tagged input blocks, the
 * role line, the task's mode and its construction target.
 *
 * @module
 */
import { domainWords, ratingRule } from "../domain.ts";
import type { Domain, KnowledgeTask, RatedTitle } from "../types.ts";
import { formatHistory } from "./history.ts";
import type { PromptMode } from "./protocol.ts";

/** Role line of probe-verdict prompts (the 12 kinds write theirs in their templates). */
export const EXPERT_ROLE = "You are an expert recommender engine.";

/**
 * Wraps content in an XML-like tag pair on its own lines.
 *
 * @example
 * ```ts
 * import { tagged } from "./blocks.ts";
 * tagged("Reflection", ""); // "<Reflection>\n\n</Reflection>"
 * ```
 */
export function tagged(tag: string, content: string): string {
  return `<${tag}>\n${content.trim()}\n</${tag}>`;
}

/**
 * Picks the mode: the caller's choice, else construction when the task carries a target.
 *
 * @example
 * ```ts
 * import { promptMode } from "./blocks.ts";
 * import { movieDomain } from "../domain.ts";
 * promptMode({ kind: "user", key: "u1", domain: movieDomain, history: [] }); // "inference"
 * ```
 */
export function promptMode(task: KnowledgeTask, mode?: PromptMode): PromptMode {
  return mode ?? (task.target ? "construction" : "inference");
}

/**
 * The construction target of a user task: its item title. Throws, naming the task, when missing.
 *
 * @example
 * ```ts
 * import { userTargetTitle } from "./blocks.ts";
 * import { movieDomain } from "../domain.ts";
 * userTargetTitle({ kind: "user", key: "u1", domain: movieDomain, history: [], target: { itemTitle: "Heat (1995)", label: 1 } });
 * ```
 */
export function userTargetTitle(task: KnowledgeTask): string {
  const title = task.target?.itemTitle;
  if (task.kind !== "user" || title === undefined) {
    throw new Error(
      `construction prompt for task ${
        JSON.stringify(task.key)
      }: a user task needs target.itemTitle`,
    );
  }
  return title;
}

/**
 * The construction target of an item task: the target user's history. Throws when missing.
 *
 * @example
 * ```ts
 * import { itemTargetHistory } from "./blocks.ts";
 * import { bookDomain } from "../domain.ts";
 * itemTargetHistory({ kind: "item", key: "i1", domain: bookDomain, title: "Emma", attributes: [], likerHistory: [], dislikerHistory: [], target: { userHistory: [], label: 0 } });
 * ```
 */
export function itemTargetHistory(task: KnowledgeTask): RatedTitle[] {
  const history = task.target?.userHistory;
  if (task.kind !== "item" || history === undefined) {
    throw new Error(
      `construction prompt for task ${JSON.stringify(task.key)}: an item task needs ` +
        `target.userHistory`,
    );
  }
  return history;
}

/**
 * The rating rule plus how one history is laid out.
 *
 * @example
 * ```ts
 * import { historyPreamble } from "./blocks.ts";
 * import { movieDomain } from "../domain.ts";
 * historyPreamble(movieDomain, "The user's history lists");
 * ```
 */
export function historyPreamble(domain: Domain, subject: string): string {
  const { noun, pairFormat } = domainWords(domain);
  return `${ratingRule(domain)}\n${subject} ratings in chronological order (oldest first, most ` +
    `recent last), one entry per ${noun} in the format ${pairFormat}.`;
}

/**
 * The tagged history.
 *
 * @example
 * ```ts
 * import { historyBlock } from "./blocks.ts";
 * historyBlock("User History", [{ title: "Emma", rating: 5 }]);
 * ```
 */
export function historyBlock(tag: string, history: readonly RatedTitle[]): string {
  return tagged(tag, formatHistory(history));
}

/**
 * The "exactly one of" instruction for a fixed-answer tag.
 *
 * @example
 * ```ts
 * import { exactlyOneOf } from "./blocks.ts";
 * exactlyOneOf("Final Verdict", { positive: "user will like the target movie", negative: "user will not like the target movie" });
 * ```
 */
export function exactlyOneOf(tag: string, answers: { positive: string; negative: string }): string {
  return `Inside <${tag}> write exactly "${answers.positive}" or exactly "${answers.negative}", ` +
    `and nothing else.`;
}

/**
 * An answer-format skeleton: each tag with a placeholder line.
 *
 * @example
 * ```ts
 * import { answerSkeleton } from "./blocks.ts";
 * answerSkeleton([["User Preference", "..."], ["Final Verdict", "..."]]);
 * ```
 */
export function answerSkeleton(parts: readonly (readonly [string, string])[]): string {
  return "Answer in exactly this format:\n" +
    parts.map(([tag, placeholder]) => tagged(tag, placeholder)).join("\n");
}
