/**
 * English stopwords: one list of function words for every consumer, and the rule on negations
 * stated once. The list holds no negation (`no`, `nor`, `not`); each consumer says whether it drops
 * them:
 *
 * - the hashing embedder ({@linkcode ENGLISH_STOPWORDS}) keeps them: "does not like horror" must
 *   not read like "likes horror";
 * - trait extraction ({@linkcode TRAIT_STOPWORDS}) drops them: a negation is no theme of an item.
 *
 * `never` is in no list: the embedder keeps it with the other negations, and trait extraction has
 * always kept it as a candidate theme (the document-frequency cut decides).
 *
 * @module
 */

/**
 * Function words both consumers drop (lower case, one token each). Apostrophes split words, so
 * contraction pieces (`s`, `t`, `ll`, ...) are listed on their own.
 */
const FUNCTION_WORDS = (
  "a about after again all also am an and any are as at be because been before being between both " +
  "but by can could d did do does during each few for from further had has have he her here his how " +
  "i if in into is it its just ll m me more most my of off on once only or other our out over own re " +
  "s same she should so some such t than that the their them then there these they this those " +
  "through to too under until up ve very was we were what when where which while who whom why will " +
  "with would you your"
).split(" ");

/**
 * Function words the embedder drops but trait extraction keeps as candidate themes. The trait list
 * never had them, and adding them would change the themes the profile actor finds, so its texts
 * and every figure recorded with them; they are listed apart so the difference is stated.
 */
const EMBEDDER_ONLY_WORDS = (
  "above against below doing down having hers herself him himself itself myself now ours ourselves " +
  "theirs themselves yours yourself yourselves"
).split(" ");

/**
 * The negations, which {@linkcode ENGLISH_STOPWORDS} keeps and {@linkcode TRAIT_STOPWORDS} drops.
 *
 * @example
 * ```ts
 * import { ENGLISH_STOPWORDS, NEGATIONS } from "./stopwords.ts";
 * console.assert(!NEGATIONS.some((w) => ENGLISH_STOPWORDS.includes(w)));
 * ```
 */
export const NEGATIONS: readonly string[] = Object.freeze(["no", "nor", "not"]);

/**
 * The hashing embedder's default stopwords, sorted: the function words, negations kept.
 *
 * @example
 * ```ts
 * import { ENGLISH_STOPWORDS } from "./stopwords.ts";
 * ENGLISH_STOPWORDS.includes("the"); // true
 * ENGLISH_STOPWORDS.includes("not"); // false
 * ```
 */
export const ENGLISH_STOPWORDS: readonly string[] = Object.freeze(
  [...FUNCTION_WORDS, ...EMBEDDER_ONLY_WORDS].sort(),
);

/**
 * The words trait extraction never takes as a theme: the function words and the negations (it
 * reads only words of three letters or more, so the shorter ones never come up).
 *
 * @example
 * ```ts
 * import { TRAIT_STOPWORDS } from "./stopwords.ts";
 * TRAIT_STOPWORDS.has("not"); // true
 * TRAIT_STOPWORDS.has("himself"); // false: kept as a candidate theme
 * ```
 */
export const TRAIT_STOPWORDS: ReadonlySet<string> = new Set([...FUNCTION_WORDS, ...NEGATIONS]);
