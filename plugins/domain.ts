/**
 * Built-in domains (docs/method.md#domains) and the words a domain contributes to prompts, tag
 * names and the fixed answer strings.
 *
 * @module
 */
import { type Domain, DomainSchema } from "./types.ts";

/**
 * MovieLens-1M: 1–5 stars, a rating above 3 is a like.
 *
 * @example
 * ```ts
 * import { movieDomain } from "./domain.ts";
 * console.log(movieDomain.likeThreshold); // 3
 * ```
 */
export const movieDomain: Domain = Object.freeze({
  itemNoun: "movie",
  ratingScale: [1, 5] as [number, number],
  likeThreshold: 3,
});

/**
 * Amazon-Book: 1–5 stars, only 5 stars is a like.
 *
 * @example
 * ```ts
 * import { bookDomain } from "./domain.ts";
 * console.log(bookDomain.likeThreshold); // 4
 * ```
 */
export const bookDomain: Domain = Object.freeze({
  itemNoun: "book",
  ratingScale: [1, 5] as [number, number],
  likeThreshold: 4,
});

/**
 * Builds a host's own domain, validated.
 *
 * @example
 * ```ts
 * import { defineDomain } from "./domain.ts";
 * const songs = defineDomain({ itemNoun: "song", ratingScale: [1, 10], likeThreshold: 7 });
 * ```
 */
export function defineDomain(domain: Domain): Domain {
  const parsed = DomainSchema.safeParse(domain);
  if (!parsed.success) {
    throw new Error(`defineDomain: invalid domain: ${parsed.error.message}`);
  }
  const [low, high] = parsed.data.ratingScale;
  if (low >= high) {
    throw new Error(`defineDomain: ratingScale [${low}, ${high}] must be increasing`);
  }
  if (parsed.data.likeThreshold < low || parsed.data.likeThreshold >= high) {
    throw new Error(
      `defineDomain: likeThreshold ${parsed.data.likeThreshold} must lie in [${low}, ${high})`,
    );
  }
  if (!/^[a-z][a-z ]*[a-z]$|^[a-z]$/i.test(parsed.data.itemNoun.trim())) {
    throw new Error(
      `defineDomain: itemNoun ${JSON.stringify(parsed.data.itemNoun)} must be letters and spaces`,
    );
  }
  return Object.freeze({ ...parsed.data, itemNoun: parsed.data.itemNoun.trim().toLowerCase() });
}

/** The words of a domain as they appear in prompts and tags. */
export interface DomainWords {
  /** Lower case, as in the fixed answer strings: `movie`. */
  noun: string;
  /** Title case, as in tag names: `Movie`. */
  Noun: string;
  /** Upper case, as in the history-format hint: `MOVIE`. */
  NOUN: string;
  /** Format hint for a history pair: `[MOVIE NAME (YEAR), RATING]`. */
  pairFormat: string;
  /** Attributes the first part of item knowledge should cover. */
  attributeHints: string;
}

/**
 * Derives the words of a domain.
 *
 * @example
 * ```ts
 * import { domainWords, movieDomain } from "./domain.ts";
 * console.log(domainWords(movieDomain).Noun); // "Movie"
 * ```
 */
export function domainWords(domain: Domain): DomainWords {
  const noun = domain.itemNoun.trim().toLowerCase();
  const Noun = noun.split(/\s+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ");
  const NOUN = noun.toUpperCase();
  // The source prompts write `[Book NAME, RATING]` and `[MOVIE NAME (YEAR), RATING]`.
  const pairFormat = noun === "movie"
    ? "[MOVIE NAME (YEAR), RATING]"
    : noun === "book"
    ? "[Book NAME, RATING]"
    : `[${NOUN} NAME, RATING]`;
  const attributeHints = noun === "movie"
    ? "genre, director and cast, country, characters, plot and theme, mood and tone, acclaim and awards"
    : noun === "book"
    ? "genre, author, writing style, theme, setting"
    : "category, creator, style, theme, audience";
  return { noun, Noun, NOUN, pairFormat, attributeHints };
}

/**
 * The rating rule stated to the model, e.g. "Ratings range from 1 to 5. A rating above 3 means the
 * user liked the movie; a rating of 3 or below means the user disliked it."
 *
 * @example
 * ```ts
 * import { bookDomain, ratingRule } from "./domain.ts";
 * console.log(ratingRule(bookDomain));
 * ```
 */
export function ratingRule(domain: Domain): string {
  const { noun } = domainWords(domain);
  const [low, high] = domain.ratingScale;
  return `Ratings range from ${low} to ${high}. A rating above ${domain.likeThreshold} means the ` +
    `user liked the ${noun}; a rating of ${domain.likeThreshold} or below means the user disliked it.`;
}

/**
 * Whether a rating is a like in this domain (strictly above the threshold).
 *
 * @example
 * ```ts
 * import { isLike, bookDomain } from "./domain.ts";
 * console.log(isLike(bookDomain, 4)); // false
 * ```
 */
export function isLike(domain: Domain, rating: number): boolean {
  return rating > domain.likeThreshold;
}
