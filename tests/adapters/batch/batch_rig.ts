/**
 * The knowledge job in batch mode, in process, as `deno task knowledge --batch-*` composes it: a
 * small synthetic slice, an LLM actor and reflector behind one endpoint spec (never called), a new
 * batch session per step (one step = one CLI invocation).
 *
 * @module
 */
import {
  BatchApiClient,
  BatchSession,
  driveBatchApi,
  readResultFiles,
} from "../../../adapters/batch/mod.ts";
import type { DuckDbStore } from "../../../adapters/store/duckdb_store.ts";
import { buildComponents } from "../../../cli/components.ts";
import { prepareDataset } from "../../../datasets/mod.ts";
import { runKnowledgeJob } from "../../../plugins/knowledge_job.ts";
import { r4 } from "../../../plugins/r4.ts";
import { knowledgeTasks, withKeyPrefix } from "../../../plugins/tasks.ts";
import type { KnowledgeTask } from "../../../plugins/types.ts";

/** The LLM spec of the rig (the port is never listened on: batch mode sends nothing). */
export const RIG_LLM = "endpoint:http://127.0.0.1:9#fake-llm";

/** The first `limit` tasks of a small synthetic dataset (users and items). */
export async function rigTasks(limit: number): Promise<KnowledgeTask[]> {
  const { dataset } = await prepareDataset({
    dataset: "synthetic",
    synthetic: { users: 40, items: 40 },
  });
  return withKeyPrefix(knowledgeTasks(dataset).slice(0, limit), "rig");
}

/** One batch-mode step: import `inputs` (result files), then write the next files to `outDir`. */
export async function batchStep(o: {
  store: DuckDbStore;
  tasks: KnowledgeTask[];
  rounds: number;
  outDir?: string;
  inputs?: string[];
  /** Drive this Batch API (request files in `outDir`). */
  api?: BatchApiClient;
}) {
  const inputs = o.inputs ? await readResultFiles(o.inputs) : undefined;
  const session = new BatchSession({ store: o.store, outDir: o.outDir, inputs });
  const { actor, reflector } = await buildComponents({
    actor: RIG_LLM,
    reflector: RIG_LLM,
    store: o.store,
    retries: 0,
    wrapGenerator: (generator, spec) => session.wrap(generator, spec),
  });
  const job = () =>
    runKnowledgeJob({
      tasks: o.tasks,
      stage: r4({ actor, reflector, rounds: o.rounds }),
      store: o.store,
      concurrency: 4,
    });
  const api = o.api;
  const summary = await session.run(
    job,
    api && ((s) => driveBatchApi(s, { client: api, dir: o.outDir!, pollMs: 5 })),
  );
  return { summary, report: session.report() };
}

/** The `custom_id`s of a request file, in order. */
export async function fileKeys(path: string): Promise<string[]> {
  return (await Deno.readTextFile(path)).trim().split("\n").map((l) => JSON.parse(l).custom_id);
}
