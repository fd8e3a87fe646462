/**
 * A `TextGenerator` over Hugging Face Inference (`@huggingface/inference`,
 * `InferenceClient.chatCompletion`): Inference Providers by model id (with an optional provider), or
 * any OpenAI-compatible server — TGI, vLLM, llama.cpp, ... — through `endpointUrl`.
 *
 * The adapter makes exactly one HTTP attempt per call and turns failures into the typed errors of
 * `errors.ts`; retries, rate limits and timeouts are the job of `withLimits` (limits.ts). The
 * client's own silent retry on 503 is switched off so that every attempt is visible there.
 * Token counts come from the answer's `usage`; an answer without them has `usage.unknown` (not 0).
 *
 * @module
 */
import { runtime } from "../../runtime/mod.ts";
import {
  InferenceClient,
  InferenceClientInputError,
  InferenceClientProviderApiError,
  type InferenceProviderOrPolicy,
  PROVIDERS_OR_POLICIES,
} from "@huggingface/inference";
import { z } from "zod";
import type { ChatRequest, ChatResult, TextGenerator, TokenUsage } from "../../plugins/types.ts";
import {
  LlmError,
  LlmHttpError,
  LlmNetworkError,
  LlmProtocolError,
  LlmRequestError,
  parseRetryAfter,
} from "./errors.ts";

/** Options of {@link hfGenerator}. */
export interface HfGeneratorOptions {
  /** Model id; always sent (servers behind an `endpointUrl` use it to pick or check the model). */
  model: string;
  /**
   * Inference provider or policy (`auto` by default), one of the client's `PROVIDERS_OR_POLICIES`
   * (checked); not allowed together with `endpointUrl`.
   */
  provider?: string;
  /** Base URL of an OpenAI-compatible server; `/v1/chat/completions` is appended unless present. */
  endpointUrl?: string;
  /** Access token; default `HF_TOKEN` from the environment (when readable). */
  accessToken?: string;
  /** Use the streaming endpoint (server-sent events) and assemble the text. Default false. */
  stream?: boolean;
  /**
   * Generator id (part of every generation's content hash, so it names what decides the answer):
   * default `endpoint:<endpointUrl>#<model>` for a server, else `hf:<model>[@<provider>]`.
   */
  id?: string;
  /** Custom fetch (proxies, instrumentation). */
  fetch?: typeof fetch;
}

const UsageSchema = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
}).partial();

/** The usage an answer reported; unknown (not 0) when it gave none, or only half of it. */
function usageOf(usage: z.infer<typeof UsageSchema> | null | undefined): TokenUsage {
  const { prompt_tokens: prompt, completion_tokens: completion } = usage ?? {};
  return prompt === undefined || completion === undefined
    ? { prompt: 0, completion: 0, unknown: true }
    : { prompt, completion };
}

const ChatCompletionSchema = z.object({
  model: z.string().optional(),
  choices: z.array(z.object({
    message: z.object({ content: z.string().nullish() }),
    finish_reason: z.string().nullish(),
  })).min(1),
  usage: UsageSchema.nullish(),
});

const StreamChunkSchema = z.object({
  model: z.string().optional(),
  choices: z.array(z.object({
    delta: z.object({ content: z.string().nullish() }).partial().optional(),
    finish_reason: z.string().nullish(),
  })).default([]),
  usage: UsageSchema.nullish(),
});

function envToken(): string | undefined {
  return runtime.env("HF_TOKEN") || undefined; // unset, or not permitted to read
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException &&
    (error.name === "AbortError" || error.name === "TimeoutError");
}

