/**
 * Batch mode of the knowledge job: requests written as OpenAI-Batch JSONL files (or sent to a
 * Batch API) instead of one call each, answers imported into the store's `generations` table under
 * their generation keys. See docs/batch.md.
 *
 * @example
 * ```ts
 * import { BatchSession, parseResultFile } from "./mod.ts";
 * import { openStore } from "../store/duckdb_store.ts";
 * const session = new BatchSession({ store: await openStore(":memory:") });
 * console.log(typeof parseResultFile, session.report().imported); // function 0
 * ```
 *
 * @module
 */
export {
  deferringGenerator,
  type PendingRequest,
  type PendingRequests,
} from "./deferring_generator.ts";
export {
  CHAT_ENDPOINT,
  chatBody,
  type RequestFile,
  type RequestFileLimits,
  requestLine,
  writeRequestFiles,
} from "./request_file.ts";
export {
  type BatchAnswer,
  BatchFileError,
  parseResultFile,
  readResultFiles,
  type ResultLine,
} from "./result_file.ts";
export {
  type ImportFailure,
  importResultLines,
  type ImportTally,
  importTally,
} from "./import_results.ts";
export { mergeSummaries } from "./job_summary.ts";
export { type BatchReport, BatchSession, type BatchSessionOptions } from "./session.ts";
export {
  type ApiBatch,
  BatchApiClient,
  type BatchApiClientOptions,
  FINAL_STATUSES,
} from "./api_client.ts";
export { type BatchApiDriverOptions, driveBatchApi } from "./api_driver.ts";
