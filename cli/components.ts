/**
 * Builds the actor and reflector of the CLI's spec strings, shared by `deno task knowledge` and
 * `deno task eval`:
 * - LLM: `hf:MODEL[@provider]` (Hugging Face Inference Providers), `endpoint:URL#MODEL` (TGI, vLLM,
 *   llama.cpp or any OpenAI-compatible server), `local:PATH_OR_ID` (transformers.js);
 * - actor: `profile` (deterministic statistical profile, no LLM) or an LLM spec;
 * - reflector: `grounded` (verdicts on held-back training interactions checked against the real
 *   ratings, no LLM), `hybrid:<LLM spec>` (that evidence given to an LLM judge), or an LLM spec.
 * Every LLM goes through the calling discipline (limits, retries, timeouts) and the store (reruns
 * reuse generations); one generator per spec is shared by every role that names it.
 *
 * @module
 */
import { PROVIDERS_OR_POLICIES } from "@huggingface/inference";
import { hfGenerator } from "../adapters/llm/hf.ts";
import { type LimitedGenerator, withLimits } from "../adapters/llm/limits.ts";
import { transformersGenerator } from "../adapters/llm/transformers.ts";
import {
  type CachedGenerator,
  cachedGenerator,
  type GenerationStore,
} from "../adapters/store/cached_generator.ts";
import type { CtrDataset } from "../datasets/types.ts";
import { groundedReflector } from "../plugins/grounded_reflector.ts";
import { hybridReflector } from "../plugins/hybrid_reflector.ts";
import { llmActor } from "../plugins/llm_actor.ts";
import { llmReflector } from "../plugins/llm_reflector.ts";
import { profileActor } from "../plugins/profile/mod.ts";
import type { Actor, Reflector, TextGenerator } from "../plugins/types.ts";

/** Options of {@linkcode buildComponents}. */
export interface ComponentOptions {
  actor: string;
  reflector: string;
  dataset: CtrDataset;
  store: GenerationStore;
  /** LLM calls in flight per model (default 8). */
  concurrency?: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  /** Per-request timeout (default 120 000 ms). */
  timeoutMs?: number;
  /** Retries on 408/429/5xx/network errors/timeouts (default 5). */
  retries?: number;
  /** Streamed answers for `hf:`/`endpoint:` models. */
  stream?: boolean;
  /** New tokens per call (default 512). */
  maxTokens?: number;
  /** Actor temperature (default 0); the reflector is always greedy. */
  temperature?: number;
  /** Grounded check: held-back pairs and the accuracy it needs. */
  groundedK?: number;
  groundedThreshold?: number;
  seed?: number;
  signal?: AbortSignal;
}

/** What was built, with descriptions that say honestly what each part is. */
export interface Components {
  actor: Actor;
  reflector: Reflector;
  actorDescription: string;
  reflectorDescription: string;
  /** Per LLM spec: cache and calling statistics. */
  llmStats(): Record<string, { cache: CachedGenerator["stats"]; calls: LimitedGenerator["stats"] }>;
}

/**
 * Parses an LLM spec. Throws a one-line error saying what the spec should look like.
 *
 * @example
 * ```ts
 * import { parseLlmSpec } from "./components.ts";
 * console.assert(parseLlmSpec("endpoint:http://127.0.0.1:8080#qwen").model === "qwen");
 * ```
 */
export function parseLlmSpec(
  spec: string,
): { kind: "hf" | "endpoint" | "local"; model: string; provider?: string; url?: string } {
  const bad = (why: string): never => {
    throw new Error(
      `LLM spec ${
        JSON.stringify(spec)
      }: ${why}; expected hf:MODEL[@provider], endpoint:URL#MODEL or local:PATH_OR_ID`,
    );
  };
  if (spec.startsWith("hf:")) {
    const [model, provider] = spec.slice(3).split("@");
    if (!model) bad("missing model id");
    if (
      provider !== undefined && !(PROVIDERS_OR_POLICIES as readonly string[]).includes(provider)
    ) {
      bad(`unknown provider "${provider}" (known: ${PROVIDERS_OR_POLICIES.join(", ")})`);
    }
    return { kind: "hf", model, provider };
  }
  if (spec.startsWith("endpoint:")) {
    const rest = spec.slice("endpoint:".length);
    const hash = rest.lastIndexOf("#");
    if (hash < 0 || hash === rest.length - 1) bad("missing #MODEL");
    const url = rest.slice(0, hash);
    try {
      new URL(url);
    } catch {
      bad(`${JSON.stringify(url)} is not a URL`);
    }
    return { kind: "endpoint", model: rest.slice(hash + 1), url };
  }
  if (spec.startsWith("local:") && spec.length > "local:".length) {
    return { kind: "local", model: spec.slice("local:".length) };
  }
  return bad("unknown kind");
}

