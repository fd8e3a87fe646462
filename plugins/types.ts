/**
 * The seams of the library (docs/architecture.md#seams): what plugins expect of text generators,
 * embedders, actors, reflectors, stages and the store. Concrete adapters implement these; plugins
 * import nothing else. Values that cross a boundary (LLM output, HTTP, files) have zod schemas
 * beside their types.
 *
 * @module
 */
import { z } from "zod";

// The boundary values are object types, not interfaces: like the zod-inferred types they stand for,
// they then fit index-signature types (`Record<string, unknown>`, an HTTP client's message type).

/**
 * One chat message.
 *
 * The runtime check of {@linkcode ChatMessage}. Internal: its type is zod's, which the API does not
 * expose; the public contract is the type (the two are checked to agree at compile time).
 *
 * @internal
 */
export const ChatMessageSchema = z.object({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string(),
});
/** One chat message. */
export type ChatMessage = {
  /** Who speaks: the system prompt, the user, or the model's earlier answer. */
  role: "system" | "user" | "assistant";
  /** The message text. */
  content: string;
};

/**
 * Decoding parameters; part of the content hash of a generation.
 *
 * The runtime check of {@linkcode GenerationParams}; it fills the defaults. Internal, like
 * {@linkcode ChatMessageSchema}.
 *
 * @internal
 */
export const GenerationParamsSchema = z.object({
  maxTokens: z.number().int().positive().default(512),
  temperature: z.number().min(0).max(2).default(0),
  topP: z.number().gt(0).max(1).optional(),
  seed: z.number().int().optional(),
  stop: z.array(z.string()).optional(),
});
/** Decoding parameters. */
export type GenerationParams = {
  /**
   * Most tokens to generate.
   *
   * @default {512}
   */
  maxTokens: number;
  /**
   * Sampling temperature in [0, 2]; 0 decodes greedily.
   *
   * @default {0}
   */
  temperature: number;
  /** Nucleus sampling mass in (0, 1]; the generator's own default when absent. */
  topP?: number;
  /** Sampling seed, for generators that take one. */
  seed?: number;
  /** Strings that end the generation. */
  stop?: string[];
};

/**
 * A chat request to a text generator.
 *
 * The runtime check of {@linkcode ChatRequest}. Internal, like {@linkcode ChatMessageSchema}.
 *
 * @internal
 */
export const ChatRequestSchema = z.object({
  messages: z.array(ChatMessageSchema).min(1),
  params: GenerationParamsSchema.partial().optional(),
});
/** A chat request to a text generator. */
export type ChatRequest = {
  /** The conversation, at least one message. */
  messages: ChatMessage[];
  /** Decoding parameters; those left out take the {@linkcode GenerationParams} defaults. */
  params?: Partial<GenerationParams>;
};

/**
 * Token usage of one generation.
 *
 * The runtime check of {@linkcode TokenUsage}. Internal, like {@linkcode ChatMessageSchema}.
 *
 * @internal
 */
export const TokenUsageSchema = z.object({
  prompt: z.number().int().nonnegative(),
  completion: z.number().int().nonnegative(),
  unknown: z.literal(true).optional(),
});
/** Token usage of one generation. */
export type TokenUsage = {
  /** Tokens of the prompt. */
  prompt: number;
  /** Tokens generated. */
  completion: number;
  /**
   * Set when the counts are not known (the endpoint reported no usage and no tokenizer was at
   * hand); `prompt` and `completion` are then 0 and mean "unknown", and sums carry the flag.
   */
  unknown?: true;
};

/**
 * What a text generator returns.
 *
 * The runtime check of {@linkcode ChatResult}. Internal, like {@linkcode ChatMessageSchema}.
 *
 * @internal
 */
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
export type ChatResult = {
  /** The generated text. */
  text: string;
  /** Tokens of the prompt and of the answer. */
  usage: TokenUsage;
  /** Wall time of the call in milliseconds (0 when served from the store). */
  latencyMs: number;
  /** Model id that produced it. */
  model: string;
  /** True when the store answered instead of the model. */
  cached: boolean;
  /** Why the generation ended, as the generator reports it (e.g. `stop`, `length`). */
  finishReason?: string;
};

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
  /** Answers one chat request; `signal` aborts the call. */
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
  /** One vector of length {@linkcode Embedder.dim} per text, in the order of `texts`. */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** A vector cache keyed by (encoder id, text hash); implemented by the store. */
export interface VectorCache {
  /** The stored vectors of `textHashes` under `encoderId`, keyed by text hash; misses are absent. */
  getVectors(encoderId: string, textHashes: string[]): Promise<Map<string, Float32Array>>;
  /** Stores vectors under `encoderId`; an entry already stored for a text hash is replaced. */
  putVectors(
    encoderId: string,
    entries: { textHash: string; vector: Float32Array }[],
  ): Promise<void>;
}

