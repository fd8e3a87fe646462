/**
 * The knowledge job: runs the R4 stage over many tasks concurrently, writes each entity's result to
 * the store as one record, skips entities the store already has (so a killed run resumes), reports
 * progress, and summarises the outcome (judgements per round, parse failures, tokens).
 *
 * @module
 */
import { isDeferred } from "./deferred.ts";
import { type JudgementOutcome, judgementOutcome, type R4Result } from "./r4.ts";
import type { KnowledgeRecord, KnowledgeStore, KnowledgeTask, Stage, TokenUsage } from "./types.ts";

/** Progress of a knowledge job, reported after every finished task. */
export interface KnowledgeJobProgress {
  /** Tasks finished in this run (written or failed). */
  done: number;
  /** Tasks this run has to do (all tasks minus those already stored). */
  total: number;
  /** Tasks skipped because the store already had them. */
  skipped: number;
  /** Tasks of this run that failed (not written). */
  failed: number;
  /** Milliseconds since the run started. */
  elapsedMs: number;
  /** Finished tasks per second in this run. */
  ratePerSec: number;
  /** Estimated time left in milliseconds (`undefined` until the first task finishes). */
  etaMs?: number;
  /** Tokens spent by this run's finished tasks (stored generations count as spent when reused). */
  tokens: TokenUsage;
  /** Key of the task that just finished. */
  lastKey?: string;
}

/** How the judgements of one reflection round came out, over the tasks of this run. */
export interface RoundSummary {
  /** 1-based reflection round. */
  round: number;
  /** Critiques given in this round. */
  judged: number;
  /** Judged reasonable (the loop stops). */
  reasonable: number;
  /** Judged not reasonable, with a critique to refine by. */
  notReasonable: number;
  /**
   * "Not reasonable" with an empty critique: counts as reasonable, so the loop stops
   * (docs/method.md#inference).
   */
  emptyCritique: number;
  /** Judgements that could not be parsed (the loop stops and keeps the draft). */
  unparsable: number;
}

/** One failed task. */
export interface KnowledgeJobFailure {
  /** The task's key. */
  key: string;
  /** The error's message. */
  error: string;
  /**
   * The error says so (`permanent: true`, as an LLM adapter's context-length or 4xx error does):
   * rerunning cannot help, so nobody should be invited to.
   */
  permanent: boolean;
}

/** What a knowledge job did. */
export interface KnowledgeJobSummary {
  /** Tasks given. */
  tasks: number;
  /** Already stored before this run. */
  skipped: number;
  /** Written by this run. */
  written: number;
  /** Failed (not written; a rerun tries them again). */
  failed: number;
  /**
   * Stopped at a generation deferred to a batch (not written, not failed; a run after the batch is
   * answered goes on with them).
   */
  deferred: number;
  /** Up to 20 failures with their error messages. */
  failures: KnowledgeJobFailure[];
  /** Failed tasks whose error is permanent (a rerun fails the same way). */
  permanentFailures: number;
  /** True when the run was cancelled before every task finished. */
  cancelled: boolean;
  /** The judgements of each reflection round (index 0: round 1). */
  rounds: RoundSummary[];
  /** How many results stopped for each reason (`reasonable`, `max_rounds`, ...). */
  stopReasons: Record<string, number>;
  /** Drafts and critiques whose output could not be parsed. */
  parseFailures: number;
  /** Tokens spent by the results written in this run. */
  tokens: TokenUsage;
  /** Wall time of the run in milliseconds. */
  elapsedMs: number;
}

