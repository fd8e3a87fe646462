// @ts-check
/**
 * A word-level diff of two texts: the longest common subsequence of their words, as runs of
 * unchanged, deleted and inserted words. Plain JavaScript, so the browser loads it as it is.
 *
 * @module
 */

/** Words per text above which the quadratic table is not built (the texts are shown replaced). */
const MAX_WORDS = 3000;

/**
 * @typedef {{ op: "same" | "del" | "ins", text: string }} DiffRun
 */

/**
 * The runs turning `before` into `after`, words separated by single spaces.
 *
 * @example
 * ```js
 * import { wordDiff } from "./word_diff.js";
 * wordDiff("likes old films", "likes new films");
 * // [{op: "same", text: "likes"}, {op: "del", text: "old"}, {op: "ins", text: "new"}, {op: "same", text: "films"}]
 * ```
 *
 * @param {string} before
 * @param {string} after
 * @returns {DiffRun[]}
 */
export function wordDiff(before, after) {
  const a = words(before), b = words(after);
  if (a.length > MAX_WORDS || b.length > MAX_WORDS) {
    return merge([
      ...a.map((w) => ({ op: /** @type {const} */ ("del"), text: w })),
      ...b.map((w) => ({ op: /** @type {const} */ ("ins"), text: w })),
    ]);
  }
  // lcs[i * (m + 1) + j]: length of the common subsequence of a[i..] and b[j..].
  const n = a.length, m = b.length, lcs = new Uint16Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] = a[i] === b[j]
        ? lcs[(i + 1) * (m + 1) + j + 1] + 1
        : Math.max(lcs[(i + 1) * (m + 1) + j], lcs[i * (m + 1) + j + 1]);
    }
  }
  /** @type {DiffRun[]} */
  const runs = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      runs.push({ op: "same", text: a[i++] });
      j++;
    } else if (i < n && (j === m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1])) {
      runs.push({ op: "del", text: a[i++] });
    } else {
      runs.push({ op: "ins", text: b[j++] });
    }
  }
  return merge(runs);
}

/**
 * @param {string} text
 * @returns {string[]}
 */
function words(text) {
  return text.split(/\s+/).filter((w) => w !== "");
}

/**
 * Adjacent runs of one kind joined into one.
 *
 * @param {DiffRun[]} runs
 * @returns {DiffRun[]}
 */
function merge(runs) {
  /** @type {DiffRun[]} */
  const out = [];
  for (const r of runs) {
    const last = out[out.length - 1];
    if (last && last.op === r.op) last.text += ` ${r.text}`;
    else out.push({ ...r });
  }
  return out;
}
