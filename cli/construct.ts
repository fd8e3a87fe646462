/**
 * `deno task construct --dataset NAME --teacher SPEC --out DIR [options]`: construction mode
 * (docs/method.md#construction). A teacher LLM reasons about held-back training-period targets, its
 * verdicts are checked against the labels, and the keep/discard table yields the reason, reflect
 * and refine fine-tuning sets, written as JSONL (one file per kind, role and format). Every teacher
 * call is cached in the store, so a rerun after a kill repeats no generation. Progress on stderr, a
 * JSON summary on stdout.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { DATASET_NAMES, prepareDataset, withHistoryWindow } from "../datasets/mod.ts";
import { constructAll } from "../plugins/construction_run.ts";
import { constructionTasks } from "../plugins/construction_tasks.ts";
import { writeSftSets } from "../plugins/sft_export.ts";
import { checkDataFlag, makeOutDir, openStoreFlag } from "./checks.ts";
import { buildComponents, checkComponentSpecs } from "./components.ts";
import { LLM_FLAGS, LLM_FLAGS_HELP, llmComponentOptions } from "./llm_flags.ts";
import { flagOptions, runCli } from "./run.ts";

const HELP = `deno task construct --dataset NAME --teacher SPEC --out DIR [options]

Construction mode: a teacher LLM reasons about held-back training-period targets (user: the
interaction after the user's window; item: another rater of the item), its verdicts are checked
against the labels, and what the keep/discard table keeps becomes the reason, reflect and refine
fine-tuning sets: <out>/<dataset>.<kind>.<role>.<format>.jsonl, inputs rendered with the inference
prompts. Teacher calls are cached in --store: a rerun repeats none. Every spec, path and flag, and
the store's lock, are checked before any work.

Dataset:
  --dataset NAME        ${DATASET_NAMES.join(" | ")} (required)
  --data DIR            folder of the dataset files (not needed for synthetic)
  --seed N              seed of the preparation and of item target raters (default 1234)
  --synthetic-users N   synthetic only: number of users (default 600)
  --synthetic-items N   synthetic only: number of movies (default 900)
  --kinds LIST          user,item (default both)
  --limit N             at most N samples per kind (default all)

Construction:
  --teacher SPEC        the LLM that writes knowledge and verdicts (required): hf:MODEL[@provider] |
                        endpoint:URL#MODEL | local:PATH_OR_NAME
  --reflector SPEC      who judges: the teacher (default) | another LLM spec | grounded |
                        hybrid:<LLM spec>
  --out DIR             folder of the JSONL files (required; created if missing)
  --formats LIST        alpaca,chat,released (default alpaca,chat)
  --store FILE          DuckDB store caching the teacher's generations
                        (default .r4ec-cache/store.duckdb)
  --concurrency N       samples in flight, and LLM calls in flight per model (default 4)

${LLM_FLAGS_HELP}
`;

const list = <T extends string>(values: readonly [T, ...T[]]) =>
  z.string().transform((s) => s.split(",").map((v) => v.trim()).filter(Boolean)).pipe(
    z.array(z.enum(values)).min(1),
  );

const Flags = z.object({
  dataset: z.enum(DATASET_NAMES),
  data: z.string().optional(),
  seed: z.coerce.number().int().default(1234),
  "synthetic-users": z.coerce.number().int().min(2).optional(),
  "synthetic-items": z.coerce.number().int().min(2).optional(),
  kinds: list(["user", "item"]).optional(),
  limit: z.coerce.number().int().min(1).optional(),
  teacher: z.string().min(1, "required"),
  reflector: z.string().optional(),
  out: z.string().min(1, "required"),
  formats: list(["alpaca", "chat", "released"]).default(["alpaca", "chat"]),
  store: z.string().default(".r4ec-cache/store.duckdb"),
  concurrency: z.coerce.number().int().min(1).default(4),
  ...LLM_FLAGS,
});

await runCli(HELP, async (args) => {
  const { values } = parseArgs({ args, options: flagOptions(Flags), strict: true });
  const flags = Flags.parse({ ...values, teacher: values.teacher ?? "", out: values.out ?? "" });
  const reflector = flags.reflector ?? flags.teacher;
  // Everything that can be wrong is checked before the data is prepared.
  if (flags.teacher === "profile") {
    throw new Error(
      "--teacher profile: the teacher writes verdicts on targets, so it is an LLM spec",
    );
  }
  try {
    checkComponentSpecs({ actor: flags.teacher, reflector });
  } catch (error) {
    throw new Error((error as Error).message.replace(/^--actor /, "--teacher "));
  }
  const llm = llmComponentOptions(flags, [flags.teacher, reflector]);
  checkDataFlag(flags.dataset, flags.data);
  const store = await openStoreFlag(flags.store);
  let removeEmptyOut = () => Promise.resolve();
  const run = new AbortController();
  const onSignal = () => run.abort(new Error("interrupted"));
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    removeEmptyOut = await makeOutDir("--out", flags.out);
    const t0 = performance.now();
    const synthetic = flags["synthetic-users"] !== undefined ||
        flags["synthetic-items"] !== undefined
      ? { users: flags["synthetic-users"], items: flags["synthetic-items"] }
      : undefined;
    const prepared = (await prepareDataset({
      dataset: flags.dataset,
      dataDir: flags.data,
      seed: flags.seed,
      ...(flags.dataset === "synthetic" && synthetic ? { synthetic } : {}),
    })).dataset;
    const window = flags["history-window"];
    const dataset = window ? withHistoryWindow(prepared, window) : prepared;
    const tasks = constructionTasks(dataset, {
      kinds: flags.kinds,
      limit: flags.limit,
      targetWindow: window,
      seed: flags.seed,
    });
    const components = await buildComponents({
      actor: flags.teacher,
      reflector,
      store,
      concurrency: flags.concurrency,
      ...llm,
      seed: flags.seed,
      signal: run.signal,
    });
    const runId = await store.startRun({ kind: "construct", config: flags });
    console.error(
      `construct: ${tasks.length} samples of ${dataset.name}; teacher ${components.actorDescription}; ` +
        `reflector ${components.reflectorDescription}; run ${runId}`,
    );
    let lastPrint = 0;
    const { records, summary } = await constructAll(tasks, {
      actor: components.actor,
      reflector: components.reflector,
      prompts: llm.prompts,
      concurrency: flags.concurrency,
      signal: run.signal,
      onRecord: (_record, done, total) => {
        if (performance.now() - lastPrint < 2000 && done < total) return;
        lastPrint = performance.now();
        console.error(`construct: ${done}/${total} samples`);
      },
    }).catch(async (error: Error) => {
      await store.finishRun(runId, { status: "failed", summary: { error: error.message } });
      throw new Error(
        `${error.message.replace(/^constructAll: /, "")}; teacher answers so far are cached, ` +
          `rerun to resume`,
        { cause: error },
      );
    });
    const report = await writeSftSets(records.flatMap((r) => r.samples), {
      dir: flags.out,
      dataset: dataset.name,
      formats: flags.formats,
      kinds: flags.kinds ?? ["user", "item"],
    });
    const result = {
      dataset: dataset.name,
      teacher: { id: components.actor.id, description: components.actorDescription },
      reflector: { id: components.reflector.id, description: components.reflectorDescription },
      runId,
      ...summary,
      files: report.files,
      llm: components.llmStats(),
      seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
    };
    await store.finishRun(runId, { status: "done", summary: result });
    console.log(JSON.stringify(result));
  } catch (error) {
    await removeEmptyOut();
    throw error;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    await store.close();
  }
});
