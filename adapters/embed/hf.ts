/**
 * Remote sentence embeddings through Hugging Face Inference (`@huggingface/inference`,
 * `InferenceClient.featureExtraction`): a model id routed to an Inference Provider, or any
 * endpoint that speaks the feature-extraction protocol (Inference Endpoints, Text Embeddings
 * Inference, a local server) via `endpointUrl`.
 *
 * Protocol: `POST` JSON `{ inputs: string[], normalize?, truncate?, prompt_name? }`, answer one
 * pooled vector per input (`number[][]`). Token-level answers (`number[][][]`) are refused with a
 * clear error rather than pooled here, since the padding mask is unknown.
 *
 * @module
 */
import {
  InferenceClient,
  type InferenceProviderOrPolicy,
  PROVIDERS_OR_POLICIES,
} from "@huggingface/inference";
import type { Embedder } from "../../plugins/types.ts";
import { checkBatchSize, type ProgressCallback } from "./progress.ts";
import { sleep } from "../../util/sleep.ts";

/** Options of {@link hfEmbedder}. Give `model`, `endpointUrl`, or both. */
export interface HfEmbedderOptions {
  /** Hub model id, e.g. `BAAI/bge-m3`. Required unless `endpointUrl` is given. */
  model?: string;
  /** Inference Provider or `auto` (default `hf-inference`); not allowed with `endpointUrl`. */
  provider?: string;
  /** A dedicated endpoint URL; requests go there verbatim. */
  endpointUrl?: string;
  /** Hugging Face token (`hf_...`) or the endpoint's bearer token. */
  accessToken?: string;
  /** Ask the server to L2-normalise (sent as `normalize`; default: the server's default). */
  normalize?: boolean;
  /** Ask the server to truncate over-long inputs (sent as `truncate`). */
  truncate?: boolean;
  /** A sentence-transformers prompt name (sent as `prompt_name`), e.g. `query`. */
  promptName?: string;
  /** Texts per request (default 32). */
  batchSize?: number;
  /** Vector size, if known; otherwise read from the answer to a one-text probe request. */
  dim?: number;
  /**
   * Retries of a request answered 429, 502, 503 or 504 (model loading, rate limits) or failing at
   * the network level, with exponential backoff (default 4). The client's own unbounded, immediate
   * 503 retry is turned off.
   */
  maxRetries?: number;
  /** First backoff delay in milliseconds, doubled after each retry (default 1000). */
  retryDelayMs?: number;
  /** Custom fetch (proxies, tests). */
  fetch?: typeof fetch;
  /** Called after each batch of an `embed` call. */
  onProgress?: ProgressCallback;
}

/**
 * Creates an embedder over Hugging Face Inference feature extraction. Without `dim`, one probe
 * request reads the vector size.
 *
 * The `id` is `hf:<model or endpointUrl>[@provider][:norm|:raw][:trunc][:prompt=<name>]`.
 *
 * @example
 * ```ts
 * import { hfEmbedder } from "./hf.ts";
 * const embedder = await hfEmbedder({
 *   model: "BAAI/bge-m3",
 *   provider: "hf-inference",
 *   accessToken: Deno.env.get("HF_TOKEN"),
 *   normalize: true,
 *   dim: 1024,
 * });
 * embedder.id; // "hf:BAAI/bge-m3@hf-inference:norm"
 * ```
 */
