/**
 * A small Prometheus registry: labelled counters and histograms rendered in the text exposition
 * format (version 0.0.4) that `GET /metrics` serves.
 *
 * @module
 */

/**
 * Media type of the Prometheus text format.
 *
 * @example
 * ```ts
 * import { PROMETHEUS_CONTENT_TYPE, ServingMetrics } from "./metrics.ts";
 * const res = new Response(new ServingMetrics().render(), {
 *   headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
 * });
 * ```
 */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * Label names to values of one series.
 *
 * @example
 * ```ts
 * import type { Labels } from "./metrics.ts";
 * const labels: Labels = { method: "POST", route: "/v1/score", status: "200" };
 * ```
 */
export type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  return Object.keys(labels).sort().map((k) =>
    `${k}="${labels[k].replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n")}"`
  ).join(",");
}

function formatNumber(v: number): string {
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return Number.isNaN(v) ? "NaN" : String(v);
}

/**
 * A monotonically increasing count per label set.
 *
 * @example
 * ```ts
 * import { Counter } from "./metrics.ts";
 * const c = new Counter("r4ec_requests_total", "Requests.");
 * c.inc({ route: "/v1/score" });
 * ```
 */
export class Counter {
  readonly #values = new Map<string, number>();
  /**
   * A counter named `name` (`..._total`), described by `help`.
   *
   * @param name Metric name.
   * @param help One line for `# HELP`.
   */
  constructor(readonly name: string, readonly help: string) {}

  /** Adds `by` (default 1) to the series of `labels`. */
  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }

  /** Current value of a series (0 when never incremented). */
  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }

  /** Exposition lines. */
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, v] of this.#values) {
      lines.push(`${this.name}${key ? `{${key}}` : ""} ${formatNumber(v)}`);
    }
    return lines.join("\n");
  }
}

/**
 * Observations in cumulative buckets, with their sum and count, per label set.
 *
 * @example
 * ```ts
 * import { Histogram } from "./metrics.ts";
 * const h = new Histogram("r4ec_request_seconds", "Latency.", [0.001, 0.01, 0.1]);
 * h.observe({ route: "/v1/score" }, 0.004);
 * ```
 */
export class Histogram {
  readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();
  /**
   * A histogram named `name` with upper bounds `buckets` (ascending; `+Inf` is implied).
   *
   * @param name Metric name.
   * @param help One line for `# HELP`.
   * @param buckets Upper bounds of the buckets.
   */
  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {}

  /** Records one observation. */
  observe(labels: Labels, value: number): void {
    const key = labelKey(labels);
    let s = this.#series.get(key);
    if (!s) {
      s = { counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.#series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  /** Observation count of a series. */
  count(labels: Labels = {}): number {
    return this.#series.get(labelKey(labels))?.count ?? 0;
  }

  /** Exposition lines. */
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, s] of this.#series) {
      const sep = key ? "," : "";
      this.buckets.forEach((b, i) => {
        lines.push(`${this.name}_bucket{${key}${sep}le="${formatNumber(b)}"} ${s.counts[i]}`);
      });
      lines.push(`${this.name}_bucket{${key}${sep}le="+Inf"} ${s.count}`);
      const braces = key ? `{${key}}` : "";
      lines.push(`${this.name}_sum${braces} ${formatNumber(s.sum)}`);
      lines.push(`${this.name}_count${braces} ${s.count}`);
    }
    return lines.join("\n");
  }
}

/**
 * Latency buckets in seconds: 0.5 ms .. 60 s.
 *
 * @example
 * ```ts
 * import { Histogram, LATENCY_BUCKETS } from "./metrics.ts";
 * const h = new Histogram("job_seconds", "Job time.", LATENCY_BUCKETS);
 * ```
 */
export const LATENCY_BUCKETS = [
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
] as const;

