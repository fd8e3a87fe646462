/**
 * The seams of the library (docs/architecture.md#seams): what plugins expect of text generators,
 * embedders, actors, reflectors, stages and the store. Concrete adapters implement these; plugins
 * import nothing else. Values that cross a boundary (LLM output, HTTP, files) have zod schemas
 * beside their types.
 *
 * @module
 */
import { z } from "zod";

/** One chat message. */
export const ChatMessageSchema = z.object({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string(),
});
/** One chat message. */
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/** Decoding parameters; part of the content hash of a generation. */
export const GenerationParamsSchema = z.object({
  maxTokens: z.number().int().positive().default(512),
  temperature: z.number().min(0).max(2).default(0),
  topP: z.number().gt(0).max(1).optional(),
  seed: z.number().int().optional(),
  stop: z.array(z.string()).optional(),
});
/** Decoding parameters. */
export type GenerationParams = z.infer<typeof GenerationParamsSchema>;

/** A chat request to a text generator. */
export const ChatRequestSchema = z.object({
  messages: z.array(ChatMessageSchema).min(1),
  params: GenerationParamsSchema.partial().optional(),
});
/** A chat request to a text generator. */
export type ChatRequest = z.infer<typeof ChatRequestSchema>;

/** Token usage of one generation. */
export const TokenUsageSchema = z.object({
  prompt: z.number().int().nonnegative(),
  completion: z.number().int().nonnegative(),
});
/** Token usage of one generation. */
export type TokenUsage = z.infer<typeof TokenUsageSchema>;

/** What a text generator returns. */
export const ChatResultSchema = z.object({
  text: z.string(),
  usage: TokenUsageSchema,
  /** Wall time of the call in milliseconds (0 when served from the store). */
  latencyMs: z.number().nonnegative(),
  /** Model id that produced it. */
  model: z.string(),
  /** True when the store answered instead of the model. */
  cached: z.boolean().default(false),
  finishReason: z.string().optional(),
});
/** What a text generator returns. */
export type ChatResult = z.infer<typeof ChatResultSchema>;

/**
 * Anything that turns chat messages into text: a remote LLM, a local model, or a store-backed cache
 * around either.
 *
 * @example
 * ```ts
 * import type { TextGenerator } from "./types.ts";
 * const echo: TextGenerator = {
 *   id: "echo",
 *   kind: "deterministic",
 *   generate(req) {
 *     const text = req.messages.at(-1)?.content ?? "";
 *     return Promise.resolve({ text, usage: { prompt: 0, completion: 0 }, latencyMs: 0, model: "echo", cached: false });
 *   },
 * };
 * ```
 */
export interface TextGenerator {
  /** Stable id, part of every generation's content hash (e.g. `hf:Qwen/Qwen2.5-7B-Instruct`). */
  readonly id: string;
  /** `llm` for a language model; `deterministic` for code that is not one (never shown as an LLM). */
  readonly kind: "llm" | "deterministic";
  generate(req: ChatRequest, signal?: AbortSignal): Promise<ChatResult>;
}

/**
 * Turns texts into fixed-size vectors.
 *
 * @example
 * ```ts
 * import type { Embedder } from "./types.ts";
 * const lengths: Embedder = {
 *   id: "length-1",
 *   dim: 1,
 *   embed: (texts) => Promise.resolve(texts.map((t) => Float32Array.of(t.length))),
 * };
 * ```
 */
