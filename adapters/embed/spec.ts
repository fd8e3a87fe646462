/**
 * Embedder specs: the strings the CLI takes (`--encoder ...`), parsed into a typed value, and a
 * factory that builds the embedder. Grammar: `KIND[:TARGET][#key=value,key=value...]`.
 *
 * | spec | embedder |
 * |---|---|
 * | `hashing`, `hashing#dim=512,seed=7` | {@link fitHashingEmbedder}; keys `dim`, `seed`, `buckets`, `ngrams`, `tf` (`log`/`raw`) |
 * | `transformers:ID_OR_PATH` | {@link transformersEmbedder}; keys `pooling`, `normalize`, `maxTokens`, `batchSize`, `dtype`, `device` |
 * | `hf:MODEL[@provider]`, `hf:https://host/path` | {@link hfEmbedder}; keys `normalize`, `truncate`, `prompt`, `batchSize`, `dim` |
 *
 * The hashing embedder must be fitted on a corpus (or reloaded from its saved state), so
 * {@link parseEmbedderSpec} only records its options and {@link embedderFromSpec} needs `corpus`
 * or `hashingState` for it.
 *
 * @module
 */
import { z } from "zod";
import type { Embedder } from "../../plugins/types.ts";
import { fitHashingEmbedder, HashingEmbedder, type HashingVectorOptions } from "./hashing.ts";
import { hfEmbedder } from "./hf.ts";
import type { ProgressCallback } from "./progress.ts";
import {
  transformersEmbedder,
  type TransformersEmbedderOptions,
  type TransformersPooling,
} from "./transformers.ts";

/** A parsed embedder spec. */
export type EmbedderSpec =
  | { kind: "hashing"; options: HashingVectorOptions }
  | {
    kind: "transformers";
    model: string;
    options: {
      pooling?: TransformersPooling;
      normalize?: boolean;
      maxTokens?: number;
      batchSize?: number;
      dtype?: string;
      device?: string;
    };
  }
  | {
    kind: "hf";
    model?: string;
    provider?: string;
    endpointUrl?: string;
    options: {
      normalize?: boolean;
      truncate?: boolean;
      promptName?: string;
      batchSize?: number;
      dim?: number;
    };
  };

const int = z.coerce.number().int().positive();
const bool = z.enum(["true", "false"]).transform((v) => v === "true");

const HashingKeys = z.strictObject({
  dim: int.optional(),
  seed: z.coerce.number().int().nonnegative().optional(),
  buckets: int.optional(),
  ngrams: z.enum(["1", "2"]).transform((v) => Number(v) as 1 | 2).optional(),
  tf: z.enum(["log", "raw"]).optional(),
});
const TransformersKeys = z.strictObject({
  pooling: z.enum(["mean", "cls"]).optional(),
  normalize: bool.optional(),
  maxTokens: int.optional(),
  batchSize: int.optional(),
  dtype: z.string().min(1).optional(),
  device: z.string().min(1).optional(),
});
const HfKeys = z.strictObject({
  normalize: bool.optional(),
  truncate: bool.optional(),
  prompt: z.string().min(1).optional(),
  batchSize: int.optional(),
  dim: int.optional(),
});

/**
 * Parses an embedder spec string; errors name the spec and the offending part.
 *
 * @example
 * ```ts
 * import { parseEmbedderSpec } from "./spec.ts";
 * parseEmbedderSpec("hf:BAAI/bge-m3@hf-inference#normalize=true,dim=1024");
 * // { kind: "hf", model: "BAAI/bge-m3", provider: "hf-inference", options: { normalize: true, dim: 1024 } }
 * ```
 */
