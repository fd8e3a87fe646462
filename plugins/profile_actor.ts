/**
 * The `profile` actor: an honest no-LLM baseline that writes knowledge from interaction statistics
 * (METHOD.md §2; DESIGN.md "Actors"). Every text opens by saying it is a statistical profile.
 *
 * - **User knowledge** from the window: rating tendency, liked/disliked genres with counts and mean
 *   ratings, eras, description themes (keywords) most frequent among liked vs disliked items, and
 *   representative titles. Each trait carries a weight (evidence toward liking).
 * - **Item knowledge** from metadata (genres, era, themes, description) and the audience: what the
 *   training-period users who like it favour compared with those who dislike it, plus the liker's and
 *   disliker's histories of the task.
 * - **verdict** scores a probe with the weights written in the draft text — it reads the knowledge,
 *   never the history, so the verdict tests what the knowledge says.
 * - **refine** reads the cases a critique cites (grounded evidence, or titles quoted in the
 *   feedback) and adjusts the weights of those cases' traits until the text accounts for them.
 *
 * The scoring model (a verdict is "like" when the score is positive). Traits are genres, decades
 * and description keywords ("themes": words on at least 2 and at most half of the descriptions).
 * A history's weight for trait f is the mean of (y - b) over its ratings of items with f, smoothed
 * by one pseudo-count, where y = +1 for a like and -1 otherwise and b = (likes - dislikes)/(n + 2).
 * - user knowledge on probe item i: b + c * 2(p_i - g) + sum over traits f of i of w_f / sqrt(#traits),
 *   with p_i the item's smoothed training-period like rate, g the global one, c the stated
 *   "agreement with audience consensus" (the stand-in for what an LLM knows of an item's
 *   reception; p_i may include this user's own training-period rating of i). An unknown title scores
 *   b (+ nothing else).
 * - item knowledge on probe history h: lean + t * b_h + sum over f of w_f * weight_h(f), where the
 *   lean is 2(p_i - g) and the trait weights start as the mean taste of the item's training-period
 *   likers minus that of its dislikers (shrunk when few), plus a content match on its own traits.
 *
 * @module
 */
import type { DatasetDomain, InteractionTable, ItemInfo } from "../datasets/types.ts";
import { GroundedEvidenceSchema } from "./grounded_reflector.ts";
import type {
  Actor,
  ConstructionTarget,
  Critique,
  Draft,
  KnowledgeTask,
  RatedTitle,
  StageContext,
  Verdict,
} from "./types.ts";

/**
 * What the profile actor reads: item metadata, the domain, and optionally audience statistics
 * (a whole `CtrDataset` fits).
 *
 * @example
 * ```ts
 * import type { ProfileSource } from "./profile_actor.ts";
 * const source: ProfileSource = {
 *   itemInfo: [{ title: "", attributes: [], genres: [] }, { title: "Heat (1995)", attributes: ["Action"], genres: ["Action", "Crime"], year: 1995 }],
 *   domain: { itemNoun: "movie", ratingScale: [1, 5], likeThreshold: 3 },
 * };
 * ```
 */
export interface ProfileSource {
  /** Descriptive item info by dense item index (index 0 is a placeholder). */
  itemInfo: ItemInfo[];
  /** Like-threshold for audience statistics. */
  domain: DatasetDomain;
  /** Training-period interactions; without them item knowledge uses only the task's two raters. */
  trainPeriod?: InteractionTable;
}

/**
 * Options of {@link profileActor}.
 *
 * @example
 * ```ts
 * import type { ProfileActorOptions } from "./profile_actor.ts";
 * import type { CtrDataset } from "../datasets/types.ts";
 * declare const dataset: CtrDataset;
 * const options: ProfileActorOptions = { dataset, maxWords: 150, audienceConsensus: false };
 * ```
 */
export interface ProfileActorOptions {
  /** A prepared dataset, or the parts of one the actor reads. */
  dataset: ProfileSource;
  /** Word cap of a knowledge text (default 200). */
  maxWords?: number;
  /** Size of the description-keyword vocabulary (default 256 most frequent qualifying words). */
  keywordVocabulary?: number;
  /** A keyword must describe at least this many items (default 2). */
  minKeywordItems?: number;
  /**
   * User verdicts also weigh the probe item's training-period audience like rate (the stand-in for
   * what an LLM knows of an item's reception); default true when `trainPeriod` is given.
   */
  audienceConsensus?: boolean;
  /** Actor id (default `profile`). */
  id?: string;
}

/**
 * The profile actor, with the feature space it scores in (exposed for diagnostics and tests).
 *
 * @example
 * ```ts
 * import { profileActor } from "./profile_actor.ts";
 * import type { CtrDataset } from "../datasets/types.ts";
 * declare const dataset: CtrDataset;
 * const actor = profileActor({ dataset });
 * console.log(actor.itemTraits(1)); // e.g. ["genre:Animation", "era:1990s"]
 * ```
 */
