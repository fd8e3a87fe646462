/**
 * The hand-off between datasets and the rest of the library: columnar CTR samples, vocabularies and
 * the LLM-side inputs of the R4ec/KAR protocol (docs/protocol.md#targets,
 * docs/protocol.md#llm-inputs).
 *
 * @module
 */

/** One `[title, rating]` pair of an LLM-side history window, oldest first in a window. */
export interface HistoryPair {
  /** Display title (ML-1M keeps the year, e.g. `The American President (1995)`). */
  title: string;
  /** Integer rating on the dataset's scale. */
  rating: number;
  /** Dense item index (1-based; 0 is padding) of the rated item. */
  item: number;
  /** Position of this interaction in the rater's chronological sequence. */
  position: number;
}

/**
 * One split of CTR samples as columnar typed arrays: row `r` of every array belongs to sample `r`.
 * Multi-valued fields are fixed-width blocks: `attrs[r * attrFields + f]`,
 * `histItem[r * historyLength + t]` (oldest first), `histAttrs[(r * historyLength + t) * attrFields + f]`.
 *
 * @example
 * ```ts
 * import type { SampleSplit } from "./types.ts";
 * function positiveRate(s: SampleSplit): number {
 *   let p = 0;
 *   for (let r = 0; r < s.size; r++) p += s.label[r];
 *   return p / s.size;
 * }
 * ```
 */
export interface SampleSplit {
  /** Number of samples. */
  size: number;
  /** Dense user index (1-based). */
  user: Int32Array;
  /** Position of the target in the user's chronological sequence. */
  position: Int32Array;
  /** Dense target item index (1-based; 0 is padding). */
  item: Int32Array;
  /** Target item attributes, `size * attrFields`, dense attribute ids (1-based; 0 is padding). */
  attrs: Int32Array;
  /** History item ids, `size * historyLength`, oldest first. */
  histItem: Int32Array;
  /** History attributes, `size * historyLength * attrFields`. */
  histAttrs: Int32Array;
  /** History ratings, `size * historyLength` (1..ratingMax; 0 is padding). */
  histRating: Int32Array;
  /** Raw rating of the target. */
  rating: Int32Array;
  /** Click label: 1 when the rating is above the like-threshold, else 0. */
  label: Float32Array;
  /** Period of the target: 0 = training period (train and validation targets), 1 = test period. */
  period: Uint8Array;
}

/** A vocabulary mapping raw ids (as strings) to dense 1-based indices; index 0 is padding. */
export interface Vocabulary {
  /** `raw[i]` is the raw id of dense index `i`; `raw[0]` is `""` (padding). */
  raw: string[];
  /** Inverse of `raw`. */
  index: Map<string, number>;
}

/** Per-user facts of the temporal split. */
export interface UserSplitInfo {
  /** Sequence length L. */
  length: Int32Array;
  /** Split position s = floor(0.8 L): positions 0..s are the training period. */
  split: Int32Array;
}

/**
 * Every training-period interaction (positions 0..s of each user), sorted by user then position.
 * The statistical baselines read these; knowledge reads only the positions before `firstTarget`.
 */
export interface InteractionTable {
  /** Number of interactions. */
  size: number;
  /** Dense user index (1-based). */
  user: Int32Array;
  /** Dense item index (1-based). */
  item: Int32Array;
  /** Raw rating. */
  rating: Int32Array;
  /** Position in the user's chronological sequence (0..s). */
  position: Int32Array;
}

/** Descriptive text fields of an item shown to knowledge generation. */
export interface ItemInfo {
  /** Display title. */
  title: string;
  /** Attribute names in field order (ML: first genre; Amazon: brand, category). */
  attributes: string[];
  /** Every genre / category the source lists (ML genres, Amazon category path). */
  genres: string[];
  /** Free text description when the source has one (synthetic: descriptive attribute text). */
  description?: string;
  /** Release year when known. */
  year?: number;
}

/** The LLM-side inputs of one user: one window, used for all of the user's samples. */
export interface UserKnowledgeInput {
  /** Dense user index. */
  user: number;
  /** The window the actor may see, oldest first: interactions before the first CTR target. */
  history: HistoryPair[];
}

/** The LLM-side inputs of one item: title and one liker's and one disliker's history. */
export interface ItemKnowledgeInput {
  /** Dense item index. */
  item: number;
  /** Dense index of the liking user, or 0 when none qualifies. */
  liker: number;
  /** The liker's window before the liking rating (no CTR target in it), `[]` when none. */
  likerHistory: HistoryPair[];
  /** The liker's rating of this item (above the threshold), 0 when none. */
  likerRating: number;
  /** Dense index of the disliking user, or 0 when none qualifies. */
  disliker: number;
  /** The disliker's window before the disliking rating (no CTR target in it), `[]` when none. */
  dislikerHistory: HistoryPair[];
  /** The disliker's rating of this item, 0 when none. */
  dislikerRating: number;
}

/** How a dataset speaks to the LLM: item noun, rating scale and like-threshold. */
export interface DatasetDomain {
  /** Singular noun for an item: `movie`, `book`, or a host's own. */
  itemNoun: string;
  /** Lowest and highest rating. */
  ratingScale: [number, number];
  /** A rating strictly above this is a like. */
  likeThreshold: number;
}

/**
 * A prepared dataset: samples for the backbone, vocabularies, and the LLM-side inputs.
 *
 * @example
 * ```ts
 * import type { CtrDataset } from "./types.ts";
 * function describe(d: CtrDataset): string {
 *   return `${d.name}: ${d.train.size} train / ${d.test.size} test samples`;
 * }
 * ```
 */
export interface CtrDataset {
  /** Dataset name, e.g. `ml-1m`. */
  name: string;
  /** Item noun, rating scale and like-threshold. */
  domain: DatasetDomain;
  /** Backbone history window T. */
  historyLength: number;
  /** Number of attribute fields per item (ML: 1, Amazon: 2). */
  attrFields: number;
  /** Names of the attribute fields (ML: `genre`; Amazon: `brand`, `category`). */
  attrFieldNames: string[];
  /** Users (dense index 1..users.raw.length-1). */
  users: Vocabulary;
  /** Items. */
  items: Vocabulary;
  /** Attribute values (one shared vocabulary over all attribute fields). */
  attributes: Vocabulary;
  /** Item attribute ids per item, `items.raw.length * attrFields` (row 0 is padding). */
  itemAttrs: Int32Array;
  /** Descriptive item info by dense item index (index 0 is a placeholder). */
  itemInfo: ItemInfo[];
  /** Per-user sequence lengths and split points, by dense user index. */
  userSplit: UserSplitInfo;
  /**
   * First position that can be a CTR target (11 under the reference protocol). Knowledge reads
   * only positions before it, which no split uses as a target.
   */
  firstTarget: number;
  /** Training targets (minus validation). */
  train: SampleSplit;
  /** Validation targets (carved from training targets); size 0 when switched off. */
  valid: SampleSplit;
  /** Test targets. */
  test: SampleSplit;
  /** Training-period interactions (what the statistics control and baselines may use). */
  trainPeriod: InteractionTable;
  /** LLM-side user inputs: one window per user, before the user's first CTR target. */
  userInputs: UserKnowledgeInput[];
  /** LLM-side item inputs, one per item that has at least one training-period rating. */
  itemInputs: ItemKnowledgeInput[];
}
