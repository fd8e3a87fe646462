/**
 * Format reminders appended to a prompt when its first answer could not be parsed.
 *
 * @module
 */
import type { KnowledgeTask } from "../types.ts";
import { promptMode } from "./blocks.ts";
import {
  judgementStrings,
  knowledgeOutputTag,
  type PromptMode,
  tagNames,
  verdictStrings,
} from "./protocol.ts";

/** What was asked for: one of the three roles, or a probe verdict. */
export type OutputRole = "reason" | "reflect" | "refine" | "verdict";

/**
 * The reminder for a role's output format, naming why the last answer failed when known.
 *
 * @example
 * ```ts
 * import { formatReminder } from "./reminder.ts";
 * import { movieDomain } from "../domain.ts";
 * const task = { kind: "user" as const, key: "u1", domain: movieDomain, history: [] };
 * formatReminder(task, "reflect", { reason: "missing <Final Judgement>" });
 * ```
 */
export function formatReminder(
  task: KnowledgeTask,
  role: OutputRole,
  options: { mode?: PromptMode; reason?: string } = {},
): string {
  const mode = promptMode(task, options.mode);
  const tags = tagNames(task.domain);
  const why = options.reason
    ? `Your previous answer could not be used (${options.reason}).`
    : `Your previous answer could not be used.`;
  const verdicts = verdictStrings(task.kind, task.domain);
  const verdictRule = `<${tags.finalVerdict}> must contain exactly "${verdicts.positive}" or ` +
    `exactly "${verdicts.negative}".`;
  let format: string;
  if (role === "reflect") {
    const judgements = judgementStrings(task.kind, task.domain);
    format =
      `Answer with <${tags.finalJudgement}>...</${tags.finalJudgement}> containing exactly ` +
      `"${judgements.positive}" or exactly "${judgements.negative}", followed by ` +
      `<${tags.reflection}>...</${tags.reflection}> (empty when reasonable).`;
  } else if (role === "verdict") {
    format = `Answer with <${tags.finalVerdict}>...</${tags.finalVerdict}>. ${verdictRule}`;
  } else if (mode === "inference") {
    format = `Answer with the ${task.kind === "user" ? "preference description" : "knowledge"} ` +
      `only, as plain text of about 200 words, with no tags, no verdict and no preamble.`;
  } else {
    const tag = knowledgeOutputTag(task.kind, role, task.domain);
    format = `Answer with <${tag}>...</${tag}> followed by ` +
      `<${tags.finalVerdict}>...</${tags.finalVerdict}>. ${verdictRule}`;
  }
  return `\n\n${why} ${format} Do not add anything else.`;
}
