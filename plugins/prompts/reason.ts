/**
 * Reason prompts (METHOD.md §3.2 kinds 1–4): the actor writes knowledge from the inputs; in
 * construction mode it also predicts the target.
 *
 * @module
 */
import { domainWords } from "../domain.ts";
import type { KnowledgeTask } from "../types.ts";
import {
  answerSkeleton,
  exactlyOneOf,
  EXPERT_ROLE,
  historyBlock,
  historyPreamble,
  itemTargetHistory,
  promptMode,
  tagged,
  userTargetTitle,
} from "./blocks.ts";
import { type PromptMode, tagNames, verdictStrings } from "./protocol.ts";

/** Options of every prompt renderer. */
export interface PromptOptions {
  /** Defaults to construction when the task has a target, else inference. */
  mode?: PromptMode;
}

/**
 * What user knowledge should cover (shared by reason and refine prompts).
 *
 * @example
 * ```ts
 * import { userKnowledgeGuidance } from "./reason.ts";
 * userKnowledgeGuidance("movie");
 * ```
 */
export function userKnowledgeGuidance(noun: string): string {
  return `about 200 words covering the genres, themes, styles and other qualities of ${noun}s the user ` +
    `enjoys and those the user avoids, how strongly and how consistently, and how their tastes have ` +
    `shifted over time`;
}

/**
 * What item knowledge should cover (shared by reason and refine prompts).
 *
 * @example
 * ```ts
 * import { itemKnowledgeGuidance } from "./reason.ts";
 * itemKnowledgeGuidance("book", "genre, author");
 * ```
 */
export function itemKnowledgeGuidance(noun: string, attributeHints: string): string {
  return `about 200 words in three numbered parts: (1) the basic attributes of the ${noun} ` +
    `(${attributeHints}); (2) the traits of users who like it; (3) the traits of users who ` +
    `dislike it`;
}

/**
 * Renders a reason prompt for a user or item task.
 *
 * @example
 * ```ts
 * import { renderReasonPrompt } from "./reason.ts";
 * import { movieDomain } from "../domain.ts";
 * const prompt = renderReasonPrompt({
 *   kind: "user", key: "ml-1m:user:1:train", domain: movieDomain,
 *   history: [{ title: "Toy Story (1995)", rating: 5 }],
 * });
 * ```
 */
export function renderReasonPrompt(task: KnowledgeTask, options: PromptOptions = {}): string {
  const mode = promptMode(task, options.mode);
  const tags = tagNames(task.domain);
  const { noun, attributeHints } = domainWords(task.domain);
  if (task.kind === "user") {
    const guidance = userKnowledgeGuidance(noun);
    if (mode === "inference") {
      return [
        EXPERT_ROLE,
        `Task: given a user's ${noun} rating history, infer the user's preferences.`,
        historyPreamble(task.domain, "The user history lists the user's"),
        historyBlock(tags.userHistory, task.history),
        `Reason step by step and describe the user's preferences in ${guidance}. Answer with the ` +
        `description only, as plain text: no tags, headings or preamble.`,
      ].join("\n");
    }
    const verdicts = verdictStrings("user", task.domain);
    return [
      EXPERT_ROLE,
      `Task: given a user's ${noun} rating history and a target ${noun}, infer the user's ` +
      `preferences and predict whether the user will like the target ${noun}.`,
      historyPreamble(task.domain, "The user history lists the user's"),
      historyBlock(tags.userHistory, task.history),
      tagged(tags.targetItemName, userTargetTitle(task)),
      `Reason step by step. First describe the user's preferences in ${guidance}. Base the ` +
      `description on the history alone: it must not mention the target ${noun} or any ` +
      `information about it. Then predict whether the user will like the target ${noun}.`,
      answerSkeleton([
        [tags.userPreference, "the user's preferences"],
        [tags.finalVerdict, "your prediction"],
      ]),
      exactlyOneOf(tags.finalVerdict, verdicts),
    ].join("\n");
  }
  const guidance = itemKnowledgeGuidance(noun, attributeHints);
  if (mode === "inference") {
    return [
      EXPERT_ROLE,
      `Task: given a ${noun}, the rating history of a user who liked it and the rating history of ` +
      `a user who disliked it, infer knowledge about the ${noun}.`,
      historyPreamble(task.domain, "Each history lists one user's"),
      tagged(tags.targetItemName, task.title),
      historyBlock(tags.likeUserHistory, task.likerHistory),
      historyBlock(tags.dislikeUserHistory, task.dislikerHistory),
      `Reason step by step and write knowledge about the ${noun} in ${guidance}. Answer with the ` +
      `knowledge only, as plain text: no tags or preamble.`,
    ].join("\n");
  }
  const verdicts = verdictStrings("item", task.domain);
  return [
    EXPERT_ROLE,
    `Task: given a target ${noun}, the rating history of a user who liked it, the rating history ` +
    `of a user who disliked it and the rating history of a target user, infer knowledge about the ` +
    `${noun} and predict whether the target user will like it.`,
    historyPreamble(task.domain, "Each history lists one user's"),
    tagged(tags.targetItemName, task.title),
    historyBlock(tags.likeUserHistory, task.likerHistory),
    historyBlock(tags.dislikeUserHistory, task.dislikerHistory),
    historyBlock(tags.targetUserHistory, itemTargetHistory(task)),
    `Reason step by step. First write knowledge about the ${noun} in ${guidance}. The knowledge ` +
    `must describe the ${noun} only: it must not mention the target user or anything from the ` +
    `target user's history. Then predict whether the target user will like the ${noun}.`,
    answerSkeleton([
      [tags.itemKnowledge, `the knowledge about the ${noun}`],
      [tags.finalVerdict, "your prediction"],
    ]),
    exactlyOneOf(tags.finalVerdict, verdicts),
  ].join("\n");
}
