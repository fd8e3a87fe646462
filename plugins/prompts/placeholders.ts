/**
 * The 12 prompt kinds (2 knowledge kinds × 3 roles × 2 modes), the placeholders each template may
 * and must hold, and their values for a task.
 *
 * | placeholder | kinds | value |
 * |---|---|---|
 * | `{user_history}` | user (required) | the user's `['Title', 5], ...` pairs |
 * | `{target_item}` | user construction (required) | the target item's title |
 * | `{item_title}`, `{liker_history}`, `{disliker_history}` | item (required) | the item and its two users' pairs |
 * | `{target_user_history}` | item construction (required) | the target user's pairs |
 * | `{knowledge}` | reflect, refine (required) | the knowledge judged or refined |
 * | `{reflection}` | refine (required) | the judge's critique |
 * | `{evidence}` | reflect (optional) | a grounded check's findings as a block, or empty |
 * | `{noun}`, `{Noun}`, `{pair_format}`, `{attribute_hints}`, `{rating_rule}` | all (optional) | the domain's words |
 * | `{verdict_like}`, `{verdict_dislike}`, `{judgement_reasonable}`, `{judgement_unreasonable}` | all (optional) | the fixed answer strings |
 *
 * @module
 */
import { domainWords, ratingRule } from "../domain.ts";
import type { KnowledgeKind, KnowledgeTask } from "../types.ts";
import { itemTargetHistory, tagged, userTargetTitle } from "./blocks.ts";
import { formatHistory } from "./history.ts";
import {
  judgementStrings,
  type PromptMode,
  type PromptRole,
  tagNames,
  verdictStrings,
} from "./protocol.ts";
import type { PlaceholderSpec } from "./template.ts";

/**
 * A prompt kind's name, `<knowledge kind>.<role>.<mode>`, e.g. `user.reason.construction`.
 *
 * @example
 * ```ts
 * import type { PromptKindName } from "./placeholders.ts";
 * const name: PromptKindName = "item.refine.inference";
 * ```
 */
export type PromptKindName = `${KnowledgeKind}.${PromptRole}.${PromptMode}`;

/**
 * The 12 kind names, ordered as the table of docs/method.md#prompts numbers them (reason 1–4,
 * reflect 5–8, refine 9–12; user before item, construction before inference).
 *
 * @example
 * ```ts
 * import { PROMPT_KIND_NAMES } from "./placeholders.ts";
 * console.log(PROMPT_KIND_NAMES.length); // 12
 * ```
 */
export const PROMPT_KIND_NAMES: readonly PromptKindName[] = Object.freeze(
  (["reason", "reflect", "refine"] as const).flatMap((role) =>
    (["user", "item"] as const).flatMap((kind) =>
      (["construction", "inference"] as const).map((mode) =>
        `${kind}.${role}.${mode}` as PromptKindName
      )
    )
  ),
);

/**
 * The parts of a kind name.
 *
 * @example
 * ```ts
 * import { splitKindName } from "./placeholders.ts";
 * splitKindName("user.reflect.inference"); // { kind: "user", role: "reflect", mode: "inference" }
 * ```
 */
export function splitKindName(
  name: PromptKindName,
): { kind: KnowledgeKind; role: PromptRole; mode: PromptMode } {
  const [kind, role, mode] = name.split(".") as [KnowledgeKind, PromptRole, PromptMode];
  return { kind, role, mode };
}

/** Placeholders every kind may use: the domain's words and the fixed answer strings. */
const COMMON = [
  "noun",
  "Noun",
  "pair_format",
  "attribute_hints",
  "rating_rule",
  "verdict_like",
  "verdict_dislike",
  "judgement_reasonable",
  "judgement_unreasonable",
] as const;

/**
 * What the template of a kind may and must hold.
 *
 * @example
 * ```ts
 * import { placeholderSpec } from "./placeholders.ts";
 * console.log(placeholderSpec("user.refine.construction").required);
 * // ["user_history", "target_item", "knowledge", "reflection"]
 * ```
 */
export function placeholderSpec(name: PromptKindName): PlaceholderSpec {
  const { kind, role, mode } = splitKindName(name);
  const required: string[] = kind === "user"
    ? ["user_history", ...(mode === "construction" ? ["target_item"] : [])]
    : [
      "item_title",
      "liker_history",
      "disliker_history",
      ...(mode === "construction" ? ["target_user_history"] : []),
    ];
  if (role !== "reason") required.push("knowledge");
  if (role === "refine") required.push("reflection");
  const optional = [...COMMON, ...(role === "reflect" ? ["evidence"] : [])];
  return { required, optional, blocks: role === "reflect" ? ["evidence"] : [] };
}

/** What a prompt is rendered from besides the task: the draft, the critique, the evidence. */
export interface PromptInputs {
  /** The knowledge judged (reflect) or refined (refine). */
  knowledge?: string;
  /** The critique (refine). */
  reflection?: string;
  /** A grounded check's findings (reflect; blank or absent shows none). */
  evidence?: string;
}

/**
 * The values of every placeholder a kind may use, for a task. Text shown inside a tag is trimmed,
 * as the built-in prompts always showed it. Throws, naming the task, when a construction kind's
 * task has no target.
 *
 * @example
 * ```ts
 * import { placeholderValues } from "./placeholders.ts";
 * import { movieDomain } from "../domain.ts";
 * const task = { kind: "user" as const, key: "u1", domain: movieDomain, history: [{ title: "Heat (1995)", rating: 4 }] };
 * placeholderValues("user.reason.inference", task, {}).user_history; // "['Heat (1995)', 4]"
 * ```
 */
export function placeholderValues(
  name: PromptKindName,
  task: KnowledgeTask,
  inputs: PromptInputs,
): Record<string, string> {
  const { role, mode } = splitKindName(name);
  const { noun, Noun, pairFormat, attributeHints } = domainWords(task.domain);
  const verdicts = verdictStrings(task.kind, task.domain);
  const judgements = judgementStrings(task.kind, task.domain);
  const values: Record<string, string> = {
    noun,
    Noun,
    pair_format: pairFormat,
    attribute_hints: attributeHints,
    rating_rule: ratingRule(task.domain),
    verdict_like: verdicts.positive,
    verdict_dislike: verdicts.negative,
    judgement_reasonable: judgements.positive,
    judgement_unreasonable: judgements.negative,
  };
  const construction = mode === "construction";
  if (task.kind === "user") {
    values.user_history = formatHistory(task.history).trim();
    if (construction) values.target_item = userTargetTitle(task).trim();
  } else {
    values.item_title = task.title.trim();
    values.liker_history = formatHistory(task.likerHistory).trim();
    values.disliker_history = formatHistory(task.dislikerHistory).trim();
    if (construction) values.target_user_history = formatHistory(itemTargetHistory(task)).trim();
  }
  if (role !== "reason") values.knowledge = (inputs.knowledge ?? "").trim();
  if (role === "refine") values.reflection = (inputs.reflection ?? "").trim();
  if (role === "reflect") {
    const evidence = inputs.evidence?.trim() ?? "";
    values.evidence = evidence
      ? `Evidence about this ${task.kind === "user" ? "preference" : "knowledge"} measured on ` +
        `held-back ratings (weigh it in your judgement):\n` +
        tagged(tagNames(task.domain).evidence, evidence)
      : "";
  }
  return values;
}