export async function hfEmbedder(options: HfEmbedderOptions): Promise<Embedder> {
  const { model, endpointUrl } = options;
  if (!model && !endpointUrl) throw new Error("hfEmbedder: give a model id or an endpointUrl");
  if (endpointUrl && options.provider) {
    throw new Error("hfEmbedder: provider cannot be combined with endpointUrl");
  }
  if (endpointUrl && !/^https?:\/\//.test(endpointUrl)) {
    throw new Error(`hfEmbedder: endpointUrl must be an http(s) URL, got ${endpointUrl}`);
  }
  const provider = endpointUrl ? undefined : options.provider ?? "hf-inference";
  if (provider !== undefined && !(PROVIDERS_OR_POLICIES as readonly string[]).includes(provider)) {
    throw new Error(
      `hfEmbedder: unknown provider ${JSON.stringify(provider)}; one of ${
        PROVIDERS_OR_POLICIES.join(", ")
      }`,
    );
  }
  const batchSize = checkBatchSize(options.batchSize ?? 32, "hfEmbedder batchSize");
  const client = new InferenceClient(options.accessToken ?? "");
  const target = model ?? endpointUrl!;
  const parameters = {
    ...(options.normalize !== undefined ? { normalize: options.normalize } : {}),
    ...(options.truncate !== undefined ? { truncate: options.truncate } : {}),
    ...(options.promptName !== undefined ? { prompt_name: options.promptName } : {}),
  };

  const maxRetries = options.maxRetries ?? 4;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new RangeError(
      `hfEmbedder: maxRetries must be a non-negative integer, got ${maxRetries}`,
    );
  }
  const retryDelayMs = options.retryDelayMs ?? 1000;

  async function request(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    for (let attempt = 0;; attempt++) {
      try {
        const answer = await client.featureExtraction(
          {
            ...(model ? { model } : {}),
            ...(endpointUrl ? { endpointUrl } : {}),
            ...(provider ? { provider: provider as InferenceProviderOrPolicy } : {}),
            inputs: texts,
            ...parameters,
          },
          { signal, fetch: options.fetch, retry_on_error: false },
        );
        return toVectors(answer, texts.length, target);
      } catch (error) {
        if (signal?.aborted) throw error;
        const status = httpStatus(error);
        const transient = status === undefined
          ? error instanceof TypeError // fetch's network failure
          : [429, 502, 503, 504].includes(status);
        if (transient && attempt < maxRetries) {
          await sleep(retryDelayMs * 2 ** attempt, signal);
          continue;
        }
        if (error instanceof Error && error.message.startsWith(`hfEmbedder(`)) throw error;
        throw new Error(
          `hfEmbedder(${target}): feature-extraction request for ${texts.length} texts failed` +
            `${status === undefined ? "" : ` (HTTP ${status})`}` +
            `${attempt > 0 ? ` after ${attempt + 1} attempts` : ""}: ${
              error instanceof Error ? error.message : error
            }`,
          { cause: error },
        );
      }
    }
  }

  let dim = options.dim;
  if (dim === undefined) dim = (await request(["dimension probe"]))[0].length;
  else if (!Number.isInteger(dim) || dim < 1) {
    throw new RangeError(`hfEmbedder: dim must be a positive integer, got ${dim}`);
  }
  const id = [
    `hf:${target}${provider ? `@${provider}` : ""}`,
    ...(options.normalize === undefined ? [] : [options.normalize ? "norm" : "raw"]),
    ...(options.truncate ? ["trunc"] : []),
    ...(options.promptName ? [`prompt=${options.promptName}`] : []),
  ].join(":");

  async function embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const started = performance.now();
    const out: Float32Array[] = [];
    for (let from = 0; from < texts.length; from += batchSize) {
      signal?.throwIfAborted();
      const batch = texts.slice(from, from + batchSize);
      batch.forEach((text, k) => {
        if (typeof text !== "string") {
          throw new TypeError(`hfEmbedder(${target}): texts[${from + k}] is ${typeof text}`);
        }
      });
      for (const [k, vector] of (await request(batch, signal)).entries()) {
        if (vector.length !== dim) {
          throw new Error(
            `hfEmbedder(${target}): texts[${
              from + k
            }] got a ${vector.length}-d vector, expected ${dim}`,
          );
        }
        out.push(vector);
      }
      options.onProgress?.({
        done: out.length,
        total: texts.length,
        elapsedMs: performance.now() - started,
      });
    }
    return out;
  }

  return { id, dim, embed };
}

function httpStatus(error: unknown): number | undefined {
  const response = (error as { httpResponse?: { status?: unknown } } | null)?.httpResponse;
  return typeof response?.status === "number" ? response.status : undefined;
}

/** Checks the answer is one flat vector of finite numbers per input. */
function toVectors(answer: unknown, count: number, target: string): Float32Array[] {
  const where = `hfEmbedder(${target}): answer`;
  if (!Array.isArray(answer) || answer.length !== count) {
    throw new Error(
      `${where} has ${
        Array.isArray(answer) ? answer.length : typeof answer
      } entries for ${count} texts`,
    );
  }
  return answer.map((row, i) => {
    if (!Array.isArray(row) || row.length === 0) {
      throw new Error(`${where}[${i}] is not a vector`);
    }
    if (Array.isArray(row[0])) {
      throw new Error(
        `${where}[${i}] is token-level (${row.length} tokens); configure the endpoint to pool`,
      );
    }
    const vector = Float32Array.from(row as number[]);
    const bad = (row as unknown[]).findIndex((x) => typeof x !== "number" || !Number.isFinite(x));
    if (bad >= 0) throw new Error(`${where}[${i}][${bad}] is not a finite number`);
    return vector;
  });
}
