/**
 * English stopwords for the hashing embedder: function words that carry no preference signal.
 * Negations (`no`, `not`, `nor`, `never`) are deliberately absent: "does not like horror" must not
 * read like "likes horror". Apostrophes split words, so contraction pieces (`s`, `t`, `ll`, ...) are
 * listed on their own.
 *
 * @module
 */

/**
 * The default stopword list (lower case, one token each).
 *
 * @example
 * ```ts
 * import { ENGLISH_STOPWORDS } from "./stopwords.ts";
 * ENGLISH_STOPWORDS.includes("the"); // true
 * ENGLISH_STOPWORDS.includes("not"); // false
 * ```
 */
export const ENGLISH_STOPWORDS: readonly string[] = Object.freeze(
  [
    "a about above after again against all also am an and any are as at be because been before ",
    "being below between both but by can could d did do does doing down during each few for from ",
    "further had has have having he her here hers herself him himself his how i if in into is it ",
    "its itself just ll m me more most my myself now of off on once only or other our ours ",
    "ourselves out over own re s same she should so some such t than that the their theirs them ",
    "themselves then there these they this those through to too under until up ve very was we ",
    "were what when where which while who whom why will with would you your yours yourself ",
    "yourselves",
  ].join("").split(" "),
);
