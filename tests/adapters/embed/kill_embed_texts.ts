/**
 * The texts of the embed kill test, shared by the test and its subprocess.
 *
 * @module
 */

/**
 * 37 distinct short texts (8 batches of 5, the last one partial).
 *
 * @example
 * ```ts
 * import { KILL_TEST_TEXTS } from "./kill_embed_texts.ts";
 * KILL_TEST_TEXTS.length; // 37
 * ```
 */
export const KILL_TEST_TEXTS: string[] = Array.from(
  { length: 37 },
  (_, i) => `user ${i} enjoys ${["drama", "comedy", "horror", "jazz"][i % 4]} number ${i * 7}`,
);
