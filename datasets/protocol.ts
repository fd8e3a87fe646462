/**
 * The R4ec/KAR data protocol over the `ratings`/`items` tables a source filled: labels, stable
 * per-user chronological order, the per-user temporal split, train/validation/test targets,
 * backbone history windows, and the LLM-side inputs.
 *
 * Knowledge reads only interactions that are no CTR target: each user's positions before
 * `firstTarget` (0..10 under the reference protocol). One user text per user (that prefix) serves
 * all of the user's samples, train and test alike; each item's liker and disliker are raters from
 * those positions too. So no knowledge text holds the rating of any target, and a model can carry
 * what it learned about a user's vector from training to test.
 *
 * @module
 */
import { type DuckDBConnection, readColumns, readRows } from "./duckdb.ts";
import { DatasetError } from "./errors.ts";
import type { DatasetSource, SourceReport } from "./source.ts";
import type {
  CtrDataset,
  HistoryPair,
  InteractionTable,
  ItemInfo,
  ItemKnowledgeInput,
  SampleSplit,
  UserKnowledgeInput,
  Vocabulary,
} from "./types.ts";

/** Options of the protocol. Defaults follow the reference run, plus a validation split. */
export interface ProtocolOptions {
  /** Backbone history window T (default 5). */
  historyLength?: number;
  /** History window of an item's liker and disliker (default 10). */
  llmHistoryLength?: number;
  /**
   * Most recent interactions before the user's first CTR target in the user's knowledge window
   * (default: all of them, `firstTarget`).
   */
  userWindow?: number;
  /**
   * Share of each user's training targets, the latest ones, that become validation targets
   * (default 0.1; 0 = off). Validation then holds the same users as test, just before their test
   * period, so model selection measures what the test measures.
   */
  validationFraction?: number;
  /** Seed of the liker/disliker choice (default 1234). */
  seed?: number;
  /** Train fraction of each user's sequence: s = floor(fraction * L) (default 0.8). */
  trainFraction?: number;
  /** First position that can be a CTR target (default 11: positions 0..10 are history only). */
  firstTarget?: number;
}

/** What preparing a dataset read, dropped and produced. */
export interface PrepareReport extends SourceReport {
  /** Users without any CTR target (sequence too short), still in the vocabulary. */
  usersWithoutTargets: number;
  /** Items without a training-period rating (no item knowledge input). */
  itemsWithoutTrainingRatings: number;
}

function vocabulary(raw: string[]): Vocabulary {
  const all = ["", ...raw];
  return { raw: all, index: new Map(all.map((r, i) => [r, i])) };
}

function emptySplit(size: number, T: number, A: number): SampleSplit {
  return {
    size,
    user: new Int32Array(size),
    position: new Int32Array(size),
    item: new Int32Array(size),
    attrs: new Int32Array(size * A),
    histItem: new Int32Array(size * T),
    histAttrs: new Int32Array(size * T * A),
    histRating: new Int32Array(size * T),
    rating: new Int32Array(size),
    label: new Float32Array(size),
    period: new Uint8Array(size),
  };
}

/**
 * Runs the protocol on a source's tables and returns the prepared dataset.
 *
 * @example
 * ```ts
 * import { openMemoryDb } from "./duckdb.ts";
 * import { applyProtocol } from "./protocol.ts";
 * import { syntheticSource } from "./synthetic.ts";
 * const db = await openMemoryDb();
 * const source = syntheticSource({ users: 50, items: 80, seed: 1 });
 * const report = await source.load(db);
 * const { dataset } = await applyProtocol(db, source, report);
 * console.assert(dataset.train.size > 0);
 * ```
 */
