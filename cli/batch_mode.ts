/**
 * The batch flags of `deno task knowledge` (`--batch-out`, `--batch-in`, `--batch-api`,
 * `--batch-poll-ms`): their schema and help, their checks before any work, and the batch-mode run
 * the task calls instead of a plain job (`adapters/batch/`, docs/batch.md).
 *
 * @module
 */
import { z } from "zod";
import {
  BatchApiClient,
  type BatchReport,
  BatchSession,
  driveBatchApi,
  readResultFiles,
} from "../adapters/batch/mod.ts";
import { parseLlmSpec } from "../adapters/llm/spec.ts";
import type { DuckDbStore } from "../adapters/store/duckdb_store.ts";
import type { KnowledgeJobSummary } from "../plugins/knowledge_job.ts";
import type { TextGenerator } from "../plugins/types.ts";
import { runtime } from "../runtime/mod.ts";

/** The batch flags, to spread into the task's zod object. */
export const BATCH_FLAGS = {
  "batch-out": z.string().min(1).optional(),
  "batch-in": z.array(z.string().min(1)).optional(),
  "batch-api": z.url().optional(),
  "batch-poll-ms": z.coerce.number().int().positive().default(10_000),
};

/** `parseArgs` options the schema cannot say: `--batch-in` may be given several times. */
export const BATCH_ARG_OPTIONS = { "batch-in": { type: "string", multiple: true } } as const;

/** Help lines of {@link BATCH_FLAGS}. */
export const BATCH_FLAGS_HELP = `Batch mode (docs/batch.md; hf: and endpoint: LLMs):
  --batch-out DIR       write the requests no stored answer meets (the next stage of each task)
                        as OpenAI-Batch JSONL files instead of calling the endpoint
  --batch-in PATH       import a result file of vllm run-batch or the OpenAI Batch API (output or
                        error file; a folder: its *.jsonl), then write the next stage's files;
                        repeatable
  --batch-api URL       send the requests to an OpenAI-compatible Batch API, stage after stage,
                        until every one is answered (token from HF_TOKEN; files in --batch-out,
                        default <store>.batches)
  --batch-poll-ms N     first wait between polls of a batch (default 10000; doubles, at most 10 min)`;

/** Values of {@link BATCH_FLAGS} after parsing. */
export type BatchFlagValues = z.infer<z.ZodObject<typeof BATCH_FLAGS>>;

/** A batch-mode run, as the task uses it. */
export interface BatchMode {
  /** For `buildComponents`: the deferring generator in place of each LLM. */
  wrapGenerator: (generator: TextGenerator, spec: string) => TextGenerator;
  /** Runs the job in batch mode (passes, imports, files or batches). */
  run(job: () => Promise<KnowledgeJobSummary>): Promise<KnowledgeJobSummary>;
  /** What the run did, for the summary. */
  report(): BatchReport;
}

/** The LLM specs of the actor and reflector (`profile`, `grounded` have none). */
function llmSpecs(actor: string, reflector: string): string[] {
  return [actor, reflector.replace(/^hybrid:/, "")].filter((s) =>
    s !== "profile" && s !== "grounded"
  );
}

/**
 * The batch mode the flags ask for (none without batch flags), checked before any work: an LLM to
 * batch for and none of them local, `--batch-api` with somewhere for its files, and every
 * `--batch-in` file read (a bad line fails here, naming file and line).
 *
 * @example
 * ```ts
 * import { batchModeOf } from "./batch_mode.ts";
 * import { openStore } from "../adapters/store/duckdb_store.ts";
 * const store = await openStore(":memory:");
 * const flags = { actor: "profile", reflector: "grounded", store: ":memory:", "batch-poll-ms": 10 };
 * console.log(await batchModeOf(flags, { store })); // undefined
 * ```
 */
export async function batchModeOf(
  flags: BatchFlagValues & { actor: string; reflector: string; store: string },
  o: { store: DuckDbStore; log?: (line: string) => void; signal?: AbortSignal },
): Promise<BatchMode | undefined> {
  const inputs = flags["batch-in"] ?? [];
  if (!flags["batch-out"] && !flags["batch-api"] && inputs.length === 0) return undefined;
  const specs = llmSpecs(flags.actor, flags.reflector);
  if (specs.length === 0) {
    throw new Error("--batch-*: the actor and reflector call no LLM; there is nothing to batch");
  }
  const local = specs.find((s) => parseLlmSpec(s).kind === "local");
  if (local) throw new Error(`--batch-*: ${local} is a local model; batches need hf: or endpoint:`);
  const api = flags["batch-api"];
  if (api && !flags["batch-out"] && flags.store === ":memory:") {
    throw new Error("--batch-api: give --batch-out DIR for its files (the store is in memory)");
  }
  const outDir = flags["batch-out"] ?? (api ? `${flags.store}.batches` : undefined);
  const lines = await readResultFiles(inputs).catch((error) => {
    throw new Error(`--batch-in: ${(error as Error).message}`);
  });
  const session = new BatchSession({ store: o.store, outDir, inputs: lines, log: o.log });
  const client = api
    ? new BatchApiClient({ url: api, token: runtime.env("HF_TOKEN") || undefined })
    : undefined;
  return {
    wrapGenerator: (generator, spec) => session.wrap(generator, spec),
    run: (job) =>
      session.run(
        job,
        client &&
          ((s) =>
            driveBatchApi(s, {
              client,
              dir: outDir!,
              pollMs: flags["batch-poll-ms"],
              signal: o.signal,
            })),
      ),
    report: () => session.report(),
  };
}
