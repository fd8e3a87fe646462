/**
 * Turns a prepared dataset's LLM-side inputs into {@link KnowledgeTask}s: one user task per user
 * and one item task per item with training-period ratings. Every history pair is checked against
 * the dataset's first CTR target position, so no target's rating, train or test, can reach a task
 * (the leakage rule).
 *
 * @module
 */
import type {
  CtrDataset,
  HistoryPair,
  ItemKnowledgeInput,
  UserKnowledgeInput,
} from "../datasets/types.ts";
import { hashSeed } from "../util/random.ts";
import type { Domain, KnowledgeKind, KnowledgeTask, RatedTitle } from "./types.ts";

/**
 * What part of a dataset {@link knowledgeTasks} turns into tasks.
 *
 * @example
 * ```ts
 * import type { KnowledgeTaskOptions } from "./tasks.ts";
 * const usersOnly: KnowledgeTaskOptions = { kinds: ["user"] };
 * ```
 */
export interface KnowledgeTaskOptions {
  /** Knowledge kinds to emit; default both. */
  kinds?: KnowledgeKind[];
  /** Keep item tasks whose liker and disliker histories are both empty; default true. */
  includeItemsWithoutRaters?: boolean;
}

/**
 * The slice of a prepared dataset that task building reads (a whole `CtrDataset` fits).
 *
 * @example
 * ```ts
 * import type { TaskSource } from "./tasks.ts";
 * import { prepareDataset } from "../datasets/prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * const source: TaskSource = dataset;
 * ```
 */
export type TaskSource = Pick<
  CtrDataset,
  "name" | "domain" | "users" | "items" | "itemInfo" | "firstTarget" | "userInputs" | "itemInputs"
>;

/**
 * Store key of a user task: `<dataset>:user:<rawId>`.
 *
 * @example
 * ```ts
 * import { userTaskKey } from "./tasks.ts";
 * console.assert(userTaskKey("ml-1m", "42") === "ml-1m:user:42");
 * ```
 */
export function userTaskKey(dataset: string, rawUserId: string): string {
  return `${dataset}:user:${rawUserId}`;
}

/**
 * Store key of an item task: `<dataset>:item:<rawId>`.
 *
 * @example
 * ```ts
 * import { itemTaskKey } from "./tasks.ts";
 * console.assert(itemTaskKey("ml-1m", "1193") === "ml-1m:item:1193");
 * ```
 */
export function itemTaskKey(dataset: string, rawItemId: string): string {
  return `${dataset}:item:${rawItemId}`;
}

function domainOf(dataset: TaskSource): Domain {
  const d = dataset.domain;
  return {
    itemNoun: d.itemNoun,
    ratingScale: [d.ratingScale[0], d.ratingScale[1]],
    likeThreshold: d.likeThreshold,
  };
}

/**
 * Converts one window to rated titles, refusing any pair at or after `firstTarget`: such a pair
 * may be a CTR target, whose rating knowledge must never hold.
 */
function toRatedTitles(
  pairs: HistoryPair[],
  firstTarget: number,
  where: string,
): RatedTitle[] {
  return pairs.map((p, i) => {
    if (!(p.position < firstTarget)) {
      throw new Error(
        `${where}: history pair ${i} ('${p.title}', position ${p.position}) may be a CTR target ` +
          `(targets start at position ${firstTarget}); knowledge may use only earlier interactions`,
      );
    }
    if (!Number.isInteger(p.rating)) {
      throw new Error(
        `${where}: history pair ${i} ('${p.title}') has non-integer rating ${p.rating}`,
      );
    }
    return { title: p.title, rating: p.rating, item: p.item };
  });
}

function userTask(dataset: TaskSource, input: UserKnowledgeInput, domain: Domain): KnowledgeTask {
  const raw = dataset.users.raw[input.user];
  if (raw === undefined || input.user <= 0) {
    throw new Error(`${dataset.name}: userInputs names unknown dense user ${input.user}`);
  }
  const key = userTaskKey(dataset.name, raw);
  return {
    kind: "user",
    key,
    domain,
    history: toRatedTitles(
      input.history,
      dataset.firstTarget,
      `${key} (userInputs, user ${input.user})`,
    ),
  };
}

