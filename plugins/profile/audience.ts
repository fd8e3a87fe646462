/**
 * Audience statistics for the profile actor, from an interaction table: per item its raters, likes
 * and mean rating, and per user a taste vector over traits, for the contrast between an item's
 * likers and dislikers. The table should hold only interactions that are no CTR target
 * (`nonTargetInteractions`), or a sample's own label would reach its item's knowledge.
 *
 * @module
 */
import type { InteractionTable } from "../../datasets/types.ts";
import type { TraitSpace } from "./traits.ts";

/** Pseudo-ratings at the global rate that smooth an item's like rate. */
const PRIOR_RATINGS = 5;

/**
 * Per-item and per-user statistics of an interaction table.
 *
 * @example
 * ```ts
 * import { Audience } from "./audience.ts";
 * import { TraitSpace } from "./traits.ts";
 * const space = new TraitSpace([
 *   { title: "", attributes: [], genres: [] },
 *   { title: "Heat (1995)", attributes: ["Action"], genres: ["Action"] },
 * ], 256, 2);
 * const table = {
 *   size: 2,
 *   user: Int32Array.of(1, 2),
 *   item: Int32Array.of(1, 1),
 *   rating: Int32Array.of(5, 2),
 *   position: Int32Array.of(0, 0),
 * };
 * const audience = new Audience(space, table, 3);
 * console.assert(audience.count[1] === 2 && audience.likes[1] === 1);
 * ```
 */
export class Audience {
  /** Ratings per item. */
  readonly count: Int32Array;
  /** Likes per item. */
  readonly likes: Int32Array;
  /** Sum of ratings per item. */
  readonly ratingSum: Float64Array;
  /** Share of likes over the whole table. */
  readonly likeRate: number;
  /** Mean rating over the whole table. */
  readonly meanRating: number;
  private readonly taste: Float32Array;
  private readonly raterStart: Int32Array;
  private readonly raterUser: Int32Array;
  private readonly raterLiked: Uint8Array;
  private readonly meanTaste: Float64Array;
  private readonly cache = new Map<number, Float64Array>();

  /**
   * @param space Traits of every item.
   * @param table Interactions, sorted by user (each user's rows contiguous).
   * @param threshold A rating above it is a like.
   * @param firstTarget Only rows at positions before it count (default: every row).
   */
  constructor(
    readonly space: TraitSpace,
    table: InteractionTable,
    threshold: number,
    firstTarget = Infinity,
  ) {
    const nItems = space.items;
    this.count = new Int32Array(nItems);
    this.likes = new Int32Array(nItems);
    this.ratingSum = new Float64Array(nItems);
    let maxUser = 0, liked = 0, ratings = 0;
    const counted = (r: number) => table.position[r] < firstTarget;
    for (let r = 0; r < table.size; r++) {
      const item = table.item[r];
      if (!(item > 0 && item < nItems)) {
        throw new Error(`profileActor: trainPeriod row ${r} names unknown dense item ${item}`);
      }
      if (table.user[r] > maxUser) maxUser = table.user[r];
      if (!counted(r)) continue;
      this.count[item]++;
      this.ratingSum[item] += table.rating[r];
      ratings += table.rating[r];
      if (table.rating[r] > threshold) (this.likes[item]++, liked++);
    }
    let rows = 0;
    for (let i = 0; i < nItems; i++) rows += this.count[i];
    this.likeRate = rows ? liked / rows : 0.5;
    this.meanRating = rows ? ratings / rows : threshold;
    this.taste = userTastes(space, table, threshold, maxUser, counted);
    const F = space.size;
    this.meanTaste = new Float64Array(F);
    for (let u = 0; u <= maxUser; u++) {
      for (let f = 0; f < F; f++) this.meanTaste[f] += this.taste[u * F + f];
    }
    for (let f = 0; f < F; f++) this.meanTaste[f] /= Math.max(1, maxUser);
    // Raters of each item (CSR), for the liker/disliker contrast.
    this.raterStart = new Int32Array(nItems + 1);
    for (let i = 0; i < nItems; i++) this.raterStart[i + 1] = this.raterStart[i] + this.count[i];
    this.raterUser = new Int32Array(rows);
    this.raterLiked = new Uint8Array(rows);
    const fill = this.raterStart.slice(0, nItems);
    for (let r = 0; r < table.size; r++) {
      if (!counted(r)) continue;
      const slot = fill[table.item[r]]++;
      this.raterUser[slot] = table.user[r];
      this.raterLiked[slot] = table.rating[r] > threshold ? 1 : 0;
    }
  }

