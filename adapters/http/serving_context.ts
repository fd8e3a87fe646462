/**
 * The serving context: what every route group reads (the bundle, the store, the caches, the
 * metrics, the limits, the R4 stage), built once from the router's options and passed to each
 * sub-app factory. Holding the caches here is what lets the knowledge POST routes update what the
 * GET routes and scoring read.
 *
 * @module
 */
import { r4, type R4Result } from "../../plugins/r4.ts";
import type {
  Actor,
  KnowledgeRecord,
  KnowledgeTask,
  Reflector,
  Stage,
} from "../../plugins/types.ts";
import type { ServingBundle } from "./bundle.ts";
import { KnowledgeVectorCache, type ServingStore } from "./knowledge_cache.ts";
import { Lru } from "./lru.ts";
import { ServingMetrics } from "./metrics.ts";

/**
 * Per-route deadlines in milliseconds.
 *
 * @example
 * ```ts
 * import type { RouteTimeouts } from "./serving_context.ts";
 * const timeouts: RouteTimeouts = { score: 200, knowledgeRead: 500, knowledgeRun: 60_000 };
 * ```
 */
export interface RouteTimeouts {
  /** `/v1/score`, `/v1/rank`. @default 5000 */
  score?: number;
  /** Knowledge GET routes. @default 5000 */
  knowledgeRead?: number;
  /** On-demand R4 runs. @default 120000 */
  knowledgeRun?: number;
}

/**
 * Options of `r4ecRouter`.
 *
 * @example
 * ```ts
 * import type { R4ecRouterOptions } from "./serving_context.ts";
 * import type { ServingBundle } from "./bundle.ts";
 * import type { ServingStore } from "./knowledge_cache.ts";
 * function example(store: ServingStore, bundle: ServingBundle) {
 *   const options: R4ecRouterOptions = { store, bundle, token: "s3cret-token", cors: ["https://shop.example"] };
 * }
 * ```
 */
export interface R4ecRouterOptions {
  /** Where knowledge and vectors are stored (the DuckDB store). */
  store: ServingStore;
  /** The trained model and what scoring needs (`loadServingBundle`). */
  bundle: ServingBundle;
  /** Actor of on-demand knowledge; without one the knowledge POST routes answer 503. */
  actor?: Actor;
  /** Reflector of on-demand knowledge (required with `actor`). */
  reflector?: Reflector;
  /** Reflection rounds T_max of on-demand runs. @default 1 */
  rounds?: number;
  /** Bearer token required on `/v1/*` and `/metrics` (default: none required). */
  token?: string;
  /** CORS: `true` allows any origin; a list allows those origins (default: no CORS headers). */
  cors?: boolean | string[];
  /** Largest request body in bytes. @default 262144 */
  maxBodyBytes?: number;
  /** Deadlines. */
  timeouts?: RouteTimeouts;
  /** Candidates per score/rank request, at most. @default 1000 */
  maxCandidates?: number;
  /** Knowledge vectors kept in memory. @default 200000 */
  cacheEntries?: number;
  /** Knowledge records (text and trail, for the GET routes) kept in memory. @default 20000 */
  recordCacheEntries?: number;
  /** Metrics registry (default: a new one). */
  metrics?: ServingMetrics;
  /** Where the mount point is, for the OpenAPI `servers` entry. @default "/" */
  mountPath?: string;
  /** Server-side log (errors with stacks, background failures); default stderr. */
  log?: (line: string) => void;
  /**
   * Serve the knowledge viewer: the page at `/ui/` and its read-only JSON routes under `/v1/`
   * (behind the bearer token like the others). @default false
   */
  ui?: boolean;
}

/**
 * The limits of a router, defaults applied.
 *
 * @example
 * ```ts
 * import type { ServingLimits } from "./serving_context.ts";
 * const limits: ServingLimits = {
 *   maxBodyBytes: 262_144, maxCandidates: 1000,
 *   timeouts: { score: 5000, knowledgeRead: 5000, knowledgeRun: 120_000 },
 * };
 * ```
 */
export interface ServingLimits {
  /** Largest request body in bytes. */
  maxBodyBytes: number;
  /** Candidates per score/rank request, at most. */
  maxCandidates: number;
  /** Deadlines of the route groups, in milliseconds. */
  timeouts: Required<RouteTimeouts>;
}

/**
 * What the route groups share.
 *
 * @example
 * ```ts
 * import type { ServingContext } from "./serving_context.ts";
 * const describe = (ctx: ServingContext) =>
 *   `${ctx.bundle.model.name}: ${ctx.vectors.size} vectors, ${ctx.records.size} records in memory`;
 * ```
 */
