/**
 * The profile actor's scoring model: what a history says (its taste), the weights a knowledge text
 * states, the probes a verdict scores, and the score. A verdict is "like" when the score is
 * positive.
 *
 * - User knowledge on probe item i: `bias + c * 2(p_i - g) + sum over traits f of i of
 *   w_f / sqrt(#traits of i)`, with p_i the item's smoothed audience like rate, g the global one,
 *   and c = 1 when audience statistics exist (what an LLM knows of an item's reception).
 * - Item knowledge on probe history h: `lean + b_h + sum over f of w_f * taste_h(f)`.
 *
 * @module
 */
import type { RatedTitle } from "../types.ts";
import type { Audience } from "./audience.ts";
import type { TraitSpace } from "./traits.ts";

/** Per-trait statistics of one history. */
export interface TraitStat {
  n: number;
  likes: number;
  ratingSum: number;
  /** Smoothed mean residual of like(+1)/dislike(-1) over the history's baseline. */
  weight: number;
}

/** What a history says: tendency and per-trait weights. */
export interface Taste {
  n: number;
  likes: number;
  ratingSum: number;
  /** (likes - dislikes) / (n + 2): the lean toward liking anything. */
  baseline: number;
  /** Mean of (rating - the item's audience mean rating) over items the audience knows. */
  leniency: number;
  traits: Map<number, TraitStat>;
}

/** The weights a knowledge text states; what verdicts are computed from. */
export interface Weights {
  kind: "user" | "item";
  /** User: lean toward liking anything. Item: the audience's lean toward liking this item. */
  bias: number;
  /** User: weight of the probe item's reception. Item: weight of the probe user's tendency. */
  scalar: number;
  /** Trait weights by trait id. */
  terms: Map<number, number>;
}

/** A probe as a sparse vector over traits plus the scalar input. */
export interface ProbeVector {
  scalar: number;
  traits: Map<number, number>;
}

/**
 * Score of a probe under stated weights.
 *
 * @example
 * ```ts
 * import { score } from "./scoring.ts";
 * const w = { kind: "user" as const, bias: 0.3, scalar: 1, terms: new Map([[0, -0.6]]) };
 * console.assert(score(w, { scalar: 0, traits: new Map([[0, 1]]) }) < 0);
 * ```
 */
export function score(w: Weights, x: ProbeVector): number {
  let s = w.bias + w.scalar * x.scalar;
  for (const [f, v] of x.traits) s += (w.terms.get(f) ?? 0) * v;
  return s;
}

/** Builds tastes and probes over one trait space and (optionally) audience statistics. */
export class ProfileModel {
  /**
   * @param space Item traits.
   * @param audience Audience statistics, when the actor has interactions.
   * @param threshold A rating above it is a like.
   */
  constructor(
    readonly space: TraitSpace,
    readonly audience: Audience | undefined,
    readonly threshold: number,
  ) {}

  /** Dense item of a pair: its index when valid, else by title. */
  itemOf(p: { title: string; item?: number }): number | undefined {
    if (p.item !== undefined && p.item > 0 && p.item < this.space.items) return p.item;
    return this.space.titleIndex.get(p.title);
  }

  /** The taste of a history. */
  tasteOf(history: RatedTitle[]): Taste {
    let likes = 0, ratingSum = 0, lenientSum = 0, lenientN = 0;
    for (const p of history) {
      likes += p.rating > this.threshold ? 1 : 0;
      ratingSum += p.rating;
      const item = this.itemOf(p);
      if (this.audience && item !== undefined && this.audience.knows(item)) {
        lenientSum += p.rating - this.audience.itemMeanRating(item);
        lenientN++;
      }
    }
    const n = history.length;
    const baseline = (2 * likes - n) / (n + 2);
    const traits = new Map<number, TraitStat & { resid: number }>();
    for (const p of history) {
      const item = this.itemOf(p);
      if (item === undefined) continue;
      const y = p.rating > this.threshold ? 1 : -1;
      for (const f of this.space.of(item)) {
        let s = traits.get(f);
        if (!s) traits.set(f, s = { n: 0, likes: 0, ratingSum: 0, weight: 0, resid: 0 });
        s.n++;
        s.likes += y > 0 ? 1 : 0;
        s.ratingSum += p.rating;
        s.resid += y - baseline;
      }
    }
    for (const s of traits.values()) s.weight = s.resid / (s.n + 1);
    // Shrunk toward 0 by one pseudo-rating: one rating says little about leniency.
    const leniency = lenientSum / (lenientN + 1);
    return { n, likes, ratingSum, baseline, leniency, traits };
  }

  /** User kind: the probe item's traits, each 1/sqrt(count), and its centred audience like rate. */
  itemProbe(item: number | undefined): ProbeVector {
    const traits = new Map<number, number>();
    if (item === undefined) return { scalar: 0, traits };
    const fs = this.space.of(item);
    for (const f of fs) traits.set(f, 1 / Math.sqrt(fs.length));
    const scalar = this.audience
      ? 2 * (this.audience.itemLikeRate(item) - this.audience.likeRate)
      : 0;
    return { scalar, traits };
  }

  /** Item kind: the probe user's trait weights and rating tendency. */
  userProbe(history: RatedTitle[]): ProbeVector {
    const t = this.tasteOf(history);
    const traits = new Map<number, number>();
    for (const [f, s] of t.traits) if (s.weight !== 0) traits.set(f, s.weight);
    return { scalar: t.baseline, traits };
  }

  /** The weights a user's history supports. */
  userWeights(taste: Taste): Weights {
    const terms = new Map<number, number>();
    for (const [f, s] of taste.traits) terms.set(f, s.weight);
    return { kind: "user", bias: taste.baseline, scalar: this.audience ? 1 : 0, terms };
  }

  /**
   * The weights an item's audience supports: its lean `2(p_i - g)` and, per trait, the contrast
   * of its likers' and dislikers' tastes plus a content match on its own traits. Without audience
   * statistics, the task's liker and disliker are contrasted instead.
   */
  itemWeights(item: number | undefined, liker: RatedTitle[], disliker: RatedTitle[]): Weights {
    const terms = new Map<number, number>();
    let bias = 0;
    const own = item !== undefined ? this.space.of(item) : new Int32Array(0);
    if (this.audience && item !== undefined && this.audience.knows(item)) {
      bias = 2 * (this.audience.itemLikeRate(item) - this.audience.likeRate);
      const c = this.audience.contrast(item);
      for (let f = 0; f < c.length; f++) if (c[f] !== 0) terms.set(f, c[f]);
    } else {
      const a = this.tasteOf(liker), b = this.tasteOf(disliker);
      for (const f of new Set([...a.traits.keys(), ...b.traits.keys()])) {
        terms.set(f, ((a.traits.get(f)?.weight ?? 0) - (b.traits.get(f)?.weight ?? 0)) / 2);
      }
    }
    // Its own traits draw users who like them: a content match on top of the audience contrast.
    for (const f of own) terms.set(f, (terms.get(f) ?? 0) + 1 / Math.sqrt(own.length));
    return { kind: "item", bias, scalar: 1, terms };
  }
}
