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
import { quote } from "../../util/quote.ts";

export { quote };

/** First words of every user profile: the text says what wrote it. */
export const USER_HEADER = "Statistical profile (no LLM):";

/** Traits listed per namespace at most (pinned ones always stay). */
const CAPS: Record<number, number> = { [GENRE]: 6, [ERA]: 2, [THEME]: 6 };

/** What a rater is called in a domain. */
export function raterNoun(itemNoun: string): string {
  const noun = itemNoun.trim().toLowerCase();
  return noun === "movie" ? "viewer" : noun === "book" ? "reader" : "rater";
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
 * import { ProfileModel } from "./scoring.ts";
 * import { TraitSpace } from "./traits.ts";
 * const space = new TraitSpace([
 *   { title: "", attributes: [], genres: [] },
 *   { title: "Heat (1995)", attributes: ["Action"], genres: ["Action", "Crime"], year: 1995 },
 *   { title: "Babe (1995)", attributes: ["Children's"], genres: ["Children's", "Comedy"], year: 1995 },
 * ], 256, 2);
 * const model = new ProfileModel(space, undefined, 3);
 * const domain = { itemNoun: "movie", ratingScale: [1, 5] as [number, number], likeThreshold: 3 };
 * const history = [{ title: "Heat (1995)", rating: 5, item: 1 }, { title: "Babe (1995)", rating: 1, item: 2 }];
 * const task = { kind: "user" as const, key: "demo:user:1:train", domain, history };
 * const taste = model.tasteOf(history);
 * // Stated weights: every one at a level of its scale ("loves", "hates", a balanced rater).
 * const action = space.byKey.get("genre:Action")!, kids = space.byKey.get("genre:Children's")!;
 * const weights = { kind: "user" as const, bias: 0, scalar: 1, terms: new Map([[action, 0.6], [kids, -0.6]]) };
 * const parts = { task, taste, weights, traits: [action, kids], historyShown: 2, revised: [], audience: false };
 * const text = userText(space, parts);
 * console.assert(text.includes("loves Action") && text.includes("hates Children's"), text);
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
