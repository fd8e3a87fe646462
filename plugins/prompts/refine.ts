/**
 * Refine prompts (METHOD.md §3.2 kinds 9–12): the actor rewrites its knowledge given a reflection;
 * in construction mode it also predicts the target again.
 *
 * @module
 */
import { domainWords } from "../domain.ts";
import type { KnowledgeTask } from "../types.ts";
import {
  answerSkeleton,
  ASSISTANT_ROLE,
  exactlyOneOf,
  EXPERT_ROLE,
  historyBlock,
  historyPreamble,
  itemTargetHistory,
  promptMode,
  tagged,
  userTargetTitle,
} from "./blocks.ts";
import { tagNames, verdictStrings } from "./protocol.ts";
import { itemKnowledgeGuidance, type PromptOptions, userKnowledgeGuidance } from "./reason.ts";

/**
 * Renders a refine prompt: `knowledge` is the previous version, `reflection` the critique.
 *
 * @example
 * ```ts
 * import { renderRefinePrompt } from "./refine.ts";
 * import { movieDomain } from "../domain.ts";
 * const prompt = renderRefinePrompt(
 *   { kind: "user", key: "ml-1m:user:1:train", domain: movieDomain, history: [{ title: "Heat (1995)", rating: 2 }] },
 *   "Loves crime thrillers.",
 *   "The user rated the only crime thriller 2, a dislike.",
 * );
 * ```
 */
export function renderRefinePrompt(
  task: KnowledgeTask,
  knowledge: { text: string } | string,
  reflection: { feedback: string } | string,
  options: PromptOptions = {},
): string {
  const mode = promptMode(task, options.mode);
  const tags = tagNames(task.domain);
  const { noun, attributeHints } = domainWords(task.domain);
  const previousText = typeof knowledge === "string" ? knowledge : knowledge.text;
  const critique = typeof reflection === "string" ? reflection : reflection.feedback;
  if (task.kind === "user") {
    const guidance = userKnowledgeGuidance(noun);
    const inputs = [
      historyPreamble(task.domain, "The user history lists the user's"),
      historyBlock(tags.userHistory, task.history),
    ];
    if (mode === "inference") {
      return [
        EXPERT_ROLE,
        `Task: a recommender engine inferred a user's preferences from the user's ${noun} rating ` +
        `history, and a judge wrote a reflection on them. Refine the preferences according to the ` +
        `reflection.`,
        ...inputs,
        tagged(tags.previousUserPreference, previousText),
        tagged(tags.reflection, critique),
        `Reason step by step and rewrite the user's preferences, fixing what the reflection points ` +
        `out and keeping what was right, in ${guidance}. Answer with the refined description ` +
        `only, as plain text: no tags, headings or preamble.`,
      ].join("\n");
    }
    return [
      ASSISTANT_ROLE,
      `Task: a recommender engine inferred a user's preferences from the user's ${noun} rating ` +
      `history to predict whether the user will like a target ${noun}, and a judge wrote a ` +
      `reflection on them. Refine the preferences according to the reflection, then give your ` +
      `final answer.`,
      ...inputs,
      tagged(tags.targetItemName, userTargetTitle(task)),
      tagged(tags.previousUserPreference, previousText),
      tagged(tags.reflection, critique),
      `Reason step by step. Rewrite the user's preferences, fixing what the reflection points out ` +
      `and keeping what was right, in ${guidance}. The refined preferences must not mention ` +
      `the target ${noun} or any information about it. Then predict whether the user will like the ` +
      `target ${noun}.`,
      answerSkeleton([
        [tags.refinedUserPreference, "the refined preferences"],
        [tags.finalVerdict, "your prediction"],
      ]),
      exactlyOneOf(tags.finalVerdict, verdictStrings("user", task.domain)),
    ].join("\n");
  }
  const guidance = itemKnowledgeGuidance(noun, attributeHints);
  const inputs = [
    historyPreamble(task.domain, "Each history lists one user's"),
    tagged(tags.targetItemName, task.title),
    historyBlock(tags.likeUserHistory, task.likerHistory),
    historyBlock(tags.dislikeUserHistory, task.dislikerHistory),
  ];
  if (mode === "inference") {
    return [
      EXPERT_ROLE,
      `Task: a recommender engine inferred knowledge about a ${noun} from the rating histories of ` +
      `a user who liked it and a user who disliked it, and a judge wrote a reflection on it. Refine ` +
      `the knowledge according to the reflection.`,
      ...inputs,
      tagged(tags.previousItemKnowledge, previousText),
      tagged(tags.reflection, critique),
      `Reason step by step and rewrite the knowledge about the ${noun}, fixing what the reflection ` +
      `points out and keeping what was right, in ${guidance}. Answer with the refined knowledge ` +
      `only, as plain text: no tags or preamble.`,
    ].join("\n");
  }
  return [
    EXPERT_ROLE,
    `Task: a recommender engine inferred knowledge about a ${noun} from the rating histories of a ` +
    `user who liked it and a user who disliked it, to predict whether a target user will like it, ` +
    `and a judge wrote a reflection on it. Refine the knowledge according to the reflection, then ` +
    `give your final answer.`,
    ...inputs,
    historyBlock(tags.targetUserHistory, itemTargetHistory(task)),
    tagged(tags.previousItemKnowledge, previousText),
    tagged(tags.reflection, critique),
    `Reason step by step. Rewrite the knowledge about the ${noun}, fixing what the reflection ` +
    `points out and keeping what was right, in ${guidance}. The knowledge must describe the ${noun} ` +
    `only: it must not mention the target user or anything from the target user's history. Then ` +
    `predict whether the target user will like the ${noun}.`,
    answerSkeleton([
      [tags.refinedItemKnowledge, `the refined knowledge about the ${noun}`],
      [tags.finalVerdict, "your prediction"],
    ]),
    exactlyOneOf(tags.finalVerdict, verdictStrings("item", task.domain)),
  ].join("\n");
}
