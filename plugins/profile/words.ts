/**
 * How the profile actor puts numbers into words. A bag-of-words encoder reads digits as opaque
 * tokens, so every weight a text states is one of a few levels, each with its own verb, written
 * next to the trait it qualifies ("loves Comedy", "hated by Horror fans"): the direction then
 * lives in a word bigram. Reading a text back maps each word to its level's value.
 *
 * @module
 */

/** One level of a weight: the word that states it and the value it reads back as. */
export interface Level {
  word: string;
  value: number;
}

/** A scale of levels, strongest positive first; a weight takes the nearest level's word. */
export interface Scale {
  levels: Level[];
  /** Weights closer to 0 than this are not stated at all. */
  silent: number;
}

/** A user's taste for a trait. */
export const USER_TRAIT: Scale = {
  levels: [
    { word: "loves", value: 0.6 },
    { word: "likes", value: 0.3 },
    { word: "dislikes", value: -0.3 },
    { word: "hates", value: -0.6 },
  ],
  silent: 0.12,
};

/** How a trait's fans take an item. */
export const ITEM_TRAIT: Scale = {
  levels: [
    { word: "loved", value: 0.6 },
    { word: "liked", value: 0.3 },
    { word: "disliked", value: -0.3 },
    { word: "hated", value: -0.6 },
  ],
  silent: 0.12,
};

/** A user's lean toward liking anything: (likes - dislikes) / (n + 2). */
export const USER_TENDENCY: Scale = {
  levels: [
    { word: "enthusiast", value: 0.6 },
    { word: "generous", value: 0.3 },
    { word: "balanced", value: 0 },
    { word: "selective", value: -0.3 },
    { word: "harsh", value: -0.6 },
  ],
  silent: 0,
};

/** An item's reception: twice its smoothed like rate's distance from the global rate. */
export const RECEPTION: Scale = {
  levels: [
    { word: "acclaimed", value: 0.5 },
    { word: "popular", value: 0.25 },
    { word: "divisive", value: 0 },
    { word: "unpopular", value: -0.25 },
    { word: "panned", value: -0.5 },
  ],
  silent: 0,
};

/** A user's mean rating relative to the audience's mean rating of the same items. */
export const LENIENCY: Scale = {
  levels: [
    { word: "far kinder", value: 0.8 },
    { word: "kinder", value: 0.35 },
    { word: "level", value: 0 },
    { word: "stricter", value: -0.35 },
    { word: "far stricter", value: -0.8 },
  ],
  silent: 0,
};

/**
 * The level a weight is stated as, or `undefined` when it is too weak to state.
 *
 * @example
 * ```ts
 * import { levelOf, USER_TRAIT } from "./words.ts";
 * console.assert(levelOf(USER_TRAIT, 0.5)?.word === "loves");
 * console.assert(levelOf(USER_TRAIT, 0.05) === undefined);
 * ```
 */
export function levelOf(scale: Scale, weight: number): Level | undefined {
  if (Math.abs(weight) < scale.silent) return undefined;
  // A stated trait keeps its direction: only levels of the weight's sign qualify.
  const candidates = scale.silent > 0
    ? scale.levels.filter((l) => Math.sign(l.value) === Math.sign(weight))
    : scale.levels;
  return candidates.reduce((a, b) =>
    Math.abs(b.value - weight) < Math.abs(a.value - weight) ? b : a
  );
}

/**
 * The value a level's word reads back as.
 *
 * @example
 * ```ts
 * import { valueOf, USER_TRAIT } from "./words.ts";
 * console.assert(valueOf(USER_TRAIT, "hates") === -0.6);
 * ```
 */
export function valueOf(scale: Scale, word: string): number | undefined {
  return scale.levels.find((l) => l.word === word)?.value;
}

/**
 * How a rating reads: `loved` (top of the scale), `liked` (above the like-threshold), `lukewarm`
 * (at it), `disliked`, `hated` (bottom of the scale).
 *
 * @example
 * ```ts
 * import { ratingWord } from "./words.ts";
 * const domain = { ratingScale: [1, 5] as [number, number], likeThreshold: 3 };
 * console.assert(ratingWord(domain, 4) === "liked");
 * ```
 */
export function ratingWord(
  domain: { ratingScale: [number, number]; likeThreshold: number },
  rating: number,
): string {
  const [lo, hi] = domain.ratingScale;
  if (rating > domain.likeThreshold) return rating >= hi ? "loved" : "liked";
  if (rating <= lo) return "hated";
  return rating >= domain.likeThreshold ? "lukewarm on" : "disliked";
}
