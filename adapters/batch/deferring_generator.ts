/**
 * The generator of batch mode: on a cache miss it records the request and rejects with a
 * {@link DeferredGeneration} instead of calling the endpoint. Placed where the real generator would
 * be (inside `cachedGenerator`), it keeps the real generator's id, so the keys it records are the
 * keys the store holds answers under, and stored answers replay as in an online run.
 *
 * @module
 */
import { DeferredGeneration } from "../../plugins/deferred.ts";
import type { ChatRequest, ChatResult, TextGenerator } from "../../plugins/types.ts";
import { generationKey } from "../store/generation_key.ts";

/** A request the pipeline made and no stored answer met. */
export interface PendingRequest {
  /** Content key: the `custom_id` of its batch line. */
  key: string;
  /** Model named in the request body. */
  model: string;
  /** The deferral, tagged by the stage that made it and its parser. */
  deferred: DeferredGeneration;
}

/** The requests deferred during one pass of the pipeline, by key. */
export type PendingRequests = Map<string, PendingRequest>;

/**
 * Wraps `generator` (its id and kind kept; it is never called) so every request is recorded in
 * `pending` under its content key and rejected as deferred. Identical requests share one record.
 *
 * @example
 * ```ts
 * import { deferringGenerator, type PendingRequests } from "./deferring_generator.ts";
 * import type { TextGenerator } from "../../plugins/types.ts";
 * const endpoint: TextGenerator = {
 *   id: "endpoint:http://127.0.0.1:8000#qwen", kind: "llm",
 *   generate: () => Promise.reject(new Error("not called in batch mode")),
 * };
 * const pending: PendingRequests = new Map();
 * const batch = deferringGenerator(endpoint, { model: "qwen", pending });
 * await batch.generate({ messages: [{ role: "user", content: "hi" }] }).catch(() => {});
 * console.log(pending.size); // 1
 * ```
 */
export function deferringGenerator(
  generator: TextGenerator,
  o: { model: string; pending: PendingRequests },
): TextGenerator {
  return {
    id: generator.id,
    kind: generator.kind,
    generate(request: ChatRequest): Promise<ChatResult> {
      const key = generationKey(generator.id, request);
      let entry = o.pending.get(key);
      if (!entry) {
        const deferred = new DeferredGeneration({ key, generator: generator.id, request });
        entry = { key, model: o.model, deferred };
        o.pending.set(key, entry);
      }
      return Promise.reject(entry.deferred);
    },
  };
}
