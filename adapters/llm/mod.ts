/**
 * Text generator adapters (Hugging Face Inference, local transformers.js), the LLM spec strings
 * that name them, and the calling discipline that wraps any of them.
 *
 * @example
 * ```ts
 * import { hfGenerator, withLimits } from "./mod.ts";
 * const llm = withLimits(hfGenerator({ model: "m", endpointUrl: "http://127.0.0.1:8000" }), { concurrency: 8 });
 * console.log(llm.id);
 * ```
 *
 * @module
 */
export { hfGenerator, type HfGeneratorOptions } from "./hf.ts";
export {
  type LlmContext,
  llmFromSpec,
  type LlmSpec,
  parseLlmSpec,
  type SpecGenerator,
} from "./spec.ts";
export {
  plainPrompt,
  type TransformersGenerator,
  transformersGenerator,
  type TransformersGeneratorOptions,
} from "./transformers.ts";
export {
  type LimitedGenerator,
  type LimitOptions,
  type LimitStats,
  type RetryEvent,
  withLimits,
} from "./limits.ts";
export {
  isRetryableStatus,
  LlmError,
  LlmGaveUpError,
  LlmHttpError,
  LlmNetworkError,
  LlmProtocolError,
  LlmRequestError,
  LlmTimeoutError,
  parseRetryAfter,
} from "./errors.ts";
