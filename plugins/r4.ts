/**
 * The R4 loop (docs/method.md#inference): reason, then up to `rounds` times reflect and, unless the
 * draft is judged reasonable, refine. Returns the final knowledge and a trace of every round.
 *
 * @module
 */
import { deferredAt } from "./deferred.ts";
import { reasoning, refinement, reflection } from "./stages.ts";
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

/** How one judgement was read by the loop. */
export type JudgementOutcome =
  /** Judged reasonable. */
  | "reasonable"
  /** Judged not reasonable, with a critique: refine. */
  | "not_reasonable"
  /** Judged not reasonable, empty critique: counts as reasonable (docs/method.md#inference). */
  | "empty_critique"
  /** The judgement could not be parsed: keep the knowledge, count the failure. */
  | "unparsable";

/** Why the loop stopped. */
export type R4StopReason =
  /** `rounds` was 0: reasoning only (R²ec-style knowledge). */
  | "reasoning_only"
  | "reasonable"
  | "empty_critique"
  /** Every round ran (the last one ended with a refinement). */
  | "max_rounds"
  | "unparsable_judgement"
  /** The first draft could not be parsed; nothing was reflected. */
  | "unparsable_draft"
  /** A refinement could not be parsed; the previous draft is kept. */
  | "unparsable_refinement";

/** One round of the loop. */
export interface R4Round {
  /** 1-based. */
  round: number;
  /** The draft the reflector judged. */
  judged: Draft;
  /** The reflector's answer. */
  critique: Critique;
  /** How the loop read it. */
  outcome: JudgementOutcome;
  /** The refinement, when one ran (it may carry `parseFailure`). */
  refined?: Draft;
}

/** What the loop returns for one task. */
export interface R4Result {
  /** The task key. */
  key: string;
  /** The task kind. */
  kind: KnowledgeKind;
  /** The latest usable version: the knowledge to encode. */
  final: Draft;
  /** The reasoning-only draft (R²ec knowledge). */
  first: Draft;
  /** Every draft in order, including unparsable refinements. */
  drafts: Draft[];
  /** One entry per reflection round. */
  rounds: R4Round[];
  /** Reflection rounds run. */
  roundsUsed: number;
  /** Refinements that produced the next version. */
  refinements: number;
  /** Why the loop stopped. */
  stopReason: R4StopReason;
  /** Drafts and critiques with `parseFailure` set. */
  parseFailures: number;
  /** Summed over every call. */
  usage: TokenUsage;
  /** Summed over every call, in milliseconds. */
  latencyMs: number;
  /** Id of the actor. */
  actor: string;
  /** Id of the reflector. */
  reflector: string;
}

/** Options of {@link r4}. */
export interface R4Options {
  /** Writes and refines. */
  actor: Actor;
  /** Judges and critiques. */
  reflector: Reflector;
  /** T_max: reflection rounds, 0 for reasoning only; default 1 (docs/method.md#inference). */
  rounds?: number;
  /**
   * Stop at the first reasonable judgement (default, the method). `false` refines after every
   * judgement, reasonable or not (an ablation); an unparsable judgement always stops.
   */
  stopWhenReasonable?: boolean;
}

/**
 * Reads a critique as the loop does.
 *
 * @example
 * ```ts
 * import { judgementOutcome } from "./r4.ts";
 * judgementOutcome({ reasonable: false, feedback: " ", author: "j", usage: { prompt: 0, completion: 0 }, latencyMs: 0 }); // "empty_critique"
 * ```
 */
export function judgementOutcome(critique: Critique): JudgementOutcome {
  if (critique.parseFailure !== undefined) return "unparsable";
  if (critique.reasonable) return "reasonable";
  return critique.feedback.trim() === "" ? "empty_critique" : "not_reasonable";
}

function addUsage(total: TokenUsage, usage: TokenUsage | undefined): void {
  if (!usage) return;
  total.prompt += usage.prompt;
  total.completion += usage.completion;
  if (usage.unknown) total.unknown = true;
}

/**
 * The R4 loop as a stage. Knowledge judged reasonable keeps its draft; otherwise the refinement
 * becomes the new version; there is no reflection after the last refinement.
 *
 * @example
 * ```ts
 * import { r4 } from "./r4.ts";
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
 * const loop = r4({ actor: llmActor({ generator }), reflector: llmReflector({ generator }), rounds: 1 });
 * const result = await loop.run(task, {});
 * console.log(result.final.text, result.stopReason);
 * console.assert(result.stopReason === "reasonable");
 * ```
 */
export function r4(options: R4Options): Stage<KnowledgeTask, R4Result> {
  const { actor, reflector } = options;
  const rounds = options.rounds ?? 1;
  const stopWhenReasonable = options.stopWhenReasonable ?? true;
  if (!Number.isInteger(rounds) || rounds < 0) {
    throw new Error(`r4: rounds must be a non-negative integer, got ${rounds}`);
  }
  const reason = reasoning({ actor });
  const reflect = reflection({ reflector });
  const refine = refinement({ actor });

  return {
    name: "r4",
    async run(task: KnowledgeTask, ctx: StageContext): Promise<R4Result> {
      const first = await reason.run(task, ctx).catch(deferredAt({ stage: "reason", round: 0 }));
      const drafts: Draft[] = [first];
      const trace: R4Round[] = [];
      let current = first;
      let refinements = 0;
      let stopReason: R4StopReason = rounds === 0 ? "reasoning_only" : "max_rounds";
      if (first.parseFailure !== undefined) {
        stopReason = "unparsable_draft";
      } else {
        for (let round = 1; round <= rounds; round++) {
          const critique = await reflect.run({ task, draft: current }, ctx)
            .catch(deferredAt({ stage: "reflect", round }));
          const outcome = judgementOutcome(critique);
          const entry: R4Round = { round, judged: current, critique, outcome };
          trace.push(entry);
          ctx.trace?.({ stage: "r4", key: task.key, detail: { round, outcome } });
          if (outcome === "unparsable") {
            stopReason = "unparsable_judgement";
            break;
          }
          if (stopWhenReasonable && outcome !== "not_reasonable") {
            stopReason = outcome;
            break;
          }
          const refined = await refine.run({ task, draft: current, critique }, ctx)
            .catch(deferredAt({ stage: "refine", round }));
          entry.refined = refined;
          drafts.push(refined);
          if (refined.parseFailure !== undefined) {
            stopReason = "unparsable_refinement";
            break;
          }
          current = refined;
          refinements++;
        }
      }
      const usage = { prompt: 0, completion: 0 };
      let latencyMs = 0;
      let parseFailures = 0;
      for (const draft of drafts) {
        addUsage(usage, draft.usage);
        latencyMs += draft.latencyMs ?? 0;
        if (draft.parseFailure !== undefined) parseFailures++;
      }
      for (const { critique } of trace) {
        addUsage(usage, critique.usage);
        latencyMs += critique.latencyMs ?? 0;
        if (critique.parseFailure !== undefined) parseFailures++;
      }
      return {
        key: task.key,
        kind: task.kind,
        final: current,
        first,
        drafts,
        rounds: trace,
        roundsUsed: trace.length,
        refinements,
        stopReason,
        parseFailures,
        usage,
        latencyMs,
        actor: actor.id,
        reflector: reflector.id,
      };
    },
  };
}
