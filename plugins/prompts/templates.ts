/**
 * A set of prompt templates, one per kind: the built-in ones, with any of them replaced by a
 * user's own (from the API or a prompt file, see `template_file.ts`), each checked when the set is
 * made.
 *
 * @module
 */
import { hashSeed } from "../../util/random.ts";
import type { KnowledgeTask } from "../types.ts";
import { BUILTIN_TEMPLATES } from "./builtin.ts";
import {
  placeholderSpec,
  placeholderValues,
  PROMPT_KIND_NAMES,
  type PromptInputs,
  type PromptKindName,
} from "./placeholders.ts";
import { type CompiledTemplate, compileTemplate, fillTemplate } from "./template.ts";

/** One template of a set, with where it came from. */
export interface PromptTemplate extends CompiledTemplate {
  /** Whether it is the built-in template (also when a user's text equals it). */
  readonly builtIn: boolean;
}

/**
 * Templates for all 12 kinds. Make one with {@link promptTemplates} or `parsePromptFile`.
 *
 * @example
 * ```ts
 * import { DEFAULT_PROMPT_TEMPLATES } from "./templates.ts";
 * console.log(DEFAULT_PROMPT_TEMPLATES.custom.length, DEFAULT_PROMPT_TEMPLATES.fingerprint); // 0 ""
 * ```
 */
export interface PromptTemplates {
  /** The template of every kind. */
  readonly kinds: Readonly<Record<PromptKindName, PromptTemplate>>;
  /** Kinds whose template differs from the built-in one, in kind order. */
  readonly custom: readonly PromptKindName[];
  /**
   * A short hash of the custom templates, `""` when there are none. LLM actors and reflectors add
   * it to their ids, so knowledge written with other prompts is never taken for theirs.
   */
  readonly fingerprint: string;
  /** Where the custom templates came from (a file path, or `options`). */
  readonly source: string;
}

/** Where the texts of {@link promptTemplates} came from, for error messages. */
export interface PromptTemplatesOrigin {
  /** A file path or label. @default "prompts" */
  source?: string;
  /** Per kind: the line of the template's first line, and of its section header. */
  lines?: Partial<Record<PromptKindName, { first: number; header: number }>>;
}

function fingerprintOf(texts: [PromptKindName, string][]): string {
  if (texts.length === 0) return "";
  const json = JSON.stringify(texts);
  const hex = (n: number) => n.toString(16).padStart(8, "0");
  return hex(hashSeed(1, json)) + hex(hashSeed(2, json));
}

/**
 * Builds a template set: the built-in template for every kind not in `overrides`, the given text
 * for the others. Each text is checked: every placeholder the kind needs present, no unknown one,
 * braces well formed; an error names the source and line (`prompts:3: user.reason.inference:
 * unknown placeholder {histroy}; ...`).
 *
 * @example
 * ```ts
 * import { promptTemplates } from "./templates.ts";
 * const templates = promptTemplates({
 *   "user.reason.inference": "Describe this {noun} lover.\n<History>\n{user_history}\n</History>",
 * });
 * console.log(templates.custom); // ["user.reason.inference"]
 * ```
 */
export function promptTemplates(
  overrides: Partial<Record<PromptKindName, string>> = {},
  origin: PromptTemplatesOrigin = {},
): PromptTemplates {
  const source = origin.source ?? "prompts";
  for (const name of Object.keys(overrides)) {
    if (!PROMPT_KIND_NAMES.includes(name as PromptKindName)) {
      throw new Error(
        `${source}: unknown prompt kind ${JSON.stringify(name)}; expected one of ` +
          PROMPT_KIND_NAMES.join(", "),
      );
    }
  }
  const custom: [PromptKindName, string][] = [];
  const kinds = {} as Record<PromptKindName, PromptTemplate>;
  for (const name of PROMPT_KIND_NAMES) {
    const given = overrides[name];
    const builtIn = given === undefined || given === BUILTIN_TEMPLATES[name];
    const text = given ?? BUILTIN_TEMPLATES[name];
    const lines = origin.lines?.[name];
    const compiled = compileTemplate(text, placeholderSpec(name), {
      source: given === undefined ? "built-in prompts" : source,
      line: lines?.first,
      headerLine: lines?.header,
      label: name,
    });
    if (!builtIn) custom.push([name, text]);
    kinds[name] = { ...compiled, builtIn };
  }
  return Object.freeze({
    kinds: Object.freeze(kinds),
    custom: Object.freeze(custom.map(([name]) => name)),
    fingerprint: fingerprintOf(custom),
    source: custom.length > 0 ? source : "built-in",
  });
}

/**
 * The built-in templates of all 12 kinds.
 *
 * @example
 * ```ts
 * import { DEFAULT_PROMPT_TEMPLATES } from "./templates.ts";
 * console.log(DEFAULT_PROMPT_TEMPLATES.kinds["item.reflect.inference"].builtIn); // true
 * ```
 */
export const DEFAULT_PROMPT_TEMPLATES: PromptTemplates = promptTemplates();

/**
 * Renders the prompt of a kind for a task with a template set (default: the built-in one).
 *
 * @example
 * ```ts
 * import { renderPrompt } from "./templates.ts";
 * import { movieDomain } from "../domain.ts";
 * const task = { kind: "user" as const, key: "u1", domain: movieDomain, history: [{ title: "Heat (1995)", rating: 4 }] };
 * const prompt = renderPrompt("user.reflect.inference", task, { knowledge: "Likes crime films." });
 * ```
 */
export function renderPrompt(
  name: PromptKindName,
  task: KnowledgeTask,
  inputs: PromptInputs = {},
  templates: PromptTemplates = DEFAULT_PROMPT_TEMPLATES,
): string {
  return fillTemplate(templates.kinds[name], placeholderValues(name, task, inputs));
}