  /** Whether the item has any rating in the table. */
  knows(item: number): boolean {
    return item > 0 && item < this.count.length && this.count[item] > 0;
  }

  /** Smoothed like rate of an item (pseudo-ratings at the global rate). */
  itemLikeRate(item: number): number {
    const n = item > 0 && item < this.count.length ? this.count[item] : 0;
    const likes = n ? this.likes[item] : 0;
    return (likes + PRIOR_RATINGS * this.likeRate) / (n + PRIOR_RATINGS);
  }

  /** Smoothed mean rating of an item (pseudo-ratings at the global mean). */
  itemMeanRating(item: number): number {
    const n = item > 0 && item < this.count.length ? this.count[item] : 0;
    const sum = n ? this.ratingSum[item] : 0;
    return (sum + PRIOR_RATINGS * this.meanRating) / (n + PRIOR_RATINGS);
  }

  /** Mean taste of the item's likers minus that of its dislikers, shrunk toward 0 when few rated. */
  contrast(item: number): Float64Array {
    const hit = this.cache.get(item);
    if (hit) return hit;
    const F = this.space.size;
    const liked = new Float64Array(F), disliked = new Float64Array(F);
    let nl = 0, nd = 0;
    for (let s = this.raterStart[item]; s < this.raterStart[item + 1]; s++) {
      const row = this.raterUser[s] * F;
      const into = this.raterLiked[s] ? liked : disliked;
      for (let f = 0; f < F; f++) into[f] += this.taste[row + f];
      this.raterLiked[s] ? nl++ : nd++;
    }
    const out = new Float64Array(F);
    // A contrast between few raters is mostly noise: shrink by an effective sample size.
    const effective = nl && nd ? (nl * nd) / (nl + nd) : (nl + nd) / 4;
    const shrink = effective / (effective + 3);
    for (let f = 0; f < F; f++) {
      // An empty side is compared with the average user instead.
      const a = nl ? liked[f] / nl : this.meanTaste[f];
      const b = nd ? disliked[f] / nd : this.meanTaste[f];
      out[f] = (a - b) * shrink;
    }
    if (this.cache.size > 4096) this.cache.clear();
    this.cache.set(item, out);
    return out;
  }
}

/**
 * Per-user trait weights over the table (users x traits): for trait f, the mean of (y - b) over the
 * user's ratings of items with f, smoothed by one pseudo-count, y = +1 for a like and -1 otherwise,
 * b = (likes - dislikes) / (n + 2).
 */
function userTastes(
  space: TraitSpace,
  table: InteractionTable,
  threshold: number,
  maxUser: number,
  counted: (row: number) => boolean,
): Float32Array {
  const F = space.size;
  const taste = new Float32Array((maxUser + 1) * F);
  const resid = new Float64Array(F), n = new Int32Array(F);
  const seen = new Uint8Array(maxUser + 1);
  for (let r = 0; r < table.size;) {
    const u = table.user[r];
    // The table is sorted by user (InteractionTable's contract); a user's rows must be contiguous.
    if (seen[u]) {
      throw new Error(`profileActor: trainPeriod row ${r}: rows of user ${u} are not contiguous`);
    }
    seen[u] = 1;
    let end = r, likes = 0, rated = 0;
    for (; end < table.size && table.user[end] === u; end++) {
      if (!counted(end)) continue;
      rated++;
      likes += table.rating[end] > threshold ? 1 : 0;
    }
    const base = (2 * likes - rated) / (rated + 2);
    const touched: number[] = [];
    for (let j = r; j < end; j++) {
      if (!counted(j)) continue;
      const y = table.rating[j] > threshold ? 1 : -1;
      for (const f of space.of(table.item[j])) {
        if (n[f] === 0) touched.push(f);
        n[f]++;
        resid[f] += y - base;
      }
    }
    for (const f of touched) {
      taste[u * F + f] = resid[f] / (n[f] + 1);
      resid[f] = 0;
      n[f] = 0;
    }
    r = end;
  }
  return taste;
}
