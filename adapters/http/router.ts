/**
 * `r4ecRouter`: the Hono app a host platform mounts (`app.route("/r4ec", r4ecRouter({...}))`).
 * Scores candidates with a trained backbone and stored knowledge vectors, serves stored knowledge
 * with its judgement trail, runs the R4 stages on demand, and reports health, Prometheus metrics and
 * its OpenAPI document. Runtime-neutral: `adapters/http/deno_server.ts` serves it with `Deno.serve`.
 *
 * Every error is an RFC 7807 problem (`application/problem+json`) carrying the request id; an
 * unexpected error is logged with its stack on the server and answered with a generic 500.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { cors } from "hono/cors";
import { requestId } from "hono/request-id";
import { textHash } from "../embed/text_hash.ts";
import { itemTaskKey, userTaskKey } from "../../plugins/tasks.ts";
import { r4, type R4Result } from "../../plugins/r4.ts";
import { recordFromResult } from "../../plugins/knowledge_job.ts";
import type {
  Actor,
  KnowledgeRecord,
  KnowledgeTask,
  RatedTitle,
  Reflector,
} from "../../plugins/types.ts";
import type { ServingBundle } from "./bundle.ts";
import {
  type KnowledgeVector,
  KnowledgeVectorCache,
  type ServingStore,
} from "./knowledge_cache.ts";
import { PROMETHEUS_CONTENT_TYPE, ServingMetrics } from "./metrics.ts";
import { openApiDocument } from "./openapi.ts";
import { Lru } from "./lru.ts";
import { HttpProblem, type ProblemField, problemResponse } from "./problem.ts";
import { checkBearer, readJsonBody, validate, withDeadline } from "./request.ts";
import {
  ItemKnowledgeRequestSchema,
  RankRequestSchema,
  ScoreRequestSchema,
  UserKnowledgeRequestSchema,
} from "./schemas.ts";
import { scoreCandidates } from "./scoring.ts";

/**
 * Per-route deadlines in milliseconds.
 *
 * @example
 * ```ts
 * import type { RouteTimeouts } from "./router.ts";
 * const timeouts: RouteTimeouts = { score: 200, knowledgeRead: 500, knowledgeRun: 60_000 };
 * ```
 */
export interface RouteTimeouts {
  /** `/v1/score`, `/v1/rank` (default 5,000). */
  score?: number;
  /** Knowledge GET routes (default 5,000). */
  knowledgeRead?: number;
  /** On-demand R4 runs (default 120,000). */
  knowledgeRun?: number;
}

/**
 * Options of {@link r4ecRouter}.
 *
 * @example
 * ```ts
 * import type { R4ecRouterOptions } from "./router.ts";
 * import type { ServingBundle } from "./bundle.ts";
 * import type { ServingStore } from "./knowledge_cache.ts";
 * declare const store: ServingStore, bundle: ServingBundle;
 * const options: R4ecRouterOptions = { store, bundle, token: "s3cret-token", cors: ["https://shop.example"] };
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
  /** Reflection rounds T_max of on-demand runs (default 1). */
  rounds?: number;
  /** Bearer token required on `/v1/*` and `/metrics` (default: none required). */
  token?: string;
  /** CORS: `true` allows any origin; a list allows those origins (default: no CORS headers). */
  cors?: boolean | string[];
  /** Largest request body in bytes (default 256 KiB). */
  maxBodyBytes?: number;
  /** Deadlines. */
  timeouts?: RouteTimeouts;
  /** Candidates per score/rank request, at most (default 1000). */
  maxCandidates?: number;
  /** Knowledge vectors kept in memory (default 200,000). */
  cacheEntries?: number;
  /** Knowledge records (text and trail, for the GET routes) kept in memory (default 20,000). */
  recordCacheEntries?: number;
  /** Metrics registry (default: a new one). */
  metrics?: ServingMetrics;
  /** Where the mount point is, for the OpenAPI `servers` entry (default `/`). */
  mountPath?: string;
  /** Server-side log (errors with stacks, background failures); default stderr. */
  log?: (line: string) => void;
}

/**
 * The router, with what a host may want to reach besides the routes.
 *
 * @example
 * ```ts
 * import type { R4ecRouter } from "./router.ts";
 * async function warm(router: R4ecRouter) {
 *   console.log(`${await router.serving.preload()} vectors in memory`);
 * }
 * ```
 */
