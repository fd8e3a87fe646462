/**
 * A client of an OpenAI-compatible Batch API: upload a request file (`POST /v1/files`, multipart,
 * `purpose=batch`), create a batch (`POST /v1/batches`), read it (`GET /v1/batches/{id}`) and
 * download its output and error files (`GET /v1/files/{id}/content`). Every failure names the
 * request and what the server said.
 *
 * @module
 */
import { z } from "zod";
import type { BatchStatus } from "../store/tables/batches.ts";
import { CHAT_ENDPOINT } from "./request_file.ts";

/** Statuses after which a batch changes no more. */
export const FINAL_STATUSES: readonly BatchStatus[] = [
  "completed",
  "failed",
  "expired",
  "cancelled",
];

const BatchSchema = z.object({
  id: z.string().min(1),
  status: z.enum([
    "validating",
    "in_progress",
    "finalizing",
    "completed",
    "failed",
    "expired",
    "cancelling",
    "cancelled",
  ]),
  output_file_id: z.string().nullish(),
  error_file_id: z.string().nullish(),
  errors: z.object({
    data: z.array(z.object({ message: z.string().nullish(), line: z.number().nullish() }).partial())
      .nullish(),
  }).nullish(),
  request_counts: z.object({ total: z.number(), completed: z.number(), failed: z.number() })
    .partial().nullish(),
});

/** A batch as the API describes it. */
export type ApiBatch = z.infer<typeof BatchSchema>;

/** Options of {@link BatchApiClient}. */
export interface BatchApiClientOptions {
  /** Base URL; `/v1` is appended unless it ends with it. */
  url: string;
  /** Bearer token. @default none */
  token?: string;
  /** Custom fetch. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * The Batch API at one URL.
 *
 * @example
 * ```ts
 * import { BatchApiClient } from "./api_client.ts";
 * const api = new BatchApiClient({ url: "http://127.0.0.1:8000" });
 * async function submit(jsonl: string): Promise<string> {
 *   const file = await api.upload("reason.jsonl", jsonl);
 *   return (await api.create(file)).id;
 * }
 * console.log(api.base); // http://127.0.0.1:8000/v1
 * ```
 */
export class BatchApiClient {
  /** The base URL of the routes (ends with `/v1`). */
  readonly base: string;
  readonly #token?: string;
  readonly #fetch: typeof fetch;

  /** A client of the API at `options.url`. */
  constructor(options: BatchApiClientOptions) {
    const url = options.url.replace(/\/+$/, "");
    this.base = url.endsWith("/v1") ? url : `${url}/v1`;
    this.#token = options.token;
    this.#fetch = options.fetch ?? fetch;
  }

  /** Uploads a request file; resolves with its file id. */
  async upload(name: string, content: string): Promise<string> {
    const form = new FormData();
    form.append("purpose", "batch");
    form.append("file", new Blob([content], { type: "application/jsonl" }), name);
    const body = await this.#json("POST", "/files", form);
    return z.object({ id: z.string().min(1) }).parse(body).id;
  }

  /** Creates a batch of an uploaded file (chat completions, 24 h window). */
  async create(inputFileId: string): Promise<ApiBatch> {
    const body = await this.#json(
      "POST",
      "/batches",
      JSON.stringify({
        input_file_id: inputFileId,
        endpoint: CHAT_ENDPOINT,
        completion_window: "24h",
      }),
    );
    return this.#batch("POST /batches", body);
  }

  /** The batch with this id, as it stands now. */
  async get(batchId: string): Promise<ApiBatch> {
    const route = `/batches/${encodeURIComponent(batchId)}`;
    return this.#batch(`GET ${route}`, await this.#json("GET", route));
  }

  /** The content of a file (an output or error file). */
  async content(fileId: string): Promise<string> {
    const response = await this.#send("GET", `/files/${encodeURIComponent(fileId)}/content`);
    return await response.text();
  }

  #batch(route: string, body: unknown): ApiBatch {
    const parsed = BatchSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `${this.base}${route.replace(/^\w+ /, "")}: not a batch (${issue.message} at ${
          issue.path.join(".") || "the top"
        }): ${JSON.stringify(body).slice(0, 200)}`,
      );
    }
    return parsed.data;
  }

  async #json(method: string, route: string, body?: BodyInit): Promise<unknown> {
    const response = await this.#send(method, route, body);
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(
        `${method} ${this.base}${route}: answered with no JSON: ${text.slice(0, 200)}`,
      );
    }
  }

  async #send(method: string, route: string, body?: BodyInit): Promise<Response> {
    const headers = new Headers();
    if (this.#token) headers.set("authorization", `Bearer ${this.#token}`);
    if (typeof body === "string") headers.set("content-type", "application/json");
    const url = `${this.base}${route}`;
    let response: Response;
    try {
      response = await this.#fetch(url, { method, headers, body });
    } catch (error) {
      throw new Error(`${method} ${url}: ${(error as Error).message}`, { cause: error });
    }
    if (!response.ok) {
      const text = await response.text().catch(() => "");
      throw Object.assign(
        new Error(`${method} ${url}: answered ${response.status}: ${text.slice(0, 300)}`),
        { status: response.status },
      );
    }
    return response;
  }
}
