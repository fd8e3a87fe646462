/**
 * The profile actor's trait space: genres (or categories), release decades ("eras") and description
 * keywords ("themes": words on at least `minItems` and at most half of the descriptions), and the
 * traits of every item as a CSR table.
 *
 * @module
 */
import type { ItemInfo } from "../../datasets/types.ts";
import { TRAIT_STOPWORDS } from "../../util/stopwords.ts";

/** Trait namespaces, in the order a text lists them. */
export const NAMESPACES = ["genre", "era", "theme"] as const;
/** Index of a namespace in {@linkcode NAMESPACES}. */
export const GENRE = 0, ERA = 1, THEME = 2;

/**
 * What genre-like attributes are called: genres for movies, categories otherwise.
 *
 * @example
 * ```ts
 * import { genreWords } from "./traits.ts";
 * console.assert(genreWords("book").many === "categories");
 * ```
 */
export function genreWords(itemNoun: string): { one: string; many: string } {
  return itemNoun.trim().toLowerCase() === "movie"
    ? { one: "genre", many: "genres" }
    : { one: "category", many: "categories" };
}

// Function words and negations (util/stopwords.ts), and generic description words; the
// document-frequency cut removes the rest.
const STOPWORDS = new Set([
  ...TRAIT_STOPWORDS,
  ..."one two story film movie book novel mood tale".split(" "),
]);

/** Words of a description that can be themes. */
function descriptionWords(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.toLowerCase().matchAll(/\p{L}[\p{L}'-]*/gu)) {
    const w = m[0].replace(/['-]+$/, "");
    if (w.length >= 3 && !STOPWORDS.has(w)) out.add(w);
  }
  return [...out];
}

function decade(year: number | undefined): string | undefined {
  return year !== undefined && Number.isFinite(year) ? `${Math.floor(year / 10) * 10}s` : undefined;
}

/**
 * Trait vocabulary and the traits of every item.
 *
 * @example
 * ```ts
 * import { TraitSpace } from "./traits.ts";
 * const space = new TraitSpace([
 *   { title: "", attributes: [], genres: [] },
 *   { title: "Heat (1995)", attributes: ["Action"], genres: ["Action", "Crime"], year: 1995 },
 * ], 256, 2);
 * console.assert(space.of(1).length === 3); // Action, Crime, 1990s
 * ```
 */
export class TraitSpace {
  /** Display name of each trait. */
  readonly names: string[] = [];
  /** Namespace index of each trait. */
  readonly ns: number[] = [];
  /** Trait id by `namespace:name`. */
  readonly byKey = new Map<string, number>();
  /** First dense item index of each title. */
  readonly titleIndex = new Map<string, number>();
  private readonly start: Int32Array;
  private readonly traits: Int32Array;

  /**
   * @param itemInfo Item metadata by dense index (index 0 is a placeholder).
   * @param vocabularySize Most frequent qualifying description words kept as themes.
   * @param minItems A theme must describe at least this many items.
   */
  constructor(itemInfo: ItemInfo[], vocabularySize: number, minItems: number) {
    // A description naming its genre adds nothing the genre trait does not already say.
    const genreNames = new Set(
      itemInfo.flatMap((info) => info ? [...info.attributes, ...info.genres] : [])
        .map((g) => g.toLowerCase()),
    );
    const words: string[][] = itemInfo.map((info) =>
      info?.description ? descriptionWords(info.description).filter((w) => !genreNames.has(w)) : []
    );
    const df = new Map<string, number>();
    let described = 0;
    for (const ws of words) {
      if (ws.length) described++;
      for (const w of ws) df.set(w, (df.get(w) ?? 0) + 1);
    }
    // Words on more than half of the descriptions say nothing about any one item.
    const keywords = new Set(
      [...df].filter(([, n]) => n >= minItems && n <= Math.max(minItems, described / 2))
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, vocabularySize).map(([w]) => w),
    );
    const lists: number[][] = [];
    for (let i = 0; i < itemInfo.length; i++) {
      const info = itemInfo[i];
      const ids: number[] = [];
      if (i > 0 && info) {
        if (!this.titleIndex.has(info.title)) this.titleIndex.set(info.title, i);
        for (const g of new Set([...info.attributes, ...info.genres])) {
          if (g) ids.push(this.id(GENRE, g));
        }
        const era = decade(info.year);
        if (era) ids.push(this.id(ERA, era));
        for (const w of words[i]) if (keywords.has(w)) ids.push(this.id(THEME, w));
      }
      lists.push([...new Set(ids)]);
    }
    this.start = new Int32Array(lists.length + 1);
    for (let i = 0; i < lists.length; i++) this.start[i + 1] = this.start[i] + lists[i].length;
    this.traits = Int32Array.from(lists.flat());
  }

  private id(ns: number, name: string): number {
    // `;` separates traits in the text, so it cannot be part of a name.
    const clean = name.replaceAll(";", ",").trim();
    const key = `${NAMESPACES[ns]}:${clean}`;
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(clean);
      this.ns.push(ns);
      this.byKey.set(key, id);
    }
    return id;
  }

  /** Number of traits. */
  get size(): number {
    return this.names.length;
  }

  /** Number of item slots (dense indices 0..items-1). */
  get items(): number {
    return this.start.length - 1;
  }

  /** Trait ids of a dense item (empty for an unknown index). */
  of(item: number): Int32Array {
    if (!(item > 0 && item < this.start.length - 1)) return new Int32Array(0);
    return this.traits.subarray(this.start[item], this.start[item + 1]);
  }

  /** `namespace:name` of a trait. */
  key(f: number): string {
    return `${NAMESPACES[this.ns[f]]}:${this.names[f]}`;
  }

  /** The trait a text names, trying genre, era and theme in turn. */
  find(name: string): number | undefined {
    for (const ns of NAMESPACES) {
      const f = this.byKey.get(`${ns}:${name}`);
      if (f !== undefined) return f;
    }
    return undefined;
  }
}
