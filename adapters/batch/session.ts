/**
 * A batch-mode run of the knowledge job. The job runs in passes with a deferring generator in
 * place of each LLM: a pass goes as far as the stored answers reach and collects the requests it
 * could not answer. Result files are imported between passes (a pass may need the answers of the
 * previous stage before it asks for the next), and the last pass's requests are written as request
 * files, or sent to a Batch API until every stage of every round is answered.
 *
 * @module
 */
import type { KnowledgeJobSummary } from "../../plugins/knowledge_job.ts";
import type { TextGenerator } from "../../plugins/types.ts";
import { parseLlmSpec } from "../llm/spec.ts";
import type { DuckDbStore } from "../store/duckdb_store.ts";
import type { BatchRecord } from "../store/tables/batches.ts";
import { deferringGenerator, type PendingRequests } from "./deferring_generator.ts";
import { type ImportFailure, importResultLines, importTally } from "./import_results.ts";
import { mergeSummaries } from "./job_summary.ts";
import { type RequestFile, type RequestFileLimits, writeRequestFiles } from "./request_file.ts";
import { readResultFiles, type ResultLine } from "./result_file.ts";

/** Options of {@link BatchSession}. */
export interface BatchSessionOptions {
  /** The store answers are read from and imported into. */
  store: DuckDbStore;
  /** Folder the request files are written to. @default none: requests are counted, not written */
  outDir?: string;
  /** Result lines to import before anything else (`readResultFiles`). @default none */
  inputs?: ResultLine[];
  /** Limits of one request file. @default the OpenAI Batch API's */
  limits?: RequestFileLimits;
  /** Lines for a person (stderr). @default none */
  log?: (line: string) => void;
}

/** What a batch-mode run did, for its summary. */
export interface BatchReport {
  /** Answers stored that the stage's parser accepts. */
  imported: number;
  /** Answers stored that the stage's parser rejects (asked again with the format reminder). */
  rejected: number;
  /** Result lines whose answer was stored already. */
  duplicates: number;
  /** Result lines that stored no answer (their requests are queued again). */
  failed: number;
  /** Up to 20 failed or rejected lines, with file and line. */
  failures: ImportFailure[];
  /** Result lines whose `custom_id` matches no request the pipeline makes (not stored). */
  unknown: number;
  /** Up to 20 of them. */
  unknownLines: { at: string; key: string }[];
  /** Requests still unanswered after the run. */
  queued: number;
  /** Request files written. */
  files: string[];
  /** Batches submitted or resumed (Batch API mode). */
  batches: Pick<BatchRecord, "batchId" | "file" | "stage" | "round" | "requests" | "status">[];
  /** Why a Batch API run stopped with requests queued (none: it did not). */
  stopped?: string;
}

/**
 * The state of one batch-mode run: the pending requests of the last pass, what was imported, the
 * files written. Wrap every LLM generator with {@link wrap}, then call {@link run} with the job.
 *
 * @example
 * ```ts
 * import { BatchSession } from "./session.ts";
 * import { openStore } from "../store/duckdb_store.ts";
 * const store = await openStore(":memory:");
 * const session = new BatchSession({ store, outDir: await Deno.makeTempDir() });
 * console.log(session.report().queued); // 0
 * ```
 */
export class BatchSession {
  /** Requests deferred by the pass running now (the deferring generators fill it). */
  readonly #pending: PendingRequests = new Map();
  readonly #summaries: KnowledgeJobSummary[] = [];
  readonly #tally = importTally();
  readonly #unknown: ResultLine[] = [];
  readonly #files: string[] = [];
  readonly #batches = new Map<string, BatchReport["batches"][number]>();
  #job?: () => Promise<KnowledgeJobSummary>;
  /** The last pass's requests while no answer was stored since. */
  #fresh?: PendingRequests;
  #stopped?: string;

  /** A session over `options.store`. */
  constructor(readonly options: BatchSessionOptions) {}