export interface ProfileActor extends Actor {
  readonly kind: "deterministic";
  /** Traits of an item as `namespace:name` keys (`genre:Comedy`, `era:1990s`, `theme:witty`). */
  itemTraits(item: number): string[];
  /** Dense item index of a title, when known. */
  itemOfTitle(title: string): number | undefined;
}

const NS = ["genre", "era", "theme"] as const;

/** What the genre-like attributes are called: genres for movies, categories otherwise (books: brand, category path). */
function genreWords(itemNoun: string): { one: string; many: string } {
  return itemNoun.trim().toLowerCase() === "movie"
    ? { one: "genre", many: "genres" }
    : { one: "category", many: "categories" };
}
type Namespace = typeof NS[number];
const GENRE = 0, ERA = 1, THEME = 2;

// Function words and generic description words; the document-frequency cut removes the rest.
const STOPWORDS = new Set(
  ("a about after again all also an and any are as at be because been before being between both " +
    "but by can could did do does during each few for from further had has have he her here his how " +
    "if in into is it its just more most my no nor not of off on once only or other our out over own " +
    "same she should so some such than that the their them then there these they this those through " +
    "to too under until up very was we were what when where which while who whom why will with would " +
    "you your one two its story film movie book novel mood tale")
    .split(" "),
);

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

/** Trait vocabulary and the traits of every item, as a CSR table. */
class TraitSpace {
  readonly names: string[] = [];
  readonly ns: number[] = [];
  readonly byKey = new Map<string, number>();
  readonly start: Int32Array;
  readonly traits: Int32Array;
  readonly titleIndex = new Map<string, number>();

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
    const key = `${NS[ns]}:${clean}`;
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(clean);
      this.ns.push(ns);
      this.byKey.set(key, id);
    }
    return id;
  }

  get size(): number {
    return this.names.length;
  }

  of(item: number): Int32Array {
    if (!(item > 0 && item < this.start.length - 1)) return new Int32Array(0);
    return this.traits.subarray(this.start[item], this.start[item + 1]);
  }

  key(f: number): string {
    return `${NS[this.ns[f]]}:${this.names[f]}`;
  }
}

/** Per-trait statistics of one history. */
interface TraitStat {
  n: number;
  likes: number;
  ratingSum: number;
  /** Smoothed mean residual of like(+1)/dislike(-1) over the user's baseline. */
  weight: number;
}

/** What a history says: tendency and per-trait weights. */
interface Taste {
  n: number;
  likes: number;
  ratingSum: number;
  /** (likes - dislikes) / (n + 2): the lean toward liking anything. */
  baseline: number;
  traits: Map<number, TraitStat>;
}

/** Training-period audience statistics. */
class Audience {
  readonly count: Int32Array;
  readonly likes: Int32Array;
  readonly ratingSum: Float64Array;
  readonly likeRate: number;
  /** Per-user trait weights over the whole training period, users x traits. */
  readonly taste: Float32Array;
  readonly raterStart: Int32Array;
  readonly raterUser: Int32Array;
  readonly raterLiked: Uint8Array;
  readonly meanTaste: Float64Array;
  private readonly cache = new Map<number, Float64Array>();

  constructor(readonly space: TraitSpace, table: InteractionTable, threshold: number) {
    const nItems = space.start.length - 1;
    const F = space.size;
    this.count = new Int32Array(nItems);
    this.likes = new Int32Array(nItems);
    this.ratingSum = new Float64Array(nItems);
    let maxUser = 0, liked = 0;
    for (let r = 0; r < table.size; r++) {
      const item = table.item[r];
      if (!(item > 0 && item < nItems)) {
        throw new Error(`profileActor: trainPeriod row ${r} names unknown dense item ${item}`);
      }
      this.count[item]++;
      this.ratingSum[item] += table.rating[r];
      if (table.rating[r] > threshold) (this.likes[item]++, liked++);
      if (table.user[r] > maxUser) maxUser = table.user[r];
    }
    this.likeRate = table.size ? liked / table.size : 0.5;
    // Per-user taste: the same statistic as a window's trait weights, over all training rows.
    this.taste = new Float32Array((maxUser + 1) * F);
    const resid = new Float64Array(F), n = new Int32Array(F);
    const seen = new Uint8Array(maxUser + 1);
    for (let r = 0; r < table.size;) {
      const u = table.user[r];
      // The table is sorted by user (InteractionTable's contract); a user's rows must be contiguous.
      if (seen[u]) {
        throw new Error(`profileActor: trainPeriod row ${r}: rows of user ${u} are not contiguous`);
      }
      seen[u] = 1;
      let end = r, likes = 0;
      while (end < table.size && table.user[end] === u) {
        likes += table.rating[end++] > threshold ? 1 : 0;
      }
      const total = end - r;
      const base = (2 * likes - total) / (total + 2);
      const touched: number[] = [];
      for (let j = r; j < end; j++) {
        const y = table.rating[j] > threshold ? 1 : -1;
        for (const f of space.of(table.item[j])) {
          if (n[f] === 0) touched.push(f);
          n[f]++;
          resid[f] += y - base;
        }
      }
      for (const f of touched) {
        this.taste[u * F + f] = resid[f] / (n[f] + 1);
        resid[f] = 0;
        n[f] = 0;
      }
      r = end;
    }
    this.meanTaste = new Float64Array(F);
    for (let u = 0; u <= maxUser; u++) {
      for (let f = 0; f < F; f++) this.meanTaste[f] += this.taste[u * F + f];
    }
    for (let f = 0; f < F; f++) this.meanTaste[f] /= Math.max(1, maxUser);
    // Raters of each item (CSR), for the liker/disliker contrast.
    this.raterStart = new Int32Array(nItems + 1);
    for (let i = 0; i < nItems; i++) this.raterStart[i + 1] = this.raterStart[i] + this.count[i];
    this.raterUser = new Int32Array(table.size);
    this.raterLiked = new Uint8Array(table.size);
    const fill = this.raterStart.slice(0, nItems);
    for (let r = 0; r < table.size; r++) {
      const slot = fill[table.item[r]]++;
      this.raterUser[slot] = table.user[r];
      this.raterLiked[slot] = table.rating[r] > threshold ? 1 : 0;
    }
  }

