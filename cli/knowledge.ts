/**
 * `deno task knowledge --dataset NAME --store FILE [--actor SPEC] [--reflector SPEC] [--rounds N]`:
 * generates R4 knowledge for every user window and item of a dataset into a DuckDB store, with
 * progress on stderr and a JSON summary on stdout. Resumable: entities already in the store are
 * skipped and every LLM generation is cached in it, so a killed run continues where it stopped.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import {
  type CtrDataset,
  DATASET_NAMES,
  prepareDataset,
  withHistoryWindow,
} from "../datasets/mod.ts";
import { type KnowledgeJobSummary, runKnowledgeJob } from "../plugins/knowledge_job.ts";
import { r4 } from "../plugins/r4.ts";
import { knowledgeTasks, runKeyPrefix, tasksOfShard, withKeyPrefix } from "../plugins/tasks.ts";
import type { KnowledgeTask } from "../plugins/types.ts";
import type { DuckDbStore } from "../adapters/store/duckdb_store.ts";
import { formatCount, formatDuration, Progress, type ProgressStep } from "../util/progress.ts";
import { checkDataFlag, openStoreFlag } from "./checks.ts";
import {
  buildComponents,
  checkComponentSpecs,
  type ComponentOptions,
  type Components,
  profileSourceOf,
} from "./components.ts";
import { LLM_FLAGS, LLM_FLAGS_HELP, llmComponentOptions } from "./llm_flags.ts";
import {
  BATCH_ARG_OPTIONS,
  BATCH_FLAGS,
  BATCH_FLAGS_HELP,
  type BatchMode,
  batchModeOf,
} from "./batch_mode.ts";
import { flagOptions, runCli } from "./run.ts";
import {
  knowledgeIdentity,
  PRICE_FLAGS,
  PRICE_HELP,
  pricesOf,
  runTokens,
  SHARD_FLAG,
  SHARD_HELP,
} from "./scale.ts";

const HELP = `deno task knowledge --dataset NAME --store FILE [options]

Generates R4 knowledge (reason -> reflect -> refine, up to --rounds times) for the users and items
of a dataset into a DuckDB store. Progress goes to stderr, a JSON summary to stdout. Rerunning with
the same store resumes: stored entities are skipped, stored generations are reused. Every spec,
path and flag, and the store's lock, are checked before any work.

Dataset (same preparation as deno task prep):
  --dataset NAME        ${DATASET_NAMES.join(" | ")} (required)
  --data DIR            folder of the dataset files (not needed for synthetic)
  --seed N              seed of the liker/disliker choice (default 1234)
  --valid F             share of each user's latest training targets held out (default 0.1)
  --history N           backbone history window (default 5)
  --synthetic-users N   synthetic only: number of users (default 600)
  --synthetic-items N   synthetic only: number of movies (default 900)
  --kinds LIST          user,item (default both)
  --limit N             only the first N tasks (smoke runs)
${SHARD_HELP}

Knowledge:
  --actor SPEC          profile (default; statistical, no LLM) | LLM spec
  --reflector SPEC      grounded (default; checks held-back ratings, no LLM) | hybrid:LLM spec |
                        LLM spec
  --rounds N            reflection rounds T_max (default 1; 0 = reasoning only)
  --store FILE          DuckDB store file (required; created if missing)
  --grounded-k N        held-back pairs per grounded check (default 4)
  --grounded-threshold F  accuracy a grounded check needs (default 0.75)
  --concurrency N       entities in flight, and LLM calls in flight per model (default 8)

LLM specs: hf:MODEL[@provider] (Hugging Face Inference Providers, token from HF_TOKEN),
  endpoint:URL#MODEL (TGI, vLLM, llama.cpp or any OpenAI-compatible server; URL1,URL2,...#MODEL
  for replicas of one model: requests spread over them, a failing one is retried on another),
  local:PATH_OR_NAME (transformers.js; a name is looked up under $R4EC_MODELS_DIR).
${LLM_FLAGS_HELP}
${PRICE_HELP}
${BATCH_FLAGS_HELP}
`;

/** Stderr: a live line per step on a terminal, else a plain line every 10 s. */
const progress = new Progress();

const list = <T extends string>(values: readonly [T, ...T[]]) =>
  z.string().transform((s) => s.split(",").map((v) => v.trim()).filter(Boolean)).pipe(
    z.array(z.enum(values)).min(1),
  );

