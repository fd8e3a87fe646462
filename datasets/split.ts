/**
 * Building blocks of a {@linkcode SampleSplit}.
 *
 * @module
 */
import type { SampleSplit } from "./types.ts";

/**
 * A split of `size` samples with every column allocated and zero: history columns hold
 * `historyLength` steps, attribute columns `attrFields` values per item.
 *
 * @example
 * ```ts
 * import { emptySplit } from "./split.ts";
 * const split = emptySplit(2, 5, 1);
 * console.assert(split.histItem.length === 10);
 * ```
 */
export function emptySplit(size: number, historyLength: number, attrFields: number): SampleSplit {
  const T = historyLength, A = attrFields;
  return {
    size,
    user: new Int32Array(size),
    position: new Int32Array(size),
    item: new Int32Array(size),
    attrs: new Int32Array(size * A),
    histItem: new Int32Array(size * T),
    histAttrs: new Int32Array(size * T * A),
    histRating: new Int32Array(size * T),
    rating: new Int32Array(size),
    label: new Float32Array(size),
    period: new Uint8Array(size),
  };
}
