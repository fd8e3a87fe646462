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
import { emptySplit } from "./split.ts";
import type { DatasetSource, SourceReport } from "./source.ts";
import type {
  CtrDataset,
  HistoryPair,
  InteractionTable,
  ItemInfo,
  ItemKnowledgeInput,
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
  const r = resolveOptions(source, options);
  const nRatings = Number((await readRows(db, "select count(*) as n from ratings"))[0].n);
  if (nRatings === 0) throw new DatasetError(`dataset ${source.name} has no ratings`);
  const seq = await loadSequences(db, r);
  const { users, items, attributes } = await readVocabularies(db);
  const { itemAttrs, itemInfo } = await readItems(db, items, attributes, r.A);
  const { train, valid, test, usersWithoutTargets } = buildSplits(seq, itemAttrs, r);
  const trainPeriod = trainingPeriodOf(seq);
  const window = windowReader(seq, itemInfo, r.firstTarget);
  const userInputs: UserKnowledgeInput[] = [];
  for (let u = 1; u < seq.users; u++) {
    userInputs.push({
      user: u,
      history: window(u, r.firstTarget - r.userWindow, r.firstTarget - 1),
    });
  }
  const { itemInputs, itemsWithoutTrainingRatings } = await itemKnowledgeInputs(
    db,
    items.raw.length,
    trainPeriod,
    window,
    r,
  );
  const dataset: CtrDataset = {
    name: source.name,
    domain: source.domain,
    historyLength: r.T,
    attrFields: r.A,
    attrFieldNames: source.attrFieldNames,
    users,
    items,
    attributes,
    itemAttrs,
    itemInfo,
    userSplit: { length: seq.length, split: seq.splitAt },
    firstTarget: r.firstTarget,
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

/** The protocol's options with their defaults, checked. */
interface Resolved {
  T: number;
  W: number;
  firstTarget: number;
  userWindow: number;
  validationFraction: number;
  seed: number;
  trainFraction: number;
  threshold: number;
  /** Attribute fields per item. */
  A: number;
}

function resolveOptions(source: DatasetSource, options: ProtocolOptions): Resolved {
  const firstTarget = options.firstTarget ?? 11;
  const r: Resolved = {
    T: options.historyLength ?? 5,
    W: options.llmHistoryLength ?? 10,
    firstTarget,
    userWindow: options.userWindow ?? firstTarget,
    validationFraction: options.validationFraction ?? 0.1,
    seed: options.seed ?? 1234,
    trainFraction: options.trainFraction ?? 0.8,
    threshold: source.domain.likeThreshold,
    A: source.attrFieldNames.length,
  };
  const whole = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new DatasetError(`${name} must be >= 1, got ${v}`);
  };
  whole("historyLength", r.T);
  whole("firstTarget", r.firstTarget);
  whole("userWindow", r.userWindow);
  if (!(r.validationFraction >= 0 && r.validationFraction < 1)) {
    throw new DatasetError(`validationFraction must be in [0, 1), got ${r.validationFraction}`);
  }
  return r;
}

/** Every user's chronological sequence as typed columns sorted by (user, position), and per user
 * where it starts, its length and its split point. */
interface Sequences {
  size: number;
  uid: Int32Array;
  iid: Int32Array;
  rating: Int32Array;
  pos: Int32Array;
  label: Int32Array;
  /** 0: before the first target; 1: a training target; 2: a test target. */
  role: Int32Array;
  /** Users, padding included (dense ids 1..users-1). */
  users: number;
  start: Int32Array;
  length: Int32Array;
  splitAt: Int32Array;
}

/** Vocabularies (numeric-aware order of raw ids, so ML ids map monotonically) and sequences. */
async function loadSequences(db: DuckDBConnection, r: Resolved): Promise<Sequences> {
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
      select *, floor(${r.trainFraction} * len)::INTEGER as split,
        (rating > ${r.threshold})::INTEGER as label,
        case when pos < ${r.firstTarget} then 0
             when pos <= floor(${r.trainFraction} * len) then 1 else 2 end as role
      from seq;
  `);
  const columns = await readColumns(
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
  const users = Number((await readRows(db, "select count(*) as n from user_vocab"))[0].n) + 1;
  const start = new Int32Array(users + 1);
  const length = new Int32Array(users);
  const splitAt = new Int32Array(users);
  for (let k = 0; k < columns.size; k++) {
    const u = columns.uid[k];
    if (columns.pos[k] === 0) start[u] = k;
    length[u] = columns.len[k];
    splitAt[u] = columns.split[k];
  }
  start[users] = columns.size;
  const { size, uid, iid, rating, pos, label, role } = columns;
  return { size, uid, iid, rating, pos, label, role, users, start, length, splitAt };
}

async function readVocabularies(db: DuckDBConnection) {
  const column = async (sql: string, name: string) =>
    vocabulary((await readRows(db, sql)).map((row) => String(row[name])));
  return {
    users: await column("select user_raw from user_vocab order by uid", "user_raw"),
    items: await column("select item_raw from item_vocab order by iid", "item_raw"),
    attributes: await column("select attr from attr_vocab order by aid", "attr"),
  };
}

/** Item metadata and attribute ids, by dense item index. */
async function readItems(
  db: DuckDBConnection,
  items: Vocabulary,
  attributes: Vocabulary,
  A: number,
): Promise<{ itemAttrs: Int32Array; itemInfo: ItemInfo[] }> {
  const rows = await readRows(
    db,
    `select v.iid, i.title, i.genres, i.description, i.year,
       list_transform(i.attrs, a -> coalesce(a, '')) as attrs
     from item_vocab v left join items i using (item_raw) order by v.iid`,
  );
  const itemAttrs = new Int32Array(items.raw.length * A);
  const itemInfo: ItemInfo[] = [{ title: "", attributes: [], genres: [] }];
  for (const r of rows) {
    const iid = Number(r.iid);
    const attrs = ((r.attrs as string[] | null) ?? []).map(String);
    for (let f = 0; f < A; f++) itemAttrs[iid * A + f] = attributes.index.get(attrs[f]) ?? 0;
    const info: ItemInfo = {
      title: r.title == null ? `item ${items.raw[iid]}` : String(r.title),
      attributes: attrs,
      genres: ((r.genres as string[] | null) ?? []).map(String),
    };
    if (r.description != null) info.description = String(r.description);
    if (r.year != null) info.year = Number(r.year);
    itemInfo[iid] = info;
  }
  return { itemAttrs, itemInfo };
}

/**
 * Train, validation and test samples. Validation holds each user's latest training targets,
 * positions validFrom..s, so it has the same users as test, just before their test period.
 */
function buildSplits(seq: Sequences, itemAttrs: Int32Array, r: Resolved) {
  const { T, A, firstTarget } = r;
  const validFrom = new Int32Array(seq.users);
  let usersWithoutTargets = 0;
  for (let u = 1; u < seq.users; u++) {
    const targets = Math.max(0, seq.splitAt[u] - firstTarget + 1);
    validFrom[u] = seq.splitAt[u] + 1 - Math.round(r.validationFraction * targets);
    if (seq.length[u] <= firstTarget) usersWithoutTargets++;
  }
  const isValid = (k: number) => seq.pos[k] >= validFrom[seq.uid[k]];
  let nTrain = 0, nValid = 0, nTest = 0;
  for (let k = 0; k < seq.size; k++) {
    if (seq.role[k] === 1) isValid(k) ? nValid++ : nTrain++;
    else if (seq.role[k] === 2) nTest++;
  }
  const train = emptySplit(nTrain, T, A);
  const valid = emptySplit(nValid, T, A);
  const test = emptySplit(nTest, T, A);
  train.size = valid.size = test.size = 0;
  for (let k = 0; k < seq.size; k++) {
    const role = seq.role[k];
    if (role === 0) continue;
    const s = role === 2 ? test : isValid(k) ? valid : train;
    const row = s.size++;
    s.user[row] = seq.uid[k];
    s.position[row] = seq.pos[k];
    s.item[row] = seq.iid[k];
    s.rating[row] = seq.rating[k];
    s.label[row] = seq.label[k];
    s.period[row] = role === 2 ? 1 : 0;
    for (let f = 0; f < A; f++) s.attrs[row * A + f] = itemAttrs[seq.iid[k] * A + f];
    for (let t = 0; t < T; t++) {
      if (seq.pos[k] - T + t < 0) continue;
      const h = k - T + t, hi = seq.iid[h];
      s.histItem[row * T + t] = hi;
      s.histRating[row * T + t] = seq.rating[h];
      for (let f = 0; f < A; f++) s.histAttrs[(row * T + t) * A + f] = itemAttrs[hi * A + f];
    }
  }
  return { train, valid, test, usersWithoutTargets };
}

/** Training-period interactions: positions 0..s of each user. */
function trainingPeriodOf(seq: Sequences): InteractionTable {
  const keep: number[] = [];
  for (let k = 0; k < seq.size; k++) if (seq.pos[k] <= seq.splitAt[seq.uid[k]]) keep.push(k);
  const pick = (a: Int32Array) => Int32Array.from(keep, (k) => a[k]);
  return {
    size: keep.length,
    user: pick(seq.uid),
    item: pick(seq.iid),
    rating: pick(seq.rating),
    position: pick(seq.pos),
  };
}

/** Reads positions [from, to] of a user, clamped to the interactions before any CTR target. */
type WindowReader = (user: number, from: number, to: number) => HistoryPair[];

function windowReader(seq: Sequences, itemInfo: ItemInfo[], firstTarget: number): WindowReader {
  return (u, from, to) => {
    const out: HistoryPair[] = [];
    const hi = Math.min(to, firstTarget - 1, seq.length[u] - 1);
    for (let p = Math.max(0, from); p <= hi; p++) {
      const k = seq.start[u] + p;
      out.push({
        title: itemInfo[seq.iid[k]].title,
        rating: seq.rating[k],
        item: seq.iid[k],
        position: seq.pos[k],
      });
    }
    return out;
  };
}

/**
 * One input per item with a training-period rating: a seeded liker and disliker among the raters
 * before their first CTR target (those with the longest window first), with the window before it.
 */
async function itemKnowledgeInputs(
  db: DuckDBConnection,
  nItems: number,
  trainPeriod: InteractionTable,
  window: WindowReader,
  r: Resolved,
): Promise<{ itemInputs: ItemKnowledgeInput[]; itemsWithoutTrainingRatings: number }> {
  await db.run(`
    create or replace temp table raters as
      select iid, uid, pos, rating, label,
        row_number() over (partition by iid, label
          order by least(pos, ${r.W}) desc, (hash(uid, ${r.seed}) % 1000003), uid) as rn
      from seq2 where pos < ${r.firstTarget};
  `);
  const picks = await readColumns(
    db,
    "select iid, uid, pos, rating, label from raters where rn = 1 order by iid, label",
    { iid: "i32", uid: "i32", pos: "i32", rating: "i32", label: "i32" },
  ) as unknown as Record<string, Int32Array> & { size: number };
  const rated = new Uint8Array(nItems);
  for (let k = 0; k < trainPeriod.size; k++) rated[trainPeriod.item[k]] = 1;
  const byItem = new Map<number, ItemKnowledgeInput>();
  let itemsWithoutTrainingRatings = 0;
  for (let i = 1; i < nItems; i++) {
    if (!rated[i]) {
      itemsWithoutTrainingRatings++;
      continue;
    }
    byItem.set(i, {
      item: i,
      liker: 0,
      likerHistory: [],
      likerRating: 0,
      disliker: 0,
      dislikerHistory: [],
      dislikerRating: 0,
    });
  }
  for (let k = 0; k < picks.size; k++) {
    const input = byItem.get(picks.iid[k]);
    if (!input) continue;
    const u = picks.uid[k], p = picks.pos[k];
    const history = window(u, p - r.W, p - 1);
    if (picks.label[k] === 1) {
      input.liker = u;
      input.likerHistory = history;
      input.likerRating = picks.rating[k];
    } else {
      input.disliker = u;
      input.dislikerHistory = history;
      input.dislikerRating = picks.rating[k];
    }
  }
  return { itemInputs: [...byItem.values()], itemsWithoutTrainingRatings };
}

/**
 * The interactions that are no CTR target of any split: each user's positions before
 * `firstTarget` (0..10 under the reference protocol). Everything knowledge reads comes from these,
 * so no sample's own label reaches any knowledge text.
 *
 * @example
 * ```ts
 * import { nonTargetInteractions } from "./protocol.ts";
 * import { prepareDataset } from "./prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
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
