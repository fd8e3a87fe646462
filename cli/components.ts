/**
 * Builds the actor and reflector of the CLI's spec strings, shared by `deno task knowledge` and
 * `deno task eval`:
 * - LLM: `hf:MODEL[@provider]`, `endpoint:URL#MODEL` or `local:PATH_OR_ID`, parsed and built by
 *   `adapters/llm/spec.ts`;
 * - actor: `profile` (deterministic statistical profile, no LLM) or an LLM spec;
 * - reflector: `grounded` (verdicts on held-back training interactions checked against the real
 *   ratings, no LLM), `hybrid:<LLM spec>` (that evidence given to an LLM judge), or an LLM spec.
 * Every LLM goes through the calling discipline (limits, retries, timeouts) and the store (reruns
 * reuse generations); one generator per spec is shared by every role that names it.
 * {@linkcode checkComponentSpecs} validates the specs (and local model folders) before any work.
 *
 * @module
 */
import { type LimitedGenerator, withLimits } from "../adapters/llm/limits.ts";
import { llmFromSpec, parseLlmSpec } from "../adapters/llm/spec.ts";
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
import type { PromptTemplates } from "../plugins/prompts/templates.ts";
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
  /** Templates of the LLM actor's and reflector's prompts (default: the built-in ones). */
  prompts?: PromptTemplates;
  /** Actor temperature (default 0); the reflector is always greedy. */
  temperature?: number;
  /** Grounded check: held-back pairs and the accuracy it needs. */
  groundedK?: number;
  groundedThreshold?: number;
  seed?: number;
  signal?: AbortSignal;
  /**
   * Replaces each LLM generator inside the store cache, its id kept (batch mode: a generator that
   * records requests instead of sending them, `adapters/batch/`). Default: none.
   */
  wrapGenerator?: (generator: TextGenerator, spec: string) => TextGenerator;
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
    const { generator, description } = await llmFromSpec(spec, {
      stream: o.stream,
      maxPromptTokens: o.maxPromptTokens,
    });
    const limited = withLimits(generator, {
      concurrency: o.concurrency ?? 8,
      requestsPerMinute: o.requestsPerMinute,
      tokensPerMinute: o.tokensPerMinute,
      timeoutMs: o.timeoutMs ?? 120_000,
      maxRetries: o.retries ?? 5,
      signal: o.signal,
      seed: o.seed ?? 0,
    });
    const inner = o.wrapGenerator?.(limited, spec) ?? limited;
    const built = { cached: cachedGenerator(inner, o.store), limited, description };
    generators.set(spec, built);
    return built;
  };

  const custom = o.prompts?.custom.length ?? 0;
  const promptsNote = custom > 0
    ? ` with prompt templates from ${o.prompts!.source} (${custom} of 12 kinds)`
    : "";
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
      prompts: o.prompts,
    });
    actorDescription = `${g.description} (LLM actor)${promptsNote}`;
  }
  const grounded = {
    actor,
    k: o.groundedK ?? 4,
    threshold: o.groundedThreshold ?? 0.75,
    seed: o.seed ?? 0,
  };
  const judge = { params: { maxTokens: o.maxTokens ?? 512, temperature: 0 }, prompts: o.prompts };
  let reflector: Reflector, reflectorDescription: string;
  if (o.reflector === "grounded") {
    reflector = groundedReflector(grounded);
    reflectorDescription = `grounded — checks the actor's like/dislike verdicts on ${grounded.k} ` +
      `held-back training interactions against the real ratings (no LLM)`;
  } else if (o.reflector.startsWith("hybrid:")) {
    const g = await generatorFor(o.reflector.slice("hybrid:".length));
    reflector = hybridReflector({
      grounded,
      llm: llmReflector({ generator: g.cached, ...judge }),
    });
    reflectorDescription = `hybrid — grounded evidence judged by ${g.description}${promptsNote}`;
  } else {
    const g = await generatorFor(o.reflector);
    reflector = llmReflector({ generator: g.cached, ...judge });
    reflectorDescription = `${g.description} (LLM reflector)${promptsNote}`;
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
