/**
 * Shorter LLM-side history windows: a prompt budget for models with a small context. Only what
 * knowledge generation reads changes (user windows, liker and disliker histories); the backbone's
 * samples stay as they are.
 *
 * @module
 */
import type { CtrDataset } from "./types.ts";

/**
 * The dataset with every LLM-side history cut to its `pairs` most recent pairs.
 *
 * @example
 * ```ts
 * import { withHistoryWindow } from "./history_window.ts";
 * import { prepareDataset } from "./prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 30, items: 40 } });
 * console.log(withHistoryWindow(dataset, 3).userInputs[0].history.length); // 3
 * ```
 */
export function withHistoryWindow(dataset: CtrDataset, pairs: number): CtrDataset {
  if (!(Number.isInteger(pairs) && pairs > 0)) {
    throw new RangeError(`withHistoryWindow: pairs must be a positive integer, got ${pairs}`);
  }
  const cut = <T>(history: T[]) => history.slice(-pairs);
  return {
    ...dataset,
    userInputs: dataset.userInputs.map((u) => ({ ...u, history: cut(u.history) })),
    itemInputs: dataset.itemInputs.map((i) => ({
      ...i,
      likerHistory: cut(i.likerHistory),
      dislikerHistory: cut(i.dislikerHistory),
    })),
  };
}