/** Options of {@link runKnowledgeJob}. */
export interface KnowledgeJobOptions {
  /** The tasks, each with a unique key (`knowledgeTasks`, then `withKeyPrefix`). */
  tasks: KnowledgeTask[];
  /** The R4 loop (`r4({ actor, reflector, rounds })`). */
  stage: Stage<KnowledgeTask, R4Result>;
  /** Where results are written, and whose stored keys are skipped. */
  store: KnowledgeStore;
  /** Tasks in flight at once. Default 8. */
  concurrency?: number;
  /** Cancels the run: no new task starts; tasks in flight get the signal. */
  signal?: AbortSignal;
  /** Called after every finished task (written or failed). */
  onProgress?: (progress: KnowledgeJobProgress) => void;
  /** Stored with each record. */
  runId?: string;
  /** `continue` (default): count a failed task and go on; `stop`: cancel the run and throw. */
  onTaskError?: "continue" | "stop";
}

/**
 * Turns one R4 result into the store record: round i holds the i-th draft and the critique that
 * judged it (none for a draft no reflection ran on).
 *
 * @example
 * ```ts
 * import { recordFromResult } from "./knowledge_job.ts";
 * import type { R4Result } from "./r4.ts";
 * function roundsKept(result: R4Result): boolean {
 *   const record = recordFromResult(result, "run-1");
 *   return record.rounds.length === result.drafts.length;
 * }
 * ```
 */
export function recordFromResult(result: R4Result, runId?: string): KnowledgeRecord {
  return {
    key: result.key,
    kind: result.kind,
    first: result.first,
    final: result.final,
    rounds: result.drafts.map((draft, i) => {
      const judged = result.rounds[i];
      return judged && judged.judged === draft
        ? { round: i, draft, critique: judged.critique }
        : { round: i, draft };
    }),
    ...(runId !== undefined ? { runId } : {}),
  };
}

function countBy<T extends string>(map: Record<string, number>, key: T): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** The concurrency option, checked. */
function checkedConcurrency(concurrency: number): number {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(
      `runKnowledgeJob: concurrency must be a positive integer, got ${concurrency}`,
    );
  }
  return concurrency;
}

/** The tasks' keys in order; throws on a repeated key. */
function uniqueKeys(tasks: KnowledgeTask[]): string[] {
  const seen = new Set<string>();
  for (const [i, task] of tasks.entries()) {
    if (seen.has(task.key)) {
      throw new Error(`runKnowledgeJob: task ${i} repeats key "${task.key}" (keys must be unique)`);
    }
    seen.add(task.key);
  }
  return [...seen];
}

/** The counts of a run so far: what was written and failed, and what the results say. */
class JobTally {
  readonly tokens: TokenUsage = { prompt: 0, completion: 0 };
  readonly rounds: RoundSummary[] = [];
  readonly stopReasons: Record<string, number> = {};
  readonly failures: KnowledgeJobFailure[] = [];
  permanentFailures = 0;
  written = 0;
  failed = 0;
  deferred = 0;
  parseFailures = 0;

  /** Counts a result that was written to the store. */
  wrote(result: R4Result): void {
    this.written++;
    this.tokens.prompt += result.usage.prompt;
    this.tokens.completion += result.usage.completion;
    this.parseFailures += result.parseFailures;
    countBy(this.stopReasons, result.stopReason);
    for (const r of result.rounds) {
      while (this.rounds.length < r.round) {
        this.rounds.push({
          round: this.rounds.length + 1,
          judged: 0,
          reasonable: 0,
          notReasonable: 0,
          emptyCritique: 0,
          unparsable: 0,
        });
      }
      const summary = this.rounds[r.round - 1];
      summary.judged++;
      const outcome: JudgementOutcome = judgementOutcome(r.critique);
      if (outcome === "reasonable") summary.reasonable++;
      else if (outcome === "not_reasonable") summary.notReasonable++;
      else if (outcome === "empty_critique") summary.emptyCritique++;
      else summary.unparsable++;
    }
  }

  /** Counts a failed task (keeping the first 20 failures) and returns the error's message. */
  fail(key: string, error: unknown): string {
    this.failed++;
    const message = error instanceof Error ? error.message : String(error);
    const permanent = (error as { permanent?: unknown } | null)?.permanent === true;
    if (permanent) this.permanentFailures++;
    if (this.failures.length < 20) this.failures.push({ key, error: message, permanent });
    return message;
  }
}

