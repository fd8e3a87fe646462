/**
 * Calling discipline around any `TextGenerator`: a concurrency limit, requests-per-minute and
 * tokens-per-minute limits (sliding 60-second windows), a per-attempt timeout, retries with
 * exponential backoff and full jitter on 408/429/5xx/network errors/timeouts that honour
 * `Retry-After` (a 429 also pauses every other caller until then), no retry on other 4xx, and
 * cancellation of a whole run through one AbortSignal.
 *
 * @module
 */
import type { ChatRequest, ChatResult, TextGenerator } from "../../plugins/types.ts";
import { LlmError, LlmGaveUpError, LlmHttpError, LlmTimeoutError } from "./errors.ts";
import { mulberry32 } from "../../util/random.ts";
import { sleep } from "../../util/sleep.ts";

/** Options of {@link withLimits}. */
export interface LimitOptions {
  /** Attempts in flight at once. Default 8. */
  concurrency?: number;
  /** Attempts started per sliding minute. Default unlimited. */
  requestsPerMinute?: number;
  /**
   * Tokens per sliding minute. An attempt reserves its estimate (prompt characters / 4 +
   * `maxTokens`) and the reservation is corrected to the reported usage afterwards. Default unlimited.
   */
  tokensPerMinute?: number;
  /** Length of the rate-limit window in milliseconds. Default 60 000 (per minute). */
  rateWindowMs?: number;
  /** Per-attempt timeout in milliseconds. Default 120 000. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 5. */
  maxRetries?: number;
  /** First backoff ceiling in milliseconds; doubles each retry. Default 500. */
  baseDelayMs?: number;
  /** Largest backoff ceiling in milliseconds. Default 30 000. */
  maxDelayMs?: number;
  /** Longest `Retry-After` honoured, in milliseconds (longer ones are capped). Default 300 000. */
  maxRetryAfterMs?: number;
  /** Cancels every pending and future call of this wrapper. */
  signal?: AbortSignal;
  /** Seed of the jitter (deterministic backoff). Default 0. */
  seed?: number;
  /** Called before each retry sleep. */
  onRetry?: (event: RetryEvent) => void;
}

/** What `onRetry` is told. */
export interface RetryEvent {
  /** 1 for the first retry. */
  retry: number;
  /** How long the wrapper sleeps before the retry, in milliseconds. */
  delayMs: number;
  /** The error of the attempt that failed. */
  error: LlmError;
}

/** Counters of a limited generator. */
export interface LimitStats {
  /** `generate` calls made. */
  calls: number;
  /** HTTP attempts started (calls + retries). */
  attempts: number;
  /** Attempts that were retries. */
  retries: number;
  /** Calls that ended in an error. */
  failures: number;
  /** Attempts in flight now, and the most ever. */
  inFlight: number;
  /** The most attempts ever in flight at once. */
  maxInFlight: number;
  /** Prompt tokens of the successful calls. */
  promptTokens: number;
  /** Completion tokens of the successful calls. */
  completionTokens: number;
  /** Successful calls whose answer gave no token counts (not in the two sums above). */
  unknownUsageCalls: number;
}

/** A limited generator with its counters. */
export interface LimitedGenerator extends TextGenerator {
  /** Live counters, updated as calls run. */
  readonly stats: LimitStats;
}

/** A counting semaphore with FIFO waiters. */
class Semaphore {
  #free: number;
  #waiters: (() => void)[] = [];
  constructor(size: number) {
    this.#free = size;
  }
  async acquire(signal: AbortSignal): Promise<void> {
    if (this.#free > 0 && this.#waiters.length === 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener("abort", cancel);
        resolve();
      };
      const cancel = () => {
        const i = this.#waiters.indexOf(grant);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal.reason);
      };
      if (signal.aborted) return cancel();
      signal.addEventListener("abort", cancel, { once: true });
      this.#waiters.push(grant);
    });
  }
  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#free++;
  }
}

interface WindowEntry {
  at: number;
  amount: number;
  expired: boolean;
}

/** Amounts spent in the last `windowMs`; `reserve` waits until an amount fits under the limit. */
class SlidingWindow {
  #entries: WindowEntry[] = [];
  #head = 0;
  #total = 0;
  #chain: Promise<void> = Promise.resolve();
  constructor(readonly limit: number, readonly windowMs = 60_000) {}

  #expire(now: number): void {
    while (
      this.#head < this.#entries.length && this.#entries[this.#head].at <= now - this.windowMs
    ) {
      const gone = this.#entries[this.#head++];
      gone.expired = true;
      this.#total -= gone.amount;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Reserves `amount` (FIFO among reservers); `settle` corrects it once the real amount is known. */
  reserve(amount: number, signal: AbortSignal): Promise<WindowEntry> {
    const want = Math.min(amount, this.limit);
    const turn = this.#chain.then(async () => {
      for (;;) {
        const now = performance.now();
        this.#expire(now);
        if (this.#total + want <= this.limit || this.#head === this.#entries.length) {
          const entry = { at: now, amount: want, expired: false };
          this.#entries.push(entry);
          this.#total += want;
          return entry;
        }
        const wait = this.#entries[this.#head].at + this.windowMs - now;
        await sleep(Math.max(1, wait), signal);
      }
    });
    this.#chain = turn.then(() => {}, () => {});
    return turn;
  }

  /** Replaces a reservation's amount by what was really spent (if still inside the window). */
  settle(entry: WindowEntry, actual: number): void {
    if (!entry.expired) this.#total += actual - entry.amount;
    entry.amount = actual;
  }
}

