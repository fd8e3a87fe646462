/**
 * Serving-time memo of the knowledge adaptor. Both adaptors (HEA and the shared MLP) map each
 * knowledge row on its own: `z_u` depends only on the user's vector and `z_i` only on the item's
 * (experts, gates and softmax are per row; nothing mixes rows). A score request repeats one user
 * vector over all candidates and the same item vectors recur across requests, so the adaptor's
 * output per distinct row is remembered and only unseen rows are computed. Without the memo the
 * adaptor is about three quarters of a 100-candidate DIN forward pass.
 *
 * A hit is confirmed by comparing the whole input row with the remembered one, so a changed vector
 * is never answered from the memo. The wrapped model is for inference only: its adaptor no longer
 * keeps the activations `backward` needs.
 *
 * @module
 */
import type { CtrModel } from "../../backbone/model.ts";
import type { Floats } from "../../backbone/types.ts";
import { Lru } from "./lru.ts";

/**
 * Counters of a memoised adaptor.
 *
 * @example
 * ```ts
 * import type { AdaptorMemoStats } from "./adaptor_memo.ts";
 * const hitRate = (s: AdaptorMemoStats) => s.hits / Math.max(1, s.hits + s.misses);
 * ```
 */
export interface AdaptorMemoStats {
  /** Rows answered from the memo. */
  hits: number;
  /** Rows computed by the adaptor. */
  misses: number;
}

interface Entry {
  input: Float32Array;
  output: Float32Array;
}

function rowHash(x: Floats, offset: number, width: number): number {
  // FNV-1a over the float bits; equal rows are confirmed by a full comparison afterwards.
  let h = 0x811c9dc5;
  const bits = x instanceof Float32Array
    ? new Uint32Array(x.buffer, x.byteOffset + offset * 4, width)
    : new Uint32Array(Float32Array.from(x.subarray(offset, offset + width)).buffer);
  for (let i = 0; i < bits.length; i++) {
    h ^= bits[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function sameRow(a: Float32Array, x: Floats, offset: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== x[offset + i]) return false;
  return true;
}

function sameRows(x: Floats, a: number, b: number, width: number): boolean {
  for (let i = 0; i < width; i++) if (x[a + i] !== x[b + i]) return false;
  return true;
}

/**
 * Wraps `model`'s knowledge adaptor with a memo of at most `capacity` rows per side (default
 * 50,000). Returns the
 * counters, or `undefined` when the model has no adaptor.
 *
 * @example
 * ```ts
 * import { memoizeKnowledgeAdaptor } from "./adaptor_memo.ts";
 * import { createModel } from "../../backbone/create_model.ts";
 * const model = createModel("din", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 2, ratingValues: 6, embedDim: 4,
 *   mlp: [8], seed: 1,
 *   knowledge: { userDim: 8, itemDim: 8, adaptor: "hea", sharedExperts: 1, specificExperts: 1, expertArch: [8, 4] },
 * });
 * const stats = memoizeKnowledgeAdaptor(model, { capacity: 10_000 });
 * ```
 */
export function memoizeKnowledgeAdaptor(
  model: CtrModel,
  options: { capacity?: number } = {},
): AdaptorMemoStats | undefined {
  const adaptor = model.input.adaptor;
  if (!adaptor) return undefined;
  const D = model.input.knowledgeDim, O = adaptor.outDim;
  const original = adaptor.forward.bind(adaptor);
  const capacity = options.capacity ?? 50_000;
  // Side 0 = users, 1 = items; buckets by hash, each a short list of confirmed rows.
  const memo = [new Lru<number, Entry[]>(capacity), new Lru<number, Entry[]>(capacity)];
  const stats: AdaptorMemoStats = { hits: 0, misses: 0 };
  let out: Floats = model.store.alloc(0);

  const find = (side: number, x: Floats, offset: number, hash: number): Entry | undefined =>
    memo[side].get(hash)?.find((e) => sameRow(e.input, x, offset));

  adaptor.forward = (x: Floats, n: number): Floats => {
    if (out.length < n * 2 * O) out = model.store.alloc(n * 2 * O);
    const found: (Entry | undefined)[] = new Array(2 * n);
    const hashes = new Array<number>(2 * n);
    const repeatOf = new Int32Array(2 * n).fill(-1);
    // Unseen distinct rows per side: row index of its first occurrence.
    const missing: [number[], number[]] = [[], []];
    const firstOf = [new Map<number, number[]>(), new Map<number, number[]>()];
    for (let r = 0; r < 2 * n; r++) {
      const side = r < n ? 0 : 1, offset = r * D;
      const h = rowHash(x, offset, D);
      hashes[r] = h;
      const hit = find(side, x, offset, h);
      if (hit) {
        found[r] = hit;
        stats.hits++;
        continue;
      }
      const earlier = firstOf[side].get(h)?.find((q) => sameRows(x, q * D, offset, D));
      // A repeat of a row already queued in this batch: takes that row's output below.
      if (earlier !== undefined) {
        repeatOf[r] = earlier;
        continue;
      }
      const list = firstOf[side].get(h) ?? [];
      list.push(r);
      firstOf[side].set(h, list);
      missing[side].push(r);
    }
    const m = Math.max(missing[0].length, missing[1].length);
    if (m > 0) {
      stats.misses += missing[0].length + missing[1].length;
      // One adaptor call over the unseen rows; the shorter side is padded with its first row
      // (or zeros), whose output is ignored.
      const xs = model.store.alloc(2 * m * D);
      for (let side = 0; side < 2; side++) {
        const rows = missing[side];
        for (let j = 0; j < m; j++) {
          const r = rows[j] ?? rows[0];
          if (r === undefined) continue;
          xs.set(x.subarray(r * D, r * D + D), (side * m + j) * D);
        }
      }
      const dens = original(xs, m);
      for (let side = 0; side < 2; side++) {
        missing[side].forEach((r, j) => {
          const entry: Entry = {
            input: Float32Array.from(x.subarray(r * D, r * D + D)),
            output: Float32Array.from(
              dens.subarray(j * 2 * O + side * O, j * 2 * O + side * O + O),
            ),
          };
          const bucket = memo[side].get(hashes[r]) ?? [];
          bucket.push(entry);
          memo[side].set(hashes[r], bucket);
          found[r] = entry;
        });
      }
    }
    for (let r = 0; r < 2 * n; r++) {
      const side = r < n ? 0 : 1;
      const entry = found[r] ?? found[repeatOf[r]]!;
      const b = side === 0 ? r : r - n;
      out.set(entry.output, b * 2 * O + side * O);
    }
    return out;
  };
  return stats;
}
