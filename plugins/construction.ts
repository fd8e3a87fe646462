/**
 * Construction mode (docs/method.md#construction): a teacher reasons about a held-back target, its
 * verdict is checked against the label, and the keep/discard table turns each sample into reason,
 * reflect and refine fine-tuning samples rendered with the inference prompts.
 *
 * @module
 */
import { tagged } from "./prompts/blocks.ts";
import { judgementStrings, tagNames } from "./prompts/protocol.ts";
import { renderReasonPrompt, renderRefinePrompt, renderReflectPrompt } from "./prompts/kinds.ts";
import type { PromptTemplates } from "./prompts/templates.ts";
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
  Verdict,
} from "./types.ts";

/** The three fine-tuning sets. */
export type SftRole = "reason" | "reflect" | "refine";

/** What the keep/discard table decided for one sample. */
export type ConstructionOutcome =
  /** pred = y and judged reasonable: `x → K0` into reason, `(x, K0) → reasonable` into reflect. */
  | "kept_reasonable"
  /** pred ≠ y, judged not reasonable, refinement fixed the verdict: into reflect and refine. */
  | "kept_repaired"
  /** The first answer had no usable knowledge or verdict. */
  | "discarded_unparsable_reason"
  /** The judgement could not be parsed. */
  | "discarded_unparsable_judgement"
  /** pred = y but judged not reasonable. */
  | "discarded_false_alarm"
  /** pred ≠ y but judged reasonable. */
  | "discarded_missed_error"
  /** pred ≠ y, judged not reasonable, but with no critique to learn from. */
  | "discarded_empty_critique"
  /** The refinement had no usable knowledge or verdict. */
  | "discarded_unparsable_refine"
  /** The refinement's verdict was still wrong. */
  | "discarded_refine_failed";

/** One fine-tuning sample: an inference-mode prompt and the target text. */
export interface SftSample {
  /** User or item knowledge. */
  kind: KnowledgeKind;
  /** Which set it belongs to. */
  role: SftRole;
  /** Rendered inference prompt (kinds 2, 4, 6, 8, 10, 12): no target, no verdict. */
  instruction: string;
  /** Knowledge text (reason, refine) or judgement + reflection tags (reflect). */
  output: string;
  /** The task key (`<dataset>:<kind>:<raw id>`). */
  key: string;
  /** The construction label (1 = like). */
  label: 0 | 1;
  /** Id of the teacher that wrote it. */
  teacher: string;
  /** Reflect set only: which judgement the sample teaches. */
  judgement?: "reasonable" | "not_reasonable";
}

/** The full record of one construction sample. */
export interface ConstructionRecord {
  /** The task key. */
  key: string;
  /** The task kind. */
  kind: KnowledgeKind;
  /** The ground-truth label of the target. */
  label: 0 | 1;
  /** The keep/discard decision. */
  outcome: ConstructionOutcome;
  /** Whether it yielded SFT samples. */
  kept: boolean;
  /** K0 with the teacher's verdict. */
  reason: Draft;
  /** The judgement of K0 and its critique. */
  critique?: Critique;
  /** K1 with the verdict after refinement. */
  refined?: Draft;
  /** The SFT samples it yields (empty when discarded). */
  samples: SftSample[];
  /** Summed over the teacher's calls. */
  usage: TokenUsage;
  /** Summed over the teacher's calls, in milliseconds. */
  latencyMs: number;
  /** Id of the teacher. */
  teacher: string;
}

/**
 * The first two steps of the keep/discard table, as a pure function: given the first verdict, the
 * label and the judgement, either a decision or `"refine"` (the refinement then decides).
 *
 * @example
 * ```ts
 * import { constructionDecision } from "./construction.ts";
 * constructionDecision({ verdict: "like", label: 1, judgement: "reasonable" }); // "kept_reasonable"
 * constructionDecision({ verdict: "like", label: 0, judgement: "not_reasonable" }); // "refine"
 * ```
 */
