/**
 * Construction samples of a prepared dataset (docs/method.md#construction): the inference tasks of
 * {@linkcode knowledgeTasks} with a held-back target from the training period.
 * - User: each user's knowledge window, and as target the training interaction right after it.
 * - Item: each item's liker/disliker task, and as target another training-period rater of the item,
 *   with that rater's pairs before the rating as the target user's history.
 *
 * @module
 */
import type { CtrDataset } from "../datasets/types.ts";
import { hashSeed, mulberry32 } from "../util/random.ts";
import { itemTasks, userTasks } from "./tasks.ts";
import type { KnowledgeKind, KnowledgeTask, RatedTitle } from "./types.ts";

/** Options of {@link constructionTasks}. */
export interface ConstructionTaskOptions {
  /** Kinds to build. @default ["user", "item"] */
  kinds?: KnowledgeKind[];
  /** At most this many samples per kind, in dataset order. @default all */
  limit?: number;
  /** Pairs of the target user's history shown for item samples. @default 10 */
  targetWindow?: number;
  /** Seed of the choice of an item's target rater. @default 0 */
  seed?: number;
}

/** First row of each user in the training-period table (sorted by user, then position), or -1. */
function userRows(d: CtrDataset): Int32Array {
  const start = new Int32Array(d.users.raw.length + 1).fill(-1);
  const tp = d.trainPeriod;
  for (let r = tp.size - 1; r >= 0; r--) start[tp.user[r]] = r;
  return start;
}

function rowAt(d: CtrDataset, start: Int32Array, user: number, position: number): number {
  const tp = d.trainPeriod;
  for (let r = start[user]; r >= 0 && r < tp.size && tp.user[r] === user; r++) {
    if (tp.position[r] === position) return r;
  }
  return -1;
}

function pairOf(d: CtrDataset, row: number): RatedTitle {
  const item = d.trainPeriod.item[row];
  return { title: d.itemInfo[item].title, rating: d.trainPeriod.rating[row], item };
}

function userSamples(d: CtrDataset, start: Int32Array): KnowledgeTask[] {
  const inputs = d.userInputs;
  const tasks = userTasks(d);
  const out: KnowledgeTask[] = [];
  inputs.forEach((input, i) => {
    const last = input.history.at(-1);
    if (!last) return;
    const row = rowAt(d, start, input.user, last.position + 1);
    if (row < 0) return; // the window ends the training period: no target after it
    const target = pairOf(d, row);
    const task = tasks[i];
    if (task.kind !== "user") return;
    out.push({
      ...task,
      target: {
        itemTitle: target.title,
        label: target.rating > d.domain.likeThreshold ? 1 : 0,
      },
    });
  });
  return out;
}

function itemSamples(
  d: CtrDataset,
  start: Int32Array,
  window: number,
  seed: number,
): KnowledgeTask[] {
  const tp = d.trainPeriod;
  const raters = new Map<number, number[]>();
  for (let r = 0; r < tp.size; r++) {
    if (tp.position[r] === 0) continue; // no history before it to show
    const rows = raters.get(tp.item[r]) ?? [];
    rows.push(r);
    raters.set(tp.item[r], rows);
  }
  const tasks = itemTasks(d);
  const out: KnowledgeTask[] = [];
  d.itemInputs.forEach((input, i) => {
    const task = tasks[i];
    const rows = (raters.get(input.item) ?? []).filter((r) =>
      tp.user[r] !== input.liker && tp.user[r] !== input.disliker
    );
    if (task.kind !== "item" || rows.length === 0) return;
    const row = rows[Math.floor(mulberry32(hashSeed(seed, task.key))() * rows.length)];
    const user = tp.user[row], position = tp.position[row];
    const history: RatedTitle[] = [];
    for (let p = Math.max(0, position - window); p < position; p++) {
      const r = rowAt(d, start, user, p);
      if (r >= 0) history.push(pairOf(d, r));
    }
    out.push({
      ...task,
      target: { userHistory: history, label: tp.rating[row] > d.domain.likeThreshold ? 1 : 0 },
    });
  });
  return out;
}

/**
 * Builds target-aware construction tasks from a prepared dataset; every pair shown, targets
 * included, lies in the training period.
 *
 * @example
 * ```ts
 * import { constructionTasks } from "./construction_tasks.ts";
 * import { prepareDataset } from "../datasets/mod.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 30, items: 40 } });
 * const tasks = constructionTasks(dataset, { limit: 5 });
 * console.log(tasks.length, tasks[0].target?.label);
 * ```
 */
export function constructionTasks(
  dataset: CtrDataset,
  options: ConstructionTaskOptions = {},
): KnowledgeTask[] {
  const kinds = new Set(options.kinds ?? ["user", "item"]);
  const limit = options.limit ?? Infinity;
  const start = userRows(dataset);
  return [
    ...(kinds.has("user") ? userSamples(dataset, start).slice(0, limit) : []),
    ...(kinds.has("item")
      ? itemSamples(dataset, start, options.targetWindow ?? 10, options.seed ?? 0).slice(0, limit)
      : []),
  ];
}
