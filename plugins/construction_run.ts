/**
 * Running construction over many samples with bounded concurrency, keeping input order.
 *
 * @module
 */
import { construction, type ConstructionOptions, type ConstructionRecord } from "./construction.ts";
import { type ConstructionSummary, summarizeConstruction } from "./sft_export.ts";
import type { KnowledgeTask, StageContext } from "./types.ts";

/** Options of {@link constructAll}. */
export interface ConstructAllOptions extends ConstructionOptions {
  /** Samples in flight at once; default 4. Rate limits belong to the generator. */
  concurrency?: number;
  /** Cancels the run. */
  signal?: AbortSignal;
  /** Trace events of the stages. */
  trace?: StageContext["trace"];
  /** Called after each sample with the number done so far. */
  onRecord?: (record: ConstructionRecord, done: number, total: number) => void;
}

/** Records in input order and their summary. */
export interface ConstructAllResult {
  /** One record per task, in input order. */
  records: ConstructionRecord[];
  /** Totals over the records. */
  summary: ConstructionSummary;
}

/**
 * Runs the construction stage over `tasks`. A generator error stops scheduling new samples, waits
 * for those in flight, and rejects naming the sample that failed.
 *
 * @example
 * ```ts
 * import { constructAll } from "./construction_run.ts";
 * import { writeSftSets } from "./sft_export.ts";
 * import { llmActor } from "./llm_actor.ts";
 * import { llmReflector } from "./llm_reflector.ts";
 * import type { KnowledgeTask, TextGenerator } from "./types.ts";
 * declare const teacher: TextGenerator;
 * declare const tasks: KnowledgeTask[];
 * const { records, summary } = await constructAll(tasks, {
 *   actor: llmActor({ generator: teacher }),
 *   reflector: llmReflector({ generator: teacher }),
 *   concurrency: 8,
 * });
 * await writeSftSets(records.flatMap((r) => r.samples), { dir: "runs/sft", dataset: "ml-1m" });
 * console.log(summary.outcomes);
 * ```
 */
export async function constructAll(
  tasks: readonly KnowledgeTask[],
  options: ConstructAllOptions,
): Promise<ConstructAllResult> {
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`constructAll: concurrency must be a positive integer, got ${concurrency}`);
  }
  const stage = construction(options);
  const ctx: StageContext = { signal: options.signal, trace: options.trace };
  const records: ConstructionRecord[] = new Array(tasks.length);
  let next = 0;
  let done = 0;
  let failure: Error | undefined;
  const worker = async () => {
    while (failure === undefined && next < tasks.length) {
      const index = next++;
      const task = tasks[index];
      try {
        records[index] = await stage.run(task, ctx);
      } catch (error) {
        failure ??= new Error(
          `constructAll: sample ${index} (${JSON.stringify(task.key)}) failed: ${
            (error as Error)?.message ?? error
          }`,
          { cause: error },
        );
        return;
      }
      done++;
      options.onRecord?.(records[index], done, tasks.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  if (failure) throw failure;
  return { records, summary: summarizeConstruction(records) };
}