/**
 * Builds the actor and reflector of two specs.
 *
 * @example
 * ```ts
 * import { buildComponents } from "./components.ts";
 * import { openStore } from "../adapters/store/duckdb_store.ts";
 * import { prepareDataset } from "../datasets/mod.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 30, items: 40 } });
 * const store = await openStore(":memory:");
 * const c = await buildComponents({ actor: "profile", reflector: "grounded", dataset, store });
 * console.log(c.actorDescription);
 * ```
 */
export async function buildComponents(o: ComponentOptions): Promise<Components> {
  // Validate every spec before loading anything.
  if (o.actor !== "profile") parseLlmSpec(o.actor);
  if (o.reflector !== "grounded") parseLlmSpec(o.reflector.replace(/^hybrid:/, ""));

  const generators = new Map<
    string,
    { cached: CachedGenerator; limited: LimitedGenerator; description: string }
  >();
  const generatorFor = async (spec: string) => {
    const known = generators.get(spec);
    if (known) return known;
    const p = parseLlmSpec(spec);
    let base: TextGenerator, description: string;
    if (p.kind === "local") {
      base = await transformersGenerator({ model: p.model });
      description = `local transformers.js model ${p.model}`;
    } else {
      base = hfGenerator({
        model: p.model,
        endpointUrl: p.url,
        // deno-lint-ignore no-explicit-any
        provider: p.provider as any,
        stream: o.stream,
      });
      description = p.kind === "endpoint"
        ? `LLM ${p.model} at ${p.url} (OpenAI-compatible endpoint)`
        : `LLM ${p.model} via Hugging Face Inference${p.provider ? ` (${p.provider})` : ""}`;
    }
    const limited = withLimits(base, {
      concurrency: o.concurrency ?? 8,
      requestsPerMinute: o.requestsPerMinute,
      tokensPerMinute: o.tokensPerMinute,
      timeoutMs: o.timeoutMs ?? 120_000,
      maxRetries: o.retries ?? 5,
      signal: o.signal,
      seed: o.seed ?? 0,
    });
    const built = { cached: cachedGenerator(limited, o.store), limited, description };
    generators.set(spec, built);
    return built;
  };

  let actor: Actor, actorDescription: string;
  if (o.actor === "profile") {
    // The actor reads only interactions before the first CTR target (the dataset's firstTarget),
    // so no sample's own label reaches any knowledge.
    actor = profileActor({ dataset: o.dataset });
    actorDescription = "profile — a deterministic statistical profile of interaction data (no LLM)";
  } else {
    const g = await generatorFor(o.actor);
    actor = llmActor({
      generator: g.cached,
      params: { maxTokens: o.maxTokens ?? 512, temperature: o.temperature ?? 0 },
    });
    actorDescription = `${g.description} (LLM actor)`;
  }
  const grounded = {
    actor,
    k: o.groundedK ?? 4,
    threshold: o.groundedThreshold ?? 0.75,
    seed: o.seed ?? 0,
  };
  const judgeParams = { maxTokens: o.maxTokens ?? 512, temperature: 0 };
  let reflector: Reflector, reflectorDescription: string;
  if (o.reflector === "grounded") {
    reflector = groundedReflector(grounded);
    reflectorDescription = `grounded — checks the actor's like/dislike verdicts on ${grounded.k} ` +
      `held-back training interactions against the real ratings (no LLM)`;
  } else if (o.reflector.startsWith("hybrid:")) {
    const g = await generatorFor(o.reflector.slice("hybrid:".length));
    reflector = hybridReflector({
      grounded,
      llm: llmReflector({ generator: g.cached, params: judgeParams }),
    });
    reflectorDescription = `hybrid — grounded evidence judged by ${g.description}`;
  } else {
    const g = await generatorFor(o.reflector);
    reflector = llmReflector({ generator: g.cached, params: judgeParams });
    reflectorDescription = `${g.description} (LLM reflector)`;
  }
  return {
    actor,
    reflector,
    actorDescription,
    reflectorDescription,
    llmStats: () =>
      Object.fromEntries(
        [...generators].map((
          [spec, g],
        ) => [spec, { cache: g.cached.stats, calls: g.limited.stats }]),
      ),
  };
}
