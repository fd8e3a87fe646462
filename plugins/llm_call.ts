/**
 * One parsed LLM call: generate, parse, and on a parse failure retry once with a format reminder
 * appended to the prompt. Tokens and latency of every attempt are summed.
 *
 * @module
 */
import { isDeferred } from "./deferred.ts";
import type { Parsed } from "./parse/result.ts";
import { describeFailure } from "./parse/result.ts";
import type { GenerationParams, StageContext, TextGenerator, TokenUsage } from "./types.ts";

/** The outcome of a parsed call. */
export interface ParsedCall<T> {
  /** The last attempt's parse (a failure keeps that attempt's raw text). */
  parsed: Parsed<T>;
  /** Summed over attempts. */
  usage: TokenUsage;
  /** Summed over attempts, in milliseconds. */
  latencyMs: number;
  /** 1, or 2 when the format reminder was needed. */
  attempts: number;
  /** Model id reported by the generator on the last attempt. */
  model: string;
  /** Failures of earlier attempts, as `code: message`. */
  retriedFailures: string[];
}

/** What a parsed call needs. */
export interface ParsedCallRequest<T> {
  /** Who answers. */
  generator: TextGenerator;
  /** The rendered prompt, sent as one user message. */
  prompt: string;
  /** Parser of the answer. */
  parse: (raw: string) => Parsed<T>;
  /** Text appended to the prompt for the retry, given the failure message. */
  reminder: (failureMessage: string) => string;
  /** Decoding parameters of every attempt. */
  params?: Partial<GenerationParams>;
  /** Attempts in all, at least 1; default 2 (one retry with the reminder). */
  maxAttempts?: number;
  /** Stage name for trace events, e.g. `actor.reason`. */
  stage: string;
  /** Task key for trace events. */
  key: string;
}

/**
 * Runs a parsed call. Generator errors (network, abort) propagate; parse failures never do.
 *
 * @example
 * ```ts
 * import { parsedCall } from "./llm_call.ts";
 * import { parseVerdictAnswer } from "./parse/outputs.ts";
 * import { movieDomain } from "./domain.ts";
 * import type { TextGenerator } from "./types.ts";
 * const task = { kind: "user" as const, key: "u1", domain: movieDomain, history: [] };
 * const generator: TextGenerator = {
 *   id: "scripted", kind: "deterministic",
 *   generate: () => Promise.resolve({ text: "<Final Verdict>user will like the target movie</Final Verdict>", usage: { prompt: 1, completion: 1 }, latencyMs: 1, model: "scripted", cached: false }),
 * };
 * const call = await parsedCall({
 *   generator, prompt: "...", parse: (raw) => parseVerdictAnswer(task, raw),
 *   reminder: () => "\nUse <Final Verdict>.", stage: "verdict", key: task.key,
 * }, {});
 * ```
 */
export async function parsedCall<T>(
  request: ParsedCallRequest<T>,
  ctx: StageContext = {},
): Promise<ParsedCall<T>> {
  const maxAttempts = Math.max(1, Math.floor(request.maxAttempts ?? 2));
  const usage: TokenUsage = { prompt: 0, completion: 0 };
  const retriedFailures: string[] = [];
  let latencyMs = 0;
  let prompt = request.prompt;
  for (let attempt = 1;; attempt++) {
    ctx.signal?.throwIfAborted();
    const result = await request.generator.generate(
      {
        messages: [{ role: "user", content: prompt }],
        ...(request.params ? { params: request.params } : {}),
      },
      ctx.signal,
    ).catch((error) => {
      // A deferred answer is checked later as this call would parse it.
      if (isDeferred(error)) error.check ??= (text) => rejection(request.parse(text));
      throw error;
    });
    usage.prompt += result.usage.prompt;
    usage.completion += result.usage.completion;
    if (result.usage.unknown) usage.unknown = true;
    latencyMs += result.latencyMs;
    const parsed = request.parse(result.text);
    if (parsed.ok || attempt >= maxAttempts) {
      if (!parsed.ok) {
        ctx.trace?.({
          stage: request.stage,
          key: request.key,
          detail: { event: "parse_failure", attempt, failure: describeFailure(parsed.failure) },
        });
      }
      return { parsed, usage, latencyMs, attempts: attempt, model: result.model, retriedFailures };
    }
    const failure = describeFailure(parsed.failure);
    retriedFailures.push(failure);
    ctx.trace?.({
      stage: request.stage,
      key: request.key,
      detail: { event: "format_retry", attempt, failure },
    });
    prompt = request.prompt + request.reminder(parsed.failure.message);
  }
}

/** Why a parse failed, or `undefined` when it succeeded. */
function rejection<T>(parsed: Parsed<T>): string | undefined {
  return parsed.ok ? undefined : describeFailure(parsed.failure);
}