  /** Smoothed like rate of an item (5 pseudo-ratings at the global rate). */
  itemLikeRate(item: number): number {
    const n = item > 0 && item < this.count.length ? this.count[item] : 0;
    const likes = n ? this.likes[item] : 0;
    return (likes + 5 * this.likeRate) / (n + 5);
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

/** The weights a knowledge text states; what verdicts are computed from. */
interface Weights {
  kind: "user" | "item";
  /** User: lean toward liking anything. Item: the audience's lean toward liking this item. */
  bias: number;
  /** User: weight of the probe item's audience consensus. Item: weight of the probe user's own tendency. */
  scalar: number;
  /** Trait weights by trait id. */
  terms: Map<number, number>;
}

/** A probe as a sparse vector over traits plus the scalar input. */
interface ProbeVector {
  scalar: number;
  traits: Map<number, number>;
}

const HEADER_USER = "Statistical profile (no LLM)";
const HEADER_ITEM = "Statistical item profile (no LLM)";
const MARGIN = 0.1;

function signed(w: number): string {
  const r = Math.round(w * 100) / 100;
  return `${r < 0 ? "-" : "+"}${Math.abs(r).toFixed(2)}`;
}

function quote(title: string, max = 50): string {
  return `'${title.length > max ? `${title.slice(0, max - 3)}...` : title}'`;
}

function repText(p: RatedTitle): string {
  return `${quote(p.title)} ${p.rating}`;
}

/** Whitespace-separated words (a plain loop: this runs on every render). */
function wordCount(text: string): number {
  let n = 0, inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13) inWord = false;
    else if (!inWord) (inWord = true, n++);
  }
  return n;
}

function score(w: Weights, x: ProbeVector): number {
  let s = w.bias + w.scalar * x.scalar;
  for (const [f, v] of x.traits) s += (w.terms.get(f) ?? 0) * v;
  return s;
}

/** A refinement case: the probe and the actual label. */
interface Case {
  x: ProbeVector;
  like: boolean;
  describe: string;
}

/**
 * Creates the profile actor over a prepared dataset (or its item metadata and training-period
 * interactions). Building it indexes traits and audience statistics once; each call is then cheap.
 *
 * @example
 * ```ts
 * import { profileActor } from "./profile_actor.ts";
 * import type { CtrDataset } from "../datasets/types.ts";
 * import type { KnowledgeTask } from "./types.ts";
 * declare const dataset: CtrDataset;
 * declare const task: KnowledgeTask;
 * const actor = profileActor({ dataset });
 * const draft = await actor.reason(task);
 * console.log(draft.text.startsWith("Statistical")); // true
 * ```
 */