export type R4ecRouter = Hono<{ Variables: { requestId: string } }> & {
  readonly serving: {
    readonly metrics: ServingMetrics;
    readonly cache: KnowledgeVectorCache;
    /**
     * Loads every stored knowledge record of the bundle's dataset and its vector into memory with
     * one store read, so no request after it touches the store; returns the vectors loaded.
     */
    preload(): Promise<number>;
  };
};

type Ctx = Context<{ Variables: { requestId: string } }>;

const JSON_TYPE = { "content-type": "application/json" };

function counted<T extends object>(
  target: T,
  component: string,
  kind: string,
  methods: string[],
  metrics: ServingMetrics,
): T {
  const out = Object.create(target) as Record<string, unknown>;
  for (const m of methods) {
    const fn = (target as Record<string, unknown>)[m] as (...a: unknown[]) => unknown;
    out[m] = (...args: unknown[]) => {
      metrics.stageCalls.inc({ component, method: m, kind });
      if (kind !== "deterministic") metrics.llmCalls.inc({ component, method: m });
      return fn.apply(target, args);
    };
  }
  return out as T;
}

/**
 * Builds the router.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { loadServingBundle } from "./bundle.ts";
 * import { r4ecRouter } from "./router.ts";
 * import { openStore } from "../store/duckdb_store.ts";
 * const store = await openStore("runs/knowledge.duckdb");
 * const bundle = await loadServingBundle("runs/serving");
 * const host = new Hono();
 * host.route("/r4ec", r4ecRouter({ store, bundle, token: Deno.env.get("R4EC_TOKEN") }));
 * const res = await host.request("/r4ec/healthz");
 * ```
 */