export function constructionDecision(
  input: { verdict: Verdict | undefined; label: 0 | 1; judgement: JudgementOutcome },
): ConstructionOutcome | "refine" {
  if (input.verdict === undefined) return "discarded_unparsable_reason";
  if (input.judgement === "unparsable") return "discarded_unparsable_judgement";
  const correct = verdictMatches(input.verdict, input.label);
  if (input.judgement === "reasonable") {
    return correct ? "kept_reasonable" : "discarded_missed_error";
  }
  if (correct) return "discarded_false_alarm";
  return input.judgement === "empty_critique" ? "discarded_empty_critique" : "refine";
}

/**
 * Whether a verdict agrees with a label.
 *
 * @example
 * ```ts
 * import { verdictMatches } from "./construction.ts";
 * verdictMatches("dislike", 0); // true
 * ```
 */
export function verdictMatches(verdict: Verdict, label: 0 | 1): boolean {
  return (verdict === "like") === (label === 1);
}

/**
 * The reflect-set target text: `<Final Judgement>` with the fixed string, then `<Reflection>`
 * (empty when reasonable).
 *
 * @example
 * ```ts
 * import { reflectTarget } from "./construction.ts";
 * import { movieDomain } from "./domain.ts";
 * reflectTarget("user", movieDomain, true, "");
 * ```
 */
export function reflectTarget(
  kind: KnowledgeKind,
  domain: KnowledgeTask["domain"],
  reasonable: boolean,
  critique: string,
): string {
  const tags = tagNames(domain);
  const judgements = judgementStrings(kind, domain);
  return [
    tagged(tags.finalJudgement, reasonable ? judgements.positive : judgements.negative),
    tagged(tags.reflection, reasonable ? "" : critique),
  ].join("\n");
}

function requireTarget(task: KnowledgeTask): 0 | 1 {
  const target = task.target;
  if (!target) {
    throw new Error(`construction: task ${JSON.stringify(task.key)} has no target`);
  }
  if (task.kind === "user" && target.itemTitle === undefined) {
    throw new Error(`construction: user task ${JSON.stringify(task.key)} needs target.itemTitle`);
  }
  if (task.kind === "item" && target.userHistory === undefined) {
    throw new Error(`construction: item task ${JSON.stringify(task.key)} needs target.userHistory`);
  }
  return target.label;
}

/** Options of {@link construction}. */
export interface ConstructionOptions {
  /** The teacher in its actor role (construction-mode prompts follow from the task's target). */
  actor: Actor;
  /** The teacher in its reflector role. */
  reflector: Reflector;
  /** Id recorded with every sample; default `actor.id`. */
  teacher?: string;
  /**
   * Templates the SFT instructions are rendered with (the inference kinds), so a student is
   * trained on the prompts it will be given; pass the teacher's when it has its own.
   * @default the built-in templates
   */
  prompts?: PromptTemplates;
}

/**
 * The construction stage: one target-aware sample in, its record (with the SFT samples it yields)
 * out. Construction uses one refinement round.
 *
 * @example
 * ```ts
 * import { construction } from "./construction.ts";
 * import { llmActor } from "./llm_actor.ts";
 * import { llmReflector } from "./llm_reflector.ts";
 * import type { KnowledgeTask, TextGenerator } from "./types.ts";
 * // Stands in for a teacher model: predicts "like" and judges every preference reasonable.
 * const teacher: TextGenerator = {
 *   id: "stand-in-teacher",
 *   kind: "deterministic",
 *   generate: (req) =>
 *     Promise.resolve({
 *       text: req.messages.at(-1)!.content.includes("<Final Judgement>")
 *         ? "<Final Judgement>The user preference is reasonable</Final Judgement>\n<Reflection></Reflection>"
 *         : "<User Preference>\nEnjoys tense crime thrillers.\n</User Preference>\n" +
 *           "<Final Verdict>user will like the target movie</Final Verdict>",
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
 *   target: { itemTitle: "Ronin (1998)", label: 1 },
 * };
 * const stage = construction({ actor: llmActor({ generator: teacher }), reflector: llmReflector({ generator: teacher }) });
 * const record = await stage.run(task, {});
 * console.log(record.outcome, record.samples.length); // kept_reasonable 2 (a reason and a reflect sample)
 * console.assert(record.outcome === "kept_reasonable" && record.samples.length === 2);
 * ```
 */
