/**
 * The LLM actor: reason, refine and probe verdicts over any `TextGenerator`, with the prompt kinds
 * of the contract (`prompts/kinds.ts`) and their templates (built-in, or the caller's). Mode
 * follows the task: construction when it carries a target.
 *
 * @module
 */
import { parsedCall } from "./llm_call.ts";
import { parseVerdictAnswer } from "./parse/outputs.ts";
import { describeFailure } from "./parse/result.ts";
import { promptKind } from "./prompts/kinds.ts";
import { formatReminder } from "./prompts/reminder.ts";
import { DEFAULT_PROMPT_TEMPLATES, type PromptTemplates } from "./prompts/templates.ts";
import { type Probe, renderVerdictPrompt } from "./prompts/verdict.ts";
import type {
  Actor,
  Critique,
  Draft,
  GenerationParams,
  KnowledgeTask,
  StageContext,
  TextGenerator,
  Verdict,
} from "./types.ts";

/** Options of {@link llmActor}. */
export interface LlmActorOptions {
  /** The model behind the actor. */
  generator: TextGenerator;
  /** Decoding parameters for every call (pin them; docs/method.md#decoding-parameters). */
  params?: Partial<GenerationParams>;
  /** Attempts per call including the format-reminder retry; default 2. */
  maxAttempts?: number;
  /**
   * Templates of the reason and refine prompts (`promptTemplates`, `parsePromptFile`); custom ones
   * add `+prompts:<fingerprint>` to the actor's id. Probe verdicts keep their built-in prompt.
   * @default the built-in templates
   */
  prompts?: PromptTemplates;
}

/**
 * Builds an LLM actor. A knowledge answer that cannot be parsed is retried once with a format
 * reminder, then returned as a `Draft` with `parseFailure` set and the raw output as `text`; a probe
 * verdict that cannot be parsed comes back `undefined`. Tokens and latency of all attempts are in
 * the draft; probe verdicts report theirs through `ctx.trace` (`stage: "actor.verdict"`).
 *
 * @example
 * ```ts
 * import { llmActor } from "./llm_actor.ts";
 * import { movieDomain } from "./domain.ts";
 * import type { TextGenerator } from "./types.ts";
 * const generator: TextGenerator = {
 *   id: "scripted", kind: "deterministic",
 *   generate: () => Promise.resolve({ text: "Enjoys light comedies.", usage: { prompt: 90, completion: 5 }, latencyMs: 3, model: "scripted", cached: false }),
 * };
 * const actor = llmActor({ generator, params: { temperature: 0, maxTokens: 512 } });
 * const draft = await actor.reason({ kind: "user", key: "u1", domain: movieDomain, history: [{ title: "Big (1988)", rating: 5 }] });
 * console.log(draft.text); // "Enjoys light comedies."
 * ```
 */
export function llmActor(options: LlmActorOptions): Actor {
  const { generator, params, maxAttempts } = options;
  const templates = options.prompts ?? DEFAULT_PROMPT_TEMPLATES;
  const author = generator.id;

  async function knowledgeCall(
    task: KnowledgeTask,
    role: "reason" | "refine",
    prompt: string,
    ctx: StageContext | undefined,
  ): Promise<Draft> {
    const kind = promptKind(task, role);
    const call = await parsedCall({
      generator,
      prompt,
      parse: (raw) => kind.parse(task, raw),
      reminder: (reason) => kind.reminder(task, reason),
      params,
      maxAttempts,
      stage: `actor.${role}`,
      key: task.key,
    }, ctx);
    const base = { author, usage: call.usage, latencyMs: call.latencyMs };
    if (!call.parsed.ok) {
      return { ...base, text: call.parsed.raw, parseFailure: describeFailure(call.parsed.failure) };
    }
    const { knowledge, verdict } = call.parsed.value;
    return verdict === undefined
      ? { ...base, text: knowledge }
      : { ...base, text: knowledge, verdict };
  }

  return {
    id: `llm-actor:${generator.id}` +
      (templates.fingerprint ? `+prompts:${templates.fingerprint}` : ""),
    // A deterministic generator behind the prompts is still not an LLM.
    kind: generator.kind,
    reason(task: KnowledgeTask, ctx?: StageContext): Promise<Draft> {
      const prompt = promptKind(task, "reason").render(task, {}, templates);
      return knowledgeCall(task, "reason", prompt, ctx);
    },
    refine(
      task: KnowledgeTask,
      draft: Draft,
      critique: Critique,
      ctx?: StageContext,
    ): Promise<Draft> {
      const prompt = promptKind(task, "refine").render(
        task,
        { knowledge: draft.text, reflection: critique.feedback },
        templates,
      );
      return knowledgeCall(task, "refine", prompt, ctx);
    },
    async verdict(
      task: KnowledgeTask,
      draft: Draft,
      probe: Probe,
      ctx?: StageContext,
    ): Promise<Verdict | undefined> {
      const call = await parsedCall({
        generator,
        prompt: renderVerdictPrompt(task, draft, probe),
        parse: (raw) => parseVerdictAnswer(task, raw),
        reminder: (reason) => formatReminder(task, "verdict", { reason }),
        params,
        maxAttempts,
        stage: "actor.verdict",
        key: task.key,
      }, ctx);
      ctx?.trace?.({
        stage: "actor.verdict",
        key: task.key,
        detail: {
          event: "usage",
          usage: call.usage,
          latencyMs: call.latencyMs,
          attempts: call.attempts,
          ok: call.parsed.ok,
        },
      });
      return call.parsed.ok ? call.parsed.value : undefined;
    },
  };
}