function itemTask(dataset: TaskSource, input: ItemKnowledgeInput, domain: Domain): KnowledgeTask {
  const raw = dataset.items.raw[input.item];
  const info = dataset.itemInfo[input.item];
  if (raw === undefined || info === undefined || input.item <= 0) {
    throw new Error(`${dataset.name}: itemInputs names unknown dense item ${input.item}`);
  }
  const key = itemTaskKey(dataset.name, raw);
  const rater = (user: number, role: string, pairs: HistoryPair[]): RatedTitle[] => {
    if (pairs.length === 0) return [];
    if (user <= 0 || user >= dataset.users.raw.length) {
      throw new Error(`${key} (itemInputs): ${role} history given for unknown dense user ${user}`);
    }
    return toRatedTitles(pairs, dataset.firstTarget, `${key} (${role} ${user})`);
  };
  // Attributes and genres overlap (ML: first genre); keep each name once, field order first.
  const attributes = [...new Set([...info.attributes, ...info.genres].filter((a) => a !== ""))];
  return {
    kind: "item",
    key,
    domain,
    title: info.title,
    attributes,
    ...(info.description ? { description: info.description } : {}),
    likerHistory: rater(input.liker, "liker", input.likerHistory),
    dislikerHistory: rater(input.disliker, "disliker", input.dislikerHistory),
  };
}

/**
 * User tasks: one per entry of `dataset.userInputs`, in input order.
 *
 * @example
 * ```ts
 * import { userTasks } from "./tasks.ts";
 * import { prepareDataset } from "../datasets/prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * const tasks = userTasks(dataset);
 * console.assert(tasks.length === dataset.userInputs.length && tasks[0].kind === "user");
 * ```
 */
export function userTasks(dataset: TaskSource): KnowledgeTask[] {
  const domain = domainOf(dataset);
  return dataset.userInputs.map((u) => userTask(dataset, u, domain));
}

/**
 * Item tasks: one per entry of `dataset.itemInputs`, in input order.
 *
 * @example
 * ```ts
 * import { itemTasks } from "./tasks.ts";
 * import { prepareDataset } from "../datasets/prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * const items = itemTasks(dataset, { includeItemsWithoutRaters: false });
 * console.assert(items.every((t) => t.kind === "item" && t.likerHistory.length + t.dislikerHistory.length > 0));
 * ```
 */
export function itemTasks(
  dataset: TaskSource,
  options: { includeItemsWithoutRaters?: boolean } = {},
): KnowledgeTask[] {
  const keepEmpty = options.includeItemsWithoutRaters ?? true;
  const domain = domainOf(dataset);
  return dataset.itemInputs
    .filter((i) => keepEmpty || i.likerHistory.length > 0 || i.dislikerHistory.length > 0)
    .map((i) => itemTask(dataset, i, domain));
}

/**
 * All knowledge tasks of a dataset: user tasks then item tasks.
 *
 * @example
 * ```ts
 * import { knowledgeTasks } from "./tasks.ts";
 * import { prepareDataset } from "../datasets/prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * const tasks = knowledgeTasks(dataset, { kinds: ["user"] });
 * console.assert(tasks.every((t) => t.kind === "user"));
 * ```
 */
export function knowledgeTasks(
  dataset: TaskSource,
  options: KnowledgeTaskOptions = {},
): KnowledgeTask[] {
  const kinds = new Set(options.kinds ?? ["user", "item"]);
  return [
    ...(kinds.has("user") ? userTasks(dataset) : []),
    ...(kinds.has("item") ? itemTasks(dataset, options) : []),
  ];
}

async function sha256Hex(text: string, chars: number): Promise<string> {
  const hash = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("").slice(0, chars);
}

/** What makes knowledge reusable across runs: the same components and rounds. */
export interface RunIdentity {
  /** The actor id. */
  actor: string;
  /** The reflector id. */
  reflector: string;
  /** Most reflection rounds per task (`rounds` of the R4 loop). */
  rounds: number;
}

/**
 * The store-key prefix of one configuration, `<hash>|`: a hash of the actor, reflector, rounds and
 * the inputs of every task of the dataset. Knowledge is reused only when all of these are the
 * same, so `deno task knowledge`, `deno task eval` and the server share work, and a changed
 * dataset never reuses stale knowledge. Pass the dataset's full task list, also when running a
 * subset.
 *
 * @example
 * ```ts
 * import { knowledgeTasks, runKeyPrefix, taskKeyOf } from "./tasks.ts";
 * import { prepareDataset } from "../datasets/prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * const tasks = knowledgeTasks(dataset);
 * const prefix = await runKeyPrefix(tasks, { actor: "profile", reflector: "grounded", rounds: 1 });
 * console.assert(taskKeyOf(prefix + tasks[0].key) === tasks[0].key);
 * ```
 */