export function construction(
  options: ConstructionOptions,
): Stage<KnowledgeTask, ConstructionRecord> {
  const { actor, reflector, prompts: templates } = options;
  const teacher = options.teacher ?? actor.id;
  return {
    name: "construction",
    async run(task: KnowledgeTask, ctx: StageContext): Promise<ConstructionRecord> {
      const label = requireTarget(task);
      const usage = { prompt: 0, completion: 0 };
      let latencyMs = 0;
      const account = (step: { usage?: TokenUsage; latencyMs?: number }) => {
        usage.prompt += step.usage?.prompt ?? 0;
        usage.completion += step.usage?.completion ?? 0;
        latencyMs += step.latencyMs ?? 0;
      };
      const finish = (
        outcome: ConstructionOutcome,
        parts: { reason: Draft; critique?: Critique; refined?: Draft; samples?: SftSample[] },
      ): ConstructionRecord => {
        ctx.trace?.({ stage: "construction", key: task.key, detail: { outcome } });
        return {
          key: task.key,
          kind: task.kind,
          label,
          outcome,
          kept: outcome.startsWith("kept"),
          reason: parts.reason,
          ...(parts.critique ? { critique: parts.critique } : {}),
          ...(parts.refined ? { refined: parts.refined } : {}),
          samples: parts.samples ?? [],
          usage,
          latencyMs,
          teacher,
        };
      };

      ctx.signal?.throwIfAborted();
      const reason = await actor.reason(task, ctx);
      account(reason);
      const verdict = reason.parseFailure === undefined ? reason.verdict : undefined;
      if (verdict === undefined) return finish("discarded_unparsable_reason", { reason });
      ctx.signal?.throwIfAborted();
      const critique = await reflector.reflect(task, reason, ctx);
      account(critique);
      const judgement = judgementOutcome(critique);
      const decision = constructionDecision({ verdict, label, judgement });
      // SFT inputs use the inference prompts: the target is removed before rendering.
      const inference: KnowledgeTask = { ...task, target: undefined };
      const sample = (role: SftRole, instruction: string, output: string): SftSample => ({
        kind: task.kind,
        role,
        instruction,
        output,
        key: task.key,
        label,
        teacher,
      });
      if (decision === "kept_reasonable") {
        return finish(decision, {
          reason,
          critique,
          samples: [
            sample("reason", renderReasonPrompt(inference, { templates }), reason.text),
            {
              ...sample(
                "reflect",
                renderReflectPrompt(inference, reason, { templates }),
                reflectTarget(task.kind, task.domain, true, ""),
              ),
              judgement: "reasonable",
            },
          ],
        });
      }
      if (decision !== "refine") return finish(decision, { reason, critique });
      ctx.signal?.throwIfAborted();
      const refined = await actor.refine(task, reason, critique, ctx);
      account(refined);
      if (refined.parseFailure !== undefined || refined.verdict === undefined) {
        return finish("discarded_unparsable_refine", { reason, critique, refined });
      }
      if (!verdictMatches(refined.verdict, label)) {
        return finish("discarded_refine_failed", { reason, critique, refined });
      }
      return finish("kept_repaired", {
        reason,
        critique,
        refined,
        samples: [
          {
            ...sample(
              "reflect",
              renderReflectPrompt(inference, reason, { templates }),
              reflectTarget(task.kind, task.domain, false, critique.feedback),
            ),
            judgement: "not_reasonable",
          },
          sample(
            "refine",
            renderRefinePrompt(inference, reason, critique, { templates }),
            refined.text,
          ),
        ],
      });
    },
  };
}