export interface Embedder {
  /** Stable id including everything that changes the vectors (model, pooling, dim, seed). */
  readonly id: string;
  /** Vector size. */
  readonly dim: number;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** A vector cache keyed by (encoder id, text hash); implemented by the store. */
export interface VectorCache {
  getVectors(encoderId: string, textHashes: string[]): Promise<Map<string, Float32Array>>;
  putVectors(
    encoderId: string,
    entries: { textHash: string; vector: Float32Array }[],
  ): Promise<void>;
}

/** The two kinds of knowledge (docs/method.md#knowledge). */
export const KnowledgeKindSchema = z.enum(["user", "item"]);
/** The two kinds of knowledge. */
export type KnowledgeKind = z.infer<typeof KnowledgeKindSchema>;

/** One `[title, rating]` pair as shown to the actor. */
export const RatedTitleSchema = z.object({
  title: z.string(),
  rating: z.number().int(),
  /** Dense item index when the task comes from a prepared dataset (lets non-LLM actors look up metadata). */
  item: z.number().int().optional(),
});
/** One `[title, rating]` pair as shown to the actor. */
export type RatedTitle = z.infer<typeof RatedTitleSchema>;

/** How the dataset speaks: item noun, rating scale, like-threshold. */
export const DomainSchema = z.object({
  itemNoun: z.string().min(1),
  ratingScale: z.tuple([z.number().int(), z.number().int()]),
  likeThreshold: z.number(),
});
/** How the dataset speaks. */
export type Domain = z.infer<typeof DomainSchema>;

/** Target-aware extra input of construction mode (docs/method.md#construction). */
export const ConstructionTargetSchema = z.object({
  /** User kind: the target item's title. */
  itemTitle: z.string().optional(),
  /** Item kind: the target user's history before the interaction. */
  userHistory: z.array(RatedTitleSchema).optional(),
  /** Ground-truth label (1 = like). */
  label: z.union([z.literal(0), z.literal(1)]),
});
/** Target-aware extra input of construction mode. */
export type ConstructionTarget = z.infer<typeof ConstructionTargetSchema>;

/**
 * What knowledge is generated for: one user (from a history window) or one item (from its title and
 * a liker's and a disliker's history). `target` is present only in construction mode.
 */
export const KnowledgeTaskSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("user"),
    /** Store key, e.g. `ml-1m:user:42` (one per user; `userTaskKey`). */
    key: z.string(),
    domain: DomainSchema,
    history: z.array(RatedTitleSchema),
    target: ConstructionTargetSchema.optional(),
  }),
  z.object({
    kind: z.literal("item"),
    key: z.string(),
    domain: DomainSchema,
    title: z.string(),
    /** Attribute names / description when known (used by non-LLM actors; prompts may show them). */
    attributes: z.array(z.string()).default([]),
    description: z.string().optional(),
    likerHistory: z.array(RatedTitleSchema),
    dislikerHistory: z.array(RatedTitleSchema),
    target: ConstructionTargetSchema.optional(),
  }),
]);
/** What knowledge is generated for. */
export type KnowledgeTask = z.infer<typeof KnowledgeTaskSchema>;

/** A verdict on a construction target. */
export type Verdict = "like" | "dislike";

/** A version of the knowledge text, with where it came from. */
export const DraftSchema = z.object({
  text: z.string(),
  /** Construction mode: the actor's verdict on the target. */
  verdict: z.enum(["like", "dislike"]).optional(),
  /** Id of the generator (or deterministic actor) that wrote it. */
  author: z.string(),
  usage: TokenUsageSchema.default({ prompt: 0, completion: 0 }),
  latencyMs: z.number().nonnegative().default(0),
  /** Set when the output could not be parsed even after the format reminder; `text` keeps the raw output. */
  parseFailure: z.string().optional(),
});
/** A version of the knowledge text. */
export type Draft = z.infer<typeof DraftSchema>;

/** A reflector's judgement and critique. */
export const CritiqueSchema = z.object({
  reasonable: z.boolean(),
  /** Empty when reasonable. */
  feedback: z.string(),
  author: z.string(),
  usage: TokenUsageSchema.default({ prompt: 0, completion: 0 }),
  latencyMs: z.number().nonnegative().default(0),
  parseFailure: z.string().optional(),
  /** Evidence a grounded reflector measured (accuracy on held-back interactions, ...). */
  evidence: z.record(z.string(), z.unknown()).optional(),
});
/** A reflector's judgement and critique. */
export type Critique = z.infer<typeof CritiqueSchema>;