/**
 * Creates a Hugging Face Inference text generator.
 *
 * @example
 * ```ts
 * import { hfGenerator } from "./hf.ts";
 * // Inference Providers (token from HF_TOKEN):
 * const remote = hfGenerator({ model: "Qwen/Qwen2.5-7B-Instruct", provider: "together" });
 * // A local vLLM / TGI / llama.cpp server:
 * const local = hfGenerator({ model: "qwen2.5-7b", endpointUrl: "http://127.0.0.1:8000" });
 * async function hello(): Promise<string> {
 *   const answer = await local.generate({ messages: [{ role: "user", content: "Hello" }] });
 *   return `${remote.id}: ${answer.text}`;
 * }
 * ```
 */
export function hfGenerator(options: HfGeneratorOptions): TextGenerator {
  if (!options.model) throw new LlmRequestError("hfGenerator: `model` is required");
  if (options.endpointUrl && options.provider) {
    throw new LlmRequestError(
      `hfGenerator(${options.model}): give either endpointUrl or provider, not both`,
    );
  }
  if (options.endpointUrl && !/^https?:\/\//.test(options.endpointUrl)) {
    throw new LlmRequestError(
      `hfGenerator(${options.model}): endpointUrl must start with http:// or https://, got "${options.endpointUrl}"`,
    );
  }
  if (
    options.provider && !(PROVIDERS_OR_POLICIES as readonly string[]).includes(options.provider)
  ) {
    throw new LlmRequestError(
      `hfGenerator(${options.model}): unknown provider ${
        JSON.stringify(options.provider)
      }; one of ${PROVIDERS_OR_POLICIES.join(", ")}`,
    );
  }
  const client = new InferenceClient(options.accessToken ?? envToken() ?? "", {
    retry_on_error: false,
  });
  const id = options.id ??
    (options.endpointUrl
      ? `endpoint:${options.endpointUrl}#${options.model}`
      : `hf:${options.model}${options.provider ? `@${options.provider}` : ""}`);
  const where = options.endpointUrl ?? `provider ${options.provider ?? "auto"}`;
  const baseFetch = options.fetch ?? fetch;
  const target: Target = { client, id, where, model: options.model };

  async function generate(req: ChatRequest, signal?: AbortSignal): Promise<ChatResult> {
    const p = req.params ?? {};
    const args = {
      model: options.model,
      ...(options.endpointUrl ? { endpointUrl: options.endpointUrl } : {}),
      ...(options.provider ? { provider: options.provider as InferenceProviderOrPolicy } : {}),
      messages: req.messages,
      max_tokens: p.maxTokens ?? 512,
      temperature: p.temperature ?? 0,
      ...(p.topP !== undefined ? { top_p: p.topP } : {}),
      ...(p.seed !== undefined ? { seed: p.seed } : {}),
      ...(p.stop !== undefined ? { stop: p.stop } : {}),
    };
    // Per-call fetch wrapper: keeps the failing response's Retry-After, which the client's errors drop.
    let retryAfter: string | null = null;
    const callFetch: typeof fetch = async (input, init) => {
      const response = await baseFetch(input, init);
      if (!response.ok) retryAfter = response.headers.get("retry-after");
      return response;
    };
    const callOptions = { signal, fetch: callFetch, retry_on_error: false };
    const started = performance.now();
    try {
      return options.stream
        ? await streamedCompletion(target, args, callOptions, started)
        : await chatCompletion(target, args, callOptions, started);
    } catch (error) {
      throw classify(target, error, signal, retryAfter);
    }
  }

  return { id, kind: "llm", generate };
}

/** The client and how errors name what it talks to. */
interface Target {
  client: InferenceClient;
  /** The generator's id. */
  id: string;
  /** The endpoint URL, or the provider. */
  where: string;
  /** The model id of the options (reported when the answer names none). */
  model: string;
}

type ChatArgs = Parameters<InferenceClient["chatCompletion"]>[0];
type CallOptions = Parameters<InferenceClient["chatCompletion"]>[1];

