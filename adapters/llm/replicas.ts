/**
 * One model served by several endpoints (`endpoint:URL1,URL2,...#MODEL`): a `TextGenerator` that
 * sends each request to the healthy replica with the fewest requests in flight (ties in turn), takes
 * a replica that fails (connection error, 5xx, timeout) out for a backoff that doubles with each
 * failure in a row, and sends the request it failed to another replica at once. When every replica
 * is out, the error names each with its failure and when it is tried again; it is retryable, so
 * `withLimits` retries it later, by when the first backoffs have run out.
 *
 * The generator's id names the model, not a replica: every replica serves the same model, so an
 * answer's cache key is the same whichever replica gave it.
 *
 * @module
 */
import type { ChatRequest, ChatResult, TextGenerator } from "../../plugins/types.ts";
import { LlmHttpError, LlmNetworkError, LlmProtocolError, LlmTimeoutError } from "./errors.ts";

/** One replica: where it is, and the generator that calls it. */
export interface Replica {
  /** Its address, as errors name it. */
  url: string;
  /** A generator of one HTTP attempt per call (e.g. `hfGenerator` with this `endpointUrl`). */
  generator: TextGenerator;
}

/** Options of {@link replicaGenerator}. */
export interface ReplicaOptions {
  /** The generator id (the model's, without a replica's address). */
  id: string;
  /** The replicas, at least one. */
  replicas: Replica[];
  /** Backoff after a replica's first failure in a row; it doubles per further one. @default 1000 */
  backoffMs?: number;
  /** The longest backoff. @default 60000 */
  maxBackoffMs?: number;
  /** The clock, in milliseconds (tests). @default performance.now */
  now?: () => number;
}

/** How one replica stands. */
export interface ReplicaState {
  url: string;
  /** Requests it is answering now. */
  inFlight: number;
  /** Answers it gave, and attempts that failed on it. */
  answers: number;
  failures: number;
  /** Failures since its last answer. */
  failuresInRow: number;
  /** Out until this time (clock of the options); 0 when in. */
  downUntil: number;
  /** Why it was last taken out. */
  lastError?: string;
}

/** A replicated generator with the state of each replica. */
export interface ReplicatedGenerator extends TextGenerator {
  /** Live state of every replica, in the given order. */
  readonly replicas: readonly ReplicaState[];
}

/** Whether a failure says the replica, not the request, is at fault. */
function isReplicaFailure(error: unknown): boolean {
  if (error instanceof LlmHttpError) return error.status >= 500;
  return error instanceof LlmNetworkError || error instanceof LlmTimeoutError ||
    error instanceof LlmProtocolError;
}

/** Whether the caller's signal ended the attempt by a timeout (not a cancellation). */
function timedOut(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && (signal.reason as Error)?.name === "TimeoutError";
}

/**
 * A generator over replicas of one model (see the module doc).
 *
 * @example
 * ```ts
 * import { hfGenerator } from "./hf.ts";
 * import { replicaGenerator } from "./replicas.ts";
 * const urls = ["http://127.0.0.1:8001/v1", "http://127.0.0.1:8002/v1"];
 * const llm = replicaGenerator({
 *   id: "endpoint:replicas#qwen",
 *   replicas: urls.map((url) => ({ url, generator: hfGenerator({ model: "qwen", endpointUrl: url }) })),
 * });
 * console.log(llm.id, llm.replicas.length); // endpoint:replicas#qwen 2
 * ```
 */
export function replicaGenerator(options: ReplicaOptions): ReplicatedGenerator {
  if (options.replicas.length === 0) throw new Error(`${options.id}: no replicas given`);
  const now = options.now ?? (() => performance.now());
  const backoffMs = options.backoffMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 60_000;
  const states: ReplicaState[] = options.replicas.map((r) => ({
    url: r.url,
    inFlight: 0,
    answers: 0,
    failures: 0,
    failuresInRow: 0,
    downUntil: 0,
  }));
  let turn = 0;

  /** The healthy replica with the fewest in flight, not yet tried for this request. */
  const pick = (tried: Set<number>): number | undefined => {
    const t = now();
    let best: number | undefined;
    for (let k = 0; k < states.length; k++) {
      const i = (turn + k) % states.length;
      if (tried.has(i) || states[i].downUntil > t) continue;
      if (best === undefined || states[i].inFlight < states[best].inFlight) best = i;
    }
    if (best !== undefined) turn = (best + 1) % states.length;
    return best;
  };

  const takeOut = (i: number, error: unknown) => {
    const s = states[i];
    s.failures++;
    s.failuresInRow++;
    s.downUntil = now() + Math.min(maxBackoffMs, backoffMs * 2 ** (s.failuresInRow - 1));
    s.lastError = (error as Error)?.message ?? String(error);
  };

  const allDown = (cause: unknown) => {
    const t = now();
    const each = states.map((s) =>
      `${s.url} (${s.lastError ?? "failed"}; tried again in ${
        (Math.max(0, s.downUntil - t) / 1000).toFixed(1)
      } s)`
    );
    return new LlmNetworkError(
      `${options.id}: all ${states.length} replicas are down: ${each.join("; ")}`,
      { cause },
    );
  };

  async function generate(req: ChatRequest, signal?: AbortSignal): Promise<ChatResult> {
    const tried = new Set<number>();
    let last: unknown;
    for (let i = pick(tried); i !== undefined; i = pick(tried)) {
      tried.add(i);
      const state = states[i];
      state.inFlight++;
      try {
        const result = await options.replicas[i].generator.generate(req, signal);
        state.answers++;
        state.failuresInRow = 0;
        state.downUntil = 0;
        return result;
      } catch (error) {
        if (timedOut(signal)) takeOut(i, new Error("timed out"));
        if (signal?.aborted || !isReplicaFailure(error)) throw error;
        takeOut(i, error);
        last = error;
      } finally {
        state.inFlight--;
      }
    }
    throw allDown(last);
  }

  return { id: options.id, kind: "llm", generate, replicas: states };
}
