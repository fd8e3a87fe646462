/**
 * LLM specs: the strings the CLIs take (`--actor ...`, `--reflector ...`, `--teacher ...`), parsed
 * into a typed value, and a factory that builds the generator — the LLM counterpart of the
 * embedder specs in `adapters/embed/spec.ts`. Grammar: `KIND:TARGET`.
 *
 * | spec | generator |
 * |---|---|
 * | `hf:MODEL[@provider]` | {@link hfGenerator} over Hugging Face Inference Providers (token from `HF_TOKEN`) |
 * | `endpoint:URL#MODEL` | {@link hfGenerator} against any OpenAI-compatible server (TGI, vLLM, llama.cpp) |
 * | `local:PATH_OR_NAME` | {@link transformersGenerator}: a model folder, a name under `R4EC_MODELS_DIR`, or a Hub id |
 *
 * @module
 */
import { type InferenceProviderOrPolicy, PROVIDERS_OR_POLICIES } from "@huggingface/inference";
import type { TextGenerator } from "../../plugins/types.ts";
import { hfGenerator } from "./hf.ts";
import { transformersGenerator } from "./transformers.ts";

/** A parsed LLM spec. */
export type LlmSpec =
  | { kind: "hf"; model: string; provider?: string }
  | { kind: "endpoint"; model: string; url: string }
  | { kind: "local"; model: string };

/** The grammar, as error messages state it. */
const EXPECTED = "expected hf:MODEL[@provider], endpoint:URL#MODEL or local:PATH_OR_NAME";

/**
 * Parses an LLM spec. Errors are one line naming the spec, what is wrong and the grammar:
 * `LLM spec "gpt:4": unknown kind; expected hf:MODEL[@provider], ...`.
 *
 * @example
 * ```ts
 * import { parseLlmSpec } from "./spec.ts";
 * parseLlmSpec("endpoint:http://127.0.0.1:8080/v1#qwen");
 * // { kind: "endpoint", model: "qwen", url: "http://127.0.0.1:8080/v1" }
 * parseLlmSpec("hf:Qwen/Qwen2.5-7B-Instruct@together");
 * // { kind: "hf", model: "Qwen/Qwen2.5-7B-Instruct", provider: "together" }
 * ```
 */
export function parseLlmSpec(spec: string): LlmSpec {
  const fail = (why: string): never => {
    throw new Error(`LLM spec ${JSON.stringify(spec)}: ${why}; ${EXPECTED}`);
  };
  if (spec.startsWith("hf:")) {
    const [model, provider] = spec.slice("hf:".length).split("@");
    if (!model) fail("missing model id");
    if (provider === undefined) return { kind: "hf", model };
    if (!(PROVIDERS_OR_POLICIES as readonly string[]).includes(provider)) {
      fail(`unknown provider "${provider}" (known: ${PROVIDERS_OR_POLICIES.join(", ")})`);
    }
    return { kind: "hf", model, provider };
  }
  if (spec.startsWith("endpoint:")) {
    const rest = spec.slice("endpoint:".length);
    const hash = rest.lastIndexOf("#");
    if (hash < 0 || hash === rest.length - 1) fail("missing #MODEL");
    const url = rest.slice(0, hash);
    try {
      new URL(url);
    } catch {
      fail(`${JSON.stringify(url)} is not a URL`);
    }
    return { kind: "endpoint", model: rest.slice(hash + 1), url };
  }
  if (spec.startsWith("local:") && spec.length > "local:".length) {
    return { kind: "local", model: spec.slice("local:".length) };
  }
  return fail("unknown kind");
}

/** What {@link llmFromSpec} may need besides the spec. */
export interface LlmContext {
  /** Streamed answers for `hf:` and `endpoint:` models. @default false */
  stream?: boolean;
  /** `local:` models keep only the last this many prompt tokens. @default no cut */
  maxPromptTokens?: number;
  /** Token for `hf:` specs. @default `HF_TOKEN` from the environment */
  accessToken?: string;
}

/** A generator built from a spec, with a description that says what it is. */
export interface SpecGenerator {
  /** The generator (not yet wrapped in limits or a cache). */
  generator: TextGenerator;
  /** E.g. `LLM qwen at http://127.0.0.1:8080/v1 (OpenAI-compatible endpoint)`. */
  description: string;
}

/**
 * Builds the generator a spec describes (a `local:` model is loaded now).
 *
 * @example
 * ```ts
 * import { llmFromSpec } from "./spec.ts";
 * const { generator, description } = await llmFromSpec("endpoint:http://127.0.0.1:8080/v1#qwen");
 * console.log(generator.id, description);
 * ```
 */
export async function llmFromSpec(
  spec: string | LlmSpec,
  context: LlmContext = {},
): Promise<SpecGenerator> {
  const parsed = typeof spec === "string" ? parseLlmSpec(spec) : spec;
  switch (parsed.kind) {
    case "local": {
      const cut = context.maxPromptTokens;
      return {
        generator: await transformersGenerator({ model: parsed.model, maxPromptTokens: cut }),
        description: `local transformers.js model ${parsed.model}` +
          (cut ? ` (prompts cut to their last ${cut} tokens)` : ""),
      };
    }
    case "endpoint":
      return {
        generator: hfGenerator({
          model: parsed.model,
          endpointUrl: parsed.url,
          accessToken: context.accessToken,
          stream: context.stream,
        }),
        description: `LLM ${parsed.model} at ${parsed.url} (OpenAI-compatible endpoint)`,
      };
    case "hf":
      return {
        generator: hfGenerator({
          model: parsed.model,
          // parseLlmSpec checked the name against the client's list.
          provider: parsed.provider as InferenceProviderOrPolicy | undefined,
          accessToken: context.accessToken,
          stream: context.stream,
        }),
        description: `LLM ${parsed.model} via Hugging Face Inference` +
          (parsed.provider ? ` (${parsed.provider})` : ""),
      };
  }
}
