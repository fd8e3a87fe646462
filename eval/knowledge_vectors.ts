/**
 * Turns stored knowledge texts into the backbone's per-sample knowledge inputs: one matrix of user
 * vectors keyed by (user, period) and one of item vectors, with a row index per sample.
 *
 * @module
 */
import type { KnowledgeInput } from "../backbone/types.ts";
import type { CtrDataset, SampleSplit } from "../datasets/types.ts";
import { itemTaskKey, userTaskKey } from "../plugins/tasks.ts";

/** Knowledge matrices of one condition, and how each entity maps to a row. */
export interface KnowledgeMatrices {
  dim: number;
  /** Rows of user vectors; `userRow[user * 2 + period]` is the row (-1 = none). */
  user: Float32Array;
  userRow: Int32Array;
  /** Rows of item vectors; `itemRow[item]` is the row (-1 = none). */
  item: Float32Array;
  itemRow: Int32Array;
}

/**
 * Builds the matrices from a text->vector lookup: `vectorOf(key)` returns the vector of the
 * knowledge stored under a task key (before any run prefix), or `undefined` when there is none.
 *
 * @example
 * ```ts
 * import { knowledgeMatrices } from "./knowledge_vectors.ts";
 * import type { CtrDataset } from "../datasets/types.ts";
 * declare const dataset: CtrDataset;
 * const m = knowledgeMatrices(dataset, 4, () => new Float32Array(4));
 * ```
 */
export function knowledgeMatrices(
  d: CtrDataset,
  dim: number,
  vectorOf: (key: string) => Float32Array | undefined,
): KnowledgeMatrices {
  const nUsers = d.users.raw.length, nItems = d.items.raw.length;
  const userRow = new Int32Array(nUsers * 2).fill(-1);
  const itemRow = new Int32Array(nItems).fill(-1);
  const users: Float32Array[] = [], items: Float32Array[] = [];
  for (let u = 1; u < nUsers; u++) {
    for (const period of [0, 1] as const) {
      const v = vectorOf(userTaskKey(d.name, d.users.raw[u], period));
      if (!v) continue;
      userRow[u * 2 + period] = users.length;
      users.push(v);
    }
  }
  for (let i = 1; i < nItems; i++) {
    const v = vectorOf(itemTaskKey(d.name, d.items.raw[i]));
    if (!v) continue;
    itemRow[i] = items.length;
    items.push(v);
  }
  const pack = (rows: Float32Array[]) => {
    const out = new Float32Array(rows.length * dim);
    rows.forEach((v, r) => out.set(v, r * dim));
    return out;
  };
  return { dim, user: pack(users), userRow, item: pack(items), itemRow };
}

/**
 * The per-sample knowledge inputs of a split: each sample reads its user's vector for the sample's
 * period and its item's vector.
 *
 * @example
 * ```ts
 * import { knowledgeInputs, type KnowledgeMatrices } from "./knowledge_vectors.ts";
 * import type { SampleSplit } from "../datasets/types.ts";
 * declare const m: KnowledgeMatrices;
 * declare const split: SampleSplit;
 * const { userKnowledge, itemKnowledge } = knowledgeInputs(m, split);
 * ```
 */
export function knowledgeInputs(
  m: KnowledgeMatrices,
  split: SampleSplit,
): { userKnowledge: KnowledgeInput; itemKnowledge: KnowledgeInput } {
  const userRow = new Int32Array(split.size), itemRow = new Int32Array(split.size);
  for (let r = 0; r < split.size; r++) {
    userRow[r] = m.userRow[split.user[r] * 2 + split.period[r]];
    itemRow[r] = m.itemRow[split.item[r]];
  }
  return {
    userKnowledge: { dim: m.dim, data: m.user, row: userRow },
    itemKnowledge: { dim: m.dim, data: m.item, row: itemRow },
  };
}

/** Share of samples of a split that have user / item knowledge. */
export function coverage(m: KnowledgeMatrices, split: SampleSplit): { user: number; item: number } {
  let u = 0, i = 0;
  for (let r = 0; r < split.size; r++) {
    if (m.userRow[split.user[r] * 2 + split.period[r]] >= 0) u++;
    if (m.itemRow[split.item[r]] >= 0) i++;
  }
  return { user: split.size ? u / split.size : 0, item: split.size ? i / split.size : 0 };
}
