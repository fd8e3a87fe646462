/**
 * A `TextGenerator` that runs a causal language model locally with transformers.js
 * (`@huggingface/transformers`, ONNX Runtime). Chat messages go through the tokenizer's chat template
 * when it has one; otherwise their contents are joined into a plain prompt (base models).
 *
 * The model is a local directory (loaded with `local_files_only`, no network; a bare name is looked
 * up under `R4EC_MODELS_DIR`) or a Hub id (downloaded into the transformers.js cache). Calls run one
 * at a time per generator: ONNX inference is CPU-bound, so running them side by side only adds
 * contention. `maxPromptTokens` keeps only the end of longer prompts, so a small model (the 512-token
 * stories260K) can run the whole R4 loop.
 *
 * @module
 */
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  random,
  Tensor,
} from "@huggingface/transformers";
import { localModelKey, type LocalModelSource, resolveLocalModel } from "../local_model.ts";
import type { ChatMessage, ChatRequest, ChatResult, TextGenerator } from "../../plugins/types.ts";
import { LlmRequestError } from "./errors.ts";

/** Options of {@link transformersGenerator}. */
export interface TransformersGeneratorOptions {
  /** A local model directory (config.json, tokenizer.json, onnx/model.onnx) or a Hub model id. */
  model: string;
  /** Weight precision (`fp32`, `fp16`, `q8`, `q4`, ...). Default: the model's own setting. */
  dtype?: "auto" | "fp32" | "fp16" | "q8" | "int8" | "uint8" | "q4" | "bnb4" | "q4f16";
  /** ONNX Runtime device. Default `cpu`. */
  device?: "cpu" | "cuda" | "webgpu" | "dml" | "auto";
  /**
   * Generator id (part of generation hashes). Default `transformers:<model>` for a Hub id,
   * `transformers:local/<folder>@<hash of config and tokenizer>` for a folder, plus
   * `#maxPromptTokens=N` when set (it changes what the model sees).
   */
  id?: string;
  /**
   * Longest prompt + new tokens the model may see. Default: the config's `max_position_embeddings`
   * (when present). Longer requests are rejected with a clear error instead of failing in ONNX.
   */
  maxContext?: number;
  /**
   * Longest prompt in tokens: a longer one keeps its first token when that is BOS, then its last
   * tokens (the instruction and the most recent history). Default: no cut.
   */
  maxPromptTokens?: number;
}

/** What a loaded local generator exposes besides `generate`. */
export interface TransformersGenerator extends TextGenerator {
  /** Whether prompts go through a chat template (false: plain prompt). */
  readonly usesChatTemplate: boolean;
  /** Releases the ONNX session. */
  dispose(): Promise<void>;
}

/**
 * The plain prompt of a model without a chat template: the message contents, separated by blank
 * lines (a single user message is passed through unchanged).
 *
 * @example
 * ```ts
 * import { plainPrompt } from "./transformers.ts";
 * plainPrompt([{ role: "user", content: "Once upon a time" }]); // "Once upon a time"
 * ```
 */
export function plainPrompt(messages: ChatMessage[]): string {
  return messages.map((m) => m.content).join("\n\n");
}

/** Tokenizer output cut to `cap` tokens: BOS (when first) and the last ones. */
function keepLastTokens<T extends { input_ids: Tensor }>(
  inputs: T,
  cap: number,
  bos: number | null | undefined,
): T {
  const ids = inputs.input_ids.data as BigInt64Array;
  if (ids.length <= cap) return inputs;
  const keepFirst = bos !== null && bos !== undefined && ids[0] === BigInt(bos) ? 1 : 0;
  const cut = (t: Tensor) => {
    const data = t.data as BigInt64Array;
    const kept = new BigInt64Array(cap);
    if (keepFirst) kept[0] = data[0];
    kept.set(data.subarray(data.length - (cap - keepFirst)), keepFirst);
    return new Tensor("int64", kept, [1, cap]);
  };
  const entries = Object.entries(inputs).map(([name, t]) => [name, cut(t as Tensor)]);
  return Object.fromEntries(entries) as T;
}

/**
 * Loads a local text-generation model and returns it as a `TextGenerator`.
 *
 * `temperature: 0` (the default) decodes greedily; a positive temperature samples, seeded by
 * `params.seed` when given (transformers.js's global Mersenne Twister; calls are serialised so the
 * seed reproduces). `stop` strings cut the returned text after generation.
 *
 * @example
 * ```ts
 * import { transformersGenerator } from "./transformers.ts";
 * // A model folder in transformers.js layout, e.g. ../shared/models/stories260K:
 * async function story(folder: string): Promise<string> {
 *   const llm = await transformersGenerator({ model: folder });
 *   const out = await llm.generate({
 *     messages: [{ role: "user", content: "Once upon a time" }],
 *     params: { maxTokens: 20 },
 *   });
 *   await llm.dispose();
 *   return "Once upon a time" + out.text; // "Once upon a time, there was a little girl named Lily. ..."
 * }
 * ```
 */
