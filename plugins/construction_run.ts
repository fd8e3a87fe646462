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
 * // Stands in for a teacher model: predicts "like" and judges every preference reasonable.
 * const teacher: TextGenerator = {
 *   id: "stand-in-teacher",
 *   kind: "deterministic",
 *   generate: (req) =>
 *     Promise.resolve({
 *       text: req.messages.at(-1)!.content.includes("<Final Judgement>")
 *         ? "<Final Judgement>The user preference is reasonable</Final Judgement>\n<Reflection></Reflection>"
 *         : "<User Preference>\nEnjoys tense crime thrillers.\n</User Preference>\n" +
 *           "<Final Verdict>user will like the target movie</Final Verdict>",
 *       usage: { prompt: 0, completion: 0 },
 *       latencyMs: 0,
 *       model: "stand-in",
 *       cached: false,
 *     }),
 * };
 * const task: KnowledgeTask = {
 *   kind: "user",
 *   key: "demo:user:1:train",
 *   domain: { itemNoun: "movie", ratingScale: [1, 5], likeThreshold: 3 },
 *   history: [{ title: "Heat (1995)", rating: 5 }, { title: "Jingle All the Way (1996)", rating: 1 }],
 *   target: { itemTitle: "Ronin (1998)", label: 1 },
 * };
 * const tasks = [task, { ...task, key: "demo:user:2:train", target: { itemTitle: "Babe (1995)", label: 0 as const } }];
 * const { records, summary } = await constructAll(tasks, {
 *   actor: llmActor({ generator: teacher }),
 *   reflector: llmReflector({ generator: teacher }),
 *   concurrency: 8,
 * });
 * const dir = await Deno.makeTempDir();
 * await writeSftSets(records.flatMap((r) => r.samples), { dir, dataset: "demo" });
 * console.log(summary.outcomes); // one kept_reasonable, one discarded_missed_error
 * await Deno.remove(dir, { recursive: true });
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