/**
 * The two kinds of knowledge (docs/method.md#knowledge).
 *
 * The runtime check of {@linkcode KnowledgeKind}. Internal, like {@linkcode ChatMessageSchema}.
 *
 * @internal
 */
export const KnowledgeKindSchema = z.enum(["user", "item"]);
/** The two kinds of knowledge. */
export type KnowledgeKind = "user" | "item";

/**
 * One `[title, rating]` pair as shown to the actor.
 *
 * The runtime check of {@linkcode RatedTitle}. Internal, like {@linkcode ChatMessageSchema}.
 *
 * @internal
 */
export const RatedTitleSchema = z.object({
  title: z.string(),
  rating: z.number().int(),
  /** Dense item index when the task comes from a prepared dataset (lets non-LLM actors look up metadata). */
  item: z.number().int().optional(),
});
/** One `[title, rating]` pair as shown to the actor. */
export type RatedTitle = {
  /** The item's display title. */
  title: string;
  /** The rating given, an integer on the domain's scale. */
  rating: number;
  /** Dense item index when the task comes from a prepared dataset (lets non-LLM actors look up metadata). */
  item?: number;
};

/**
 * How the dataset speaks: item noun, rating scale, like-threshold.
 *
 * The runtime check of {@linkcode Domain}. Internal, like {@linkcode ChatMessageSchema}.
 *
 * @internal
 */
export const DomainSchema = z.object({
  itemNoun: z.string().min(1),
  ratingScale: z.tuple([z.number().int(), z.number().int()]),
  likeThreshold: z.number(),
});
/** How the dataset speaks. */
export type Domain = {
  /** What an item is called in prompts, e.g. `movie`. */
  itemNoun: string;
  /** Lowest and highest rating, e.g. `[1, 5]`. */
  ratingScale: [number, number];
  /** A rating strictly above it is a like. */
  likeThreshold: number;
};

/**
 * Target-aware extra input of construction mode (docs/method.md#construction).
 *
 * The runtime check of {@linkcode ConstructionTarget}. Internal, like {@linkcode ChatMessageSchema}.
 *
 * @internal
 */
export const ConstructionTargetSchema = z.object({
  /** User kind: the target item's title. */
  itemTitle: z.string().optional(),
  /** Item kind: the target user's history before the interaction. */
  userHistory: z.array(RatedTitleSchema).optional(),
  /** Ground-truth label (1 = like). */
  label: z.union([z.literal(0), z.literal(1)]),
});
/** Target-aware extra input of construction mode. */
export type ConstructionTarget = {
  /** User kind: the target item's title. */
  itemTitle?: string;
  /** Item kind: the target user's history before the interaction. */
  userHistory?: RatedTitle[];
  /** Ground-truth label (1 = like). */
  label: 0 | 1;
};

/**
 * What knowledge is generated for: one user (from a history window) or one item (from its title and
 * a liker's and a disliker's history). `target` is present only in construction mode.
 *
 * The runtime check of {@linkcode KnowledgeTask}. Internal, like {@linkcode ChatMessageSchema}.
 *
 * @internal
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
/** Knowledge to generate for one user, from a window of their history. */
export type UserKnowledgeTask = {
  /** Discriminates the two kinds of task. */
  kind: "user";
  /** Store key, e.g. `ml-1m:user:42:train`. */
  key: string;
  /** How the dataset speaks. */
  domain: Domain;
  /** The user's rated titles, oldest first. */
  history: RatedTitle[];
  /** Construction mode only: the target item and its label. */
  target?: ConstructionTarget;
};

/** Knowledge to generate for one item, from its title and a liker's and a disliker's history. */
export type ItemKnowledgeTask = {
  /** Discriminates the two kinds of task. */
  kind: "item";
  /** Store key, e.g. `ml-1m:item:1193`. */
  key: string;
  /** How the dataset speaks. */
  domain: Domain;
  /** The item's display title. */
  title: string;
  /** Attribute names when known (used by non-LLM actors; prompts may show them); `[]` if none. */
  attributes: string[];
  /** Item description when known. */
  description?: string;
  /** History of a user who liked the item. */
  likerHistory: RatedTitle[];
  /** History of a user who disliked the item. */
  dislikerHistory: RatedTitle[];
  /** Construction mode only: the target user's history and the label. */
  target?: ConstructionTarget;
};

/** What knowledge is generated for. */
export type KnowledgeTask = UserKnowledgeTask | ItemKnowledgeTask;

/** A verdict on a construction target. */
export type Verdict = "like" | "dislike";

/**
 * A version of the knowledge text, with where it came from.
 *
 * The runtime check of {@linkcode Draft}; it fills `usage` and `latencyMs` with zeros when absent. Internal, like {@linkcode ChatMessageSchema}.
 *
 * @internal
 */
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
export type Draft = {
  /** The knowledge text (the raw output when `parseFailure` is set). */
  text: string;
  /** Construction mode: the actor's verdict on the target. */
  verdict?: Verdict;
  /** Id of the generator (or deterministic actor) that wrote it. */
  author: string;
  /** Tokens spent writing it (zeros for deterministic actors). */
  usage: TokenUsage;
  /** Wall time spent writing it, in milliseconds. */
  latencyMs: number;
  /** Set when the output could not be parsed even after the format reminder; `text` keeps the raw output. */
  parseFailure?: string;
};