function estimateTokens(req: ChatRequest): number {
  const chars = req.messages.reduce((n, m) => n + m.content.length, 0);
  return Math.ceil(chars / 4) + (req.params?.maxTokens ?? 512);
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!(v > 0)) throw new RangeError(`withLimits: ${name} must be > 0, got ${value}`);
  return v;
}

/**
 * Wraps `generator` with the calling discipline. Keeps the wrapped id (limits do not change outputs).
 *
 * @example
 * ```ts
 * import { hfGenerator } from "./hf.ts";
 * import { withLimits } from "./limits.ts";
 * const run = new AbortController();
 * const llm = withLimits(hfGenerator({ model: "m", endpointUrl: "http://127.0.0.1:8000" }), {
 *   concurrency: 16, requestsPerMinute: 600, tokensPerMinute: 200_000, timeoutMs: 60_000,
 *   maxRetries: 4, signal: run.signal,
 * });
 * // run.abort() cancels every call in flight or waiting.
 * console.log(llm.id, llm.stats.calls);
 * ```
 */
export function withLimits(generator: TextGenerator, options: LimitOptions = {}): LimitedGenerator {
  const concurrency = positive("concurrency", options.concurrency, 8);
  const timeoutMs = positive("timeoutMs", options.timeoutMs, 120_000);
  const maxRetries = options.maxRetries ?? 5;
  if (!(maxRetries >= 0)) throw new RangeError(`withLimits: maxRetries must be >= 0`);
  const baseDelayMs = positive("baseDelayMs", options.baseDelayMs, 500);
  const maxDelayMs = positive("maxDelayMs", options.maxDelayMs, 30_000);
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 300_000;
  const windowMs = positive("rateWindowMs", options.rateWindowMs, 60_000);
  const slots = new Semaphore(concurrency);
  const requests = options.requestsPerMinute === undefined
    ? undefined
    : new SlidingWindow(positive("requestsPerMinute", options.requestsPerMinute, 1), windowMs);
  const tokens = options.tokensPerMinute === undefined
    ? undefined
    : new SlidingWindow(positive("tokensPerMinute", options.tokensPerMinute, 1), windowMs);
  const random = mulberry32(options.seed ?? 0);
  const runSignal = options.signal ?? new AbortController().signal;
  // A 429 with Retry-After pauses every caller of this wrapper until then.
  let pausedUntil = 0;
  const stats: LimitStats = {
    calls: 0,
    attempts: 0,
    retries: 0,
    failures: 0,
    inFlight: 0,
    maxInFlight: 0,
    promptTokens: 0,
    completionTokens: 0,
    unknownUsageCalls: 0,
  };

  async function attempt(req: ChatRequest, callSignal: AbortSignal): Promise<ChatResult> {
    const pause = pausedUntil - performance.now();
    if (pause > 0) await sleep(pause, callSignal);
    await slots.acquire(callSignal);
    try {
      if (requests) await requests.reserve(1, callSignal);
      const reservation = tokens
        ? await tokens.reserve(estimateTokens(req), callSignal)
        : undefined;
      stats.attempts++;
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      const timeout = AbortSignal.timeout(timeoutMs);
      try {
        const result = await generator.generate(req, AbortSignal.any([callSignal, timeout]));
        // Counts the answer did not give stay at the estimate, so --tpm still holds.
        const used = result.usage.unknown
          ? estimateTokens(req)
          : result.usage.prompt + result.usage.completion;
        if (reservation) tokens!.settle(reservation, used);
        return result;
      } catch (error) {
        if (callSignal.aborted) throw callSignal.reason;
        if (timeout.aborted) {
          throw new LlmTimeoutError(`${generator.id}: no answer within ${timeoutMs} ms`, {
            cause: error,
          });
        }
        throw error;
      } finally {
        stats.inFlight--;
      }
    } finally {
      slots.release();
    }
  }

  async function generate(req: ChatRequest, signal?: AbortSignal): Promise<ChatResult> {
    stats.calls++;
    const callSignal = signal ? AbortSignal.any([runSignal, signal]) : runSignal;
    for (let retry = 0;; retry++) {
      try {
        const result = await attempt(req, callSignal);
        stats.promptTokens += result.usage.prompt;
        stats.completionTokens += result.usage.completion;
        if (result.usage.unknown) stats.unknownUsageCalls++;
        return result;
      } catch (error) {
        if (callSignal.aborted) {
          stats.failures++;
          throw callSignal.reason;
        }
        const retryable = error instanceof LlmError ? error.retryable : false;
        if (!retryable || retry >= maxRetries) {
          stats.failures++;
          const attempts = retry + 1;
          throw new LlmGaveUpError(
            `${generator.id}: ${retryable ? "gave up" : "not retryable"} after ${attempts} ` +
              `attempt${attempts === 1 ? "" : "s"}: ${(error as Error)?.message ?? error}`,
            { attempts, cause: error },
          );
        }
        const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** retry);
        let delayMs = random() * ceiling;
        if (error instanceof LlmHttpError && error.retryAfterMs !== undefined) {
          const after = Math.min(error.retryAfterMs, maxRetryAfterMs);
          delayMs = Math.max(delayMs, after);
          if (error.status === 429) pausedUntil = Math.max(pausedUntil, performance.now() + after);
        }
        stats.retries++;
        options.onRetry?.({ retry: retry + 1, delayMs, error: error as LlmError });
        try {
          await sleep(delayMs, callSignal);
        } catch (reason) {
          stats.failures++;
          throw reason;
        }
      }
    }
  }

  return { id: generator.id, kind: generator.kind, stats, generate };
}
