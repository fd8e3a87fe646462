/**
 * LLM specs: the strings the CLIs take (`--actor ...`, `--reflector ...`, `--teacher ...`), parsed
 * into a typed value, and a factory that builds the generator — the LLM counterpart of the
 * embedder specs in `adapters/embed/spec.ts`. Grammar: `KIND:TARGET`.
 *
 * | spec | generator |
 * |---|---|
 * | `hf:MODEL[@provider]` | {@link hfGenerator} over Hugging Face Inference Providers (token from `HF_TOKEN`) |
 * | `endpoint:URL#MODEL` | {@link hfGenerator} against any OpenAI-compatible server (TGI, vLLM, llama.cpp) |
 * | `endpoint:URL1,URL2,...#MODEL` | {@link replicaGenerator}: replicas of one model, requests spread over them, failed ones retried on another |
 * | `local:PATH_OR_NAME` | {@link transformersGenerator}: a model folder, a name under `R4EC_MODELS_DIR`, or a Hub id |
 *
 * @module
 */
import { type InferenceProviderOrPolicy, PROVIDERS_OR_POLICIES } from "@huggingface/inference";
import type { TextGenerator } from "../../plugins/types.ts";
import { hfGenerator } from "./hf.ts";
import { replicaGenerator } from "./replicas.ts";
import { transformersGenerator } from "./transformers.ts";

/** A parsed LLM spec. */
export type LlmSpec =
  | { kind: "hf"; model: string; provider?: string }
  | {
    kind: "endpoint";
    model: string;
    /** The (first) replica's base URL. */
    url: string;
    /** Every replica's base URL, when more than one is given (`URL1,URL2,...`). */
    replicas?: string[];
  }
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
    // Replicas: URLs joined by commas, each starting a new http(s):// address.
    const urls = rest.slice(0, hash).split(/,(?=https?:\/\/)/);
    for (const url of urls) {
      try {
        new URL(url);
      } catch {
        fail(`${JSON.stringify(url)} is not a URL`);
      }
    }
    const twice = urls.find((url, i) => urls.indexOf(url) !== i);
    if (twice) fail(`replica ${JSON.stringify(twice)} is given twice`);
    const model = rest.slice(hash + 1);
    return urls.length === 1
      ? { kind: "endpoint", model, url: urls[0] }
      : { kind: "endpoint", model, url: urls[0], replicas: urls };
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
      if (parsed.replicas) return replicasFromSpec(parsed.model, parsed.replicas, context);
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

/**
 * The generator of a replicated endpoint spec. Its id names the model only (`endpoint:replicas#
 * MODEL`), so a generation's key does not depend on which replica answered it.
 */
function replicasFromSpec(model: string, urls: string[], context: LlmContext): SpecGenerator {
  const replicas = urls.map((url) => ({
    url,
    generator: hfGenerator({
      model,
      endpointUrl: url,
      accessToken: context.accessToken,
      stream: context.stream,
    }),
  }));
  return {
    generator: replicaGenerator({ id: `endpoint:replicas#${model}`, replicas }),
    description: `LLM ${model} at ${urls.length} replicas (${
      urls.join(", ")
    }; OpenAI-compatible endpoints)`,
  };
}