export async function applyProtocol(
  db: DuckDBConnection,
  source: DatasetSource,
  sourceReport: SourceReport,
  options: ProtocolOptions = {},
): Promise<{ dataset: CtrDataset; report: PrepareReport }> {
  const T = options.historyLength ?? 5;
  const W = options.llmHistoryLength ?? 10;
  const firstTarget = options.firstTarget ?? 11;
  const userWindow = options.userWindow ?? firstTarget;
  const validationFraction = options.validationFraction ?? 0.1;
  const seed = options.seed ?? 1234;
  const trainFraction = options.trainFraction ?? 0.8;
  const threshold = source.domain.likeThreshold;
  const A = source.attrFieldNames.length;
  if (!Number.isInteger(T) || T < 1) throw new DatasetError(`historyLength must be >= 1, got ${T}`);
  if (!Number.isInteger(firstTarget) || firstTarget < 1) {
    throw new DatasetError(`firstTarget must be >= 1, got ${firstTarget}`);
  }
  if (!Number.isInteger(userWindow) || userWindow < 1) {
    throw new DatasetError(`userWindow must be >= 1, got ${userWindow}`);
  }
  if (!(validationFraction >= 0 && validationFraction < 1)) {
    throw new DatasetError(`validationFraction must be in [0, 1), got ${validationFraction}`);
  }

  const nRatings = Number((await readRows(db, "select count(*) as n from ratings"))[0].n);
  if (nRatings === 0) throw new DatasetError(`dataset ${source.name} has no ratings`);

  // Vocabularies: numeric-aware order of raw ids, so ML ids map monotonically.
  const order = "try_cast(x as BIGINT) nulls last, x";
  await db.run(`
    create or replace temp table user_vocab as
      select x as user_raw, (row_number() over (order by ${order}))::INTEGER as uid
      from (select distinct user_raw as x from ratings);
    create or replace temp table item_vocab as
      select x as item_raw, (row_number() over (order by ${order}))::INTEGER as iid
      from (select distinct item_raw as x from ratings);
    create or replace temp table attr_vocab as
      select x as attr, (row_number() over (order by x))::INTEGER as aid
      from (select distinct unnest(i.attrs) as x from items i join item_vocab v using (item_raw));
    create or replace temp table seq as
      select u.uid, v.iid, r.rating,
        (row_number() over (partition by u.uid order by r.sort_key, r.line) - 1)::INTEGER as pos,
        (count(*) over (partition by u.uid))::INTEGER as len
      from ratings r join user_vocab u using (user_raw) join item_vocab v using (item_raw);
    create or replace temp table seq2 as
      select *, floor(${trainFraction} * len)::INTEGER as split,
        (rating > ${threshold})::INTEGER as label,
        case when pos < ${firstTarget} then 0
             when pos <= floor(${trainFraction} * len) then 1 else 2 end as role
      from seq;
  `);
  const users = vocabulary(
    (await readRows(db, "select user_raw from user_vocab order by uid")).map((r) =>
      String(r.user_raw)
    ),
  );
  const items = vocabulary(
    (await readRows(db, "select item_raw from item_vocab order by iid")).map((r) =>
      String(r.item_raw)
    ),
  );
  const attributes = vocabulary(
    (await readRows(db, "select attr from attr_vocab order by aid")).map((r) => String(r.attr)),
  );
  const nUsers = users.raw.length;
  const nItems = items.raw.length;

  // Item metadata and attribute ids.
  const itemRows = await readRows(
    db,
    `select v.iid, i.title, i.genres, i.description, i.year,
       list_transform(i.attrs, a -> coalesce(a, '')) as attrs
     from item_vocab v left join items i using (item_raw) order by v.iid`,
  );
  const itemAttrs = new Int32Array(nItems * A);
  const itemInfo: ItemInfo[] = [{ title: "", attributes: [], genres: [] }];
  for (const r of itemRows) {
    const iid = Number(r.iid);
    const attrs = (r.attrs as string[] | null) ?? [];
    for (let f = 0; f < A; f++) itemAttrs[iid * A + f] = attributes.index.get(attrs[f]) ?? 0;
    const info: ItemInfo = {
      title: r.title == null ? `item ${items.raw[iid]}` : String(r.title),
      attributes: ((r.attrs as string[] | null) ?? []).map(String),
      genres: ((r.genres as string[] | null) ?? []).map(String),
    };
    if (r.description != null) info.description = String(r.description);
    if (r.year != null) info.year = Number(r.year);
    itemInfo[iid] = info;
  }

  // The whole chronological sequence as typed arrays, sorted by (user, position).
  const seq = await readColumns(
    db,
    "select uid, iid, rating, pos, len, split, label, role from seq2 order by uid, pos",
    {
      uid: "i32",
      iid: "i32",
      rating: "i32",
      pos: "i32",
      len: "i32",
      split: "i32",
      label: "i32",
      role: "i32",
    },
  ) as unknown as Record<string, Int32Array> & { size: number };
  const start = new Int32Array(nUsers + 1);
  const length = new Int32Array(nUsers);
  const split = new Int32Array(nUsers);
  for (let k = 0; k < seq.size; k++) {
    const u = seq.uid[k];
    if (seq.pos[k] === 0) start[u] = k;
    length[u] = seq.len[k];
    split[u] = seq.split[k];
  }
  start[nUsers] = seq.size;

  // Validation: each user's latest training targets, positions validFrom[u]..s.
  const validFrom = new Int32Array(nUsers);
  let usersWithoutTargets = 0;
  for (let u = 1; u < nUsers; u++) {
    const targets = Math.max(0, split[u] - firstTarget + 1);
    validFrom[u] = split[u] + 1 - Math.round(validationFraction * targets);
    if (length[u] <= firstTarget) usersWithoutTargets++;
  }
  const isValid = (k: number) => seq.pos[k] >= validFrom[seq.uid[k]];

  let nTrain = 0, nValid = 0, nTest = 0;
  for (let k = 0; k < seq.size; k++) {
    const role = seq.role[k];
    if (role === 1) isValid(k) ? nValid++ : nTrain++;
    else if (role === 2) nTest++;
  }
  const train = emptySplit(nTrain, T, A);
  const valid = emptySplit(nValid, T, A);
  const test = emptySplit(nTest, T, A);
  train.size = valid.size = test.size = 0;
  for (let k = 0; k < seq.size; k++) {
    const role = seq.role[k];
    if (role === 0) continue;
    const u = seq.uid[k];
    const s = role === 2 ? test : isValid(k) ? valid : train;
    const r = s.size++;
    s.user[r] = u;
    s.position[r] = seq.pos[k];
    s.item[r] = seq.iid[k];
    s.rating[r] = seq.rating[k];
    s.label[r] = seq.label[k];
    s.period[r] = role === 2 ? 1 : 0;
    for (let f = 0; f < A; f++) s.attrs[r * A + f] = itemAttrs[seq.iid[k] * A + f];
    for (let t = 0; t < T; t++) {
      const p = seq.pos[k] - T + t;
      if (p < 0) continue;
      const h = k - T + t;
      const hi = seq.iid[h];
      s.histItem[r * T + t] = hi;
      s.histRating[r * T + t] = seq.rating[h];
      for (let f = 0; f < A; f++) s.histAttrs[(r * T + t) * A + f] = itemAttrs[hi * A + f];
    }
  }

  // Training-period interactions: positions 0..s of each user.
  let nPeriod = 0;
  for (let k = 0; k < seq.size; k++) if (seq.pos[k] <= seq.split[k]) nPeriod++;
  const trainPeriod: InteractionTable = {
    size: nPeriod,
    user: new Int32Array(nPeriod),
    item: new Int32Array(nPeriod),
    rating: new Int32Array(nPeriod),
    position: new Int32Array(nPeriod),
  };
  for (let k = 0, r = 0; k < seq.size; k++) {
    if (seq.pos[k] > seq.split[k]) continue;
    trainPeriod.user[r] = seq.uid[k];
    trainPeriod.item[r] = seq.iid[k];
    trainPeriod.rating[r] = seq.rating[k];
    trainPeriod.position[r++] = seq.pos[k];
  }

  const pair = (k: number): HistoryPair => ({
    title: itemInfo[seq.iid[k]].title,
    rating: seq.rating[k],
    item: seq.iid[k],
    position: seq.pos[k],
  });
  /** Positions [from, to] of user u, clamped to the interactions before any CTR target. */
  const window = (u: number, from: number, to: number): HistoryPair[] => {
    const out: HistoryPair[] = [];
    const hi = Math.min(to, firstTarget - 1, length[u] - 1);
    for (let p = Math.max(0, from); p <= hi; p++) out.push(pair(start[u] + p));
    return out;
  };

  // One user window: the latest `userWindow` interactions before the first CTR target.
  const userInputs: UserKnowledgeInput[] = [];
  for (let u = 1; u < nUsers; u++) {
    userInputs.push({ user: u, history: window(u, firstTarget - userWindow, firstTarget - 1) });
  }

  // Items: one seeded liker and disliker among the raters before their first CTR target, those
  // with the longest history window first.
  await db.run(`
    create or replace temp table raters as
      select iid, uid, pos, rating, label,
        row_number() over (partition by iid, label
          order by least(pos, ${W}) desc, (hash(uid, ${seed}) % 1000003), uid) as rn
      from seq2 where pos < ${firstTarget};
  `);
  const picks = await readColumns(
    db,
    "select iid, uid, pos, rating, label from raters where rn = 1 order by iid, label",
    { iid: "i32", uid: "i32", pos: "i32", rating: "i32", label: "i32" },
  ) as unknown as Record<string, Int32Array> & { size: number };
  const ratedInTraining = new Uint8Array(nItems);
  for (let r = 0; r < trainPeriod.size; r++) ratedInTraining[trainPeriod.item[r]] = 1;
  const byItem = new Map<number, ItemKnowledgeInput>();
  const itemInputs: ItemKnowledgeInput[] = [];
  let itemsWithoutTrainingRatings = 0;
  for (let i = 1; i < nItems; i++) {
    if (!ratedInTraining[i]) {
      itemsWithoutTrainingRatings++;
      continue;
    }
    const input: ItemKnowledgeInput = {
      item: i,
      liker: 0,
      likerHistory: [],
      likerRating: 0,
      disliker: 0,
      dislikerHistory: [],
      dislikerRating: 0,
    };
    byItem.set(i, input);
    itemInputs.push(input);
  }
  for (let r = 0; r < picks.size; r++) {
    const input = byItem.get(picks.iid[r]);
    if (!input) continue;
    const u = picks.uid[r], p = picks.pos[r];
    const history = window(u, p - W, p - 1);
    if (picks.label[r] === 1) {
      input.liker = u;
      input.likerHistory = history;
      input.likerRating = picks.rating[r];
    } else {
      input.disliker = u;
      input.dislikerHistory = history;
      input.dislikerRating = picks.rating[r];
    }
  }

  const dataset: CtrDataset = {
    name: source.name,
    domain: source.domain,
    historyLength: T,
    attrFields: A,
    attrFieldNames: source.attrFieldNames,
    users,
    items,
    attributes,
    itemAttrs,
    itemInfo,
    userSplit: { length, split },
    firstTarget,
    train,
    valid,
    test,
    trainPeriod,
    userInputs,
    itemInputs,
  };
  return {
    dataset,
    report: { ...sourceReport, usersWithoutTargets, itemsWithoutTrainingRatings },
  };
}

/**
 * The interactions that are no CTR target of any split: each user's positions before
 * `firstTarget` (0..10 under the reference protocol). Everything knowledge reads comes from these,
 * so no sample's own label reaches any knowledge text.
 *
 * @example
 * ```ts
 * import { nonTargetInteractions } from "./protocol.ts";
 * import type { CtrDataset } from "./types.ts";
 * declare const dataset: CtrDataset;
 * const history = nonTargetInteractions(dataset);
 * console.log(history.size < dataset.trainPeriod.size);
 * ```
 */
export function nonTargetInteractions(
  d: Pick<CtrDataset, "trainPeriod" | "firstTarget">,
): InteractionTable {
  const tp = d.trainPeriod;
  const keep: number[] = [];
  for (let r = 0; r < tp.size; r++) if (tp.position[r] < d.firstTarget) keep.push(r);
  const pick = (a: Int32Array) => Int32Array.from(keep, (r) => a[r]);
  return {
    size: keep.length,
    user: pick(tp.user),
    item: pick(tp.item),
    rating: pick(tp.rating),
    position: pick(tp.position),
  };
}
