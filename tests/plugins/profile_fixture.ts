/**
 * A small hand-built prepared dataset for the profile-actor, grounded-reflector and task tests:
 * users with latent tastes over description keywords and genres, per-user temporal splits at 80%,
 * one knowledge window per user (positions 0..10, before any CTR target) and one liker/disliker per
 * item from those positions, as the protocol builds them. The interactions at target positions are
 * returned separately so leakage tests can look for them.
 *
 * @module
 */
import type {
  CtrDataset,
  HistoryPair,
  InteractionTable,
  ItemInfo,
  ItemKnowledgeInput,
  UserKnowledgeInput,
  Vocabulary,
} from "../../datasets/types.ts";
import { mulberry32 } from "../../util/random.ts";

/** The fields of a prepared dataset the fixture fills. */
export type FixtureDataset = Pick<
  CtrDataset,
  | "name"
  | "domain"
  | "users"
  | "items"
  | "itemInfo"
  | "userSplit"
  | "firstTarget"
  | "userInputs"
  | "itemInputs"
  | "trainPeriod"
>;

/** First position that can be a CTR target, as in the reference protocol. */
export const FIRST_TARGET = 11;

/** One interaction of the fixture. */
export interface FixtureInteraction {
  user: number;
  item: number;
  rating: number;
  position: number;
}

/** The fixture dataset plus every interaction at a CTR target position (train or test). */
export interface Fixture {
  dataset: FixtureDataset;
  targets: FixtureInteraction[];
}

const KEYWORDS = [
  "witty",
  "gritty",
  "romantic",
  "epic",
  "whimsical",
  "tense",
  "melancholy",
  "musical",
  "historical",
  "cosmic",
  "brooding",
  "playful",
];
const GENRES = ["Comedy", "Drama", "Action", "Horror", "Romance", "Sci-Fi"];

function vocabulary(prefix: string, n: number): Vocabulary {
  const raw = [""];
  for (let i = 1; i <= n; i++) raw.push(`${prefix}${i * 7}`);
  return { raw, index: new Map(raw.map((r, i) => [r, i])) };
}

function pick<T>(rand: () => number, xs: T[], n: number): T[] {
  const pool = [...xs];
  const out: T[] = [];
  while (out.length < n && pool.length) {
    out.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]);
  }
  return out;
}

/**
 * Builds the fixture. Ratings follow each user's loved/hated keywords and genres with noise, so a
 * profile built from a window carries real but imperfect signal.
 */
export function buildFixture(
  options: { users?: number; items?: number; seed?: number } = {},
): Fixture {
  const nUsers = options.users ?? 40;
  const nItems = options.items ?? 60;
  const rand = mulberry32(options.seed ?? 7);
  const itemInfo: ItemInfo[] = [{ title: "", attributes: [], genres: [] }];
  const itemKeywords: string[][] = [[]];
  const itemGenres: string[][] = [[]];
  const quality: number[] = [0];
  for (let i = 1; i <= nItems; i++) {
    const genres = pick(rand, GENRES, 1 + Math.floor(rand() * 2));
    const kws = pick(rand, KEYWORDS, 3);
    const year = 1960 + Math.floor(rand() * 40);
    itemGenres.push(genres);
    itemKeywords.push(kws);
    quality.push(rand() - 0.5);
    itemInfo.push({
      title: `Picture ${i} (${year})`,
      attributes: [genres[0]],
      genres,
      description: `A ${kws[0]} and ${kws[1]} story with a ${kws[2]} mood.`,
      year,
    });
  }
  const users = vocabulary("u", nUsers);
  const items = vocabulary("m", nItems);
  const length = new Int32Array(nUsers + 1);
  const split = new Int32Array(nUsers + 1);
  const sequences: FixtureInteraction[][] = [[]];
  for (let u = 1; u <= nUsers; u++) {
    const loved = new Set(pick(rand, KEYWORDS, 2));
    const hated = new Set(pick(rand, KEYWORDS.filter((k) => !loved.has(k)), 2));
    const lovedGenre = GENRES[Math.floor(rand() * GENRES.length)];
    const generosity = rand() - 0.5;
    const L = 24 + Math.floor(rand() * 10);
    const order = pick(rand, Array.from({ length: nItems }, (_, i) => i + 1), L);
    const seq: FixtureInteraction[] = order.map((item, position) => {
      let score = 3.2 + generosity + quality[item] + (rand() - 0.5) * 1.2;
      for (const k of itemKeywords[item]) score += loved.has(k) ? 1.1 : hated.has(k) ? -1.1 : 0;
      if (itemGenres[item].includes(lovedGenre)) score += 0.6;
      const rating = Math.min(5, Math.max(1, Math.round(score)));
      return { user: u, item, rating, position };
    });
    length[u] = L;
    split[u] = Math.floor(0.8 * L);
    sequences.push(seq);
  }
  const pair = (x: FixtureInteraction): HistoryPair => ({
    title: itemInfo[x.item].title,
    rating: x.rating,
    item: x.item,
    position: x.position,
  });
  const userInputs: UserKnowledgeInput[] = [];
  for (let u = 1; u <= nUsers; u++) {
    const seq = sequences[u];
    userInputs.push({ user: u, history: seq.slice(0, FIRST_TARGET).map(pair) });
  }
  const train: FixtureInteraction[] = [];
  const targets: FixtureInteraction[] = [];
  for (let u = 1; u <= nUsers; u++) {
    for (const x of sequences[u]) {
      if (x.position <= split[u]) train.push(x);
      if (x.position >= FIRST_TARGET) targets.push(x);
    }
  }
  const itemInputs: ItemKnowledgeInput[] = [];
  for (let i = 1; i <= nItems; i++) {
    const raters = train.filter((x) => x.item === i);
    if (raters.length === 0) continue;
    // Raters before their first CTR target, with at least half a window of history.
    const eligible = raters.filter((x) => x.position < FIRST_TARGET && x.position >= 5);
    const likers = eligible.filter((x) => x.rating > 3);
    const dislikers = eligible.filter((x) => x.rating <= 3);
    const liker = likers.length ? likers[Math.floor(rand() * likers.length)] : undefined;
    const disliker = dislikers.length
      ? dislikers[Math.floor(rand() * dislikers.length)]
      : undefined;
    const before = (x?: FixtureInteraction) =>
      x ? sequences[x.user].slice(Math.max(0, x.position - 10), x.position).map(pair) : [];
    itemInputs.push({
      item: i,
      liker: liker?.user ?? 0,
      likerHistory: before(liker),
      likerRating: liker?.rating ?? 0,
      disliker: disliker?.user ?? 0,
      dislikerHistory: before(disliker),
      dislikerRating: disliker?.rating ?? 0,
    });
  }
  const trainPeriod: InteractionTable = {
    size: train.length,
    user: Int32Array.from(train, (x) => x.user),
    item: Int32Array.from(train, (x) => x.item),
    rating: Int32Array.from(train, (x) => x.rating),
    position: Int32Array.from(train, (x) => x.position),
  };
  return {
    dataset: {
      name: "fixture",
      domain: { itemNoun: "movie", ratingScale: [1, 5], likeThreshold: 3 },
      users,
      items,
      itemInfo,
      userSplit: { length, split },
      firstTarget: FIRST_TARGET,
      userInputs,
      itemInputs,
      trainPeriod,
    },
    targets,
  };
}
