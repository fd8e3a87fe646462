/**
 * A seeded synthetic movie-like dataset in which part of the rating signal lives only in text.
 *
 * Every movie has a genre (its attribute), a title, a year and a description written from one or two
 * hidden *themes* (heists, time travel, ...). Each user loves two themes and dislikes two (the rest
 * mildly), and has a milder taste over genres and a small bias. A rating is
 * `quality + bias + genre taste + theme taste + noise`, binned to 1..5. The theme part never
 * reaches the ID features: it can only be learned from item descriptions or from knowledge written
 * about them; and since every user loves as many themes as they dislike, a user's like rate (what
 * the statistics control knows) says little about which movies they like.
 *
 * @module
 */
import { listValue } from "@duckdb/node-api";
import { mulberry32 } from "../util/random.ts";
import { CREATE_SOURCE_TABLES, type DatasetSource } from "./source.ts";
import { MOVIE_DOMAIN } from "./movielens.ts";

/** Options of the synthetic generator. */
export interface SyntheticOptions {
  /** Number of users (default 600). */
  users?: number;
  /** Number of movies (default 900). */
  items?: number;
  /** Minimum and maximum interactions per user (default 30..70). */
  interactions?: [number, number];
  /** Weight of the text-only theme signal relative to the visible genre signal (default 1.6). */
  themeWeight?: number;
  /** Standard deviation of rating noise (default 0.6). */
  noise?: number;
  /** Seed (default 7). */
  seed?: number;
}

const GENRES = [
  "Drama",
  "Comedy",
  "Action",
  "Thriller",
  "Romance",
  "Sci-Fi",
  "Horror",
  "Adventure",
];

/** Hidden themes and the words a description uses for them. */
const THEMES: { name: string; words: string[] }[] = [
  { name: "heist", words: ["vault", "crew", "diamonds", "heist", "double-cross", "casino"] },
  { name: "time travel", words: ["time", "paradox", "future", "machine", "loop", "timeline"] },
  { name: "found family", words: ["orphans", "family", "friendship", "belonging", "home", "bond"] },
  { name: "space", words: ["starship", "planet", "galaxy", "astronaut", "orbit", "colony"] },
  { name: "courtroom", words: ["trial", "lawyer", "verdict", "jury", "testimony", "judge"] },
  { name: "small town", words: ["village", "farm", "diner", "neighbors", "harvest", "quiet"] },
  { name: "revenge", words: ["vengeance", "betrayal", "grudge", "avenge", "blood", "ruthless"] },
  { name: "coming of age", words: ["school", "summer", "teenager", "first", "growing", "prom"] },
  { name: "war", words: ["soldiers", "battle", "front", "platoon", "siege", "trenches"] },
  { name: "music", words: ["band", "concert", "songs", "guitar", "stage", "singer"] },
];

const TITLE_A = [
  "Crimson",
  "Silent",
  "Broken",
  "Golden",
  "Last",
  "Hidden",
  "Midnight",
  "Wild",
  "Electric",
  "Lonely",
  "Iron",
  "Paper",
  "Burning",
  "Frozen",
  "Velvet",
  "Distant",
];
const TITLE_B = [
  "Horizon",
  "River",
  "Promise",
  "Signal",
  "Garden",
  "Empire",
  "Letter",
  "Shadow",
  "Harbor",
  "Crown",
  "Echo",
  "Road",
  "Storm",
  "Mirror",
  "Winter",
  "Voyage",
];
const FILLER = [
  "a story about",
  "an unforgettable tale of",
  "a sharp portrait of",
  "a sweeping film about",
  "an intimate look at",
];

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12), v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * A user's taste over the themes: two loved and two disliked themes (±1.8), the others mild
 * (0.3 standard normal). As many loves as dislikes, so how much a user likes things says little
 * about which things: that part is only in the themes, which only text carries.
 */
function themeTastes(rand: () => number): number[] {
  const taste = THEMES.map(() => 0.3 * gaussian(rand));
  const order = THEMES.map((_, t) => t);
  for (let k = order.length - 1; k > 0; k--) {
    const j = Math.floor(rand() * (k + 1));
    [order[k], order[j]] = [order[j], order[k]];
  }
  taste[order[0]] = taste[order[1]] = 1.8;
  taste[order[2]] = taste[order[3]] = -1.8;
  return taste;
}