export interface ServingContext {
  /** The trained model and what scoring needs. */
  readonly bundle: ServingBundle;
  /** Where knowledge and vectors are stored. */
  readonly store: ServingStore;
  /** The metrics `/metrics` renders. */
  readonly metrics: ServingMetrics;
  /** Server-side log. */
  readonly log: (line: string) => void;
  /** Limits, defaults applied. */
  readonly limits: ServingLimits;
  /** Knowledge vectors by task key, for scoring. */
  readonly vectors: KnowledgeVectorCache;
  /**
   * Knowledge records by task key (null = none stored). This process is the store's only writer
   * (DuckDB locks the file), and the knowledge POST routes update it when they write.
   */
  readonly records: Lru<string, KnowledgeRecord | null>;
  /**
   * Answers of the knowledge GETs by `<kind>:<id>`, serialized once: a warm GET then allocates
   * almost nothing, which keeps the collector, and so the latency tail, quiet. Cleared whenever
   * knowledge is written or preloaded.
   */
  readonly answers: Lru<string, string>;
  /** The R4 stages of on-demand knowledge (absent without an actor). */
  readonly stage: Stage<KnowledgeTask, R4Result> | undefined;
  /** Store keys of the on-demand runs in flight. */
  readonly running: Set<string>;
  /** `performance.now()` when the router was built. */
  readonly startedAt: number;
}

/**
 * Builds the context of a router from its options (defaults applied, options checked).
 *
 * @example
 * ```ts
 * import { servingContext } from "./serving_context.ts";
 * import type { ServingBundle } from "./bundle.ts";
 * import type { ServingStore } from "./knowledge_cache.ts";
 * function example(store: ServingStore, bundle: ServingBundle) {
 *   const ctx = servingContext({ store, bundle, maxCandidates: 200 });
 * }
 * ```
 */
export function servingContext(options: R4ecRouterOptions): ServingContext {
  const { store, bundle } = options;
  const m = bundle.manifest;
  const metrics = options.metrics ?? new ServingMetrics();
  const log = options.log ?? ((line: string) => console.error(line));
  if (options.actor && !options.reflector) {
    throw new Error("r4ecRouter: an actor was given without a reflector; R4 needs both");
  }
  const vectors = new KnowledgeVectorCache({
    store,
    prefix: m.knowledgePrefix,
    encoderId: m.encoder.id,
    dim: m.encoder.dim,
    encoder: () => bundle.encoder(),
    maxEntries: options.cacheEntries,
    metrics,
    log,
  });
  const stage = options.actor && options.reflector
    ? r4({
      actor: counted(options.actor, "actor", ["reason", "refine", "verdict"], metrics),
      reflector: counted(options.reflector, "reflector", ["reflect"], metrics),
      rounds: options.rounds ?? 1,
    })
    : undefined;
  return {
    bundle,
    store,
    metrics,
    log,
    limits: {
      maxBodyBytes: options.maxBodyBytes ?? 256 * 1024,
      maxCandidates: options.maxCandidates ?? 1000,
      timeouts: {
        score: options.timeouts?.score ?? 5_000,
        knowledgeRead: options.timeouts?.knowledgeRead ?? 5_000,
        knowledgeRun: options.timeouts?.knowledgeRun ?? 120_000,
      },
    },
    vectors,
    records: new Lru(options.recordCacheEntries ?? 20_000),
    answers: new Lru(options.recordCacheEntries ?? 20_000),
    stage,
    running: new Set(),
    startedAt: performance.now(),
  };
}

/**
 * Loads every stored knowledge record of the bundle's dataset and its vector into memory with one
 * store read, so no request after it touches the store; returns the vectors loaded.
 *
 * @example
 * ```ts
 * import { preloadKnowledge, type ServingContext } from "./serving_context.ts";
 * async function warm(ctx: ServingContext) {
 *   console.log(`${await preloadKnowledge(ctx)} vectors in memory`);
 * }
 * ```
 */
export async function preloadKnowledge(ctx: ServingContext): Promise<number> {
  const m = ctx.bundle.manifest;
  // One bulk read: records fetched one by one, as a cold GET does, cost a store round trip each,
  // and a server warmed that way kept a 15-20 ms p99 on the knowledge GET.
  const found = await ctx.store.listKnowledge({ keyPrefix: `${m.knowledgePrefix}${m.dataset}:` });
  for (const r of found.slice(0, ctx.records.capacity)) {
    ctx.records.set(r.key.slice(m.knowledgePrefix.length), r);
  }
  ctx.answers.clear(); // answers built before this preload may predate what it read
  return await ctx.vectors.preload(found);
}

/** `target` with `methods` counted in the stage-call (and, for an LLM, the LLM-call) metrics. */
function counted<T extends Actor | Reflector>(
  target: T,
  component: string,
  methods: string[],
  metrics: ServingMetrics,
): T {
  const kind = target.kind;
  const out = Object.create(target) as Record<string, unknown>;
  for (const m of methods) {
    const fn = (target as unknown as Record<string, unknown>)[m] as (...a: unknown[]) => unknown;
    out[m] = (...args: unknown[]) => {
      metrics.stageCalls.inc({ component, method: m, kind });
      if (kind !== "deterministic") metrics.llmCalls.inc({ component, method: m });
      return fn.apply(target, args);
    };
  }
  return out as T;
}