/** Everything a stage may use besides its input. */
export interface StageContext {
  /** Cancels the whole run. */
  signal?: AbortSignal;
  /** Called with a short event for progress and tracing. */
  trace?: (event: { stage: string; key: string; detail?: Record<string, unknown> }) => void;
}

/**
 * Writes knowledge and rewrites it given a critique.
 *
 * @example
 * ```ts
 * import type { Actor } from "./types.ts";
 * const constant: Actor = {
 *   id: "constant",
 *   kind: "deterministic",
 *   reason: () => Promise.resolve({ text: "likes everything", author: "constant", usage: { prompt: 0, completion: 0 }, latencyMs: 0 }),
 *   refine: (_t, d) => Promise.resolve(d),
 * };
 * ```
 */
export interface Actor {
  readonly id: string;
  readonly kind: "llm" | "deterministic";
  reason(task: KnowledgeTask, ctx?: StageContext): Promise<Draft>;
  refine(task: KnowledgeTask, draft: Draft, critique: Critique, ctx?: StageContext): Promise<Draft>;
  /**
   * Given its knowledge, predicts whether the user likes a probe item (user kind: `probe.itemTitle`)
   * or whether a probe user likes the item (item kind: `probe.userHistory`). The probe's label is
   * never shown to the actor. Used by grounded reflection; `undefined` when the answer was unparsable.
   */
  verdict(
    task: KnowledgeTask,
    draft: Draft,
    probe: Omit<ConstructionTarget, "label">,
    ctx?: StageContext,
  ): Promise<Verdict | undefined>;
}

/** Judges a draft and writes a critique. */
export interface Reflector {
  readonly id: string;
  readonly kind: "llm" | "deterministic" | "hybrid";
  reflect(task: KnowledgeTask, draft: Draft, ctx?: StageContext): Promise<Critique>;
}

/** A named step of the pipeline. */
export interface Stage<I, O> {
  readonly name: string;
  run(input: I, ctx: StageContext): Promise<O>;
}

/** One round of the R4 loop as stored: the draft of that round and the critique of it, if reflected. */
export interface KnowledgeRound {
  /** 0 = the reasoning draft; r = the draft after the r-th refinement. */
  round: number;
  draft: Draft;
  /** Absent when no reflection ran on this draft (the last refine, or T_max = 0). */
  critique?: Critique;
}

/** The knowledge of one entity with its full trace, as one store record. */
export interface KnowledgeRecord {
  /** Task key, e.g. `ml-1m:user:42`. */
  key: string;
  kind: KnowledgeKind;
  /** The reasoning draft (R²ec-style knowledge). */
  first: Draft;
  /** The knowledge kept: the latest version. */
  final: Draft;
  rounds: KnowledgeRound[];
  /** Run that wrote it. */
  runId?: string;
}

/**
 * Where the knowledge job keeps results; implemented by the DuckDB store. A record is written all or
 * nothing, so a killed run never leaves half an entity.
 *
 * @example
 * ```ts
 * import type { KnowledgeRecord, KnowledgeStore } from "./types.ts";
 * const records = new Map<string, KnowledgeRecord>();
 * const memory: KnowledgeStore = {
 *   completedKeys: (keys) => Promise.resolve(new Set(keys.filter((k) => records.has(k)))),
 *   putKnowledge: (r) => Promise.resolve(void records.set(r.key, r)),
 *   getKnowledge: (key) => Promise.resolve(records.get(key)),
 * };
 * ```
 */
export interface KnowledgeStore {
  /** The keys among `keys` that already have a complete record. */
  completedKeys(keys: string[]): Promise<Set<string>>;
  /** Writes (or replaces) a record and all its rounds in one transaction. */
  putKnowledge(record: KnowledgeRecord): Promise<void>;
  getKnowledge(key: string): Promise<KnowledgeRecord | undefined>;
}
