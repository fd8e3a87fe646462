/**
 * A test-only `TextGenerator` that answers from a script and records every request. It is
 * deterministic and says so (`kind: "deterministic"`); the real-HTTP fakes live with the adapters.
 *
 * @module
 */
import type { ChatRequest, ChatResult, TextGenerator } from "../../plugins/types.ts";

/** A scripted answer: fixed text, or computed from the prompt. */
export type ScriptedAnswer = string | ((prompt: string, request: ChatRequest) => string);

/** The scripted generator with its request log. */
export interface ScriptedGenerator extends TextGenerator {
  /** Every request, in order. */
  readonly requests: ChatRequest[];
  /** The last user message of every request, in order. */
  readonly prompts: string[];
}

/**
 * Answers request i with `script[i]` (or with `route(prompt)` when given a function). Usage counts
 * prompt and completion characters / 4 so sums can be checked; latency is `latencyMs` per call.
 *
 * @example
 * ```ts
 * import { scriptedGenerator } from "./scripted_generator.ts";
 * const gen = scriptedGenerator(["first", "second"]);
 * ```
 */
export function scriptedGenerator(
  script: ScriptedAnswer[] | ((prompt: string, index: number) => string),
  options: { latencyMs?: number; id?: string } = {},
): ScriptedGenerator {
  const requests: ChatRequest[] = [];
  const prompts: string[] = [];
  return {
    id: options.id ?? "scripted",
    kind: "deterministic",
    requests,
    prompts,
    generate(request: ChatRequest): Promise<ChatResult> {
      const index = requests.length;
      requests.push(request);
      const prompt = request.messages.at(-1)?.content ?? "";
      prompts.push(prompt);
      let text: string;
      if (typeof script === "function") {
        try {
          text = script(prompt, index);
        } catch (error) {
          return Promise.reject(error);
        }
      } else {
        const answer = script[index];
        if (answer === undefined) {
          return Promise.reject(new Error(`scripted generator: no answer for request ${index}`));
        }
        text = typeof answer === "string" ? answer : answer(prompt, request);
      }
      return Promise.resolve({
        text,
        usage: { prompt: Math.ceil(prompt.length / 4), completion: Math.ceil(text.length / 4) },
        latencyMs: options.latencyMs ?? 10,
        model: options.id ?? "scripted",
        cached: false,
      });
    },
  };
}

/** Which role a rendered prompt asks for, read from its wording. */
export type PromptRoleSeen = "reason" | "reflect" | "refine" | "verdict";

/**
 * Reads the role of a prompt rendered by `plugins/prompts` (judge role line, reflection block,
 * probe wording).
 *
 * @example
 * ```ts
 * import { roleOfPrompt } from "./scripted_generator.ts";
 * roleOfPrompt("You are an impartial judge.\n..."); // "reflect"
 * ```
 */
export function roleOfPrompt(prompt: string): PromptRoleSeen {
  if (prompt.startsWith("You are an impartial judge.")) return "reflect";
  if (prompt.includes("<Reflection>\n")) return "refine";
  if (prompt.includes("Reason briefly from the")) return "verdict";
  return "reason";
}

/**
 * A scripted generator answering each role from its own queue, in order; it fails loudly when a
 * queue runs dry, so a test sees any call it did not expect. `calls` lists the roles in call order.
 *
 * @example
 * ```ts
 * import { routedGenerator } from "./scripted_generator.ts";
 * const gen = routedGenerator({ reason: ["Likes jazz."], reflect: [] });
 * ```
 */
export function routedGenerator(
  queues: Partial<Record<PromptRoleSeen, string[]>>,
  options: { latencyMs?: number; id?: string } = {},
): ScriptedGenerator & { calls: PromptRoleSeen[] } {
  const calls: PromptRoleSeen[] = [];
  const used: Record<PromptRoleSeen, number> = { reason: 0, reflect: 0, refine: 0, verdict: 0 };
  const generator = scriptedGenerator((prompt) => {
    const role = roleOfPrompt(prompt);
    calls.push(role);
    const answer = queues[role]?.[used[role]++];
    if (answer === undefined) {
      throw new Error(`routed generator: unexpected ${role} call #${used[role]}`);
    }
    return answer;
  }, options);
  return Object.assign(generator, { calls });
}