/**
 * A reflector's judgement and critique.
 *
 * The runtime check of {@linkcode Critique}; it fills `usage` and `latencyMs` with zeros when absent. Internal, like {@linkcode ChatMessageSchema}.
 *
 * @internal
 */
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
export type Critique = {
  /** Whether the draft was judged reasonable. */
  reasonable: boolean;
  /** Empty when reasonable. */
  feedback: string;
  /** Id of the reflector (or of its generator) that judged. */
  author: string;
  /** Tokens spent judging (zeros for deterministic reflectors). */
  usage: TokenUsage;
  /** Wall time spent judging, in milliseconds. */
  latencyMs: number;
  /** Set when the judgement could not be parsed. */
  parseFailure?: string;
  /** Evidence a grounded reflector measured (accuracy on held-back interactions, ...). */
  evidence?: Record<string, unknown>;
};

// Each schema's output is its type, checked at compile time so that neither drifts alone.
type Same<A, B> = [A, keyof A] extends [B, keyof B]
  ? [B, keyof B] extends [A, keyof A] ? true : false
  : false;
type Agree<T extends true> = T;
type _SchemasAgreeWithTypes = [
  Agree<Same<z.output<typeof ChatMessageSchema>, ChatMessage>>,
  Agree<Same<z.output<typeof GenerationParamsSchema>, GenerationParams>>,
  Agree<Same<z.output<typeof ChatRequestSchema>, ChatRequest>>,
  Agree<Same<z.output<typeof TokenUsageSchema>, TokenUsage>>,
  Agree<Same<z.output<typeof ChatResultSchema>, ChatResult>>,
  Agree<Same<z.output<typeof KnowledgeKindSchema>, KnowledgeKind>>,
  Agree<Same<z.output<typeof RatedTitleSchema>, RatedTitle>>,
  Agree<Same<z.output<typeof DomainSchema>, Domain>>,
  Agree<Same<z.output<typeof ConstructionTargetSchema>, ConstructionTarget>>,
  Agree<Same<Extract<z.output<typeof KnowledgeTaskSchema>, { kind: "user" }>, UserKnowledgeTask>>,
  Agree<Same<Extract<z.output<typeof KnowledgeTaskSchema>, { kind: "item" }>, ItemKnowledgeTask>>,
  Agree<Same<z.output<typeof DraftSchema>, Draft>>,
  Agree<Same<z.output<typeof CritiqueSchema>, Critique>>,
];

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
 *   verdict: () => Promise.resolve("like"),
 * };
 * ```
 */
export interface Actor {
  /** Stable id (e.g. `llm-actor:hf:<model>`); part of the run identity keying stored knowledge. */
  readonly id: string;
  /** `llm` for a language model; `deterministic` for code that is not one. */
  readonly kind: "llm" | "deterministic";
  /** Writes the first draft of the task's knowledge (the reasoning stage). */
  reason(task: KnowledgeTask, ctx?: StageContext): Promise<Draft>;
  /** Rewrites `draft` so that it answers `critique` (the refinement stage). */
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
  /** Stable id; part of the run identity keying stored knowledge. */
  readonly id: string;
  /** `llm`, `deterministic` (no language model), or `hybrid` (a deterministic check and an LLM). */
  readonly kind: "llm" | "deterministic" | "hybrid";
  /** Judges `draft` for `task` (the reflection stage). */
  reflect(task: KnowledgeTask, draft: Draft, ctx?: StageContext): Promise<Critique>;
}

/** A named step of the pipeline. */
export interface Stage<I, O> {
  /** Stage name, as it appears in trace events. */
  readonly name: string;
  /** Runs the stage on one input. */
  run(input: I, ctx: StageContext): Promise<O>;
}

/** One round of the R4 loop as stored: the draft of that round and the critique of it, if reflected. */
export interface KnowledgeRound {
  /** 0 = the reasoning draft; r = the draft after the r-th refinement. */
  round: number;
  /** The draft of this round. */
  draft: Draft;
  /** Absent when no reflection ran on this draft (the last refine, or T_max = 0). */
  critique?: Critique;
}

/** The knowledge of one entity with its full trace, as one store record. */
export interface KnowledgeRecord {
  /** Task key, e.g. `ml-1m:user:42`. */
  key: string;
  /** User or item knowledge. */
  kind: KnowledgeKind;
  /** The reasoning draft (R²ec-style knowledge). */
  first: Draft;
  /** The knowledge kept: the latest version. */
  final: Draft;
  /** Every round in order, from the reasoning draft (round 0) on. */
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
  /** The record stored under `key`, if any. */
  getKnowledge(key: string): Promise<KnowledgeRecord | undefined>;
}