/** One non-streaming chat completion, validated. */
async function chatCompletion(
  target: Target,
  args: ChatArgs,
  callOptions: CallOptions,
  started: number,
): Promise<ChatResult> {
  const { client, id, where } = target;
  const raw = await client.chatCompletion(args, callOptions);
  const parsed = ChatCompletionSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LlmProtocolError(
      `${id} at ${where}: answered 200 with a body that is not a chat completion ` +
        `(${issue?.message} at ${issue?.path.join(".") || "the top"}): ${await firstBytes(raw)}`,
    );
  }
  const body = parsed.data;
  return {
    text: body.choices[0].message.content ?? "",
    usage: usageOf(body.usage),
    latencyMs: performance.now() - started,
    model: body.model ?? target.model,
    cached: false,
    finishReason: body.choices[0].finish_reason ?? undefined,
  };
}

/** One streamed chat completion (server-sent events), its chunks validated and assembled. */
async function streamedCompletion(
  target: Target,
  args: ChatArgs,
  callOptions: CallOptions,
  started: number,
): Promise<ChatResult> {
  const { client, id, where } = target;
  let text = "";
  let model: string | undefined;
  let finishReason: string | undefined;
  let usage = usageOf(undefined);
  const stream = client.chatCompletionStream(
    { ...args, stream_options: { include_usage: true } },
    callOptions,
  );
  for await (const raw of stream) {
    const chunk = StreamChunkSchema.safeParse(raw);
    if (!chunk.success) {
      throw new LlmProtocolError(
        `${id} at ${where}: streamed a chunk that is not a completion chunk: ${await firstBytes(
          raw,
        )}`,
      );
    }
    model ??= chunk.data.model;
    for (const choice of chunk.data.choices) {
      text += choice.delta?.content ?? "";
      finishReason = choice.finish_reason ?? finishReason;
    }
    if (chunk.data.usage) usage = usageOf(chunk.data.usage);
  }
  return {
    text,
    usage,
    latencyMs: performance.now() - started,
    model: model ?? target.model,
    cached: false,
    finishReason,
  };
}

/** How many characters of a bad answer an error quotes. */
const QUOTED_CHARS = 200;

/**
 * The first characters of an answer that is not the protocol's shape, quoted for the error. The
 * client hands back a non-JSON body (an HTML error page) as a Blob, JSON as a value.
 */
async function firstBytes(raw: unknown): Promise<string> {
  const text = raw instanceof Blob
    ? await raw.slice(0, 4 * QUOTED_CHARS).text()
    : JSON.stringify(raw) ?? String(raw);
  const quoted = JSON.stringify(text.slice(0, QUOTED_CHARS));
  return text.length > QUOTED_CHARS ? `${quoted}...` : quoted;
}

/** The typed error (or the caller's abort reason) for a failed call. */
function classify(
  target: Target,
  error: unknown,
  signal: AbortSignal | undefined,
  retryAfter: string | null,
): unknown {
  const { id, where } = target;
  if (error instanceof LlmError) return error;
  // Cancellation and timeouts belong to the caller: hand back the signal's own reason.
  if (signal?.aborted && (isAbort(error) || error === signal.reason)) return signal.reason;
  if (error instanceof InferenceClientProviderApiError) {
    const status = error.httpResponse.status;
    const body = typeof error.httpResponse.body === "string"
      ? error.httpResponse.body
      : JSON.stringify(error.httpResponse.body);
    return new LlmHttpError(
      `${id}: POST ${error.httpRequest.url} answered ${status}: ${body.slice(0, 300)}`,
      { status, retryAfterMs: parseRetryAfter(retryAfter), cause: error },
    );
  }
  if (error instanceof InferenceClientInputError) {
    return new LlmRequestError(`${id} at ${where}: ${error.message}`, { cause: error });
  }
  // fetch failures (refused, reset, truncated body) surface as TypeError / SyntaxError.
  if (error instanceof TypeError || error instanceof SyntaxError) {
    return new LlmNetworkError(`${id} at ${where}: ${error.message}`, { cause: error });
  }
  return new LlmNetworkError(`${id} at ${where}: ${String(error)}`, { cause: error });
}