const Flags = z.object({
  dataset: z.enum(DATASET_NAMES),
  data: z.string().optional(),
  seed: z.coerce.number().int().default(1234),
  valid: z.coerce.number().min(0).lt(1).default(0.1),
  history: z.coerce.number().int().min(1).default(5),
  "synthetic-users": z.coerce.number().int().min(2).optional(),
  "synthetic-items": z.coerce.number().int().min(2).optional(),
  kinds: list(["user", "item"]).optional(),
  limit: z.coerce.number().int().min(1).optional(),
  actor: z.string().default("profile"),
  reflector: z.string().default("grounded"),
  rounds: z.coerce.number().int().min(0).default(1),
  store: z.string().min(1),
  "grounded-k": z.coerce.number().int().min(1).default(4),
  "grounded-threshold": z.coerce.number().min(0).max(1).default(0.75),
  concurrency: z.coerce.number().int().min(1).default(8),
  ...LLM_FLAGS,
  ...SHARD_FLAG,
  ...PRICE_FLAGS,
  ...BATCH_FLAGS,
});
type Flags = z.infer<typeof Flags>;

/**
 * Stderr lines of a job's failures: counts, and each distinct cause once; permanent failures say
 * that a rerun cannot help, the others invite one.
 */
function failureLines(summary: KnowledgeJobSummary): string[] {
  const transient = summary.failed - summary.permanentFailures;
  const causes = (permanent: boolean) =>
    [
      ...new Set(summary.failures.filter((f) => f.permanent === permanent).map((f) => f.error)),
    ].slice(0, 3);
  const lines: string[] = [];
  if (summary.permanentFailures > 0) {
    lines.push(
      `knowledge: ${summary.permanentFailures} task(s) failed permanently (a rerun fails the ` +
        `same way; change the settings): ${causes(true).join(" | ")}`,
    );
  }
  if (transient > 0) {
    lines.push(
      `knowledge: ${transient} task(s) failed; rerun to retry them: ${causes(false).join(" | ")}`,
    );
  }
  return lines;
}

await runCli(HELP, async (args) => {
  const { values } = parseArgs({
    args,
    options: { ...flagOptions(Flags), ...BATCH_ARG_OPTIONS },
    strict: true,
  });
  const flags: Flags = Flags.parse(values);
  // Everything that can be wrong is checked before the data is prepared.
  checkComponentSpecs(flags);
  const llm = llmComponentOptions(flags, [flags.actor, flags.reflector]);
  pricesOf(flags);
  checkDataFlag(flags.dataset, flags.data);
  const store = await openStoreFlag(flags.store);
  const run = new AbortController();
  const batch = await batchModeOf(flags, { store, log: (l) => progress.log(l), signal: run.signal })
    .catch(async (error) => {
      await store.close();
      throw error;
    });
  const onSignal = () => {
    progress.log("knowledge: interrupted; finishing the writes in flight (again to force quit)");
    if (run.signal.aborted) Deno.exit(130);
    run.abort(new Error("interrupted"));
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    await generateKnowledge(flags, llm, store, run.signal, batch);
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    await store.close();
  }
});

/** The prepared dataset (with the history window of the LLM flags) and its tasks. */
async function prepareTasks(
  flags: Flags,
): Promise<{ dataset: CtrDataset; tasks: KnowledgeTask[]; prepareMs: number }> {
  const t0 = performance.now();
  const synthetic = flags.dataset === "synthetic" &&
      (flags["synthetic-users"] !== undefined || flags["synthetic-items"] !== undefined)
    ? { users: flags["synthetic-users"], items: flags["synthetic-items"] }
    : undefined;
  const prepared = (await prepareDataset({
    dataset: flags.dataset,
    dataDir: flags.data,
    historyLength: flags.history,
    validationFraction: flags.valid,
    seed: flags.seed,
    ...(synthetic ? { synthetic } : {}),
  })).dataset;
  const window = flags["history-window"];
  const dataset = window ? withHistoryWindow(prepared, window) : prepared;
  let tasks = knowledgeTasks(dataset, { kinds: flags.kinds });
  if (flags.limit !== undefined) tasks = tasks.slice(0, flags.limit);
  if (flags.shard) tasks = tasksOfShard(tasks, flags.shard);
  return { dataset, tasks, prepareMs: performance.now() - t0 };
}

