/**
 * Batch API mode: the requests of each pass are uploaded and submitted as batches, each recorded in
 * the store's `batches` table before its first poll; the batches are polled with backoff until
 * they end, their output and error files downloaded and imported, and the next pass submitted,
 * until every stage of every round is answered. A run killed at any point resumes: recorded
 * batches not yet imported are polled (not submitted again), answers imported twice are stored
 * once. An expired batch gives what it completed; the rest is queued again.
 *
 * @module
 */
import { runtime } from "../../runtime/mod.ts";
import { basename, join } from "node:path";
import { sleep } from "../../util/sleep.ts";
import type { BatchRecord } from "../store/tables/batches.ts";
import { type ApiBatch, type BatchApiClient, FINAL_STATUSES } from "./api_client.ts";
import type { RequestFile } from "./request_file.ts";
import type { BatchSession } from "./session.ts";

/** Options of {@link driveBatchApi}. */
export interface BatchApiDriverOptions {
  /** The API. */
  client: BatchApiClient;
  /** Folder of the request files and the downloaded results. */
  dir: string;
  /** First wait between polls of a batch, in milliseconds; it doubles per poll. @default 10_000 */
  pollMs?: number;
  /** Longest wait between polls. @default 600_000 */
  maxPollMs?: number;
  /** Polls in a row that may fail (network, 5xx) before the run gives up. @default 10 */
  maxPollErrors?: number;
  /** Ends the waits at once. */
  signal?: AbortSignal;
}

/**
 * Runs the Batch API loop of `session` (pass it to `session.run` as its driver).
 *
 * @example
 * ```ts
 * import { BatchApiClient, BatchSession, driveBatchApi } from "./mod.ts";
 * import type { KnowledgeJobSummary } from "../../plugins/knowledge_job.ts";
 * async function viaBatchApi(session: BatchSession, job: () => Promise<KnowledgeJobSummary>) {
 *   const client = new BatchApiClient({ url: "https://api.openai.com", token: "sk-..." });
 *   return await session.run(job, (s) => driveBatchApi(s, { client, dir: "batches" }));
 * }
 * ```
 */
export async function driveBatchApi(
  session: BatchSession,
  options: BatchApiDriverOptions,
): Promise<void> {
  const api = options.client.base;
  let submitted: Set<string> | undefined;
  for (;;) {
    const open = await session.store.batches.unimported(api);
    const stored = open.length > 0 ? await settleAll(session, open, options) : 0;
    const pending = await session.pass();
    options.signal?.throwIfAborted(); // a cancelled pass has not asked for everything
    if (pending.size === 0) return;
    if (submitted && stored === 0 && [...pending.keys()].every((k) => submitted!.has(k))) {
      return session.stop(
        `the last batches brought no answer the pipeline accepts; ${pending.size} request(s) ` +
          `queued (see the failures)`,
      );
    }
    submitted = new Set(pending.keys());
    for (const file of await session.writeFiles(pending, options.dir)) {
      await submit(session, file, options.client);
    }
  }
}

/** Uploads and creates one batch and records it before anything waits on it. */
async function submit(session: BatchSession, file: RequestFile, client: BatchApiClient) {
  const inputFileId = await client.upload(
    basename(file.path),
    await runtime.readTextFile(file.path),
  );
  const batch = await client.create(inputFileId);
  const record: BatchRecord = {
    batchId: batch.id,
    api: client.base,
    inputFileId,
    file: file.path,
    model: file.model,
    stage: file.stage,
    round: file.round,
    requests: file.keys.length,
    status: batch.status,
    submittedAt: new Date(),
  };
  await session.store.batches.record(record);
  session.noteBatch(record);
  session.log(`batch: submitted ${batch.id} (${file.keys.length} requests of ${file.path})`);
}

/** Waits for every open batch, imports their results, and marks them imported. */
async function settleAll(
  session: BatchSession,
  open: BatchRecord[],
  options: BatchApiDriverOptions,
): Promise<number> {
  const settled = await Promise.all(open.map((b) => settle(session, b, options)));
  const stored = await session.importFiles(settled.flatMap((s) => s.files));
  const importedAt = new Date();
  for (const { record } of settled) {
    const done = { ...record, importedAt };
    await session.store.batches.record(done);
    session.noteBatch(done);
  }
  return stored;
}

/** Polls a batch until it ends, then downloads its output and error files. */
async function settle(
  session: BatchSession,
  record: BatchRecord,
  options: BatchApiDriverOptions,
): Promise<{ record: BatchRecord; files: string[] }> {
  const batch = await poll(session, record, options);
  const current: BatchRecord = { ...record, status: batch.status };
  await session.store.batches.record(current);
  session.noteBatch(current);
  if (batch.status !== "completed") {
    const why = batch.errors?.data?.map((e) => e.message).filter(Boolean).join("; ");
    session.log(`batch: ${batch.id} ended ${batch.status}${why ? `: ${why}` : ""}`);
  }
  const files: string[] = [];
  const stem = join(options.dir, basename(record.file).replace(/\.jsonl$/, ""));
  for (const [id, suffix] of [[batch.output_file_id, "output"], [batch.error_file_id, "errors"]]) {
    if (!id) continue;
    const path = `${stem}.${suffix}.jsonl`;
    await runtime.writeTextFile(path, await options.client.content(id));
    files.push(path);
  }
  return { record: current, files };
}

/** The batch once it has ended, polled with a doubling wait; failed polls are retried. */
async function poll(
  session: BatchSession,
  record: BatchRecord,
  options: BatchApiDriverOptions,
): Promise<ApiBatch> {
  let wait = options.pollMs ?? 10_000;
  let errors = 0;
  for (;;) {
    try {
      const batch = await options.client.get(record.batchId);
      errors = 0;
      if (FINAL_STATUSES.includes(batch.status)) return batch;
      const counts = batch.request_counts;
      session.log(
        `batch: polling ${record.batchId}: ${batch.status}` +
          (counts ? ` (${counts.completed ?? 0}/${counts.total ?? record.requests} done)` : ""),
      );
    } catch (error) {
      if ((error as { status?: number }).status === 404) return forgotten(record);
      if (++errors >= (options.maxPollErrors ?? 10)) throw error;
      session.log(`batch: polling ${record.batchId} failed (${(error as Error).message})`);
    }
    await sleep(wait, options.signal);
    wait = Math.min(wait * 2, options.maxPollMs ?? 600_000);
  }
}

/** A recorded batch the API does not know (deleted, another account): ended, nothing to import. */
function forgotten(record: BatchRecord): ApiBatch {
  return {
    id: record.batchId,
    status: "failed",
    errors: {
      data: [{ message: "the API does not know this batch; its requests are queued again" }],
    },
  };
}