  /**
   * The deferring generator in place of the generator of an LLM spec (`hf:` or `endpoint:`; a
   * `local:` model has no batch endpoint).
   */
  wrap(generator: TextGenerator, spec: string): TextGenerator {
    const parsed = parseLlmSpec(spec);
    if (parsed.kind === "local") {
      throw new Error(`batch mode: ${spec} is a local model; batches need hf: or endpoint: models`);
    }
    return deferringGenerator(generator, { model: parsed.model, pending: this.#pending });
  }

  /** Runs the batch-mode job: import, then write request files or drive `api`. */
  async run(
    job: () => Promise<KnowledgeJobSummary>,
    api?: (session: BatchSession) => Promise<void>,
  ): Promise<KnowledgeJobSummary> {
    this.#job = job;
    if (this.options.inputs?.length) await this.importLines(this.options.inputs);
    if (api) await api(this);
    else {
      const pending = await this.pass();
      // A cancelled pass has not asked for everything: its files would be partial.
      if (this.options.outDir && pending.size > 0 && !this.#summaries.at(-1)!.cancelled) {
        await this.writeFiles(pending, this.options.outDir);
      }
    }
    if (this.#summaries.length === 0) await this.pass();
    return mergeSummaries(this.#summaries);
  }

  /** The store of the session. */
  get store(): DuckDbStore {
    return this.options.store;
  }

  /** Runs a pass of the job (unless nothing was stored since the last) and returns its requests. */
  async pass(): Promise<PendingRequests> {
    if (this.#fresh) return this.#fresh;
    if (!this.#job) throw new Error("BatchSession.pass: call run() first");
    this.#pending.clear();
    this.#summaries.push(await this.#job());
    this.#fresh = new Map(this.#pending);
    return this.#fresh;
  }

  /**
   * Imports result files, passing again while answers are stored and lines wait for a request a
   * later pass makes; returns how many answers were stored.
   */
  async importFiles(paths: string[]): Promise<number> {
    return await this.importLines(await readResultFiles(paths));
  }

  /** Imports result lines read already (see {@link importFiles}). */
  async importLines(lines: ResultLine[]): Promise<number> {
    const files = [...new Set(lines.map((l) => l.file))];
    if (lines.length > 0) {
      this.log(`batch: importing ${lines.length} result line(s) from ${files.join(", ")}`);
    }
    const before = this.#stored();
    let waiting = lines;
    while (waiting.length > 0) {
      const stored = this.#stored();
      waiting = await importResultLines(waiting, await this.pass(), this.store, this.#tally);
      if (this.#stored() === stored) break;
      this.#fresh = undefined;
    }
    this.#unknown.push(...waiting);
    for (const line of waiting.slice(0, 3)) {
      this.log(`batch: ${line.file}:${line.line}: custom_id ${line.key} matches no request`);
    }
    return this.#stored() - before;
  }

  /** Answers stored so far, accepted or not by their parser. */
  #stored(): number {
    return this.#tally.imported + this.#tally.rejected;
  }

  /** Writes `pending` as request files to `dir`. */
  async writeFiles(pending: PendingRequests, dir: string): Promise<RequestFile[]> {
    const files = await writeRequestFiles(dir, pending.values(), this.options.limits);
    for (const f of files) {
      this.#files.push(f.path);
      this.log(
        `batch: wrote ${f.keys.length} ${f.stage} request(s) (round ${f.round}) to ${f.path}`,
      );
    }
    return files;
  }

  /** Notes a submitted or resumed batch for the report. */
  noteBatch(batch: BatchRecord): void {
    const { batchId, file, stage, round, requests, status } = batch;
    this.#batches.set(batchId, { batchId, file, stage, round, requests, status });
  }

  /** Ends a Batch API run with requests queued, saying why. */
  stop(why: string): void {
    this.#stopped = why;
    this.log(`batch: stopped: ${why}`);
  }

  /** A line for a person. */
  log(line: string): void {
    this.options.log?.(line);
  }

  /** What the run did. */
  report(): BatchReport {
    return {
      imported: this.#tally.imported,
      duplicates: this.#tally.duplicates,
      rejected: this.#tally.rejected,
      failed: this.#tally.failed,
      failures: [...this.#tally.failures],
      unknown: this.#unknown.length,
      unknownLines: this.#unknown.slice(0, 20).map((l) => ({
        at: `${l.file}:${l.line}`,
        key: l.key,
      })),
      queued: this.#fresh?.size ?? this.#pending.size,
      files: [...this.#files],
      batches: [...this.#batches.values()],
      ...(this.#stopped ? { stopped: this.#stopped } : {}),
    };
  }
}