/** Prepares the data, builds the components, runs the job and prints its summary. */
async function generateKnowledge(
  flags: Flags,
  llm: Partial<ComponentOptions>,
  store: DuckDbStore,
  signal: AbortSignal,
  batch?: BatchMode,
): Promise<void> {
  const prepared = await prepareTasks(flags);
  const { dataset, prepareMs } = prepared;
  const components = await buildComponents({
    actor: flags.actor,
    reflector: flags.reflector,
    profile: flags.actor === "profile" ? profileSourceOf(dataset) : undefined,
    store,
    concurrency: flags.concurrency,
    ...llm,
    groundedK: flags["grounded-k"],
    groundedThreshold: flags["grounded-threshold"],
    seed: flags.seed,
    signal,
    ...(batch ? { wrapGenerator: batch.wrapGenerator } : {}),
  });
  const { actor, reflector } = components;
  // The prefix hashes the dataset's full task list, so a subset run shares keys with `eval`.
  const allTasks = knowledgeTasks(dataset);
  const ids = { actor: actor.id, reflector: reflector.id, rounds: flags.rounds };
  const prefix = await runKeyPrefix(allTasks, ids);
  const tasks = withKeyPrefix(prepared.tasks, prefix);
  const identity = await knowledgeIdentity({
    ...ids,
    dataset: dataset.name,
    allTasks,
    prompts: llm.prompts,
    keyPrefix: prefix,
  });
  const config = {
    ...flags,
    tasks: tasks.length,
    actorId: actor.id,
    reflectorId: reflector.id,
    identity,
  };
  const runId = await store.startRun({ kind: "knowledge", config });
  progress.log(
    `knowledge: ${tasks.length} tasks of ${dataset.name} (prepared in ${
      formatDuration(prepareMs)
    }); ` +
      `actor ${actor.id} (${actor.kind}), reflector ${reflector.id} (${reflector.kind}), ` +
      `rounds ${flags.rounds}, store ${flags.store}, run ${runId}`,
  );
  const t1 = performance.now();
  const job = () =>
    runJob({
      tasks,
      components,
      rounds: flags.rounds,
      store,
      runId,
      signal,
      concurrency: flags.concurrency,
    });
  const summary = batch
    ? await batch.run(job).catch(async (error) => {
      await store.finishRun(runId, { status: "failed", summary: { error: String(error) } });
      throw error;
    })
    : await job();
  const jobMs = performance.now() - t1;
  const tokensByStage = await runTokens(store, runId, tasks.map((t) => t.key), {
    actorLlm: actor.kind === "llm",
    reflectorLlm: reflector.kind !== "deterministic",
    prices: pricesOf(flags),
  });
  for (const line of tokensByStage.lines) progress.log(`knowledge tokens: ${line}`);
  const result = {
    dataset: dataset.name,
    actor: { id: actor.id, kind: actor.kind, description: components.actorDescription },
    reflector: {
      id: reflector.id,
      kind: reflector.kind,
      description: components.reflectorDescription,
    },
    maxRounds: flags.rounds,
    ...(flags.shard ? { shard: `${flags.shard.index}/${flags.shard.count}` } : {}),
    store: flags.store,
    runId,
    ...summary,
    tokensByStage,
    ...(batch ? { batch: batch.report() } : {}),
    llm: components.llmStats(),
    timings: { prepareMs: Math.round(prepareMs), jobMs: Math.round(jobMs) },
  };
  await store.finishRun(runId, {
    status: summary.cancelled ? "cancelled" : summary.failed ? "failed" : "done",
    timings: result.timings,
    summary: result,
  });
  console.log(JSON.stringify(result));
  if (result.batch?.stopped) {
    progress.log(`knowledge: batch mode ${result.batch.stopped}`);
    Deno.exitCode = 1;
  }
  if (summary.cancelled) Deno.exitCode = 130;
  else if (summary.failed) {
    for (const line of failureLines(summary)) progress.log(line);
    Deno.exitCode = 1;
  }
}

/** Runs the knowledge job with its progress on stderr; a job that throws fails the run. */
async function runJob(o: {
  tasks: KnowledgeTask[];
  components: Components;
  rounds: number;
  store: DuckDbStore;
  runId: string;
  signal: AbortSignal;
  concurrency: number;
}): Promise<KnowledgeJobSummary> {
  const { actor, reflector } = o.components;
  let step: ProgressStep | undefined;
  try {
    const summary = await runKnowledgeJob({
      tasks: o.tasks,
      stage: r4({ actor, reflector, rounds: o.rounds }),
      store: o.store,
      concurrency: o.concurrency,
      signal: o.signal,
      runId: o.runId,
      onProgress: (p) => {
        step ??= progress.step("knowledge", p.total, "tasks");
        step.update(
          p.done,
          `tokens ${formatCount(p.tokens.prompt)}+${formatCount(p.tokens.completion)}, ` +
            `skipped ${p.skipped}, failed ${p.failed}`,
        );
      },
    });
    step?.end();
    return summary;
  } catch (error) {
    // The step cut short stays on screen as it was; the error follows below it.
    progress.close();
    await o.store.finishRun(o.runId, { status: "failed", summary: { error: String(error) } });
    throw error;
  }
}