/**
 * The synthetic dataset as a source (fills DuckDB tables like any file-based source).
 *
 * @example
 * ```ts
 * import { syntheticSource } from "./synthetic.ts";
 * const source = syntheticSource({ users: 100, items: 150, seed: 3 });
 * console.assert(source.domain.itemNoun === "movie");
 * ```
 */
export function syntheticSource(options: SyntheticOptions = {}): DatasetSource {
  const nUsers = options.users ?? 600;
  const nItems = options.items ?? 900;
  const [minI, maxI] = options.interactions ?? [30, 70];
  const themeWeight = options.themeWeight ?? 1.6;
  const noise = options.noise ?? 0.6;
  const seed = options.seed ?? 7;
  return {
    name: "synthetic",
    domain: MOVIE_DOMAIN,
    attrFieldNames: ["genre"],
    async load(db) {
      const rand = mulberry32(seed);
      const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
      await db.run(CREATE_SOURCE_TABLES);

      // Movies: genre (visible), 1-2 themes (text only), quality, popularity.
      const itemGenre: number[] = [], itemThemes: number[][] = [], quality: number[] = [];
      const popularity: number[] = [];
      const items = await db.createAppender("items");
      for (let i = 0; i < nItems; i++) {
        const g = Math.floor(rand() * GENRES.length);
        // Themes correlate only loosely with genre, so the genre cannot stand in for them.
        const t1 = rand() < 0.3 ? g % THEMES.length : Math.floor(rand() * THEMES.length);
        const themes = rand() < 0.4
          ? [t1, (t1 + 1 + Math.floor(rand() * (THEMES.length - 1))) % THEMES.length]
          : [t1];
        const year = 1960 + Math.floor(rand() * 60);
        const title = `The ${pick(TITLE_A)} ${pick(TITLE_B)} ${i + 1} (${year})`;
        const words = themes.flatMap((t) => {
          // Fisher-Yates: a random comparator in sort() makes V8 call rand() a varying number
          // of times, which broke determinism across processes.
          const w = [...THEMES[t].words];
          for (let k = w.length - 1; k > 0; k--) {
            const j = Math.floor(rand() * (k + 1));
            [w[k], w[j]] = [w[j], w[k]];
          }
          return w.slice(0, 3);
        });
        const description = `${GENRES[g]} film, ${pick(FILLER)} ${words.join(", ")}.`;
        itemGenre.push(g);
        itemThemes.push(themes);
        quality.push(0.5 * gaussian(rand));
        popularity.push(Math.exp(0.8 * gaussian(rand)));
        items.appendVarchar(String(i + 1));
        items.appendVarchar(title);
        items.appendValue(listValue([GENRES[g]]));
        items.appendValue(listValue([GENRES[g]]));
        items.appendVarchar(description);
        items.appendInteger(year);
        items.endRow();
      }
      items.closeSync();

      // Users: a theme taste (hidden), a milder genre taste and a bias; ratings in time order.
      const cumulative: number[] = [];
      let total = 0;
      for (const p of popularity) cumulative.push(total += p);
      const ratings = await db.createAppender("ratings");
      let line = 0;
      for (let u = 0; u < nUsers; u++) {
        const themeTaste = themeTastes(rand);
        const genreTaste = GENRES.map(() => 0.5 * gaussian(rand));
        const bias = 0.3 * gaussian(rand);
        const n = minI + Math.floor(rand() * (maxI - minI + 1));
        const seen = new Set<number>();
        let ts = 946684800 + Math.floor(rand() * 1e7);
        while (seen.size < Math.min(n, nItems)) {
          const x = rand() * total;
          let lo = 0, hi = nItems - 1;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (cumulative[mid] < x) lo = mid + 1;
            else hi = mid;
          }
          if (seen.has(lo)) continue;
          seen.add(lo);
          let theme = 0;
          for (const t of itemThemes[lo]) theme += themeTaste[t];
          theme /= Math.sqrt(itemThemes[lo].length);
          const score = 3.3 + bias + quality[lo] + genreTaste[itemGenre[lo]] +
            themeWeight * 0.7 * theme + noise * gaussian(rand);
          const rating = Math.min(5, Math.max(1, Math.round(score)));
          ts += 3600 + Math.floor(rand() * 86400 * 3);
          ratings.appendVarchar(String(u + 1));
          ratings.appendVarchar(String(lo + 1));
          ratings.appendInteger(rating);
          ratings.appendBigInt(BigInt(ts));
          ratings.appendBigInt(BigInt(++line));
          ratings.endRow();
        }
      }
      ratings.closeSync();
      return { files: [], rowsRead: line, dropped: {} };
    },
  };
}