export async function runKeyPrefix(tasks: KnowledgeTask[], identity: RunIdentity): Promise<string> {
  const text = JSON.stringify([identity.actor, identity.reflector, identity.rounds, tasks]);
  return `${await sha256Hex(text, 12)}|`;
}

/**
 * Tasks with their keys prefixed (see {@linkcode runKeyPrefix}).
 *
 * @example
 * ```ts
 * import { knowledgeTasks, withKeyPrefix } from "./tasks.ts";
 * import { prepareDataset } from "../datasets/prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * const [first] = withKeyPrefix(knowledgeTasks(dataset), "0123abcd|");
 * console.assert(first.key.startsWith("0123abcd|synthetic:"));
 * ```
 */
export function withKeyPrefix(tasks: KnowledgeTask[], prefix: string): KnowledgeTask[] {
  return tasks.map((task) => ({ ...task, key: prefix + task.key }));
}

/**
 * The task key inside a prefixed store key.
 *
 * @example
 * ```ts
 * import { taskKeyOf } from "./tasks.ts";
 * console.assert(taskKeyOf("0123abcd|ml-1m:user:42:train") === "ml-1m:user:42:train");
 * ```
 */
export function taskKeyOf(storeKey: string): string {
  return storeKey.slice(storeKey.indexOf("|") + 1);
}

/**
 * One of `count` disjoint parts of a task set (`--shard index/count`).
 *
 * @example
 * ```ts
 * import type { TaskShard } from "./tasks.ts";
 * const second: TaskShard = { index: 1, count: 4 };
 * ```
 */
export interface TaskShard {
  /** Which part, from 0. */
  index: number;
  /** How many parts. */
  count: number;
}

/**
 * The shard a task key belongs to: a stable hash of the key (without its run prefix), so the
 * split depends on what a task is, never on where it stands in a list. Every key falls in exactly
 * one shard of `count`.
 *
 * @example
 * ```ts
 * import { shardOfKey } from "./tasks.ts";
 * const shard = shardOfKey("ml-1m:user:42", 4);
 * console.assert(shard === shardOfKey("0123abcd|ml-1m:user:42", 4) && shard >= 0 && shard < 4);
 * ```
 */
export function shardOfKey(key: string, count: number): number {
  return hashSeed(0x5ead, taskKeyOf(key)) % count;
}

/**
 * The tasks of one shard, in their given order; the shards `0..count-1` of a task list are
 * disjoint and together hold every task once.
 *
 * @example
 * ```ts
 * import { knowledgeTasks, tasksOfShard } from "./tasks.ts";
 * import { prepareDataset } from "../datasets/prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * const tasks = knowledgeTasks(dataset);
 * const sizes = [0, 1, 2].map((index) => tasksOfShard(tasks, { index, count: 3 }).length);
 * console.assert(sizes.reduce((a, b) => a + b) === tasks.length);
 * ```
 */
export function tasksOfShard(tasks: KnowledgeTask[], shard: TaskShard): KnowledgeTask[] {
  if (!(Number.isInteger(shard.count) && shard.count >= 1)) {
    throw new Error(`shard count must be a positive integer, got ${shard.count}`);
  }
  if (!(Number.isInteger(shard.index) && shard.index >= 0 && shard.index < shard.count)) {
    throw new Error(`shard index must be in 0..${shard.count - 1}, got ${shard.index}`);
  }
  return tasks.filter((task) => shardOfKey(task.key, shard.count) === shard.index);
}

/**
 * A fingerprint of a task set's inputs (every field of every task, in order): two runs with equal
 * fingerprints read the same data. Runs record it so stores of different data are never merged.
 *
 * @example
 * ```ts
 * import { knowledgeTasks, taskSetFingerprint } from "./tasks.ts";
 * import { prepareDataset } from "../datasets/prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * console.log((await taskSetFingerprint(knowledgeTasks(dataset))).length); // 16
 * ```
 */
export function taskSetFingerprint(tasks: KnowledgeTask[]): Promise<string> {
  return sha256Hex(JSON.stringify(tasks), 16);
}
