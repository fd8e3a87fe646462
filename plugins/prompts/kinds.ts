/**
 * The one record of prompt kinds: for each of the 12 (`user.reason.construction`, ...), how its
 * prompt is rendered (from a template set), how its answer is parsed, and the format reminder of
 * its retry. The LLM actor and reflector, construction mode and the SFT export all go through it.
 *
 * @module
 */
import {
  type JudgementAnswer,
  type KnowledgeAnswer,
  parseKnowledgeAnswer,
  parseReflectAnswer,
} from "../parse/outputs.ts";
import type { Parsed } from "../parse/result.ts";
import type { KnowledgeTask } from "../types.ts";
import { promptMode } from "./blocks.ts";
import { PROMPT_KIND_NAMES, type PromptKindName, splitKindName } from "./placeholders.ts";
import type { PromptMode, PromptRole } from "./protocol.ts";
import { formatReminder } from "./reminder.ts";
import { type PromptTemplates, renderPrompt } from "./templates.ts";

/** What a role's prompt is rendered from besides the task. */
export type RoleInputs<R extends PromptRole> = R extends "reason" ? Record<never, never>
  : R extends "reflect" ? { knowledge: string; evidence?: string }
  : { knowledge: string; reflection: string };

/** What a role's answer parses to. */
export type RoleAnswer<R extends PromptRole> = R extends "reflect" ? JudgementAnswer
  : KnowledgeAnswer;

/**
 * One prompt kind: render, parse, reminder.
 *
 * @example
 * ```ts
 * import { PROMPT_KINDS } from "./kinds.ts";
 * import { movieDomain } from "../domain.ts";
 * const kind = PROMPT_KINDS["user.reflect.inference"];
 * const task = { kind: "user" as const, key: "u1", domain: movieDomain, history: [] };
 * const prompt = kind.render(task, { knowledge: "Likes crime films." });
 * const answer = kind.parse(task, "<Final Judgement>The user preference is reasonable</Final Judgement>");
 * console.log(answer.ok, kind.reminder(task, "missing <Final Judgement>"));
 * ```
 */
export interface PromptKind<R extends PromptRole = PromptRole> {
  /** E.g. `user.reason.construction`. */
  readonly name: PromptKindName;
  /** Which of the three roles. */
  readonly role: R;
  /** Target-aware (construction) or target-free (inference). */
  readonly mode: PromptMode;
  /** The prompt, with `templates` (default: the built-in ones). */
  render(task: KnowledgeTask, inputs: RoleInputs<R>, templates?: PromptTemplates): string;
  /** The answer, read with the kind's parser (it never throws). */
  parse(task: KnowledgeTask, raw: string): Parsed<RoleAnswer<R>>;
  /** Text appended to the prompt for the retry, naming why the last answer failed. */
  reminder(task: KnowledgeTask, failure?: string): string;
}

/** The kind record's type: each name with its role's inputs and answer. */
export type PromptKinds = {
  readonly [K in PromptKindName]: PromptKind<
    K extends `${string}.${infer R extends PromptRole}.${string}` ? R : never
  >;
};

function kindOf(name: PromptKindName): PromptKind {
  const { role, mode } = splitKindName(name);
  const parse = role === "reflect"
    ? (task: KnowledgeTask, raw: string) => parseReflectAnswer(task, raw, { mode })
    : (task: KnowledgeTask, raw: string) => parseKnowledgeAnswer(task, raw, { role, mode });
  return Object.freeze({
    name,
    role,
    mode,
    render: (task: KnowledgeTask, inputs: object, templates?: PromptTemplates) =>
      renderPrompt(name, task, inputs, templates),
    parse: parse as PromptKind["parse"],
    reminder: (task: KnowledgeTask, failure?: string) =>
      formatReminder(task, role, { mode, reason: failure }),
  });
}

/**
 * Every prompt kind by name.
 *
 * @example
 * ```ts
 * import { PROMPT_KINDS } from "./kinds.ts";
 * console.log(Object.keys(PROMPT_KINDS).length); // 12
 * ```
 */
export const PROMPT_KINDS: PromptKinds = Object.freeze(
  Object.fromEntries(PROMPT_KIND_NAMES.map((name) => [name, kindOf(name)])),
) as PromptKinds;

/**
 * The kind of a task's prompt for a role; the mode is the caller's, else construction when the
 * task has a target.
 *
 * @example
 * ```ts
 * import { promptKind } from "./kinds.ts";
 * import { movieDomain } from "../domain.ts";
 * const task = { kind: "item" as const, key: "i1", domain: movieDomain, title: "Heat (1995)", attributes: [], likerHistory: [], dislikerHistory: [] };
 * console.log(promptKind(task, "refine").name); // "item.refine.inference"
 * ```
 */
export function promptKind<R extends PromptRole>(
  task: KnowledgeTask,
  role: R,
  mode?: PromptMode,
): PromptKind<R> {
  return PROMPT_KINDS[`${task.kind}.${role}.${promptMode(task, mode)}`] as unknown as PromptKind<
    R
  >;
}

/** Options of every prompt renderer. */
export interface PromptOptions {
  /** Defaults to construction when the task has a target, else inference. */
  mode?: PromptMode;
  /** The templates to render with. @default the built-in ones */
  templates?: PromptTemplates;
}

/** Options of reflect prompts. */
export interface ReflectPromptOptions extends PromptOptions {
  /**
   * Extra evidence for the judge, e.g. a grounded reflector's findings on held-back interactions
   * (used by hybrid reflection): the `{evidence}` block, shown after the knowledge in the built-in
   * templates; omitted when absent or blank, so the prompt is then exactly the contract's.
   */
  evidence?: string;
}

const textOf = (x: { text: string } | string) => typeof x === "string" ? x : x.text;

/**
 * Renders a reason prompt (kinds 1–4) for a user or item task.
 *
 * @example
 * ```ts
 * import { renderReasonPrompt } from "./kinds.ts";
 * import { movieDomain } from "../domain.ts";
 * const prompt = renderReasonPrompt({
 *   kind: "user", key: "ml-1m:user:1", domain: movieDomain,
 *   history: [{ title: "Toy Story (1995)", rating: 5 }],
 * });
 * ```
 */
export function renderReasonPrompt(task: KnowledgeTask, options: PromptOptions = {}): string {
  return promptKind(task, "reason", options.mode).render(task, {}, options.templates);
}

/**
 * Renders a reflect prompt (kinds 5–8) judging `knowledge` (a draft or its text).
 *
 * @example
 * ```ts
 * import { renderReflectPrompt } from "./kinds.ts";
 * import { bookDomain } from "../domain.ts";
 * const prompt = renderReflectPrompt(
 *   { kind: "user", key: "amz:user:7", domain: bookDomain, history: [{ title: "Emma", rating: 5 }] },
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
  return promptKind(task, "reflect", options.mode).render(
    task,
    { knowledge: textOf(knowledge), evidence: options.evidence },
    options.templates,
  );
}

/**
 * Renders a refine prompt (kinds 9–12): `knowledge` is the previous version, `reflection` the
 * critique.
 *
 * @example
 * ```ts
 * import { renderRefinePrompt } from "./kinds.ts";
 * import { movieDomain } from "../domain.ts";
 * const prompt = renderRefinePrompt(
 *   { kind: "user", key: "ml-1m:user:1", domain: movieDomain, history: [{ title: "Heat (1995)", rating: 2 }] },
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
  const critique = typeof reflection === "string" ? reflection : reflection.feedback;
  return promptKind(task, "refine", options.mode).render(
    task,
    { knowledge: textOf(knowledge), reflection: critique },
    options.templates,
  );
}
