/**
 * The pieces of `deno task knowledge` that let one job run apart and be put back together:
 * `--shard I/N` and the identity a run records, which `deno task store merge` compares.
 *
 * @module
 */
import { z } from "zod";
import type { KnowledgeIdentity } from "../adapters/store/knowledge_identity.ts";
import type { PromptTemplates } from "../plugins/prompts/templates.ts";
import { taskSetFingerprint, type TaskShard } from "../plugins/tasks.ts";
import type { KnowledgeTask } from "../plugins/types.ts";

/** `--shard I/N`, parsed to a {@link TaskShard}. */
export const SHARD_FLAG = {
  shard: z.string().regex(/^\d+\/\d+$/, "expected I/N, e.g. 0/4").optional()
    .transform((text): TaskShard | undefined => {
      if (text === undefined) return undefined;
      const [index, count] = text.split("/").map(Number);
      return { index, count };
    })
    .refine((s) => s === undefined || (s.count >= 1 && s.index < s.count), {
      message: "I must be in 0..N-1 and N at least 1",
    }),
};

/** Help line of {@link SHARD_FLAG}. */
export const SHARD_HELP =
  `  --shard I/N           only shard I of N (0-based): a disjoint part of the tasks chosen by a
                        hash of each task's key; merge the shards' stores with deno task store merge`;

/**
 * The identity a knowledge run records (`config.identity`): what decides its texts and keys.
 *
 * @example
 * ```ts
 * import { knowledgeIdentity } from "./scale.ts";
 * const identity = await knowledgeIdentity({
 *   dataset: "synthetic", allTasks: [], actor: "profile", reflector: "grounded", rounds: 1,
 *   keyPrefix: "0123abcd4567|",
 * });
 * console.log(identity.prompts); // built-in
 * ```
 */
export async function knowledgeIdentity(o: {
  dataset: string;
  /** The dataset's full task list (not a shard or a limit of it). */
  allTasks: KnowledgeTask[];
  actor: string;
  reflector: string;
  rounds: number;
  prompts?: PromptTemplates;
  keyPrefix: string;
}): Promise<KnowledgeIdentity> {
  return {
    dataset: o.dataset,
    data: await taskSetFingerprint(o.allTasks),
    actor: o.actor,
    reflector: o.reflector,
    rounds: o.rounds,
    prompts: o.prompts?.fingerprint || "built-in",
    keyPrefix: o.keyPrefix,
  };
}
