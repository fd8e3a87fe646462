/**
 * The pieces of `deno task knowledge` that let one job run apart and be put back together
 * (`--shard I/N` and the identity a run records, which `deno task store merge` compares), and the
 * prices its reports and `deno task eval`'s estimate cost with (`--price-in`, `--price-out`).
 *
 * @module
 */
import { z } from "zod";
import type { KnowledgeIdentity } from "../adapters/store/knowledge_identity.ts";
import type { DuckDbStore } from "../adapters/store/duckdb_store.ts";
import {
  type StageTokens,
  stageTokens,
  type TokenContext,
  tokenCost,
  tokenLines,
  type TokenPrices,
} from "../eval/token_usage.ts";
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

/** `--price-in`, `--price-out`: prices per million prompt and completion tokens. */
export const PRICE_FLAGS = {
  "price-in": z.coerce.number().min(0).optional(),
  "price-out": z.coerce.number().min(0).optional(),
};

/** Help lines of {@link PRICE_FLAGS}. */
export const PRICE_HELP = `Cost estimate (LLM stages only):
  --price-in P          price per million prompt tokens (with --price-out)
  --price-out P         price per million completion tokens (with --price-in)`;

/**
 * The prices of the two flags, or none; one without the other is an error naming both.
 *
 * @example
 * ```ts
 * import { pricesOf } from "./scale.ts";
 * console.log(pricesOf({ "price-in": 0.2, "price-out": 0.6 })); // { inputPerMillion: 0.2, outputPerMillion: 0.6 }
 * ```
 */
export function pricesOf(
  flags: { "price-in"?: number; "price-out"?: number },
): TokenPrices | undefined {
  const [input, output] = [flags["price-in"], flags["price-out"]];
  if (input === undefined && output === undefined) return undefined;
  if (input === undefined || output === undefined) {
    throw new Error("--price-in and --price-out go together: give both (0 for a free side)");
  }
  return { inputPerMillion: input, outputPerMillion: output };
}

/** Tokens of the knowledge one run wrote, per stage and round, for its summary. */
export interface RunTokens {
  /** Per stage and round (see `stageTokens`). */
  stages: StageTokens[];
  /** The money estimate of the LLM stages, when prices were given (a lower bound when some counts are unknown). */
  cost?: number;
  /** The same as lines a person reads. */
  lines: string[];
}

/**
 * The tokens of the knowledge records run `runId` wrote among `keys`, read back from the store.
 *
 * @example
 * ```ts
 * import { openStore } from "../adapters/store/duckdb_store.ts";
 * import { runTokens } from "./scale.ts";
 * const store = await openStore(":memory:");
 * const tokens = await runTokens(store, "run-1", [], { actorLlm: true, reflectorLlm: false });
 * console.log(tokens.stages.length); // 0
 * ```
 */
export async function runTokens(
  store: DuckDbStore,
  runId: string,
  keys: string[],
  context: TokenContext,
): Promise<RunTokens> {
  const records = (await store.listKnowledge({ keys })).filter((r) => r.runId === runId);
  const stages = stageTokens(records);
  const byLlm = stages.filter((s) =>
    s.stage === "reflect" ? context.reflectorLlm : context.actorLlm
  );
  const total = {
    prompt: byLlm.reduce((n, s) => n + s.prompt, 0),
    completion: byLlm.reduce((n, s) => n + s.completion, 0),
  };
  return {
    stages,
    ...(context.prices ? { cost: tokenCost(total, context.prices) } : {}),
    lines: tokenLines(stages, context),
  };
}
