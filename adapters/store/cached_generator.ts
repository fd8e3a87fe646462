/**
 * A `TextGenerator` that answers from the store when it has seen the exact request before
 * (same generator id, parameters and messages) and stores every new answer, so a rerun or a resumed
 * run never pays for a generation twice. An answer that is not text (NUL or mostly unprintable
 * characters) is returned but never stored, so a rerun asks again instead of replaying garbage.
 *
 * @module
 */
import type { ChatRequest, ChatResult, TextGenerator } from "../../plugins/types.ts";
import type { GenerationRecord } from "./duckdb_store.ts";
import { effectiveParams, generationKey } from "./generation_key.ts";
import { textProblem } from "../../plugins/parse/text.ts";

/** The part of the store a cached generator needs. */
export interface GenerationStore {
  /** The stored generation with this content key, if any. */
  getGeneration(key: string): Promise<GenerationRecord | undefined>;
  /** Stores a generation (the first write of a key wins); resolves once durable. */
  putGeneration(record: GenerationRecord): Promise<void>;
}

/** Counters of a cached generator. */
export interface CacheStats {
  /** Answered from the store. */
  hits: number;
  /** Sent to the wrapped generator. */
  misses: number;
  /** Joined an identical request already in flight. */
  joined: number;
}

/** A cached generator with its counters. */
export interface CachedGenerator extends TextGenerator {
  /** Hits, misses and joined requests so far. */
  readonly stats: CacheStats;
}

/**
 * Wraps `generator` with the store. Identical concurrent requests share one call. Failed calls and
 * answers that are not text are not stored. The wrapper keeps the wrapped id, so cached and uncached runs hash identically.
 *
 * @example
 * ```ts
 * import { openStore } from "./duckdb_store.ts";
 * import { cachedGenerator } from "./cached_generator.ts";
 * import type { TextGenerator } from "../../plugins/types.ts";
 * const upper: TextGenerator = {
 *   id: "upper", kind: "deterministic",
 *   generate: (req) => Promise.resolve({ text: req.messages[0].content.toUpperCase(),
 *     usage: { prompt: 1, completion: 1 }, latencyMs: 1, model: "upper", cached: false }),
 * };
 * const store = await openStore(":memory:");
 * const gen = cachedGenerator(upper, store);
 * await gen.generate({ messages: [{ role: "user", content: "hi" }] });
 * const again = await gen.generate({ messages: [{ role: "user", content: "hi" }] });
 * console.log(again.cached, gen.stats); // true { hits: 1, misses: 1, joined: 0 }
 * ```
 */
export function cachedGenerator(generator: TextGenerator, store: GenerationStore): CachedGenerator {
  const stats: CacheStats = { hits: 0, misses: 0, joined: 0 };
  const inFlight = new Map<string, Promise<ChatResult>>();

  async function miss(key: string, req: ChatRequest, signal?: AbortSignal): Promise<ChatResult> {
    const stored = await store.getGeneration(key);
    if (stored) {
      stats.hits++;
      return {
        text: stored.text,
        usage: stored.usage,
        latencyMs: 0,
        model: stored.model,
        cached: true,
        finishReason: stored.finishReason,
      };
    }
    stats.misses++;
    const result = await generator.generate(req, signal);
    if (textProblem(result.text) !== undefined) return { ...result, cached: false };
    await store.putGeneration({
      key,
      generator: generator.id,
      model: result.model,
      params: effectiveParams(req),
      messages: req.messages,
      text: result.text,
      usage: result.usage,
      latencyMs: result.latencyMs,
      finishReason: result.finishReason,
      createdAt: new Date(),
    });
    return { ...result, cached: false };
  }

  return {
    id: generator.id,
    kind: generator.kind,
    stats,
    generate(req: ChatRequest, signal?: AbortSignal): Promise<ChatResult> {
      const key = generationKey(generator.id, req);
      const pending = inFlight.get(key);
      if (pending) {
        stats.joined++;
        return pending;
      }
      const call = miss(key, req, signal).finally(() => inFlight.delete(key));
      inFlight.set(key, call);
      return call;
    },
  };
}
