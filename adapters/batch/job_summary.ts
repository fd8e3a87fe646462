/**
 * One knowledge-job summary of the several passes a batch-mode run makes (each pass runs the job
 * again, going as far as the stored answers reach): what is still open (failed, deferred) is the
 * last pass's, what was stored before is the first's, and each task written counts once. A task
 * whose final draft is unparsable is not complete, so every later pass writes it again (from the
 * stored answers, the same record): its tokens, rounds and stop reason count once per pass.
 *
 * @module
 */
import type { KnowledgeJobSummary, RoundSummary } from "../../plugins/knowledge_job.ts";

function addRounds(total: RoundSummary[], more: RoundSummary[]): void {
  for (const r of more) {
    const into = total[r.round - 1];
    if (!into) {
      total[r.round - 1] = { ...r };
      continue;
    }
    into.judged += r.judged;
    into.reasonable += r.reasonable;
    into.notReasonable += r.notReasonable;
    into.emptyCritique += r.emptyCritique;
    into.unparsable += r.unparsable;
  }
}

/**
 * The summaries of a run's passes, in order, as one.
 *
 * @example
 * ```ts
 * import { mergeSummaries } from "./job_summary.ts";
 * import type { KnowledgeJobSummary } from "../../plugins/knowledge_job.ts";
 * const pass = (skipped: number, written: number, deferred: number): KnowledgeJobSummary => ({
 *   tasks: 6, skipped, written, failed: 0, deferred, failures: [], permanentFailures: 0,
 *   cancelled: false, rounds: [], stopReasons: {}, parseFailures: 0,
 *   tokens: { prompt: 0, completion: 0 }, elapsedMs: 1,
 * });
 * console.log(mergeSummaries([pass(0, 2, 4), pass(2, 4, 0)]).written); // 6
 * ```
 */
export function mergeSummaries(passes: KnowledgeJobSummary[]): KnowledgeJobSummary {
  if (passes.length === 0) throw new Error("mergeSummaries: no pass ran");
  const first = passes[0], last = passes.at(-1)!;
  const rounds: RoundSummary[] = [];
  const stopReasons: Record<string, number> = {};
  const tokens = { prompt: 0, completion: 0 };
  let parseFailures = 0, elapsedMs = 0;
  for (const p of passes) {
    parseFailures += p.parseFailures;
    elapsedMs += p.elapsedMs;
    tokens.prompt += p.tokens.prompt;
    tokens.completion += p.tokens.completion;
    addRounds(rounds, p.rounds);
    for (const [reason, n] of Object.entries(p.stopReasons)) {
      stopReasons[reason] = (stopReasons[reason] ?? 0) + n;
    }
  }
  return {
    ...last,
    skipped: first.skipped,
    // Written by an earlier pass: skipped by the last, unless incomplete (then the last wrote it).
    written: last.skipped - first.skipped + last.written,
    cancelled: passes.some((p) => p.cancelled),
    rounds,
    stopReasons,
    parseFailures,
    tokens,
    elapsedMs,
  };
}
