/**
 * The one cancellable sleep: retries and rate limits wait with it, and a caller's abort ends the
 * wait at once with the signal's reason.
 *
 * @module
 */

/**
 * Resolves after `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts
 * (at once when it already has).
 *
 * @example
 * ```ts
 * import { sleep } from "./sleep.ts";
 * await sleep(1);
 * const stop = new AbortController();
 * stop.abort(new Error("cancelled"));
 * const reason = await sleep(60_000, stop.signal).catch((e) => e.message);
 * console.assert(reason === "cancelled");
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", cancel);
      resolve();
    }, ms);
    const cancel = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", cancel, { once: true });
  });
}
