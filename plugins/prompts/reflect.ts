/**
 * Reflect prompts (METHOD.md §3.2 kinds 5–8): an impartial judge sees the question the actor was
 * given and its knowledge, judges it with a fixed string and critiques it.
 *
 * @module
 */
import { domainWords } from "../domain.ts";
import type { KnowledgeTask } from "../types.ts";
import {
  answerSkeleton,
  exactlyOneOf,
  historyBlock,
  historyPreamble,
  itemTargetHistory,
  JUDGE_ROLE,
  promptMode,
  tagged,
  userTargetTitle,
} from "./blocks.ts";
import { judgementStrings, tagNames } from "./protocol.ts";
import type { PromptOptions } from "./reason.ts";

/** Options of reflect prompts. */
export interface ReflectPromptOptions extends PromptOptions {
  /**
   * Extra evidence for the judge, e.g. a grounded reflector's findings on held-back interactions
   * (used by hybrid reflection). Shown in an `<Evidence>` block after the knowledge; omitted when
   * absent or blank, so the prompt is then exactly the contract's.
   */
  evidence?: string;
}

/**
 * Renders a reflect prompt judging `knowledge` (a draft or its text).
 *
 * @example
 * ```ts
 * import { renderReflectPrompt } from "./reflect.ts";
 * import { bookDomain } from "../domain.ts";
 * const prompt = renderReflectPrompt(
 *   { kind: "user", key: "amz:user:7:train", domain: bookDomain, history: [{ title: "Emma", rating: 5 }] },
 *   "Enjoys classic romance.",
 *   { evidence: "Predicted 3 of 4 held-back ratings correctly." },
 * );
 * ```
 */
export function renderReflectPrompt(
  task: KnowledgeTask,
  knowledge: { text: string } | string,
  options: ReflectPromptOptions = {},
): string {
  const mode = promptMode(task, options.mode);
  const tags = tagNames(task.domain);
  const { noun } = domainWords(task.domain);
  const text = typeof knowledge === "string" ? knowledge : knowledge.text;
  const judgements = judgementStrings(task.kind, task.domain);
  const evidence = options.evidence?.trim()
    ? [
      `Evidence about this ${task.kind === "user" ? "preference" : "knowledge"} measured on ` +
      `held-back ratings (weigh it in your judgement):`,
      tagged(tags.evidence, options.evidence),
    ]
    : [];
  let question: string[];
  let previous: string;
  let criteria: string;
  if (task.kind === "user") {
    const target = mode === "construction"
      ? [tagged(tags.targetItemName, userTargetTitle(task))]
      : [];
    question = [
      historyPreamble(task.domain, "The user history lists the user's"),
      historyBlock(tags.userHistory, task.history),
      ...target,
      mode === "construction"
        ? `Infer the user's preferences from the history, then predict whether the user will like ` +
          `the target ${noun}.`
        : `Infer the user's preferences from the history.`,
    ];
    previous = tagged(tags.previousUserPreference, text);
    criteria =
      `Judge step by step whether the user preference is correct: faithful to the ratings ` +
      `in the history (likes above the threshold, dislikes at or below it), specific, free of ` +
      `contradictions, and useful for predicting ` +
      (mode === "construction"
        ? `whether the user will like the target ${noun}. `
        : `which ${noun}s the user will like. `) +
      `If it is not reasonable, write a reflection of at most 200 words explaining what is wrong ` +
      `or missing and how to improve it` +
      (mode === "construction"
        ? `; the reflection must not mention the target ${noun} or any information about it. `
        : `. `);
  } else {
    const target = mode === "construction"
      ? [historyBlock(tags.targetUserHistory, itemTargetHistory(task))]
      : [];
    question = [
      historyPreamble(task.domain, "Each history lists one user's"),
      tagged(tags.targetItemName, task.title),
      historyBlock(tags.likeUserHistory, task.likerHistory),
      historyBlock(tags.dislikeUserHistory, task.dislikerHistory),
      ...target,
      mode === "construction"
        ? `Infer knowledge about the ${noun}, then predict whether the target user will like it.`
        : `Infer knowledge about the ${noun}.`,
    ];
    previous = tagged(tags.previousItemKnowledge, text);
    criteria = `Judge step by step whether the ${noun} knowledge is correct: accurate about the ` +
      `${noun}, consistent with who liked and who disliked it, organised in three parts (basic ` +
      `attributes, traits of users who like it, traits of users who dislike it), and useful for ` +
      `predicting ` +
      (mode === "construction"
        ? `whether the target user will like the ${noun}. `
        : `which users will like the ${noun}. `) +
      `If it is not reasonable, write a reflection of at most 200 words explaining what is wrong ` +
      `or missing and how to improve it` +
      (mode === "construction"
        ? `; the reflection must not mention the target user or anything from the target user's ` +
          `history. `
        : `. `);
  }
  return [
    JUDGE_ROLE,
    `Below is a question given to a recommender engine, followed by the ` +
    `${task.kind === "user" ? "user preference" : `${noun} knowledge`} it inferred.`,
    tagged(tags.question, question.join("\n")),
    previous,
    ...evidence,
    criteria + `If it is reasonable, leave the reflection empty.`,
    answerSkeleton([
      [tags.finalJudgement, "your judgement"],
      [tags.reflection, "your reflection, or nothing"],
    ]),
    exactlyOneOf(tags.finalJudgement, judgements),
  ].join("\n");
}
