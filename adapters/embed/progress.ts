/**
 * Progress reporting shared by the embedders: after each batch they call an optional callback with
 * how many of the texts of the current `embed` call are done.
 *
 * @module
 */

/** Progress of one `embed` call, reported after each batch. */
export interface EmbedProgress {
  /** Texts finished so far in this call. */
  done: number;
  /** Texts in this call. */
  total: number;
  /** Milliseconds since the call started (for rate and ETA). */
  elapsedMs: number;
}

/**
 * Called after each batch of an `embed` call.
 *
 * @example
 * ```ts
 * import type { ProgressCallback } from "./progress.ts";
 * const log: ProgressCallback = ({ done, total }) => console.error(`${done}/${total}`);
 * log({ done: 1, total: 2, elapsedMs: 5 });
 * ```
 */
export type ProgressCallback = (progress: EmbedProgress) => void;

/**
 * Checks that a batch size option is a positive integer, naming the option when it is not.
 *
 * @example
 * ```ts
 * import { checkBatchSize } from "./progress.ts";
 * checkBatchSize(32, "transformersEmbedder batchSize"); // 32
 * ```
 */
export function checkBatchSize(value: number, where: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${where}: batch size must be a positive integer, got ${value}`);
  }
  return value;
}
