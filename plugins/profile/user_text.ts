/**
 * The profile actor's user text: who the user is as a rater (in words), every rated title of the
 * window with how it was rated, and the traits the weights state, each with its level's verb.
 *
 * ```text
 * Statistical profile (no LLM): a generous viewer, kinder than the audience.
 * History: loved 'Heat (1995)'; disliked 'Casino (1995)'; ...
 * Tastes: loves Crime; likes 1990s; dislikes Horror.
 * Revised after: 'Casino (1995)' disliked, predicted liked.
 * ```
 *
 * @module
 */
import type { KnowledgeTask } from "../types.ts";
import type { Taste, Weights } from "./scoring.ts";
import { ERA, GENRE, THEME, type TraitSpace } from "./traits.ts";
import { LENIENCY, levelOf, ratingWord, USER_TENDENCY, USER_TRAIT } from "./words.ts";

/** First words of every user profile: the text says what wrote it. */
export const USER_HEADER = "Statistical profile (no LLM):";

/** Traits listed per namespace at most (pinned ones always stay). */
const CAPS: Record<number, number> = { [GENRE]: 6, [ERA]: 2, [THEME]: 6 };

/** What a rater is called in a domain. */
export function raterNoun(itemNoun: string): string {
  const noun = itemNoun.trim().toLowerCase();
  return noun === "movie" ? "viewer" : noun === "book" ? "reader" : "rater";
}

/**
 * Quotes a title for a profile text, shortened past `max` characters.
 *
 * @example
 * ```ts
 * import { quote } from "./user_text.ts";
 * console.assert(quote("Heat (1995)") === "'Heat (1995)'");
 * ```
 */
export function quote(title: string, max = 60): string {
  return `'${title.length > max ? `${title.slice(0, max - 3)}...` : title}'`;
}

/** Whitespace-separated words (a plain loop: this runs on every render). */
export function wordCount(text: string): number {
  let n = 0, inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13) inWord = false;
    else if (!inWord) (inWord = true, n++);
  }
  return n;
}

/** The traits a text states, strongest first: each namespace up to its cap, pinned ones always. */
export function statedTraits(
  space: TraitSpace,
  w: Weights,
  pinned: Set<number>,
  caps: Record<number, number> = CAPS,
): number[] {
  const out: number[] = [];
  for (const ns of [GENRE, ERA, THEME]) {
    const fs = [...w.terms.keys()]
      .filter((f) => space.ns[f] === ns && levelOf(USER_TRAIT, w.terms.get(f)!) !== undefined)
      .sort((a, b) => Math.abs(w.terms.get(b)!) - Math.abs(w.terms.get(a)!));
    out.push(...fs.filter((f, i) => i < caps[ns] || pinned.has(f)));
  }
  return out;
}

/** Options of {@linkcode userText}. */
export interface UserTextParts {
  task: Extract<KnowledgeTask, { kind: "user" }>;
  taste: Taste;
  weights: Weights;
  /** Traits to list, in order. */
  traits: number[];
  /** History pairs shown (the latest ones are kept when the cap forces a cut). */
  historyShown: number;
  /** Cases the text was revised for, in words. */
  revised: string[];
  /** Whether leniency against the audience is known. */
  audience: boolean;
}

/**
 * Renders a user profile.
 *
 * @example
 * ```ts
 * import { userText } from "./user_text.ts";
 * declare const parts: Parameters<typeof userText>[1];
 * declare const space: Parameters<typeof userText>[0];
 * console.log(userText(space, parts));
 * ```
 */
export function userText(space: TraitSpace, p: UserTextParts): string {
  const domain = p.task.domain;
  const tendency = levelOf(USER_TENDENCY, p.weights.bias)!.word;
  const lenient = levelOf(LENIENCY, p.taste.leniency)!.word;
  const who =
    `${/^[aeiou]/.test(tendency) ? "an" : "a"} ${tendency} ${raterNoun(domain.itemNoun)}` +
    (p.audience ? `, ${lenient === "level" ? "level with" : `${lenient} than`} the audience` : "");
  const history = p.task.history.slice(p.task.history.length - p.historyShown)
    .map((pair) => `${ratingWord(domain, pair.rating)} ${quote(pair.title)}`);
  const tastes = p.traits.map((f) =>
    `${levelOf(USER_TRAIT, p.weights.terms.get(f)!)!.word} ${space.names[f]}`
  );
  return [
    `${USER_HEADER} ${who}.`,
    ...(history.length ? [`History: ${history.join("; ")}.`] : []),
    ...(tastes.length ? [`Tastes: ${tastes.join("; ")}.`] : []),
    ...(p.revised.length ? [`Revised after: ${p.revised.join("; ")}.`] : []),
  ].join("\n");
}

/**
 * Renders within `maxWords`: drops the weakest unpinned traits first, then the oldest history
 * pairs, then all but the latest revision note.
 */
export function fitUserText(
  space: TraitSpace,
  parts: Omit<UserTextParts, "traits" | "historyShown">,
  pinned: Set<number>,
  maxWords: number,
): string {
  const traits = statedTraits(space, parts.weights, pinned);
  const p: UserTextParts = { ...parts, traits, historyShown: parts.task.history.length };
  let text = userText(space, p);
  while (wordCount(text) > maxWords) {
    const weakest = p.traits.map((f, i) => [f, i] as const).filter(([f]) => !pinned.has(f))
      .sort((a, b) =>
        Math.abs(p.weights.terms.get(a[0])!) - Math.abs(p.weights.terms.get(b[0])!)
      )[0];
    if (weakest) p.traits = p.traits.filter((_, i) => i !== weakest[1]);
    else if (p.historyShown > 0) p.historyShown--;
    else if (p.revised.length > 1) p.revised = p.revised.slice(-1);
    else break;
    text = userText(space, p);
  }
  return text;
}