/**
 * Methods the request metrics count under their own name; every other method is `other`.
 *
 * @example
 * ```ts
 * import { COUNTED_METHODS } from "./metrics.ts";
 * console.log(COUNTED_METHODS.includes("POST")); // true
 * ```
 */
export const COUNTED_METHODS: readonly string[] = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "PATCH",
  "OPTIONS",
];

/**
 * The labels of a request's series, from a fixed set whatever the client sends: the method (one
 * of {@link COUNTED_METHODS}, else `other`) and the route pattern that answered (`unmatched` for
 * the catch-all patterns, which end in `*`). A label that echoed the request would let any client
 * grow `/metrics` and the process's memory without bound.
 *
 * @example
 * ```ts
 * import { requestLabels } from "./metrics.ts";
 * console.log(requestLabels("BREW", "*")); // { method: "other", route: "unmatched" }
 * ```
 */
export function requestLabels(method: string, routePattern: string): Labels {
  return {
    method: COUNTED_METHODS.includes(method) ? method : "other",
    route: routePattern.endsWith("*") ? "unmatched" : routePattern,
  };
}

/**
 * The router's metrics.
 *
 * @example
 * ```ts
 * import { ServingMetrics } from "./metrics.ts";
 * const m = new ServingMetrics();
 * m.requests.inc({ method: "GET", route: "/healthz", status: "200" });
 * console.log(m.render().includes("r4ec_http_requests_total"));
 * ```
 */
export class ServingMetrics {
  /** Requests by method, route pattern and status. */
  readonly requests = new Counter("r4ec_http_requests_total", "HTTP requests answered.");
  /** Latency by method and route pattern. */
  readonly latency = new Histogram(
    "r4ec_http_request_duration_seconds",
    "Time from request to response.",
    LATENCY_BUCKETS,
  );
  /** Candidates scored. */
  readonly scored = new Counter(
    "r4ec_scored_candidates_total",
    "Candidates scored by the backbone.",
  );
  /** Knowledge-vector cache lookups by kind (user/item) and result (hit/miss). */
  readonly cache = new Counter(
    "r4ec_knowledge_cache_lookups_total",
    "Knowledge-vector lookups by the in-memory cache, by result (hit = served from memory).",
  );
  /** Texts embedded because the store held no vector for them. */
  readonly embedded = new Counter(
    "r4ec_knowledge_texts_embedded_total",
    "Knowledge texts embedded at serving time (no stored vector).",
  );
  /** Calls of actor / reflector methods, by component, method and kind (llm/deterministic/hybrid). */
  readonly stageCalls = new Counter(
    "r4ec_stage_calls_total",
    "Actor and reflector calls made by on-demand knowledge generation.",
  );
  /**
   * Calls the R4 loop made to an actor or reflector of kind llm or hybrid. Calls a reflector makes
   * into the actor itself (the grounded reflector's verdicts) are not seen here; their tokens are
   * in `llmTokens`.
   */
  readonly llmCalls = new Counter(
    "r4ec_llm_calls_total",
    "Actor and reflector calls served by a language model (kind llm or hybrid).",
  );
  /** Tokens the on-demand runs used, by direction (prompt/completion), as the R4 trace sums them. */
  readonly llmTokens = new Counter(
    "r4ec_llm_tokens_total",
    "Tokens used by on-demand knowledge generation (prompt and completion, from the R4 trace).",
  );
  /** On-demand R4 runs by kind and outcome. */
  readonly knowledgeRuns = new Counter(
    "r4ec_knowledge_runs_total",
    "On-demand R4 runs by kind and outcome (ok, timeout, error).",
  );

  /** The whole exposition text. */
  render(): string {
    return [
      this.requests,
      this.latency,
      this.scored,
      this.cache,
      this.embedded,
      this.stageCalls,
      this.llmCalls,
      this.llmTokens,
      this.knowledgeRuns,
    ].map((m) => m.render()).join("\n") + "\n";
  }
}
