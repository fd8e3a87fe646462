/**
 * Turns stored knowledge texts into the backbone's per-sample knowledge inputs: one matrix of user
 * vectors (one per user, for all of the user's samples) and one of item vectors, with a row index
 * per sample.
 *
 * @module
 */
import type { KnowledgeInput } from "../backbone/types.ts";
import type { CtrDataset, SampleSplit } from "../datasets/types.ts";
import { itemTaskKey, userTaskKey } from "../plugins/tasks.ts";
import type { KnowledgeVectors } from "./vector_files/mod.ts";

/** Knowledge matrices of one condition, and how each entity maps to a row. */
export interface KnowledgeMatrices {
  /** Width of the user vectors. */
  userDim: number;
  /** Width of the item vectors. */
  itemDim: number;
  /** Rows of user vectors; `userRow[user]` is the row (-1 = none). */
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
 * import { prepareDataset } from "../datasets/prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * // Every user and item has the same knowledge vector here; real ones come from an encoder.
 * const m = knowledgeMatrices(dataset, 4, () => Float32Array.of(1, 0, 0, 0));
 * console.assert(m.userRow[1] === 0 && m.user.length === 4 * (dataset.users.raw.length - 1));
 * ```
 */
export function knowledgeMatrices(
  d: CtrDataset,
  dim: number,
  vectorOf: (key: string) => Float32Array | undefined,
): KnowledgeMatrices {
  const nUsers = d.users.raw.length, nItems = d.items.raw.length;
  const userRow = new Int32Array(nUsers).fill(-1);
  const itemRow = new Int32Array(nItems).fill(-1);
  const users: Float32Array[] = [], items: Float32Array[] = [];
  for (let u = 1; u < nUsers; u++) {
    const v = vectorOf(userTaskKey(d.name, d.users.raw[u]));
    if (!v) continue;
    userRow[u] = users.length;
    users.push(v);
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
  return { userDim: dim, itemDim: dim, user: pack(users), userRow, item: pack(items), itemRow };
}

/**
 * The per-sample knowledge inputs of a split: each sample reads its user's vector and its item's
 * vector.
 *
 * @example
 * ```ts
 * import { knowledgeInputs, knowledgeMatrices } from "./knowledge_vectors.ts";
 * import { prepareDataset } from "../datasets/prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * const m = knowledgeMatrices(dataset, 4, () => Float32Array.of(1, 0, 0, 0));
 * const split = dataset.train;
 * const { userKnowledge, itemKnowledge } = knowledgeInputs(m, split);
 * console.assert(userKnowledge.row.length === split.size && itemKnowledge.dim === 4);
 * ```
 */
export function knowledgeInputs(
  m: KnowledgeMatrices,
  split: SampleSplit,
): { userKnowledge: KnowledgeInput; itemKnowledge: KnowledgeInput } {
  const userRow = new Int32Array(split.size), itemRow = new Int32Array(split.size);
  for (let r = 0; r < split.size; r++) {
    userRow[r] = m.userRow[split.user[r]];
    itemRow[r] = m.itemRow[split.item[r]];
  }
  return {
    userKnowledge: { dim: m.userDim, data: m.user, row: userRow },
    itemKnowledge: { dim: m.itemDim, data: m.item, row: itemRow },
  };
}

/** Share of samples of a split that have user / item knowledge. */
export function coverage(m: KnowledgeMatrices, split: SampleSplit): { user: number; item: number } {
  let u = 0, i = 0;
  for (let r = 0; r < split.size; r++) {
    if (m.userRow[split.user[r]] >= 0) u++;
    if (m.itemRow[split.item[r]] >= 0) i++;
  }
  return { user: split.size ? u / split.size : 0, item: split.size ? i / split.size : 0 };
}

/**
 * Matrices of vectors brought in from outside (`readKnowledgeVectors`): each row keeps its dense
 * user or item index, so a sample reads its own entity's vector; entities without one get none.
 *
 * @example
 * ```ts
 * import { vectorMatrices } from "./knowledge_vectors.ts";
 * import { readKnowledgeVectors, writeKnowledgeVectors } from "./vector_files/mod.ts";
 * import { prepareDataset } from "../datasets/prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * // Vectors of the first user and the first item only, as a folder an outside encoder wrote.
 * const dir = await Deno.makeTempDir();
 * await writeKnowledgeVectors(dir, {
 *   users: { ids: [dataset.users.raw[1]], rows: Float32Array.of(1, 0, 0), dim: 3 },
 *   items: { ids: [dataset.items.raw[1]], rows: Float32Array.of(0, 1), dim: 2 },
 * });
 * const m = vectorMatrices(dataset, await readKnowledgeVectors(dir, dataset));
 * console.log(m.userDim, m.itemDim); // 3 2
 * console.assert(m.userRow[1] === 0 && m.userRow[2] === -1);
 * ```
 */
export function vectorMatrices(d: CtrDataset, v: KnowledgeVectors): KnowledgeMatrices {
  const rowsOf = (dense: Int32Array, size: number) => {
    const row = new Int32Array(size).fill(-1);
    dense.forEach((entity, k) => row[entity] = k);
    return row;
  };
  return {
    userDim: v.users.dim,
    itemDim: v.items.dim,
    user: v.users.rows,
    userRow: rowsOf(v.users.dense, d.users.raw.length),
    item: v.items.rows,
    itemRow: rowsOf(v.items.dense, d.items.raw.length),
  };
}

/**
 * SHA-256 (hex, 16 chars) over the ids and values of brought-in vectors: a training on other
 * vectors is never reused.
 *
 * @example
 * ```ts
 * import { vectorsFingerprint } from "./knowledge_vectors.ts";
 * import { readKnowledgeVectors, writeKnowledgeVectors } from "./vector_files/mod.ts";
 * // Vocabularies of a dataset with users "1", "2" and items "10", "11" (index 0 is padding).
 * const vocabulary = (ids: string[]) => ({ raw: ["", ...ids], index: new Map(["", ...ids].map((id, i) => [id, i])) });
 * const vocabularies = { users: vocabulary(["1", "2"]), items: vocabulary(["10", "11"]) };
 * const dir = await Deno.makeTempDir();
 * await writeKnowledgeVectors(dir, {
 *   users: { ids: ["1", "2"], rows: new Float32Array([1, 0, 0, 1]), dim: 2 },
 *   items: { ids: ["10", "11"], rows: new Float32Array([0.5, 0.25, 1, 0]), dim: 2 },
 * });
 * const vectors = await readKnowledgeVectors(dir, vocabularies);
 * console.assert((await vectorsFingerprint(vectors)).length === 16);
 * ```
 */
export async function vectorsFingerprint(v: KnowledgeVectors): Promise<string> {
  const text = new TextEncoder().encode(JSON.stringify([v.users.ids, v.items.ids]));
  const parts = [text, v.users.rows, v.items.rows];
  const buf = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    buf.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), o);
    o += p.byteLength;
  }
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", buf));
  return Array.from(hash.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}
