/**
 * Reflection as a filter (docs/method.md#reflection-as-a-filter), the alternative to iterative
 * refinement: the actor samples n drafts, the reflector judges each, and the drafts judged
 * reasonable are kept (all parsable drafts when none is). The caller averages their embeddings
 * ({@link meanVector}).
 *
 * @module
 */
import { type JudgementOutcome, judgementOutcome } from "./r4.ts";
import type {
  Actor,
  Critique,
  Draft,
  KnowledgeKind,
  KnowledgeTask,
  Reflector,
  Stage,
  StageContext,
  TokenUsage,
} from "./types.ts";

/** Options of {@link reflectionFilter}. */
export interface ReflectionFilterOptions {
  /**
   * One actor for every sample, or one per sample index. Sample with temperature > 0 and distinct
   * seeds (e.g. `(i) => llmActor({ generator, params: { temperature: 0.7, seed: i } })`): greedy
   * decoding, or a store keyed by the request, returns n identical drafts.
   */
  actor: Actor | ((sample: number) => Actor);
  /** Judges each draft. */
  reflector: Reflector;
  /** Drafts to sample, at least 1. */
  samples: number;
}

/** One sampled draft and its judgement. */
export interface FilteredDraft {
  /** The draft. */
  draft: Draft;
  /** Absent when the draft itself could not be parsed (it is not judged). */
  critique?: Critique;
  /** How the judgement reads; `unparsable_draft` when the draft was not judged. */
  outcome: JudgementOutcome | "unparsable_draft";
  /** Kept for the representation. */
  selected: boolean;
}

/** What the filter returns for one task. */
export interface ReflectionFilterResult {
  /** The task key. */
  key: string;
  /** The task kind. */
  kind: KnowledgeKind;
  /** Every sample, in sampling order. */
  drafts: FilteredDraft[];
  /** The selected drafts (judged reasonable, or every parsable draft when none was). */
  selected: Draft[];
  /** True when no draft was judged reasonable and all parsable drafts were kept. */
  fallbackToAll: boolean;
  /** Drafts and critiques with `parseFailure` set. */
  parseFailures: number;
  /** Summed over every call. */
  usage: TokenUsage;
  /** Summed over every call, in milliseconds. */
  latencyMs: number;
}

/**
 * The filter as a stage. Drafts are sampled concurrently, then judged concurrently; rate limits
 * belong to the generator. "Not reasonable" with an empty critique counts as reasonable (as in the
 * loop); an unparsable judgement does not.
 *
 * @example
 * ```ts
 * import { reflectionFilter } from "./reflection_filter.ts";
 * import { llmActor } from "./llm_actor.ts";
 * import { llmReflector } from "./llm_reflector.ts";
 * import type { KnowledgeTask, TextGenerator } from "./types.ts";
 * // Stands in for a language model: judges every draft reasonable, else states one preference.
 * const generator: TextGenerator = {
 *   id: "stand-in",
 *   kind: "deterministic",
 *   generate: (req) =>
 *     Promise.resolve({
 *       text: req.messages.at(-1)!.content.includes("<Final Judgement>")
 *         ? "<Final Judgement>The user preference is reasonable</Final Judgement>\n<Reflection></Reflection>"
 *         : "Enjoys tense crime thrillers; avoids family comedies.",
 *       usage: { prompt: 0, completion: 0 },
 *       latencyMs: 0,
 *       model: "stand-in",
 *       cached: false,
 *     }),
 * };
 * const task: KnowledgeTask = {
 *   kind: "user",
 *   key: "demo:user:1:train",
 *   domain: { itemNoun: "movie", ratingScale: [1, 5], likeThreshold: 3 },
 *   history: [{ title: "Heat (1995)", rating: 5 }, { title: "Jingle All the Way (1996)", rating: 1 }],
 * };
 * const filter = reflectionFilter({
 *   actor: (i) => llmActor({ generator, params: { temperature: 0.7, seed: i } }),
 *   reflector: llmReflector({ generator }),
 *   samples: 4,
 * });
 * const result = await filter.run(task, {});
 * console.log(result.selected.length, result.fallbackToAll);
 * console.assert(result.selected.length === 4 && !result.fallbackToAll);
 * ```
 */
export function reflectionFilter(
  options: ReflectionFilterOptions,
): Stage<KnowledgeTask, ReflectionFilterResult> {
  const { reflector, samples } = options;
  if (!Number.isInteger(samples) || samples < 1) {
    throw new Error(`reflectionFilter: samples must be a positive integer, got ${samples}`);
  }
  const actorFor = typeof options.actor === "function"
    ? options.actor
    : ((actor: Actor) => () => actor)(options.actor);
  return {
    name: "reflection-filter",
    async run(task: KnowledgeTask, ctx: StageContext): Promise<ReflectionFilterResult> {
      ctx.signal?.throwIfAborted();
      const drafts = await Promise.all(
        Array.from({ length: samples }, (_, i) => actorFor(i).reason(task, ctx)),
      );
      ctx.signal?.throwIfAborted();
      const critiques = await Promise.all(
        drafts.map((d) =>
          d.parseFailure === undefined
            ? reflector.reflect(task, d, ctx)
            : Promise.resolve(undefined)
        ),
      );
      const entries: FilteredDraft[] = drafts.map((draft, i) => {
        const critique = critiques[i];
        const outcome = critique ? judgementOutcome(critique) : "unparsable_draft";
        const entry: FilteredDraft = { draft, outcome, selected: false };
        if (critique) entry.critique = critique;
        return entry;
      });
      const reasonable = entries.filter((e) =>
        e.outcome === "reasonable" || e.outcome === "empty_critique"
      );
      const fallbackToAll = reasonable.length === 0;
      const chosen = fallbackToAll
        ? entries.filter((e) => e.outcome !== "unparsable_draft")
        : reasonable;
      for (const e of chosen) e.selected = true;
      const usage = { prompt: 0, completion: 0 };
      let latencyMs = 0;
      let parseFailures = 0;
      for (const step of [...drafts, ...critiques]) {
        if (!step) continue;
        usage.prompt += step.usage?.prompt ?? 0;
        usage.completion += step.usage?.completion ?? 0;
        latencyMs += step.latencyMs ?? 0;
        if (step.parseFailure !== undefined) parseFailures++;
      }
      ctx.trace?.({
        stage: "reflection-filter",
        key: task.key,
        detail: { samples, selected: chosen.length, fallbackToAll },
      });
      return {
        key: task.key,
        kind: task.kind,
        drafts: entries,
        selected: chosen.map((e) => e.draft),
        fallbackToAll,
        parseFailures,
        usage,
        latencyMs,
      };
    },
  };
}

/**
 * The element-wise mean of equal-length vectors: the representation of the selected drafts.
 * Throws when the list is empty or the lengths differ.
 *
 * @example
 * ```ts
 * import { meanVector } from "./reflection_filter.ts";
 * meanVector([Float32Array.of(1, 2), Float32Array.of(3, 4)]); // Float32Array [2, 3]
 * ```
 */
export function meanVector(vectors: readonly Float32Array[]): Float32Array {
  if (vectors.length === 0) throw new Error("meanVector: no vectors to average");
  const dim = vectors[0].length;
  const sum = new Float64Array(dim);
  vectors.forEach((v, i) => {
    if (v.length !== dim) {
      throw new Error(`meanVector: vector ${i} has length ${v.length}, expected ${dim}`);
    }
    for (let j = 0; j < dim; j++) sum[j] += v[j];
  });
  const out = new Float32Array(dim);
  for (let j = 0; j < dim; j++) out[j] = sum[j] / vectors.length;
  return out;
}