export async function transformersGenerator(
  options: TransformersGeneratorOptions,
): Promise<TransformersGenerator> {
  if (!options.model) throw new LlmRequestError("transformersGenerator: `model` is required");
  const cap = options.maxPromptTokens;
  if (cap !== undefined && !(Number.isInteger(cap) && cap > 1)) {
    throw new LlmRequestError(`transformersGenerator: maxPromptTokens must be an integer > 1`);
  }
  const { found, tokenizer, model } = await loadModel(options);
  const usesChatTemplate = Boolean(tokenizer.chat_template);
  const config = model.config as unknown as { max_position_embeddings?: number };
  const maxContext = options.maxContext ?? config.max_position_embeddings;
  // Same rule as the text-generation pipeline: add BOS/EOS only when the tokenizer asks for them.
  const tok = tokenizer as unknown as { add_bos_token?: boolean; add_eos_token?: boolean };
  const addSpecialTokens = Boolean(tok.add_bos_token || tok.add_eos_token);
  const id = options.id ??
    `transformers:${"folder" in found ? await localModelKey(found.folder) : found.hubId}` +
      (cap ? `#maxPromptTokens=${cap}` : "");
  const loaded: LoadedModel = {
    id,
    name: options.model,
    tokenizer,
    model,
    usesChatTemplate,
    addSpecialTokens,
    maxContext,
    cap,
  };
  let queue: Promise<unknown> = Promise.resolve();

  return {
    id,
    kind: "llm",
    usesChatTemplate,
    generate(req, signal) {
      const next = queue.then(() => generateOnce(loaded, req, signal));
      queue = next.catch(() => {});
      return next;
    },
    async dispose() {
      await queue;
      await model.dispose();
    },
  };
}

/** Where the model was found, and its tokenizer and weights, loaded. */
async function loadModel(
  options: TransformersGeneratorOptions,
): Promise<{ found: LocalModelSource; tokenizer: PreTrainedTokenizer; model: PreTrainedModel }> {
  let found: LocalModelSource;
  try {
    found = resolveLocalModel(options.model);
  } catch (error) {
    throw new LlmRequestError(`transformersGenerator: ${(error as Error).message}`);
  }
  const local = "folder" in found;
  const source = "folder" in found ? found.folder : found.hubId;
  const loadOptions = {
    ...(local ? { local_files_only: true } : {}),
    ...(options.dtype ? { dtype: options.dtype } : {}),
    device: options.device ?? "cpu",
  };
  let tokenizer: PreTrainedTokenizer;
  let model: PreTrainedModel;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(source, loadOptions);
    model = await AutoModelForCausalLM.from_pretrained(source, loadOptions);
  } catch (error) {
    throw new LlmRequestError(
      `transformersGenerator: cannot load ${local ? "local model directory" : "Hub model"} ` +
        `"${source}": ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { found, tokenizer, model };
}

/** A loaded model and what its generations need to know about it. */
interface LoadedModel {
  /** The generator's id (names it in errors). */
  id: string;
  /** The model as given in the options (reported as the result's `model`). */
  name: string;
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
  usesChatTemplate: boolean;
  /** Whether a plain prompt gets BOS/EOS added. */
  addSpecialTokens: boolean;
  /** Longest prompt + new tokens (`undefined`: unknown, not checked). */
  maxContext: number | undefined;
  /** `maxPromptTokens`. */
  cap: number | undefined;
}

/** One generation; callers run them one at a time (see {@link transformersGenerator}). */
async function generateOnce(
  m: LoadedModel,
  req: ChatRequest,
  signal?: AbortSignal,
): Promise<ChatResult> {
  const { tokenizer, model, usesChatTemplate, maxContext, cap, id } = m;
  signal?.throwIfAborted();
  const p = req.params ?? {};
  const started = performance.now();
  const prompt = usesChatTemplate
    ? tokenizer.apply_chat_template(req.messages, {
      tokenize: false,
      add_generation_prompt: true,
    }) as unknown as string
    : plainPrompt(req.messages);
  let inputs = tokenizer(prompt, {
    add_special_tokens: usesChatTemplate ? false : m.addSpecialTokens,
  });
  if (cap !== undefined) inputs = keepLastTokens(inputs, cap, tokenizer.bos_token_id);
  const promptLength = (inputs.input_ids as Tensor).dims.at(-1)!;
  const maxNew = p.maxTokens ?? 512;
  if (maxContext !== undefined && promptLength + maxNew > maxContext) {
    throw new LlmRequestError(
      `${id}: prompt of ${promptLength} tokens + maxTokens ${maxNew} exceeds the model's ` +
        `context of ${maxContext} tokens (lower maxTokens / --max-tokens, or cap prompts with ` +
        `maxPromptTokens / --max-prompt-tokens)`,
    );
  }
  const temperature = p.temperature ?? 0;
  if (temperature > 0 && p.seed !== undefined) random.seed(p.seed);
  let output: Tensor;
  try {
    output = await model.generate({
      ...inputs,
      max_new_tokens: maxNew,
      do_sample: temperature > 0,
      ...(temperature > 0 ? { temperature, top_p: p.topP ?? 1 } : {}),
    }) as Tensor;
  } catch (error) {
    throw new LlmRequestError(
      `${id}: generation failed (prompt ${promptLength} tokens, maxTokens ${maxNew}): ` +
        (error as Error).message,
      { cause: error },
    );
  }
  signal?.throwIfAborted();
  const all = output.tolist() as bigint[][];
  const fresh = all[0].slice(promptLength).map(Number);
  let text = tokenizer.decode(fresh, { skip_special_tokens: true });
  let finishReason = fresh.length >= maxNew ? "length" : "stop";
  for (const stop of p.stop ?? []) {
    const at = text.indexOf(stop);
    if (at >= 0) {
      text = text.slice(0, at);
      finishReason = "stop";
    }
  }
  return {
    text,
    usage: { prompt: promptLength, completion: fresh.length },
    latencyMs: performance.now() - started,
    model: m.name,
    cached: false,
    finishReason,
  };
}