/**
 * Runs the job and resolves with its summary (also when cancelled; check `cancelled`).
 *
 * @example
 * ```ts
 * import { runKnowledgeJob } from "./knowledge_job.ts";
 * import { r4 } from "./r4.ts";
 * import type { Actor, KnowledgeStore, KnowledgeTask, Reflector } from "./types.ts";
 * async function generate(
 *   actor: Actor,
 *   reflector: Reflector,
 *   store: KnowledgeStore,
 *   tasks: KnowledgeTask[],
 * ): Promise<number> {
 *   const summary = await runKnowledgeJob({
 *     tasks,
 *     stage: r4({ actor, reflector, rounds: 1 }),
 *     store,
 *     concurrency: 16,
 *     onProgress: (p) => console.error(`${p.done}/${p.total} ${p.ratePerSec.toFixed(1)}/s`),
 *   });
 *   return summary.written;
 * }
 * ```
 */
export async function runKnowledgeJob(options: KnowledgeJobOptions): Promise<KnowledgeJobSummary> {
  const concurrency = checkedConcurrency(options.concurrency ?? 8);
  const keys = uniqueKeys(options.tasks);
  const started = performance.now();
  const stored = await options.store.completedKeys(keys);
  const todo = options.tasks.filter((t) => !stored.has(t.key));
  const onTaskError = options.onTaskError ?? "continue";
  // Our own controller so a failing task can stop the others in `stop` mode.
  const run = new AbortController();
  const outer = options.signal;
  const forward = () => run.abort(outer?.reason);
  if (outer?.aborted) forward();
  else outer?.addEventListener("abort", forward, { once: true });

  const tally = new JobTally();
  let done = 0, next = 0;
  let fatal: unknown;

  function report(lastKey: string): void {
    if (!options.onProgress) return;
    const elapsedMs = performance.now() - started;
    const ratePerSec = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0;
    options.onProgress({
      done,
      total: todo.length,
      skipped: stored.size,
      failed: tally.failed,
      elapsedMs,
      ratePerSec,
      etaMs: done > 0 ? ((todo.length - done) / done) * elapsedMs : undefined,
      tokens: { ...tally.tokens },
      lastKey,
    });
  }

  async function worker(): Promise<void> {
    while (!run.signal.aborted && next < todo.length) {
      const task = todo[next++];
      try {
        const result = await options.stage.run(task, { signal: run.signal });
        if (result.key !== task.key) {
          throw new Error(`stage returned key "${result.key}" for task "${task.key}"`);
        }
        await options.store.putKnowledge(recordFromResult(result, options.runId));
        tally.wrote(result);
      } catch (error) {
        if (run.signal.aborted) return; // cancelled: the task is simply not done
        if (isDeferred(error)) tally.deferred++;
        else {
          const message = tally.fail(task.key, error);
          if (onTaskError === "stop") {
            fatal ??= new Error(`runKnowledgeJob: task "${task.key}" failed: ${message}`, {
              cause: error,
            });
            run.abort(fatal);
            return;
          }
        }
      }
      done++;
      report(task.key);
    }
  }

  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker));
  } finally {
    outer?.removeEventListener("abort", forward);
  }
  if (fatal) throw fatal;
  return {
    tasks: options.tasks.length,
    skipped: stored.size,
    written: tally.written,
    failed: tally.failed,
    deferred: tally.deferred,
    failures: tally.failures,
    permanentFailures: tally.permanentFailures,
    cancelled: tally.written + tally.failed + tally.deferred < todo.length,
    rounds: tally.rounds,
    stopReasons: tally.stopReasons,
    parseFailures: tally.parseFailures,
    tokens: tally.tokens,
    elapsedMs: performance.now() - started,
  };
}
