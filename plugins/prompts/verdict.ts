/**
 * Probe-verdict prompts: given only its knowledge, the actor predicts a held-back probe (used by
 * `Actor.verdict` and grounded reflection). The probe's label is never shown.
 *
 * @module
 */
import { domainWords } from "../domain.ts";
import type { ConstructionTarget, KnowledgeTask } from "../types.ts";
import {
  answerSkeleton,
  exactlyOneOf,
  EXPERT_ROLE,
  historyBlock,
  historyPreamble,
  tagged,
} from "./blocks.ts";
import { ratingRule } from "../domain.ts";
import { tagNames, verdictStrings } from "./protocol.ts";

/** The probe of a verdict prompt: an item title (user kind) or a user's history (item kind). */
export type Probe = Omit<ConstructionTarget, "label">;

/**
 * Renders a probe-verdict prompt. User kind: knowledge + `probe.itemTitle`; item kind: knowledge +
 * the item title + `probe.userHistory`. Throws, naming the task, when the probe lacks its field.
 *
 * @example
 * ```ts
 * import { renderVerdictPrompt } from "./verdict.ts";
 * import { movieDomain } from "../domain.ts";
 * const prompt = renderVerdictPrompt(
 *   { kind: "user", key: "ml-1m:user:1", domain: movieDomain, history: [] },
 *   "Enjoys animated family films.",
 *   { itemTitle: "Toy Story 2 (1999)" },
 * );
 * ```
 */
export function renderVerdictPrompt(
  task: KnowledgeTask,
  knowledge: { text: string } | string,
  probe: Probe,
): string {
  const tags = tagNames(task.domain);
  const { noun } = domainWords(task.domain);
  const text = typeof knowledge === "string" ? knowledge : knowledge.text;
  if (task.kind === "user") {
    if (probe.itemTitle === undefined) {
      throw new Error(
        `verdict prompt for task ${JSON.stringify(task.key)}: a user task needs probe.itemTitle`,
      );
    }
    return [
      EXPERT_ROLE,
      `Task: given knowledge about a user's preferences, predict whether the user will like a ` +
      `target ${noun}.`,
      ratingRule(task.domain),
      tagged(tags.userPreference, text),
      tagged(tags.targetItemName, probe.itemTitle),
      `Reason briefly from the preferences, then give your prediction.`,
      answerSkeleton([[tags.finalVerdict, "your prediction"]]),
      exactlyOneOf(tags.finalVerdict, verdictStrings("user", task.domain)),
    ].join("\n");
  }
  if (probe.userHistory === undefined) {
    throw new Error(
      `verdict prompt for task ${JSON.stringify(task.key)}: an item task needs probe.userHistory`,
    );
  }
  return [
    EXPERT_ROLE,
    `Task: given knowledge about a ${noun} and a target user's rating history, predict whether ` +
    `the target user will like the ${noun}.`,
    historyPreamble(task.domain, "The target user history lists the user's"),
    tagged(tags.targetItemName, task.title),
    tagged(tags.itemKnowledge, text),
    historyBlock(tags.targetUserHistory, probe.userHistory),
    `Reason briefly from the knowledge and the history, then give your prediction.`,
    answerSkeleton([[tags.finalVerdict, "your prediction"]]),
    exactlyOneOf(tags.finalVerdict, verdictStrings("item", task.domain)),
  ].join("\n");
}
