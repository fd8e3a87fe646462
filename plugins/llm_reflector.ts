/**
 * The LLM reflector: judges a draft with the fixed judgement strings and writes a critique, over any
 * `TextGenerator`. Optional evidence (a grounded reflector's findings) can be put in the prompt.
 *
 * @module
 */
import { parsedCall } from "./llm_call.ts";
import { describeFailure } from "./parse/result.ts";
import { promptKind } from "./prompts/kinds.ts";
import { DEFAULT_PROMPT_TEMPLATES, type PromptTemplates } from "./prompts/templates.ts";
import type {
  Critique,
  Draft,
  GenerationParams,
  KnowledgeTask,
  Reflector,
  StageContext,
  TextGenerator,
} from "./types.ts";

/** Options of {@link llmReflector}. */
export interface LlmReflectorOptions {
  /** The model behind the reflector. */
  generator: TextGenerator;
  /** Decoding parameters (the CLI runs it greedy; docs/method.md#decoding-parameters). */
  params?: Partial<GenerationParams>;
  /** Attempts per call including the format-reminder retry; default 2. */
  maxAttempts?: number;
  /**
   * Templates of the reflect prompts (`promptTemplates`, `parsePromptFile`); custom ones add
   * `+prompts:<fingerprint>` to the reflector's id.
   * @default the built-in templates
   */
  prompts?: PromptTemplates;
}

/** Options of one reflection. */
export interface ReflectOptions {
  /** Evidence text shown to the judge as the `{evidence}` block (see `renderReflectPrompt`). */
  evidence?: string;
}

/** An LLM reflector; `reflectWith` lets a hybrid reflector add evidence to the prompt. */
export interface LlmReflector extends Reflector {
  /** Like `reflect`, with extra evidence in the prompt. */
  reflectWith(
    task: KnowledgeTask,
    draft: Draft,
    options: ReflectOptions,
    ctx?: StageContext,
  ): Promise<Critique>;
}

/**
 * Builds an LLM reflector. An answer whose judgement cannot be parsed is retried once with a format
 * reminder; if it still fails, the critique is `{ reasonable: true, feedback: "" }` with
 * `parseFailure` set and the raw answer in `evidence.unparsedOutput` (docs/method.md#parsers: the
 * loop keeps the knowledge and counts the failure). "Not reasonable"
 * with an empty reflection is returned as it is; the loop decides what it means.
 *
 * @example
 * ```ts
 * import { llmReflector } from "./llm_reflector.ts";
 * import { movieDomain } from "./domain.ts";
 * import type { TextGenerator } from "./types.ts";
 * const generator: TextGenerator = {
 *   id: "scripted", kind: "deterministic",
 *   generate: () => Promise.resolve({ text: "<Final Judgement>The user preference is reasonable</Final Judgement>\n<Reflection></Reflection>", usage: { prompt: 120, completion: 12 }, latencyMs: 4, model: "scripted", cached: false }),
 * };
 * const reflector = llmReflector({ generator });
 * const task = { kind: "user" as const, key: "u1", domain: movieDomain, history: [] };
 * const critique = await reflector.reflect(task, { text: "Likes comedies.", author: "a", usage: { prompt: 0, completion: 0 }, latencyMs: 0 });
 * console.log(critique.reasonable); // true
 * ```
 */
export function llmReflector(options: LlmReflectorOptions): LlmReflector {
  const { generator, params, maxAttempts } = options;
  const templates = options.prompts ?? DEFAULT_PROMPT_TEMPLATES;
  const author = generator.id;

  async function reflectWith(
    task: KnowledgeTask,
    draft: Draft,
    reflectOptions: ReflectOptions,
    ctx?: StageContext,
  ): Promise<Critique> {
    const kind = promptKind(task, "reflect");
    const inputs = { knowledge: draft.text, evidence: reflectOptions.evidence };
    const call = await parsedCall({
      generator,
      prompt: kind.render(task, inputs, templates),
      parse: (raw) => kind.parse(task, raw),
      reminder: (reason) => kind.reminder(task, reason),
      params,
      maxAttempts,
      stage: "reflector.reflect",
      key: task.key,
    }, ctx);
    const base = { author, usage: call.usage, latencyMs: call.latencyMs };
    if (!call.parsed.ok) {
      return {
        ...base,
        reasonable: true,
        feedback: "",
        parseFailure: describeFailure(call.parsed.failure),
        // The critique has no raw-text field; keep the unparsed answer so nothing is dropped.
        evidence: { unparsedOutput: call.parsed.raw },
      };
    }
    return {
      ...base,
      reasonable: call.parsed.value.reasonable,
      feedback: call.parsed.value.reflection,
    };
  }

  return {
    id: `llm-reflector:${generator.id}` +
      (templates.fingerprint ? `+prompts:${templates.fingerprint}` : ""),
    kind: generator.kind === "llm" ? "llm" : "deterministic",
    reflect: (task, draft, ctx) => reflectWith(task, draft, {}, ctx),
    reflectWith,
  };
}
