/**
 * Importing batch results into the store: each answer of a request the pipeline would make is
 * stored in the `generations` table under its `custom_id` exactly as `cachedGenerator` stores an
 * online answer. Lines with an error, a non-200 status or an answer that is not text store nothing
 * and are failures, named by file and line: their requests stay unanswered, so the next request
 * file holds them again. An answer the stage's parser rejects is stored as an online run stores it
 * and counted as rejected: the pipeline then asks again with its format reminder, a new request
 * in the next file, as online. A key already stored is a duplicate and stores nothing.
 *
 * @module
 */
import { textProblem } from "../../plugins/parse/text.ts";
import type { GenerationStore } from "../store/cached_generator.ts";
import { effectiveParams } from "../store/generation_key.ts";
import type { PendingRequests } from "./deferring_generator.ts";
import type { ResultLine } from "./result_file.ts";

/** A result line that brought no answer into the store. */
export interface ImportFailure {
  /** `file:line` of the result. */
  at: string;
  /** The request's key. */
  key: string;
  /** Why its answer was not stored. */
  error: string;
}

/** What importing result lines did. */
export interface ImportTally {
  /** Answers stored. */
  imported: number;
  /** Lines whose key was stored already (an earlier import, or an earlier line). */
  duplicates: number;
  /** Result lines that stored no answer (error, non-200, not text). */
  failed: number;
  /** Answers stored that the stage's parser rejects (the task asks again with a reminder). */
  rejected: number;
  /** The first 20 failed or rejected lines, with file and line. */
  failures: ImportFailure[];
}

/**
 * A fresh tally.
 *
 * @example
 * ```ts
 * import { importTally } from "./import_results.ts";
 * console.log(importTally().imported); // 0
 * ```
 */
export function importTally(): ImportTally {
  return { imported: 0, duplicates: 0, failed: 0, rejected: 0, failures: [] };
}

/**
 * Imports the lines that answer a request in `pending`; returns the lines whose key is neither
 * pending nor stored (the caller may try them again after the next pass, whose requests depend on
 * these answers). Counts go to `tally`.
 *
 * @example
 * ```ts
 * import { importResultLines, importTally } from "./import_results.ts";
 * import { openStore } from "../store/duckdb_store.ts";
 * const store = await openStore(":memory:");
 * const unmatched = await importResultLines(
 *   [{ file: "out.jsonl", line: 1, key: "k1", outcome: { error: "status 500" } }],
 *   new Map(), store, importTally(),
 * );
 * console.log(unmatched.length); // 1
 * ```
 */
export async function importResultLines(
  lines: ResultLine[],
  pending: PendingRequests,
  store: GenerationStore,
  tally: ImportTally,
): Promise<ResultLine[]> {
  const unmatched: ResultLine[] = [];
  const writes: Promise<void>[] = [];
  const storing = new Set<string>();
  const stored = await storedKeys(lines.filter((l) => !pending.has(l.key)), store);
  for (const line of lines) {
    const request = pending.get(line.key);
    if (storing.has(line.key) || stored.has(line.key)) {
      tally.duplicates++;
      continue;
    }
    if (!request) {
      unmatched.push(line);
      continue;
    }
    const at = `${line.file}:${line.line}`;
    const fail = (error: string) => {
      if (tally.failures.length < 20) tally.failures.push({ at, key: line.key, error });
    };
    const notText = "error" in line.outcome ? undefined : textProblem(line.outcome.answer.text);
    if ("error" in line.outcome || notText !== undefined) {
      tally.failed++;
      fail("error" in line.outcome ? line.outcome.error : `answer is not text: ${notText}`);
      continue;
    }
    const { answer } = line.outcome;
    const rejected = request.deferred.check?.(answer.text);
    if (rejected !== undefined) {
      tally.rejected++;
      fail(`answer rejected by the ${request.deferred.step?.stage ?? "stage"} parser: ${rejected}`);
    } else tally.imported++;
    storing.add(line.key);
    const { deferred } = request;
    writes.push(store.putGeneration({
      key: line.key,
      generator: deferred.generator,
      model: answer.model ?? request.model,
      params: effectiveParams(deferred.request),
      messages: deferred.request.messages,
      text: answer.text,
      usage: answer.usage,
      // A batch answer's own latency is unknown; the batch's wall time is not this answer's.
      latencyMs: 0,
      finishReason: answer.finishReason,
      createdAt: new Date(),
    }));
  }
  await Promise.all(writes);
  return unmatched;
}

/** The keys of `lines` the store holds an answer for (looked up concurrently: one query). */
async function storedKeys(lines: ResultLine[], store: GenerationStore): Promise<Set<string>> {
  const keys = [...new Set(lines.map((l) => l.key))];
  const found = await Promise.all(keys.map((key) => store.getGeneration(key)));
  return new Set(keys.filter((_, i) => found[i] !== undefined));
}
