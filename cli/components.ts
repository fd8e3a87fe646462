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
 * {@linkcode checkComponentSpecs} validates the specs (and local model folders) before any work.
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
import { resolveLocalModel } from "../adapters/local_model.ts";
import type { CtrDataset } from "../datasets/types.ts";
import { groundedReflector } from "../plugins/grounded_reflector.ts";
import { hybridReflector } from "../plugins/hybrid_reflector.ts";
import { llmActor } from "../plugins/llm_actor.ts";
import { llmReflector } from "../plugins/llm_reflector.ts";
import { profileActor, type ProfileSource } from "../plugins/profile/mod.ts";
import type { Actor, Reflector, TextGenerator } from "../plugins/types.ts";

/** Options of {@linkcode buildComponents}. */
export interface ComponentOptions {
  actor: string;
  reflector: string;
  /**
   * What the `profile` actor reads: {@linkcode profileSourceOf} a prepared dataset, or a serving
   * bundle's item info and domain. Required for `--actor profile` only.
   */
  profile?: ProfileSource;
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
  /** `local:` models keep only the last this many prompt tokens (default: no cut). */
  maxPromptTokens?: number;
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
      }: ${why}; expected hf:MODEL[@provider], endpoint:URL#MODEL or local:PATH_OR_NAME`,
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
 * What the profile actor of a prepared dataset reads: its items and domain, and its interactions
 * with the first CTR target position, so the actor reads only the interactions before it and no
 * sample's own label reaches any knowledge.
 *
 * @example
 * ```ts
 * import { profileSourceOf } from "./components.ts";
 * import { prepareDataset } from "../datasets/mod.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 30, items: 40 } });
 * console.log(profileSourceOf(dataset).firstTarget); // 11
 * ```
 */
export function profileSourceOf(dataset: CtrDataset): ProfileSource {
  const { itemInfo, domain, trainPeriod, firstTarget } = dataset;
  return { itemInfo, domain, trainPeriod, firstTarget };
}

/** The LLM spec of a reflector spec, if it has one (`grounded` has none). */
function reflectorLlm(spec: string): string | undefined {
  return spec === "grounded" ? undefined : spec.replace(/^hybrid:/, "");
}

/**
 * Checks actor and reflector specs before any work: their syntax, and that a `local:` model names
 * a model folder (or a name under `R4EC_MODELS_DIR`, or a Hub id). Errors are one line naming the
 * flag, e.g. `--actor local:/nonexistent: no model folder at /nonexistent`.
 *
 * @example
 * ```ts
 * import { checkComponentSpecs } from "./components.ts";
 * checkComponentSpecs({ actor: "endpoint:http://127.0.0.1:8080/v1#qwen", reflector: "grounded" });
 * ```
 */
export function checkComponentSpecs(specs: { actor?: string; reflector?: string }): void {
  const check = (flag: string, spec: string | undefined, llm: string | undefined) => {
    if (llm === undefined) return;
    try {
      const p = parseLlmSpec(llm);
      if (p.kind === "local") resolveLocalModel(p.model);
    } catch (error) {
      const message = (error as Error).message.replace(/^LLM spec ".*?": /, "");
      throw new Error(`--${flag} ${spec}: ${message}`);
    }
  };
  if (specs.actor !== "profile") check("actor", specs.actor, specs.actor);
  if (specs.reflector !== undefined) {
    check("reflector", specs.reflector, reflectorLlm(specs.reflector));
  }
}

/**
 * Builds the actor and reflector of two specs.
 *
 * @example
 * ```ts
 * import { buildComponents } from "./components.ts";
 * import { openStore } from "../adapters/store/duckdb_store.ts";
 * import { prepareDataset } from "../datasets/mod.ts";
 * import { profileSourceOf } from "./components.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 30, items: 40 } });
 * const store = await openStore(":memory:");
 * const profile = profileSourceOf(dataset);
 * const c = await buildComponents({ actor: "profile", reflector: "grounded", profile, store });
 * console.log(c.actorDescription);
 * ```
 */
export async function buildComponents(o: ComponentOptions): Promise<Components> {
  checkComponentSpecs(o);

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
      base = await transformersGenerator({ model: p.model, maxPromptTokens: o.maxPromptTokens });
      description = `local transformers.js model ${p.model}` +
        (o.maxPromptTokens ? ` (prompts cut to their last ${o.maxPromptTokens} tokens)` : "");
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
    if (!o.profile) throw new Error("buildComponents: the profile actor needs `profile`");
    // The actor reads only interactions before the first CTR target (the source's firstTarget),
    // so no sample's own label reaches any knowledge.
    actor = profileActor({ dataset: o.profile });
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
