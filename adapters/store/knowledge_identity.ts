/**
 * What made a store's knowledge: the identity a knowledge run records in its configuration
 * (`config.identity` of the `runs` table), read back from a store and compared field by field, so
 * stores made with other prompts, models, rounds or data are never merged into one.
 *
 * @module
 */
import type { DuckDBConnection } from "@duckdb/node-api";

/**
 * What decides a knowledge run's texts and keys. Runs written before these fields existed carry
 * only `dataset`, `actor`, `reflector` and `rounds` (from `config.actorId`, ...).
 *
 * @example
 * ```ts
 * import type { KnowledgeIdentity } from "./knowledge_identity.ts";
 * const identity: KnowledgeIdentity = {
 *   dataset: "synthetic", data: "0123456789abcdef", actor: "profile", reflector: "grounded",
 *   rounds: 1, prompts: "built-in", keyPrefix: "0123abcd4567|",
 * };
 * ```
 */
export interface KnowledgeIdentity {
  /** The dataset's name. */
  dataset: string;
  /** Fingerprint of every task's inputs (`taskSetFingerprint` of the full task list). */
  data?: string;
  /** The actor's id (names its model and prompt fingerprint). */
  actor: string;
  /** The reflector's id (names its model and prompt fingerprint). */
  reflector: string;
  /** Most reflection rounds. */
  rounds: number;
  /** Fingerprint of the custom prompt templates, `built-in` without them. */
  prompts?: string;
  /** The knowledge keys' run prefix (`runKeyPrefix`). */
  keyPrefix?: string;
}

/** The fields compared, in the order an error names the first that differs. */
const FIELDS = ["dataset", "data", "prompts", "actor", "reflector", "rounds", "keyPrefix"] as const;

/** The identity of one run's configuration; old runs give what they recorded. */
function identityOfConfig(config: Record<string, unknown>): KnowledgeIdentity {
  if (config.identity && typeof config.identity === "object") {
    return config.identity as KnowledgeIdentity;
  }
  return {
    dataset: String(config.dataset),
    actor: String(config.actorId),
    reflector: String(config.reflectorId),
    rounds: Number(config.rounds),
  };
}

/**
 * The first field in which two identities differ (fields one of them lacks are not compared), with
 * both values, or `undefined` when they agree.
 *
 * @example
 * ```ts
 * import { identityDifference } from "./knowledge_identity.ts";
 * const a = { dataset: "ml-1m", actor: "profile", reflector: "grounded", rounds: 1 };
 * console.log(identityDifference(a, { ...a, rounds: 2 })); // { field: "rounds", a: "1", b: "2" }
 * ```
 */
export function identityDifference(
  a: KnowledgeIdentity,
  b: KnowledgeIdentity,
): { field: string; a: string; b: string } | undefined {
  for (const field of FIELDS) {
    const [x, y] = [a[field], b[field]];
    if (x !== undefined && y !== undefined && String(x) !== String(y)) {
      return { field, a: String(x), b: String(y) };
    }
  }
  return undefined;
}

/**
 * The identities of the knowledge runs of the database `catalog` on connection `c`, one per run
 * (in start order). A store of no knowledge run gives none.
 *
 * @example
 * ```ts
 * import { DuckDBInstance } from "@duckdb/node-api";
 * import { knowledgeIdentities } from "./knowledge_identity.ts";
 * import { RUNS_SCHEMA } from "./tables/runs.ts";
 * const c = await (await DuckDBInstance.create(":memory:")).connect();
 * await c.run(RUNS_SCHEMA);
 * console.log(await knowledgeIdentities(c, "memory")); // []
 * ```
 */
export async function knowledgeIdentities(
  c: DuckDBConnection,
  catalog: string,
): Promise<KnowledgeIdentity[]> {
  const reader = await c.runAndReadAll(
    `SELECT config FROM "${catalog.replaceAll('"', '""')}".main.runs WHERE kind = 'knowledge'
     ORDER BY started_at, run_id`,
  );
  return reader.getRowObjectsJS().map((r) => identityOfConfig(JSON.parse(String(r.config))));
}

/**
 * The one identity of a store's knowledge runs; throws, naming the store and the field, when its
 * runs disagree among themselves (one file used for runs of other settings), and `undefined` for
 * a store without knowledge runs.
 *
 * @example
 * ```ts
 * import { storeIdentity } from "./knowledge_identity.ts";
 * const run = { dataset: "ml-1m", actor: "profile", reflector: "grounded", rounds: 1 };
 * console.log(storeIdentity("a.duckdb", [run, run])?.rounds); // 1
 * ```
 */
export function storeIdentity(
  path: string,
  identities: KnowledgeIdentity[],
): KnowledgeIdentity | undefined {
  const [first, ...rest] = identities;
  for (const other of rest) {
    const d = identityDifference(first, other);
    if (d) {
      throw new Error(
        `store ${path} holds knowledge runs of different ${d.field} (${JSON.stringify(d.a)} and ` +
          `${JSON.stringify(d.b)}); merge only stores of one configuration`,
      );
    }
  }
  // The first run that recorded the newer fields speaks for the store.
  return identities.find((i) => i.data !== undefined) ?? first;
}

/**
 * The shards (`I/N`) of the knowledge runs of the database `catalog` on `c`, `all` for a run of
 * the whole task set, each once, sorted.
 *
 * @example
 * ```ts
 * import { DuckDBInstance } from "@duckdb/node-api";
 * import { knowledgeShards } from "./knowledge_identity.ts";
 * import { RUNS_SCHEMA } from "./tables/runs.ts";
 * const c = await (await DuckDBInstance.create(":memory:")).connect();
 * await c.run(RUNS_SCHEMA);
 * console.log(await knowledgeShards(c, "memory")); // []
 * ```
 */
export async function knowledgeShards(c: DuckDBConnection, catalog: string): Promise<string[]> {
  const reader = await c.runAndReadAll(
    `SELECT config FROM "${catalog.replaceAll('"', '""')}".main.runs WHERE kind = 'knowledge'`,
  );
  const shards = reader.getRowObjectsJS().map((r) => {
    const shard = JSON.parse(String(r.config)).shard as { index: number; count: number } | null;
    return shard ? `${shard.index}/${shard.count}` : "all";
  });
  return [...new Set(shards)].sort();
}

/**
 * The shards of `N` missing from `shards` when all of them are shards of one `N` (none when a run
 * of the whole task set is among them, or the counts differ).
 *
 * @example
 * ```ts
 * import { missingShards } from "./knowledge_identity.ts";
 * console.log(missingShards(["0/4", "1/4", "3/4"])); // [ "2/4" ]
 * ```
 */
export function missingShards(shards: string[]): string[] {
  const counts = new Set(shards.map((s) => s.split("/")[1]));
  if (shards.includes("all") || counts.size !== 1) return [];
  const count = Number([...counts][0]);
  return Array.from({ length: count }, (_, i) => `${i}/${count}`).filter((s) =>
    !shards.includes(s)
  );
}
