/**
 * The profile actor's item text, in the method's three parts: basic attributes, the users who like
 * it, the users who dislike it. Reception and every trait weight are words ("acclaimed", "loved by
 * Comedy fans"); an example fan's and critic's favourite titles come from the task's raters.
 *
 * ```text
 * Statistical item profile (no LLM): 'Heat (1995)'.
 * (1) Basics: Action; Crime; 1990s. Description: ...
 * (2) Fans: acclaimed; loved by Crime fans; liked by 1990s fans. Example fan loved 'Casino (1995)'.
 * (3) Critics: disliked by Children's fans. Example critic loved 'Babe (1995)'.
 * ```
 *
 * @module
 */
import type { KnowledgeTask, RatedTitle } from "../types.ts";
import type { Weights } from "./scoring.ts";
import { ERA, GENRE, genreWords, THEME, type TraitSpace } from "./traits.ts";
import { quote, wordCount } from "./user_text.ts";
import { ITEM_TRAIT, levelOf, ratingWord, RECEPTION } from "./words.ts";

/** First words of every item profile. */
export const ITEM_HEADER = "Statistical item profile (no LLM):";

/** What an item text shows. */
export interface ItemTextParts {
  task: Extract<KnowledgeTask, { kind: "item" }>;
  /** Dense item, when the title is known. */
  item: number | undefined;
  weights: Weights;
  /** Whether the reception comes from audience statistics. */
  audience: boolean;
  /** Traits whose weights are listed. */
  traits: number[];
  descriptionWords: number;
  examples: number;
  revised: string[];
}

function favourites(h: RatedTitle[], n: number, domain: ItemTextParts["task"]["domain"]): string {
  return [...h].sort((a, b) => b.rating - a.rating).slice(0, n)
    .map((p) => `${ratingWord(domain, p.rating)} ${quote(p.title, 40)}`).join("; ");
}

/**
 * Renders an item profile.
 *
 * @example
 * ```ts
 * import { itemText } from "./item_text.ts";
 * import { ProfileModel } from "./scoring.ts";
 * import { TraitSpace } from "./traits.ts";
 * const space = new TraitSpace([
 *   { title: "", attributes: [], genres: [] },
 *   { title: "Heat (1995)", attributes: ["Action"], genres: ["Action", "Crime"], year: 1995 },
 *   { title: "Babe (1995)", attributes: ["Children's"], genres: ["Children's", "Comedy"], year: 1995 },
 * ], 256, 2);
 * const model = new ProfileModel(space, undefined, 3);
 * const domain = { itemNoun: "movie", ratingScale: [1, 5] as [number, number], likeThreshold: 3 };
 * const task = {
 *   kind: "item" as const,
 *   key: "demo:item:1",
 *   domain,
 *   title: "Heat (1995)",
 *   attributes: ["Action"],
 *   likerHistory: [{ title: "Heat (1995)", rating: 5, item: 1 }],
 *   dislikerHistory: [{ title: "Babe (1995)", rating: 5, item: 2 }],
 * };
 * const weights = model.itemWeights(1, task.likerHistory, task.dislikerHistory);
 * const traits = [...weights.terms.keys()];
 * const text = itemText(space, {
 *   task, item: 1, weights, audience: false, traits, descriptionWords: 0, examples: 1, revised: [],
 * });
 * console.assert(text.startsWith("Statistical item profile (no LLM): 'Heat (1995)'"));
 * ```
 */
export function itemText(space: TraitSpace, p: ItemTextParts): string {
  const task = p.task;
  const own = p.item !== undefined ? [...space.of(p.item)] : [];
  const named = (ns: number) => own.filter((f) => space.ns[f] === ns).map((f) => space.names[f]);
  const genres = named(GENRE).length ? named(GENRE) : task.attributes;
  const basics = [...genres, ...named(ERA), ...named(THEME).map((t) => `theme ${t}`)];
  const words = (task.description ?? "").split(/\s+/).filter((s) => s !== "");
  const description = words.length && p.descriptionWords > 0
    ? ` Description: ${words.slice(0, p.descriptionWords).join(" ")}${
      words.length > p.descriptionWords ? " ..." : ""
    }`
    : "";
  const side = (sign: number) =>
    p.traits.filter((f) => Math.sign(p.weights.terms.get(f)!) === sign)
      .map((f) =>
        `${levelOf(ITEM_TRAIT, p.weights.terms.get(f)!)!.word} by ${space.names[f]} fans`
      );
  const reception = p.audience ? levelOf(RECEPTION, p.weights.bias)!.word : "no early audience";
  const fans = [reception, ...side(1)].join("; ");
  const critics = side(-1);
  const fan = p.examples && task.likerHistory.length
    ? ` Example fan ${favourites(task.likerHistory, p.examples, task.domain)}.`
    : "";
  const critic = p.examples && task.dislikerHistory.length
    ? ` Example critic ${favourites(task.dislikerHistory, p.examples, task.domain)}.`
    : "";
  const noun = task.domain.itemNoun;
  return [
    `${ITEM_HEADER} ${quote(task.title, 80)}.`,
    `(1) Basics: ${
      basics.length ? basics.join("; ") : `no ${genreWords(noun).many} recorded`
    }.${description}`,
    `(2) Fans: ${fans}.${fan}`,
    `(3) Critics: ${critics.length ? critics.join("; ") : "no trait stands out"}.${critic}`,
    ...(p.revised.length ? [`Revised after: ${p.revised.join("; ")}.`] : []),
  ].join("\n");
}

/**
 * Renders within `maxWords`: shortens the description, then the examples, then the revision
 * notes, then drops the weakest unpinned traits.
 */
export function fitItemText(
  space: TraitSpace,
  parts: Omit<ItemTextParts, "traits" | "descriptionWords" | "examples">,
  pinned: Set<number>,
  maxWords: number,
): string {
  const w = parts.weights;
  const ranked = (sign: number) =>
    [...w.terms.keys()]
      .filter((f) =>
        Math.sign(w.terms.get(f)!) === sign && levelOf(ITEM_TRAIT, w.terms.get(f)!) !== undefined
      )
      .sort((a, b) => Math.abs(w.terms.get(b)!) - Math.abs(w.terms.get(a)!))
      .filter((f, i) => i < 8 || pinned.has(f));
  const p: ItemTextParts = {
    ...parts,
    traits: [...ranked(1), ...ranked(-1)],
    descriptionWords: 30,
    examples: 2,
  };
  let text = itemText(space, p);
  while (wordCount(text) > maxWords) {
    if (p.descriptionWords > 0) p.descriptionWords = Math.max(0, p.descriptionWords - 10);
    else if (p.examples > 0) p.examples--;
    else if (p.revised.length > 1) p.revised = p.revised.slice(-1);
    else {
      const weakest = p.traits.filter((f) => !pinned.has(f))
        .sort((a, b) => Math.abs(w.terms.get(a)!) - Math.abs(w.terms.get(b)!))[0];
      if (weakest === undefined) break;
      p.traits = p.traits.filter((f) => f !== weakest);
    }
    text = itemText(space, p);
  }
  return text;
}