export function parseEmbedderSpec(spec: string): EmbedderSpec {
  const hash = spec.indexOf("#");
  const head = hash < 0 ? spec : spec.slice(0, hash);
  const keys = parseKeys(spec, hash < 0 ? "" : spec.slice(hash + 1));
  const colon = head.indexOf(":");
  const kind = colon < 0 ? head : head.slice(0, colon);
  const target = colon < 0 ? "" : head.slice(colon + 1);
  const fail = (message: string): never => {
    throw new Error(`embedder spec ${JSON.stringify(spec)}: ${message}`);
  };
  const check = <T>(schema: z.ZodType<T>): T => {
    const parsed = schema.safeParse(keys);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const key = issue.code === "unrecognized_keys" ? issue.keys.join(", ") : issue.path.join(".");
      fail(`option ${key}: ${issue.message}`);
    }
    return parsed.data!;
  };
  switch (kind) {
    case "hashing": {
      if (target) fail(`hashing takes no target (options go after "#")`);
      const { tf, ...rest } = check(HashingKeys);
      return {
        kind,
        options: { ...rest, ...(tf ? { sublinearTf: tf === "log" } : {}) },
      };
    }
    case "transformers": {
      if (!target) fail("give a model: transformers:HUB_ID or transformers:PATH");
      return { kind, model: target, options: check(TransformersKeys) };
    }
    case "hf": {
      if (!target) fail("give a model or endpoint: hf:MODEL[@provider] or hf:https://...");
      const { prompt, ...options } = check(HfKeys);
      const all = { ...options, ...(prompt ? { promptName: prompt } : {}) };
      if (/^https?:\/\//.test(target)) return { kind, endpointUrl: target, options: all };
      const at = target.lastIndexOf("@");
      if (at === 0 || at === target.length - 1) fail(`empty model or provider in ${target}`);
      return at < 0
        ? { kind, model: target, options: all }
        : { kind, model: target.slice(0, at), provider: target.slice(at + 1), options: all };
    }
    default:
      return fail(`unknown kind ${JSON.stringify(kind)}; use hashing, transformers:... or hf:...`);
  }
}

function parseKeys(spec: string, text: string): Record<string, string> {
  const keys: Record<string, string> = {};
  if (!text) return keys;
  for (const pair of text.split(",")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new Error(
        `embedder spec ${JSON.stringify(spec)}: option ${JSON.stringify(pair)} is not key=value`,
      );
    }
    keys[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return keys;
}

/** What {@link embedderFromSpec} may need besides the spec. */
export interface EmbedderContext {
  /** Texts to fit the hashing embedder's IDF on. */
  corpus?: Iterable<string>;
  /** A saved hashing state (`HashingEmbedder#toJSON`); used instead of fitting when given. */
  hashingState?: unknown;
  /** Token for `hf` specs (e.g. from `HF_TOKEN`). */
  accessToken?: string;
  /** Folder of local transformers.js models, and whether the Hub may be used. */
  localModelPath?: string;
  /** Whether transformers.js may download models from the Hub (unset: its setting is kept). */
  allowRemoteModels?: boolean;
  /** Called after each batch of an `embed` call. */
  onProgress?: ProgressCallback;
}

/** An embedder built from a spec; `dispose` is present when it holds resources (ONNX sessions). */
export type SpecEmbedder = Embedder & { dispose?: () => Promise<void> };

/**
 * Builds the embedder a spec describes.
 *
 * @example
 * ```ts
 * import { embedderFromSpec } from "./spec.ts";
 * const embedder = await embedderFromSpec("hashing#dim=128", { corpus: ["likes jazz", "likes war films"] });
 * embedder.dim; // 128
 * ```
 */
export async function embedderFromSpec(
  spec: string | EmbedderSpec,
  context: EmbedderContext = {},
): Promise<SpecEmbedder> {
  const parsed = typeof spec === "string" ? parseEmbedderSpec(spec) : spec;
  const onProgress = context.onProgress;
  switch (parsed.kind) {
    case "hashing": {
      if (context.hashingState !== undefined) {
        const restored = HashingEmbedder.fromJSON(context.hashingState, { onProgress });
        const wanted = parsed.options;
        const state = restored.toJSON();
        for (const key of ["dim", "seed", "buckets", "ngrams", "sublinearTf"] as const) {
          if (wanted[key] !== undefined && wanted[key] !== state[key]) {
            throw new Error(
              `embedderFromSpec: saved hashing state has ${key}=${state[key]}, spec asks ${
                wanted[key]
              }`,
            );
          }
        }
        return restored;
      }
      if (context.corpus === undefined) {
        throw new Error(
          "embedderFromSpec: the hashing embedder needs a corpus to fit IDF on (context.corpus) " +
            "or a saved state (context.hashingState)",
        );
      }
      return fitHashingEmbedder(context.corpus, { ...parsed.options, onProgress });
    }
    case "transformers":
      return await transformersEmbedder(parsed.model, {
        ...parsed.options,
        // transformers.js validates these names when it loads the model.
        dtype: parsed.options.dtype as TransformersEmbedderOptions["dtype"],
        device: parsed.options.device as TransformersEmbedderOptions["device"],
        localModelPath: context.localModelPath,
        allowRemoteModels: context.allowRemoteModels,
        onProgress,
      });
    case "hf":
      return await hfEmbedder({
        model: parsed.model,
        provider: parsed.provider,
        endpointUrl: parsed.endpointUrl,
        accessToken: context.accessToken,
        ...parsed.options,
        onProgress,
      });
  }
}
