/**
 * Deferred generations: a request that a generator did not answer now but handed on to be answered
 * later (batch mode writes it to a Batch API file). The knowledge job counts a task stopped by one
 * as deferred, not failed, so one run collects exactly the requests it could not answer; the R4
 * loop says at which stage and round it stopped, the parsed call which answers its parser accepts.
 *
 * @module
 */
import type { ChatRequest } from "./types.ts";

/** Where in the R4 loop a deferred request was made. */
export interface DeferredStep {
  /** The stage that made it. */
  stage: "reason" | "reflect" | "refine";
  /** 0 for reasoning, else the 1-based reflection round. */
  round: number;
}

/**
 * The error a deferring generator rejects with. One object per request: tasks that make the same
 * request share it, so the first stage that tags it names it.
 *
 * @example
 * ```ts
 * import { DeferredGeneration, isDeferred } from "./deferred.ts";
 * const deferred = new DeferredGeneration({
 *   key: "k1", generator: "endpoint:http://127.0.0.1:8000#qwen",
 *   request: { messages: [{ role: "user", content: "Describe this user." }] },
 * });
 * console.assert(isDeferred(deferred) && deferred.step === undefined);
 * ```
 */
export class DeferredGeneration extends Error {
  /** The error's name, for logs and `instanceof`-free checks. */
  override readonly name = "DeferredGeneration";
  /** The request's content key (`generationKey`). */
  readonly key: string;
  /** Id of the generator that would answer it. */
  readonly generator: string;
  /** The request itself. */
  readonly request: ChatRequest;
  /** Set by the R4 loop: the stage and round that made the request. */
  step?: DeferredStep;
  /**
   * Set by the parsed call: why its parser rejects an answer (`undefined`: accepted), so an answer
   * that comes back later is checked as the stage would check it.
   */
  check?: (text: string) => string | undefined;

  /** A deferral of `request` to `generator`, content key `key`. */
  constructor(o: { key: string; generator: string; request: ChatRequest }) {
    super(`generation ${o.key.slice(0, 12)} of ${o.generator} deferred to a batch`);
    this.key = o.key;
    this.generator = o.generator;
    this.request = o.request;
  }
}

/**
 * Whether `error` is a {@link DeferredGeneration}.
 *
 * @example
 * ```ts
 * import { isDeferred } from "./deferred.ts";
 * console.assert(!isDeferred(new Error("timeout")));
 * ```
 */
export function isDeferred(error: unknown): error is DeferredGeneration {
  return error instanceof DeferredGeneration;
}

/**
 * A rejection handler that tags a deferral with the step that made it (the first tag wins) and
 * rethrows every error.
 *
 * @example
 * ```ts
 * import { deferredAt } from "./deferred.ts";
 * const answer = (): Promise<string> => Promise.reject(new Error("down"));
 * await answer().catch(deferredAt({ stage: "reason", round: 0 })).catch(() => {});
 * ```
 */
export function deferredAt(step: DeferredStep): (error: unknown) => never {
  return (error) => {
    if (isDeferred(error)) error.step ??= step;
    throw error;
  };
}