export function r4ecRouter(options: R4ecRouterOptions): R4ecRouter {
  const { store, bundle } = options;
  const m = bundle.manifest, model = bundle.model;
  const metrics = options.metrics ?? new ServingMetrics();
  const log = options.log ?? ((line: string) => console.error(line));
  const maxBody = options.maxBodyBytes ?? 256 * 1024;
  const maxCandidates = options.maxCandidates ?? 1000;
  const timeouts = {
    score: options.timeouts?.score ?? 5_000,
    knowledgeRead: options.timeouts?.knowledgeRead ?? 5_000,
    knowledgeRun: options.timeouts?.knowledgeRun ?? 120_000,
  };
  if (options.actor && !options.reflector) {
    throw new Error("r4ecRouter: an actor was given without a reflector; R4 needs both");
  }
  const cache = new KnowledgeVectorCache({
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
      actor: counted(options.actor, "actor", options.actor.kind, [
        "reason",
        "refine",
        "verdict",
      ], metrics),
      reflector: counted(options.reflector, "reflector", options.reflector.kind, [
        "reflect",
      ], metrics),
      rounds: options.rounds ?? 1,
    })
    : undefined;
  const running = new Set<string>();
  // Records are cached too: this process is the store's only writer (DuckDB locks the file), and
  // the knowledge POST routes update the cache when they write.
  const records = new Lru<string, KnowledgeRecord | null>(options.recordCacheEntries ?? 20_000);
  const started = performance.now();
  const T = m.historyLength;
  const [ratingLow, ratingHigh] = m.domain.ratingScale;
  const ratingMax = Math.min(ratingHigh, model.config.ratingValues - 1);

  const app = new Hono<{ Variables: { requestId: string } }>();

  app.use("*", requestId());
  app.use("*", async (c, next) => {
    const t0 = performance.now();
    await next();
    const pattern = c.req.routePath;
    const route = pattern.endsWith("*") ? "unmatched" : pattern;
    const labels = { method: c.req.method, route };
    metrics.requests.inc({ ...labels, status: String(c.res.status) });
    metrics.latency.observe(labels, (performance.now() - t0) / 1000);
  });
  if (options.cors) {
    app.use("*", cors({ origin: options.cors === true ? "*" : options.cors }));
  }
  if (options.token !== undefined) {
    const token = options.token;
    if (token === "") throw new Error("r4ecRouter: token must not be empty");
    const auth = async (c: Ctx, next: () => Promise<void>) => {
      if (c.req.method !== "OPTIONS") checkBearer(c.req.header("authorization"), token);
      await next();
    };
    app.use("/v1/*", auth);
    app.use("/metrics", auth);
  }

  app.onError((error, c) => {
    const id = c.get("requestId");
    if (error instanceof HttpProblem) {
      return problemResponse({
        status: error.status,
        type: error.type,
        detail: error.message,
        instance: c.req.path,
        requestId: id,
        errors: error.errors,
      }, { ...error.headers, "x-request-id": id ?? "" });
    }
    log(`[${id}] ${c.req.method} ${c.req.path} failed: ${(error as Error)?.stack ?? error}`);
    return problemResponse({
      status: 500,
      detail: "the server could not answer this request; the request id finds it in the log",
      instance: c.req.path,
      requestId: id,
    }, { "x-request-id": id ?? "" });
  });
  app.notFound((c) =>
    problemResponse({
      status: 404,
      detail: `no route ${c.req.method} ${c.req.path}`,
      instance: c.req.path,
      requestId: c.get("requestId"),
    }, { "x-request-id": c.get("requestId") ?? "" })
  );

  // ---- lookups ----

  const itemOf = (raw: string | number, field: string, unknown: ProblemField[]): number => {
    const dense = bundle.itemIndex.get(String(raw));
    if (dense === undefined) unknown.push({ field, message: `unknown item "${raw}"` });
    return dense ?? 0;
  };
  const refuseUnknown = (unknown: ProblemField[], what: string) => {
    if (unknown.length === 0) return;
    throw new HttpProblem(
      404,
      `${unknown.length} unknown ${what}${unknown.length > 1 ? "s" : ""}: ${
        unknown.slice(0, 5).map((u) => u.message.replace(/^unknown \w+ /, "")).join(", ")
      }`,
      { type: `urn:r4ec:problem:unknown-${what}`, errors: unknown.slice(0, 20) },
    );
  };
  const checkRatings = (history: { rating: number }[], where: string) => {
    const bad = history.flatMap((h, i) =>
      h.rating < ratingLow || h.rating > ratingMax
        ? [{
          field: `${where}[${i}].rating`,
          message: `rating ${h.rating} is outside [${ratingLow}, ${ratingMax}]`,
        }]
        : []
    );
    if (bad.length > 0) {
      throw new HttpProblem(422, bad[0].message + ` (${bad[0].field})`, {
        type: "urn:r4ec:problem:validation",
        errors: bad.slice(0, 20),
      });
    }
  };

  // ---- scoring ----

  async function score(
    body: {
      user: string | number;
      items: (string | number)[];
      history?: { item: string | number; rating: number }[];
    },
  ) {
    const user = String(body.user);
    if (body.items.length > maxCandidates) {
      throw new HttpProblem(422, `at most ${maxCandidates} candidates per request`, {
        type: "urn:r4ec:problem:validation",
        errors: [{ field: "body.items", message: `${body.items.length} > ${maxCandidates}` }],
      });
    }
    const unknown: ProblemField[] = [];
    const items = Int32Array.from(body.items, (raw, i) => itemOf(raw, `body.items[${i}]`, unknown));
    refuseUnknown(unknown, "item");
    const historyItem = new Int32Array(T), historyRating = new Int32Array(T);
    const denseUser = bundle.userIndex.get(user);
    let historySource: "request" | "bundle" | "none" = "none";
    if (body.history !== undefined) {
      checkRatings(body.history, "body.history");
      const recent = body.history.slice(-T), offset = body.history.length - recent.length;
      const pad = T - recent.length;
      recent.forEach((h, j) => {
        historyItem[pad + j] = itemOf(h.item, `body.history[${offset + j}].item`, unknown);
        historyRating[pad + j] = h.rating;
      });
      refuseUnknown(unknown, "item");
      historySource = "request";
    } else if (denseUser !== undefined) {
      for (let t = 0; t < T; t++) {
        historyItem[t] = m.users.historyItem[denseUser * T + t];
        historyRating[t] = m.users.historyRating[denseUser * T + t];
      }
      historySource = historyItem.some((i) => i !== 0) ? "bundle" : "none";
    }
    let userVector: KnowledgeVector | null = null,
      userKnowledge: "stored" | "none" = "none";
    let itemVectors: (KnowledgeVector | null)[] = [];
    if (model.config.knowledge && bundle.vectors) {
      // Brought-in vectors: looked up by raw id, nothing to encode.
      const own = (v: Float32Array | undefined, key: string) =>
        v ? { key, textHash: "", vector: v, source: "bundle" as const, stored: true } : null;
      userVector = own(bundle.vectors.user.get(user), userTaskKey(m.dataset, user));
      itemVectors = body.items.map((raw) =>
        own(bundle.vectors!.item.get(String(raw)), itemTaskKey(m.dataset, String(raw)))
      );
      userKnowledge = userVector ? "stored" : "none";
    } else if (model.config.knowledge) {
      [userVector] = await cache.lookup([userTaskKey(m.dataset, user)], "user");
      userKnowledge = userVector ? "stored" : "none";
      itemVectors = await cache.lookup(
        body.items.map((raw) => itemTaskKey(m.dataset, String(raw))),
        "item",
      );
    }
    if (denseUser === undefined && body.history === undefined && userVector === null) {
      throw new HttpProblem(
        404,
        `unknown user "${user}": not in the model's vocabulary, no stored knowledge, and no ` +
          `history in the request`,
        { type: "urn:r4ec:problem:unknown-user" },
      );
    }
    const p = scoreCandidates(bundle, {
      items,
      historyItem,
      historyRating,
      userVector: userVector?.vector ?? null,
      itemVectors: itemVectors.map((v) => v?.vector ?? null),
    });
    metrics.scored.inc({}, items.length);
    return {
      user,
      p,
      context: {
        userKnowledge,
        itemsWithKnowledge: itemVectors.filter((v) => v !== null).length,
        history: historySource,
      },
    };
  }

  app.post("/v1/score", async (c) => {
    const body = validate(ScoreRequestSchema, await readJsonBody(c.req.raw, maxBody), "body");
    const r = await withDeadline(timeouts.score, "scoring", () => score(body));
    return c.json({
      user: r.user,
      model: model.name,
      scores: body.items.map((item, i) => ({ item: String(item), score: r.p[i] })),
      context: r.context,
    });
  });

  app.post("/v1/rank", async (c) => {
    const body = validate(RankRequestSchema, await readJsonBody(c.req.raw, maxBody), "body");
    const r = await withDeadline(timeouts.score, "ranking", () => score(body));
    const order = body.items.map((_, i) => i).sort((a, b) => r.p[b] - r.p[a] || a - b);
    const k = Math.min(body.k ?? 10, order.length);
    return c.json({
      user: r.user,
      model: model.name,
      items: order.slice(0, k).map((i, rank) => ({
        item: String(body.items[i]),
        score: r.p[i],
        rank: rank + 1,
      })),
      context: r.context,
    });
  });

  // ---- stored knowledge ----

  /** Stored records by task key (null = none), one store round trip for the misses. */
  async function recordsOf(keys: string[]): Promise<(KnowledgeRecord | null)[]> {
    const missing = keys.filter((k) => !records.has(k));
    metrics.cache.inc({ kind: "record", result: "hit" }, keys.length - missing.length);
    if (missing.length > 0) {
      metrics.cache.inc({ kind: "record", result: "miss" }, missing.length);
      const found = await store.listKnowledge({ keys: missing.map((k) => m.knowledgePrefix + k) });
      const byKey = new Map(found.map((r) => [r.key.slice(m.knowledgePrefix.length), r]));
      for (const k of missing) records.set(k, byKey.get(k) ?? null);
    }
    return keys.map((k) => records.get(k) ?? null);
  }

  async function entries(kind: "user" | "item", keys: string[]) {
    const found = await recordsOf(keys);
    const present = keys.filter((_, i) => found[i] !== null);
    const vectors = await cache.lookup(present, kind);
    return present.map((key, j) => {
      const r = found[keys.indexOf(key)]!, v = vectors[j];
      return {
        key,
        storeKey: r.key,
        text: r.final.text,
        firstText: r.first.text,
        ...(r.runId !== undefined ? { runId: r.runId } : {}),
        rounds: r.rounds,
        vector: {
          encoderId: m.encoder.id,
          dim: m.encoder.dim,
          textHash: v?.textHash ?? textHash(r.final.text),
          stored: v?.stored ?? false,
        },
      };
    });
  }

  // Answers of the knowledge GETs, serialized once: a warm GET then allocates almost nothing,
  // which keeps the collector, and so the latency tail, quiet. Cleared when knowledge is written.
  const bodies = new Lru<string, string>(options.recordCacheEntries ?? 20_000);

  async function knowledgeBody(kind: "user" | "item", id: string): Promise<string> {
    const cached = bodies.get(`${kind}:${id}`);
    if (cached !== undefined) return cached;
    const list = await withDeadline(
      timeouts.knowledgeRead,
      "knowledge lookup",
      () =>
        entries(kind, [kind === "user" ? userTaskKey(m.dataset, id) : itemTaskKey(m.dataset, id)]),
    );
    const inVocabulary = (kind === "user" ? bundle.userIndex : bundle.itemIndex).has(id);
    if (!inVocabulary && list.length === 0) {
      throw new HttpProblem(
        404,
        `unknown ${kind} "${id}": not in the model's vocabulary and no stored knowledge`,
        { type: `urn:r4ec:problem:unknown-${kind}` },
      );
    }
    const body = JSON.stringify({ kind, id, inVocabulary, knowledge: list });
    bodies.set(`${kind}:${id}`, body);
    return body;
  }

  app.get("/v1/users/:id/knowledge", async (c) => {
    return c.body(await knowledgeBody("user", c.req.param("id")), 200, JSON_TYPE);
  });

  app.get("/v1/items/:id/knowledge", async (c) => {
    return c.body(await knowledgeBody("item", c.req.param("id")), 200, JSON_TYPE);
  });

  // ---- on-demand knowledge ----

  const titled = (pairs: { item: number; rating: number }[]): RatedTitle[] =>
    pairs.map((p) => ({ title: m.items.info[p.item].title, rating: p.rating, item: p.item }));
  const fromRequest = (history: { item: string | number; rating: number }[], where: string) => {
    checkRatings(history, where);
    const unknown: ProblemField[] = [];
    const pairs = history.map((h, i) => ({
      item: itemOf(h.item, `${where}[${i}].item`, unknown),
      rating: h.rating,
    }));
    refuseUnknown(unknown, "item");
    return titled(pairs);
  };
  const fromBundle = (pairs: [number, number][]) =>
    titled(pairs.map(([item, rating]) => ({ item, rating })));
  const domain = {
    itemNoun: m.domain.itemNoun,
    ratingScale: m.domain.ratingScale,
    likeThreshold: m.domain.likeThreshold,
  };

  async function runKnowledge(c: Ctx, task: KnowledgeTask, key: string) {
    if (!stage) {
      throw new HttpProblem(
        503,
        "knowledge generation is not configured on this server (no actor)",
        {
          type: "urn:r4ec:problem:no-actor",
        },
      );
    }
    if (running.has(task.key)) {
      throw new HttpProblem(409, `knowledge for ${key} is being generated by another request`, {
        type: "urn:r4ec:problem:in-progress",
      });
    }
    running.add(task.key);
    let result: R4Result;
    try {
      result = await withDeadline(
        timeouts.knowledgeRun,
        "knowledge generation",
        (signal) => stage.run(task, { signal }),
      );
    } catch (e) {
      metrics.knowledgeRuns.inc({
        kind: task.kind,
        outcome: e instanceof HttpProblem && e.status === 504 ? "timeout" : "error",
      });
      throw e;
    } finally {
      running.delete(task.key);
    }
    if (result.final.parseFailure !== undefined) {
      // No knowledge came of it (garbage, an untagged answer): nothing to store or score with.
      metrics.knowledgeRuns.inc({ kind: task.kind, outcome: "error" });
      throw new HttpProblem(
        502,
        `the actor's answer could not be parsed (${result.final.parseFailure}); nothing was stored`,
        { type: "urn:r4ec:problem:unparsable-knowledge" },
      );
    }
    const record: KnowledgeRecord = recordFromResult(result, `serve:${c.get("requestId")}`);
    await store.putKnowledge(record);
    records.set(key, record);
    bodies.clear();
    const vectors = await cache.vectorsOf([record]);
    const vector = vectors.get(key)!;
    cache.set(key, vector);
    metrics.knowledgeRuns.inc({ kind: task.kind, outcome: "ok" });
    metrics.llmTokens.inc({ direction: "prompt" }, result.usage.prompt);
    metrics.llmTokens.inc({ direction: "completion" }, result.usage.completion);
    return c.json({
      key,
      storeKey: result.key,
      kind: result.kind,
      stopReason: result.stopReason,
      roundsUsed: result.roundsUsed,
      refinements: result.refinements,
      first: result.first,
      final: result.final,
      rounds: result.rounds,
      usage: result.usage,
      latencyMs: result.latencyMs,
      actor: result.actor,
      reflector: result.reflector,
      vector: {
        encoderId: m.encoder.id,
        dim: m.encoder.dim,
        textHash: vector.textHash,
        stored: vector.stored,
      },
    });
  }

  app.post("/v1/knowledge/users/:id", async (c) => {
    const id = c.req.param("id");
    const body = validate(
      UserKnowledgeRequestSchema,
      (await readJsonBody(c.req.raw, maxBody)) ?? {},
      "body",
    );
    const dense = bundle.userIndex.get(id);
    let history: RatedTitle[];
    if (body.history) history = fromRequest(body.history, "body.history");
    else if (dense !== undefined && m.users.window[dense].length > 0) {
      history = fromBundle(m.users.window[dense]);
    } else {
      throw new HttpProblem(
        404,
        `unknown user "${id}" (or no window stored): give a history in the body`,
        {
          type: "urn:r4ec:problem:unknown-user",
        },
      );
    }
    const key = userTaskKey(m.dataset, id);
    return await runKnowledge(
      c,
      { kind: "user", key: m.knowledgePrefix + key, domain, history },
      key,
    );
  });

  app.post("/v1/knowledge/items/:id", async (c) => {
    const id = c.req.param("id");
    const body = validate(
      ItemKnowledgeRequestSchema,
      (await readJsonBody(c.req.raw, maxBody)) ?? {},
      "body",
    );
    const dense = bundle.itemIndex.get(id);
    const info = dense !== undefined ? m.items.info[dense] : undefined;
    const title = body.title ?? info?.title;
    if (title === undefined) {
      throw new HttpProblem(404, `unknown item "${id}": give at least a title in the body`, {
        type: "urn:r4ec:problem:unknown-item",
      });
    }
    const raters = dense !== undefined ? m.items.raters[dense] : null;
    const description = body.description ?? info?.description;
    const task: KnowledgeTask = {
      kind: "item",
      key: m.knowledgePrefix + itemTaskKey(m.dataset, id),
      domain,
      title,
      attributes: body.attributes ??
        (info ? [...new Set([...info.attributes, ...info.genres].filter((a) => a !== ""))] : []),
      ...(description !== undefined ? { description } : {}),
      likerHistory: body.likerHistory
        ? fromRequest(body.likerHistory, "body.likerHistory")
        : fromBundle(raters?.liker ?? []),
      dislikerHistory: body.dislikerHistory
        ? fromRequest(body.dislikerHistory, "body.dislikerHistory")
        : fromBundle(raters?.disliker ?? []),
    };
    return await runKnowledge(c, task, itemTaskKey(m.dataset, id));
  });

  app.all("/v1/*", (c) => {
    throw new HttpProblem(404, `no route ${c.req.method} ${c.req.path}`);
  });

  // ---- operations ----

  app.get("/healthz", (c) =>
    c.json({
      status: "ok" as const,
      model: model.name,
      dataset: m.dataset,
      items: m.items.raw.length - 1,
      users: m.users.raw.length - 1,
      encoder: m.encoder.id,
      knowledgeGeneration: stage !== undefined,
      cachedVectors: cache.size,
      uptimeSeconds: (performance.now() - started) / 1000,
    }));

  app.get(
    "/metrics",
    (c) =>
      c.body(metrics.render() + adaptorMemoLines(), 200, {
        "content-type": PROMETHEUS_CONTENT_TYPE,
      }),
  );

  const adaptorMemoLines = () => {
    const memo = bundle.adaptorMemo;
    if (!memo) return "";
    const name = "r4ec_adaptor_memo_rows_total";
    return `# HELP ${name} Knowledge rows the adaptor memo answered (hit) or computed (miss).\n` +
      `# TYPE ${name} counter\n${name}{result="hit"} ${memo.hits}\n` +
      `${name}{result="miss"} ${memo.misses}\n`;
  };
  const openapi = openApiDocument({
    serverUrl: options.mountPath,
    bearer: options.token !== undefined,
  });
  app.get("/openapi.json", (c) => c.json(openapi));

  return Object.assign(app, {
    serving: {
      metrics,
      cache,
      async preload() {
        // One bulk read: records fetched one by one, as a cold GET does, cost a store round trip
        // each, and a server warmed that way kept a 15-20 ms p99 on the knowledge GET.
        const found = await store.listKnowledge({ keyPrefix: `${m.knowledgePrefix}${m.dataset}:` });
        for (const r of found.slice(0, records.capacity)) {
          records.set(r.key.slice(m.knowledgePrefix.length), r);
        }
        bodies.clear(); // answers built before this preload may predate what it read
        return await cache.preload(found);
      },
    },
  });
}