export function profileActor(options: ProfileActorOptions): ProfileActor {
  const { dataset } = options;
  if (!dataset || !Array.isArray(dataset.itemInfo)) {
    throw new Error("profileActor: options.dataset.itemInfo must be an array of ItemInfo");
  }
  const id = options.id ?? "profile";
  const maxWords = options.maxWords ?? 200;
  const threshold = dataset.domain.likeThreshold;
  const space = new TraitSpace(
    dataset.itemInfo,
    options.keywordVocabulary ?? 256,
    options.minKeywordItems ?? 2,
  );
  const audience = dataset.trainPeriod
    ? new Audience(space, dataset.trainPeriod, threshold)
    : undefined;
  const consensus = (options.audienceConsensus ?? true) && audience !== undefined;
  const parsed = new Map<string, Weights | null>();

  const itemOf = (p: { title: string; item?: number }): number | undefined => {
    if (p.item !== undefined && p.item > 0 && p.item < dataset.itemInfo.length) return p.item;
    return space.titleIndex.get(p.title);
  };

  function tasteOf(history: RatedTitle[]): Taste {
    let likes = 0, ratingSum = 0;
    for (const p of history) (likes += p.rating > threshold ? 1 : 0, ratingSum += p.rating);
    const n = history.length;
    const baseline = (2 * likes - n) / (n + 2);
    const traits = new Map<number, TraitStat & { resid: number }>();
    for (const p of history) {
      const item = itemOf(p);
      if (item === undefined) continue;
      const y = p.rating > threshold ? 1 : -1;
      for (const f of space.of(item)) {
        let s = traits.get(f);
        if (!s) traits.set(f, s = { n: 0, likes: 0, ratingSum: 0, weight: 0, resid: 0 });
        s.n++;
        s.likes += y > 0 ? 1 : 0;
        s.ratingSum += p.rating;
        s.resid += y - baseline;
      }
    }
    for (const s of traits.values()) s.weight = s.resid / (s.n + 1);
    return { n, likes, ratingSum, baseline, traits };
  }

  /** User kind: the probe item's traits, each 1/sqrt(count), and its centred audience like rate. */
  function itemProbe(item: number | undefined): ProbeVector {
    const traits = new Map<number, number>();
    if (item === undefined) return { scalar: 0, traits };
    const fs = space.of(item);
    for (const f of fs) traits.set(f, 1 / Math.sqrt(fs.length));
    const scalar = consensus && audience
      ? 2 * (audience.itemLikeRate(item) - audience.likeRate)
      : 0;
    return { scalar, traits };
  }

  /** Item kind: the probe user's trait weights and rating tendency. */
  function userProbe(history: RatedTitle[]): ProbeVector {
    const t = tasteOf(history);
    const traits = new Map<number, number>();
    for (const [f, s] of t.traits) if (s.weight !== 0) traits.set(f, s.weight);
    return { scalar: t.baseline, traits };
  }

  // ---------------------------------------------------------------- user knowledge

  function userWeights(taste: Taste): Weights {
    const terms = new Map<number, number>();
    for (const [f, s] of taste.traits) if (Math.abs(s.weight) >= 0.005) terms.set(f, s.weight);
    return { kind: "user", bias: taste.baseline, scalar: consensus ? 1 : 0, terms };
  }

  interface Listing {
    /** Trait ids shown, each list ordered by |weight|. */
    shown: Set<number>;
    /** Trait ids that must stay (cited by a critique). */
    pinned: Set<number>;
  }

  /** Likes best-first and dislikes worst-first: the titles that represent the history. */
  function representatives(history: RatedTitle[]): { likes: RatedTitle[]; dislikes: RatedTitle[] } {
    const sorted = [...history].sort((a, b) => b.rating - a.rating);
    return {
      likes: sorted.filter((p) => p.rating > threshold),
      dislikes: sorted.filter((p) => p.rating <= threshold).reverse(),
    };
  }

  function userTerm(taste: Taste, w: Weights, f: number): string {
    const s = taste.traits.get(f);
    const detail = s ? `, ${s.n} rated, mean ${(s.ratingSum / s.n).toFixed(1)}` : "";
    return `${space.names[f]} (${signed(w.terms.get(f)!)}${detail})`;
  }

  function renderUser(
    task: Extract<KnowledgeTask, { kind: "user" }>,
    taste: Taste,
    w: Weights,
    listing: Listing,
    revised: string[],
    reps: { likes: number; dislikes: number },
  ): string {
    const noun = task.domain.itemNoun;
    const [lo, hi] = task.domain.ratingScale;
    const byNs = (ns: number, sign: number) =>
      [...listing.shown].filter((f) =>
        space.ns[f] === ns && Math.sign(w.terms.get(f) ?? 0) === sign
      )
        .sort((a, b) => Math.abs(w.terms.get(b)!) - Math.abs(w.terms.get(a)!));
    const term = (f: number) => userTerm(taste, w, f);
    const list = (label: string, fs: number[]) =>
      fs.length ? [`${label}: ${fs.map(term).join("; ")}.`] : [];
    const all = representatives(task.history);
    const likes = all.likes.slice(0, reps.likes);
    const dislikes = all.dislikes.slice(0, reps.dislikes);
    const mean = taste.n ? (taste.ratingSum / taste.n).toFixed(1) : "n/a";
    const eras = [...byNs(ERA, 1), ...byNs(ERA, -1)];
    return [
      `${HEADER_USER}: computed from the user's ${taste.n} rated ${noun}s by counting; not written ` +
      `by a language model. Weights are evidence toward liking.`,
      `Rating tendency: mean ${mean} on ${lo}-${hi}, liked ${taste.likes} of ${taste.n}; ` +
      `baseline ${signed(w.bias)}.`,
      // The same fact in words, as a language model would put it: bag-of-words encoders cannot
      // read the numbers above, but they can read these words.
      ...(taste.n ? [`In short: ${raterWords(taste.likes / taste.n)}.`] : []),
      ...(consensus ? [`Agreement with audience consensus: ${signed(w.scalar)}.`] : []),
      ...list(`Liked ${genreWords(noun).many}`, byNs(GENRE, 1)),
      ...list(`Disliked ${genreWords(noun).many}`, byNs(GENRE, -1)),
      ...list("Eras", eras),
      ...list("Liked themes", byNs(THEME, 1)),
      ...list("Disliked themes", byNs(THEME, -1)),
      ...(likes.length ? [`Representative likes: ${likes.map(repText).join("; ")}.`] : []),
      ...(dislikes.length ? [`Representative dislikes: ${dislikes.map(repText).join("; ")}.`] : []),
      ...(revised.length ? [`Revised for: ${revised.join("; ")}.`] : []),
    ].join("\n");
  }

  /** Renders within the word cap, dropping the weakest unpinned traits and titles first. */
  function fitUser(
    task: Extract<KnowledgeTask, { kind: "user" }>,
    taste: Taste,
    w: Weights,
    pinned: Set<number>,
    revised: string[],
  ): string {
    const perList = (ns: number, sign: number, cap: number) =>
      [...w.terms.keys()].filter((f) => space.ns[f] === ns && Math.sign(w.terms.get(f)!) === sign)
        .sort((a, b) => Math.abs(w.terms.get(b)!) - Math.abs(w.terms.get(a)!))
        .filter((f, i) => i < cap || pinned.has(f));
    const shown = new Set([
      ...perList(GENRE, 1, 5),
      ...perList(GENRE, -1, 5),
      ...perList(ERA, 1, 2),
      ...perList(ERA, -1, 2),
      ...perList(THEME, 1, 6),
      ...perList(THEME, -1, 6),
    ]);
    const reps = { likes: 3, dislikes: 2 };
    const rev = [...revised];
    const all = representatives(task.history);
    // Weakest unpinned traits first: the order in which they leave the text.
    const weakestFirst = [...shown].filter((f) => !pinned.has(f))
      .sort((a, b) => Math.abs(w.terms.get(a)!) - Math.abs(w.terms.get(b)!));
    // Trim by counting each dropped piece's words instead of re-rendering: a dropped piece takes at
    // least its own words with it (and its list label when it was the last), so the estimate never
    // undercounts and one render at the end suffices.
    let words = wordCount(renderUser(task, taste, w, { shown, pinned }, rev, reps));
    let next = 0;
    while (words > maxWords) {
      if (reps.likes + reps.dislikes > 2) {
        if (reps.likes > reps.dislikes) {
          reps.likes--;
          words -= all.likes[reps.likes] ? wordCount(repText(all.likes[reps.likes])) : 0;
        } else {
          reps.dislikes--;
          words -= all.dislikes[reps.dislikes]
            ? wordCount(repText(all.dislikes[reps.dislikes]))
            : 0;
        }
      } else if (rev.length > 1) {
        words -= wordCount(rev.pop()!);
      } else if (next < weakestFirst.length) {
        const f = weakestFirst[next++];
        shown.delete(f);
        words -= wordCount(userTerm(taste, w, f));
      } else if (reps.likes > 0) {
        reps.likes--;
        words -= all.likes[reps.likes] ? wordCount(repText(all.likes[reps.likes])) : 0;
      } else if (reps.dislikes > 0) {
        reps.dislikes--;
        words -= all.dislikes[reps.dislikes] ? wordCount(repText(all.dislikes[reps.dislikes])) : 0;
      } else break;
    }
    return renderUser(task, taste, w, { shown, pinned }, rev, reps);
  }

  // ---------------------------------------------------------------- item knowledge

  function itemWeights(task: Extract<KnowledgeTask, { kind: "item" }>, item: number | undefined): {
    w: Weights;
    raters: { n: number; likes: number; mean: number } | undefined;
  } {
    const terms = new Map<number, number>();
    let bias = 0;
    let raters: { n: number; likes: number; mean: number } | undefined;
    const own = item !== undefined ? space.of(item) : new Int32Array(0);
    if (audience && item !== undefined && audience.count[item] > 0) {
      const n = audience.count[item];
      raters = { n, likes: audience.likes[item], mean: audience.ratingSum[item] / n };
      bias = 2 * (audience.itemLikeRate(item) - audience.likeRate);
      const c = audience.contrast(item);
      for (let f = 0; f < c.length; f++) if (Math.abs(c[f]) >= 0.005) terms.set(f, c[f]);
    } else {
      // No audience statistics: contrast the task's own liker and disliker.
      const a = tasteOf(task.likerHistory), b = tasteOf(task.dislikerHistory);
      for (const f of new Set([...a.traits.keys(), ...b.traits.keys()])) {
        const d = (a.traits.get(f)?.weight ?? 0) - (b.traits.get(f)?.weight ?? 0);
        if (Math.abs(d) >= 0.005) terms.set(f, d / 2);
      }
    }
    // Its own traits draw users who like them: a content-match term on top of the audience contrast.
    for (const f of own) terms.set(f, (terms.get(f) ?? 0) + 1 / Math.sqrt(own.length));
    return { w: { kind: "item", bias, scalar: 1, terms }, raters };
  }

  function renderItem(
    task: Extract<KnowledgeTask, { kind: "item" }>,
    item: number | undefined,
    w: Weights,
    raters: { n: number; likes: number; mean: number } | undefined,
    shown: Set<number>,
    parts: { descriptionWords: number; examples: number; revised: string[] },
  ): string {
    const noun = task.domain.itemNoun;
    const info = item !== undefined ? dataset.itemInfo[item] : undefined;
    const own = item !== undefined ? [...space.of(item)] : [];
    const names = (ns: number) => own.filter((f) => space.ns[f] === ns).map((f) => space.names[f]);
    const genres = names(GENRE).length ? names(GENRE) : task.attributes;
    const basics = [
      genres.length ? `${genreWords(noun).many} ${genres.join(", ")}` : "",
      names(ERA).length ? `era ${names(ERA).join(", ")}` : "",
      names(THEME).length ? `themes ${names(THEME).join(", ")}` : "",
    ].filter((s) => s !== "");
    const description = info?.description ?? task.description;
    const descWords = description ? description.split(/\s+/).filter((s) => s !== "") : [];
    const descText = descWords.length && parts.descriptionWords > 0
      ? ` Description: ${descWords.slice(0, parts.descriptionWords).join(" ")}${
        descWords.length > parts.descriptionWords ? " ..." : ""
      }`
      : "";
    const favour = (sign: number) =>
      [...shown].filter((f) => Math.sign(w.terms.get(f) ?? 0) === sign)
        .sort((a, b) => Math.abs(w.terms.get(b)!) - Math.abs(w.terms.get(a)!))
        .map((f) =>
          `${space.ns[f] === GENRE ? genreWords(noun).one : NS[space.ns[f]]} ${space.names[f]} (${
            signed(w.terms.get(f)!)
          })`
        ).join("; ");
    const fans = favour(1), critics = favour(-1);
    const source = raters
      ? `its metadata and ${raters.n} training-period ratings`
      : "its metadata and two raters' histories";
    const top = (h: RatedTitle[]) =>
      [...h].sort((a, b) => b.rating - a.rating).slice(0, parts.examples)
        .map((p) => `${quote(p.title, 40)} ${p.rating}`).join("; ");
    return [
      `${HEADER_ITEM} of ${quote(task.title, 80)}: computed from ${source} by counting; not ` +
      `written by a language model. Weights are evidence toward liking.`,
      `(1) Basic attributes: ${
        basics.length ? basics.join("; ") : `no attributes recorded for this ${noun}`
      }.` +
      descText,
      `(2) Users who like it: ${
        raters
          ? `${raters.likes} of ${raters.n} raters (${
            Math.round((100 * raters.likes) / raters.n)
          }%), ` +
            `mean rating ${raters.mean.toFixed(1)}; ${receptionWords(raters.likes / raters.n)}.`
          : "audience statistics unavailable."
      }${fans ? ` They favour: ${fans}.` : ""}`,
      `(3) Users who dislike it: ${
        raters ? `${raters.n - raters.likes} raters.` : "see contrast."
      }${critics ? ` They favour: ${critics}.` : ""}`,
      `Audience lean: ${signed(w.bias)}; weight on the user's own rating tendency: ${
        signed(w.scalar)
      }.`,
      ...(parts.examples > 0 && task.likerHistory.length
        ? [`Example fan's top ratings: ${top(task.likerHistory)}.`]
        : []),
      ...(parts.examples > 0 && task.dislikerHistory.length
        ? [`Example critic's top ratings: ${top(task.dislikerHistory)}.`]
        : []),
      ...(parts.revised.length ? [`Revised for: ${parts.revised.join("; ")}.`] : []),
    ].join("\n");
  }

  function fitItem(
    task: Extract<KnowledgeTask, { kind: "item" }>,
    item: number | undefined,
    w: Weights,
    raters: { n: number; likes: number; mean: number } | undefined,
    pinned: Set<number>,
    revised: string[],
  ): string {
    const ranked = (sign: number) =>
      [...w.terms.keys()].filter((f) => Math.sign(w.terms.get(f)!) === sign)
        .sort((a, b) => Math.abs(w.terms.get(b)!) - Math.abs(w.terms.get(a)!))
        .filter((f, i) => i < 8 || pinned.has(f));
    const shown = new Set([...ranked(1), ...ranked(-1)]);
    const parts = { descriptionWords: 30, examples: 2, revised: [...revised] };
    let text = renderItem(task, item, w, raters, shown, parts);
    while (wordCount(text) > maxWords) {
      if (parts.descriptionWords > 0) {
        parts.descriptionWords = Math.max(0, parts.descriptionWords - 10);
      } else if (parts.examples > 0) parts.examples--;
      else if (parts.revised.length > 1) parts.revised.pop();
      else {
        const weakest = [...shown].filter((f) => !pinned.has(f))
          .sort((a, b) => Math.abs(w.terms.get(a)!) - Math.abs(w.terms.get(b)!))[0];
        if (weakest === undefined) break;
        shown.delete(weakest);
      }
      text = renderItem(task, item, w, raters, shown, parts);
    }
    return text;
  }

  // ---------------------------------------------------------------- reading a text back

  const LABELS: Record<string, Namespace | "any"> = {
    "liked genres": "genre",
    "disliked genres": "genre",
    "liked categories": "genre",
    "disliked categories": "genre",
    "eras": "era",
    "liked themes": "theme",
    "disliked themes": "theme",
    "they favour": "any",
  };

  /** The weights a profile text states, or null when the text is not a profile. */
  function parse(text: string, kind: "user" | "item"): Weights | null {
    const cacheKey = `${kind}\n${text}`;
    const cached = parsed.get(cacheKey);
    if (cached !== undefined) return cached;
    let result: Weights | null = null;
    const header = kind === "user" ? HEADER_USER : HEADER_ITEM;
    if (text.startsWith(header)) {
      const w: Weights = { kind, bias: 0, scalar: 0, terms: new Map() };
      const num = (re: RegExp) => {
        const m = text.match(re);
        return m ? Number(m[1]) : undefined;
      };
      const number = "([+-]\\d+(?:\\.\\d+)?)";
      w.bias = (kind === "user"
        ? num(new RegExp(`^Rating tendency:.*; baseline ${number}\\.`, "m"))
        : num(new RegExp(`^Audience lean: ${number};`, "m"))) ?? 0;
      w.scalar = (kind === "user"
        ? num(new RegExp(`^Agreement with audience consensus: ${number}\\.`, "m"))
        : num(new RegExp(`rating tendency: ${number}\\.`, "m"))) ?? 0;
      for (const line of text.split("\n")) {
        for (const [label, ns] of Object.entries(LABELS)) {
          const at = line.toLowerCase().indexOf(`${label}: `);
          if (at < 0 || (ns !== "any" && at !== 0)) {
            continue;
          }
          const body = line.slice(at + label.length + 2).replace(/\.\s*$/, "");
          for (const t of body.split("; ")) {
            const m = t.match(/^(.+?) \(([+-]\d+(?:\.\d+)?)(?:,[^)]*)?\)$/);
            if (!m) {
              continue;
            }
            let name = m[1];
            let space_ = ns;
            if (ns === "any") {
              const sp = name.indexOf(" ");
              const prefix = name.slice(0, sp);
              space_ = (prefix === "category" ? "genre" : prefix) as Namespace;
              name = name.slice(sp + 1);
            }
            const f = space.byKey.get(`${space_}:${name}`);
            if (f !== undefined) {
              w.terms.set(f, Number(m[2]));
            }
          }
        }
      }
      result = w;
    }
    if (parsed.size > 20_000) parsed.clear();
    parsed.set(cacheKey, result);
    return result;
  }

  // ---------------------------------------------------------------- refinement

  function casesFrom(task: KnowledgeTask, critique: Critique): Case[] {
    const evidence = GroundedEvidenceSchema.safeParse(critique.evidence);
    const out: Case[] = [];
    if (evidence.success) {
      for (const c of evidence.data.cases) {
        if (c.correct) continue;
        const like = c.label === 1;
        if (task.kind === "user") {
          const pair = c.index !== undefined ? task.history[c.index] : undefined;
          const title = c.title ?? pair?.title ?? "";
          const item = itemOf({ title, item: c.item ?? pair?.item });
          const rating = c.rating ?? pair?.rating;
          out.push({
            x: itemProbe(item),
            like,
            describe:
              `${quote(title, 40)} rated ${rating ?? (like ? "as a like" : "as a dislike")}` +
              ` (was predicted ${c.predicted ?? "nothing"})`,
          });
        } else if (c.role !== "history") {
          const history = c.role === "liker" ? task.likerHistory : task.dislikerHistory;
          out.push({
            x: userProbe(history),
            like,
            describe: `the user who ${like ? "liked" : "disliked"} it (was predicted ${
              c.predicted ?? "nothing"
            })`,
          });
        }
      }
      return out;
    }
    // A critique without grounded evidence (e.g. an LLM's): act on the history titles it quotes.
    if (task.kind === "user") {
      for (const p of task.history) {
        if (!critique.feedback.includes(p.title)) continue;
        const like = p.rating > threshold;
        out.push({
          x: itemProbe(itemOf(p)),
          like,
          describe: `${quote(p.title, 40)} rated ${p.rating} (cited by the critique)`,
        });
      }
    }
    return out;
  }

  /**
   * Moves the weights of each case's traits toward its actual label until every case (that has
   * traits) is scored on the right side, a few passes at most. A perceptron step sized to flip the
   * case: the smallest change of those traits that accounts for the rating.
   */
  function account(w: Weights, cases: Case[], pinned: Set<number>): void {
    for (let pass = 0; pass < 3; pass++) {
      let changed = false;
      for (const c of cases) {
        // Cap the traits touched per case so the text can list them all within the word budget.
        const xs = [...c.x.traits].sort((a, b) => Math.abs(b[1]) - Math.abs(a[1])).slice(0, 6);
        const norm = xs.reduce((s, [, v]) => s + v * v, 0);
        if (norm === 0) continue;
        const s = score(w, c.x);
        const y = c.like ? 1 : -1;
        if (s * y > 0) continue;
        const step = (Math.abs(s) + MARGIN) / norm;
        for (const [f, v] of xs) {
          w.terms.set(f, Math.round(((w.terms.get(f) ?? 0) + step * y * v) * 100) / 100);
          pinned.add(f);
        }
        changed = true;
      }
      if (!changed) break;
    }
  }

  function draftOf(text: string, started: number): Draft {
    return {
      text,
      author: id,
      usage: { prompt: 0, completion: 0 },
      latencyMs: performance.now() - started,
    };
  }

  function reasonUser(task: Extract<KnowledgeTask, { kind: "user" }>): string {
    const taste = tasteOf(task.history);
    return fitUser(task, taste, userWeights(taste), new Set(), []);
  }

  function reasonItem(task: Extract<KnowledgeTask, { kind: "item" }>): string {
    const item = space.titleIndex.get(task.title);
    const { w, raters } = itemWeights(task, item);
    return fitItem(task, item, w, raters, new Set(), []);
  }

  return {
    id,
    kind: "deterministic",
    itemTraits: (item) => [...space.of(item)].map((f) => space.key(f)),
    itemOfTitle: (title) => space.titleIndex.get(title),

    reason(task: KnowledgeTask, ctx?: StageContext): Promise<Draft> {
      const started = performance.now();
      ctx?.signal?.throwIfAborted();
      const text = task.kind === "user" ? reasonUser(task) : reasonItem(task);
      return Promise.resolve(draftOf(text, started));
    },

    refine(
      task: KnowledgeTask,
      draft: Draft,
      critique: Critique,
      ctx?: StageContext,
    ): Promise<Draft> {
      const started = performance.now();
      ctx?.signal?.throwIfAborted();
      const cases = casesFrom(task, critique);
      // A draft this actor did not write is replaced by its own profile before accounting.
      const current = parse(draft.text, task.kind);
      const pinned = new Set<number>();
      let text: string;
      if (task.kind === "user") {
        const taste = tasteOf(task.history);
        const w = current ? { ...current, terms: new Map(current.terms) } : userWeights(taste);
        account(w, cases, pinned);
        text = fitUser(task, taste, w, pinned, cases.map((c) => c.describe));
      } else {
        const item = space.titleIndex.get(task.title);
        const fresh = itemWeights(task, item);
        const w = current ? { ...current, terms: new Map(current.terms) } : fresh.w;
        account(w, cases, pinned);
        text = fitItem(task, item, w, fresh.raters, pinned, cases.map((c) => c.describe));
      }
      return Promise.resolve(draftOf(text, started));
    },

    verdict(
      task: KnowledgeTask,
      draft: Draft,
      probe: Omit<ConstructionTarget, "label">,
      ctx?: StageContext,
    ): Promise<Verdict | undefined> {
      ctx?.signal?.throwIfAborted();
      const w = parse(draft.text, task.kind);
      if (!w) return Promise.resolve(undefined);
      let x: ProbeVector;
      if (task.kind === "user") {
        if (probe.itemTitle === undefined) return Promise.resolve(undefined);
        x = itemProbe(space.titleIndex.get(probe.itemTitle));
      } else {
        if (probe.userHistory === undefined) return Promise.resolve(undefined);
        x = userProbe(probe.userHistory);
      }
      return Promise.resolve(score(w, x) > 0 ? "like" : "dislike");
    },
  };
}

/** A user's like share in words (harsh ... generous). */
function raterWords(share: number): string {
  if (share < 0.2) return "harsh critic";
  if (share < 0.4) return "selective viewer";
  if (share < 0.6) return "balanced viewer";
  if (share < 0.8) return "generous viewer";
  return "enthusiast";
}

/** An item's like share in words (panned ... acclaimed). */
function receptionWords(share: number): string {
  if (share < 0.2) return "widely panned";
  if (share < 0.4) return "mostly disliked";
  if (share < 0.6) return "mixed reception";
  if (share < 0.8) return "mostly liked";
  return "widely acclaimed";
}
