/**
 * Errors a text generator adapter raises, classified for the calling discipline: which failures are
 * worth retrying (429, 408, 5xx, network, per-request timeouts) and which are not (other 4xx, bad
 * configuration, malformed answers, cancellation).
 *
 * @module
 */

/**
 * Base class: every adapter error names the generator and what failed.
 *
 * @example
 * ```ts
 * import { LlmError } from "./errors.ts";
 * const e = new LlmError("prompt too long", { retryable: false });
 * console.log(e.permanent); // true: no rerun can succeed
 * ```
 */
export class LlmError extends Error {
  /** True when the same request may succeed if sent again. */
  readonly retryable: boolean;
  /**
   * True when no later attempt or rerun can succeed (other 4xx, a prompt longer than the model's
   * context, bad configuration), so callers must not invite a retry.
   * @default !retryable
   */
  readonly permanent: boolean;
  /** `options.retryable` sets `retryable`; `permanent` defaults to `!retryable`. */
  constructor(
    message: string,
    options: { retryable: boolean; permanent?: boolean; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = "LlmError";
    this.retryable = options.retryable;
    this.permanent = options.permanent ?? !options.retryable;
  }
}

/**
 * The server answered with an HTTP error status.
 *
 * @example
 * ```ts
 * import { LlmHttpError } from "./errors.ts";
 * const e = new LlmHttpError("POST http://x/v1/chat/completions: 429 slow down", { status: 429, retryAfterMs: 2000 });
 * console.log(e.retryable); // true
 * ```
 */
export class LlmHttpError extends LlmError {
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The server's `Retry-After`, in milliseconds from when the answer arrived. */
  readonly retryAfterMs?: number;
  /** Retryable when {@linkcode isRetryableStatus} holds for `options.status`. */
  constructor(
    message: string,
    options: { status: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, { retryable: isRetryableStatus(options.status), cause: options.cause });
    this.name = "LlmHttpError";
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * The request never got an answer: connection refused or dropped, unreadable body.
 *
 * @example
 * ```ts
 * import { LlmNetworkError } from "./errors.ts";
 * console.log(new LlmNetworkError("connection reset").retryable); // true
 * ```
 */
export class LlmNetworkError extends LlmError {
  /** Always retryable; `options.cause` keeps the underlying error. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retryable: true, cause: options.cause });
    this.name = "LlmNetworkError";
  }
}

/**
 * One attempt ran past its per-request timeout.
 *
 * @example
 * ```ts
 * import { LlmTimeoutError } from "./errors.ts";
 * console.log(new LlmTimeoutError("no answer within 30000 ms").retryable); // true
 * ```
 */
export class LlmTimeoutError extends LlmError {
  /** Always retryable; `options.cause` keeps the underlying error. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retryable: true, cause: options.cause });
    this.name = "LlmTimeoutError";
  }
}

/**
 * The request was wrong (bad options, malformed answer): sending it again will not help.
 *
 * @example
 * ```ts
 * import { LlmRequestError } from "./errors.ts";
 * console.log(new LlmRequestError("answer has no choices").retryable); // false
 * ```
 */
export class LlmRequestError extends LlmError {
  /** Never retryable; `options.cause` keeps the underlying error. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retryable: false, cause: options.cause });
    this.name = "LlmRequestError";
  }
}

/**
 * A 200 answer whose body is not the protocol's shape: an HTML page from a proxy or load balancer,
 * JSON of another API, a completion without choices. Retryable, because such answers come from
 * something in front of the model that is usually gone on the next attempt; the message carries
 * the body's first bytes so a persistent one can be recognised.
 *
 * @example
 * ```ts
 * import { LlmProtocolError } from "./errors.ts";
 * console.log(new LlmProtocolError("answered 200 with <html>...").retryable); // true
 * ```
 */
export class LlmProtocolError extends LlmError {
  /** A protocol error described by `message` (which should quote the body's first bytes). */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { retryable: true, cause: options.cause });
    this.name = "LlmProtocolError";
  }
}

/**
 * Retries are used up (or the error was not retryable); `cause` is the last attempt's error, and
 * `permanent` is the cause's (a transient failure that ran out of retries may pass on a rerun).
 *
 * @example
 * ```ts
 * import { LlmGaveUpError, LlmHttpError } from "./errors.ts";
 * const last = new LlmHttpError("500", { status: 500 });
 * console.log(new LlmGaveUpError("gave up after 4 attempts", { attempts: 4, cause: last }).attempts); // 4
 * ```
 */
export class LlmGaveUpError extends LlmError {
  /** Attempts made, the first included. */
  readonly attempts: number;
  /** `options.cause` is the last attempt's error; it decides `permanent`. */
  constructor(message: string, options: { attempts: number; cause: unknown }) {
    super(message, {
      retryable: false,
      permanent: options.cause instanceof LlmError && options.cause.permanent,
      cause: options.cause,
    });
    this.name = "LlmGaveUpError";
    this.attempts = options.attempts;
  }
}

/**
 * 408 (request timeout), 429 (too many requests) and every 5xx are worth retrying; other statuses are not.
 *
 * @example
 * ```ts
 * import { isRetryableStatus } from "./errors.ts";
 * console.log(isRetryableStatus(503), isRetryableStatus(404)); // true false
 * ```
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Parses a `Retry-After` header (delta seconds or an HTTP date) into milliseconds from `now`.
 *
 * @example
 * ```ts
 * import { parseRetryAfter } from "./errors.ts";
 * console.log(parseRetryAfter("2")); // 2000
 * ```
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
