/**
 * The LLM-calling and prompt-budget flags that `deno task knowledge`, `eval` and `construct` share:
 * one schema, one help text, one mapping to {@linkcode ComponentOptions}.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { parseLlmSpec } from "../adapters/llm/spec.ts";
import { parsePromptFile } from "../plugins/prompts/template_file.ts";
import type { PromptTemplates } from "../plugins/prompts/templates.ts";
import type { ComponentOptions } from "./components.ts";

/** The shared flags, to spread into a CLI's zod object. */
export const LLM_FLAGS = {
  stream: z.boolean().default(false),
  "max-tokens": z.coerce.number().int().min(1).default(512),
  temperature: z.coerce.number().min(0).max(2).default(0),
  rpm: z.coerce.number().positive().optional(),
  tpm: z.coerce.number().positive().optional(),
  "timeout-ms": z.coerce.number().int().positive().default(120_000),
  retries: z.coerce.number().int().min(0).default(5),
  "history-window": z.coerce.number().int().min(1).optional(),
  "max-prompt-tokens": z.coerce.number().int().min(2).optional(),
  prompts: z.string().min(1).optional(),
};

/** Values of {@link LLM_FLAGS} after parsing. */
export type LlmFlagValues = z.infer<z.ZodObject<typeof LLM_FLAGS>>;

/** Help lines of {@link LLM_FLAGS}. */
export const LLM_FLAGS_HELP = `LLM calls:
  --stream              use streaming responses
  --max-tokens N        new tokens per call (default 512)
  --temperature T       actor temperature (default 0; the reflector is always greedy)
  --rpm N               requests per minute per model (default unlimited)
  --tpm N               tokens per minute per model (default unlimited)
  --timeout-ms N        per-request timeout (default 120000)
  --retries N           retries on 408/429/5xx/network errors/timeouts (default 5)
Prompt budget (small models):
  --history-window N    keep only the N most recent pairs of every history in the prompts
                        (default: the dataset's windows, 10 pairs)
  --max-prompt-tokens N local: models only: keep the last N prompt tokens (with BOS), so prompts
                        fit a small context (stories260K has 512 positions)
Prompt templates:
  --prompts FILE        your own templates for any of the 12 prompt kinds (sections
                        "=== user.reason.inference ===" ...; see the README); kinds left out keep
                        the built-in ones. Checked before any work; LLM actors and reflectors only`;

/**
 * Reads and checks `--prompts FILE`; errors are one line naming the flag, the file and the line.
 *
 * @example
 * ```ts
 * import { promptsFlag } from "./llm_flags.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/p.txt`, "=== user.reason.inference ===\nRatings: {user_history}\n");
 * console.log(promptsFlag(`${dir}/p.txt`).custom); // ["user.reason.inference"]
 * ```
 */
export function promptsFlag(path: string): PromptTemplates {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new Error(
      `--prompts ${path}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`,
    );
  }
  try {
    return parsePromptFile(text, path);
  } catch (error) {
    throw new Error(`--prompts: ${(error as Error).message}`);
  }
}

/** Whether an actor or reflector spec names an LLM (the only components that read prompts). */
function usesLlm(spec: string): boolean {
  return spec !== "profile" && spec !== "grounded";
}

/**
 * The component options of the shared flags, `--prompts` read and checked. Throws (one line
 * naming the flag) when `--max-prompt-tokens` is given without a `local:` model, the only kind
 * whose tokenizer is here, or `--prompts` without an LLM actor or reflector.
 *
 * @example
 * ```ts
 * import { llmComponentOptions } from "./llm_flags.ts";
 * const options = llmComponentOptions({
 *   stream: false, "max-tokens": 64, temperature: 0, "timeout-ms": 1000, retries: 0,
 * }, ["profile"]);
 * console.log(options.maxTokens); // 64
 * ```
 */
export function llmComponentOptions(
  flags: LlmFlagValues,
  specs: string[],
): Partial<ComponentOptions> {
  if (flags["max-prompt-tokens"] !== undefined) {
    const local = specs.some((spec) => {
      const llm = spec.replace(/^hybrid:/, "");
      return llm.startsWith("local:") && parseLlmSpec(llm).kind === "local";
    });
    if (!local) {
      throw new Error(
        "--max-prompt-tokens: needs a local: model (only its tokenizer counts prompt tokens here); " +
          "use --history-window to shorten prompts for other models",
      );
    }
  }
  if (flags.prompts !== undefined && !specs.some(usesLlm)) {
    throw new Error(
      `--prompts: no LLM actor or reflector would read it (${specs.join(", ")} use no prompts)`,
    );
  }
  return {
    ...(flags.prompts !== undefined ? { prompts: promptsFlag(flags.prompts) } : {}),
    stream: flags.stream,
    maxTokens: flags["max-tokens"],
    temperature: flags.temperature,
    requestsPerMinute: flags.rpm,
    tokensPerMinute: flags.tpm,
    timeoutMs: flags["timeout-ms"],
    retries: flags.retries,
    maxPromptTokens: flags["max-prompt-tokens"],
  };
}
