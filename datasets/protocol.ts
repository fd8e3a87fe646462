/**
 * The R4ec/KAR data protocol (METHOD.md §5.5) over the `ratings`/`items` tables a source filled:
 * labels, stable per-user chronological order, the per-user temporal split, train/validation/test
 * targets, backbone history windows, and the LLM-side inputs drawn from the training period only.
 *
 * @module
 */
import { mulberry32 } from "../util/random.ts";
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
  /** LLM-side history window (default 10). */
  llmHistoryLength?: number;
  /** Fraction of users whose training targets become validation targets (default 0.1; 0 = off). */
  validationFraction?: number;
  /** Seed for the validation users and the liker/disliker choice (default 1234). */
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
  const validationFraction = options.validationFraction ?? 0.1;
  const seed = options.seed ?? 1234;
  const trainFraction = options.trainFraction ?? 0.8;
  const firstTarget = options.firstTarget ?? 11;
  const threshold = source.domain.likeThreshold;
  const A = source.attrFieldNames.length;
  if (!Number.isInteger(T) || T < 1) throw new DatasetError(`historyLength must be >= 1, got ${T}`);
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

  // Validation users: a seeded random fraction of users with training targets.
  const rng = mulberry32(seed);
  const validUser = new Uint8Array(nUsers);
  const candidates: number[] = [];
  let usersWithoutTargets = 0;
  for (let u = 1; u < nUsers; u++) {
    if (split[u] >= firstTarget) candidates.push(u);
    if (length[u] <= firstTarget) usersWithoutTargets++;
  }
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  const nValidUsers = Math.round(validationFraction * candidates.length);
  for (let i = 0; i < nValidUsers; i++) validUser[candidates[i]] = 1;

  let nTrain = 0, nValid = 0, nTest = 0;
  for (let k = 0; k < seq.size; k++) {
    const role = seq.role[k];
    if (role === 1) validUser[seq.uid[k]] ? nValid++ : nTrain++;
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
    const s = role === 2 ? test : validUser[u] ? valid : train;
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
  /** Positions [from, to] of user u, clamped to the training period. */
  const window = (u: number, from: number, to: number): HistoryPair[] => {
    const out: HistoryPair[] = [];
    const hi = Math.min(to, split[u]);
    for (let p = Math.max(0, from); p <= hi; p++) out.push(pair(start[u] + p));
    return out;
  };

  // LLM-side user windows: training period = positions 1..W; test period = the W ending at s.
  const userInputs: UserKnowledgeInput[] = [];
  for (let u = 1; u < nUsers; u++) {
    userInputs.push({ user: u, period: 0, history: window(u, 1, W) });
    userInputs.push({ user: u, period: 1, history: window(u, split[u] - W + 1, split[u]) });
  }

  // Items: one seeded liker and disliker among training-period raters with >= W prior interactions.
  await db.run(`
    create or replace temp table raters as
      select iid, uid, pos, rating, label,
        row_number() over (partition by iid, label
          order by (hash(uid, ${seed}) % 1000003), uid) as rn
      from seq2 where pos <= split and pos >= ${W};
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
 * The training-period interactions that are no CTR target of any split (each user's positions
 * before their first target: 0..10 under the reference protocol). Statistics that feed knowledge
 * for training samples must come from these, or a training sample's own label leaks into its
 * knowledge.
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
export function nonTargetInteractions(d: CtrDataset): InteractionTable {
  const firstTarget = new Int32Array(d.users.raw.length).fill(2 ** 31 - 1);
  for (const s of [d.train, d.valid, d.test]) {
    for (let r = 0; r < s.size; r++) {
      if (s.position[r] < firstTarget[s.user[r]]) firstTarget[s.user[r]] = s.position[r];
    }
  }
  const tp = d.trainPeriod;
  const keep: number[] = [];
  for (let r = 0; r < tp.size; r++) if (tp.position[r] < firstTarget[tp.user[r]]) keep.push(r);
  const pick = (a: Int32Array) => Int32Array.from(keep, (r) => a[r]);
  return {
    size: keep.length,
    user: pick(tp.user),
    item: pick(tp.item),
    rating: pick(tp.rating),
    position: pick(tp.position),
  };
}
