/**
 * The `hybrid` reflector: runs the grounded check first and hands its findings to an LLM reflector
 * as evidence in the reflect prompt (an `<Evidence>` block), so the judge weighs measured accuracy on
 * held-back interactions alongside its own reading of the knowledge.
 *
 * @module
 */
import {
  type GroundedEvidence,
  GroundedEvidenceSchema,
  groundedReflector,
  type GroundedReflectorOptions,
} from "./grounded_reflector.ts";
import { type LlmReflector, llmReflector, type LlmReflectorOptions } from "./llm_reflector.ts";
import type { Critique, Draft, KnowledgeTask, Reflector, StageContext } from "./types.ts";

/**
 * Options of {@link hybridReflector}.
 *
 * @example
 * ```ts
 * import type { HybridReflectorOptions } from "./hybrid_reflector.ts";
 * import { llmActor } from "./llm_actor.ts";
 * import type { TextGenerator } from "./types.ts";
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
 * const actor = llmActor({ generator });
 * const options: HybridReflectorOptions = { grounded: { actor }, llm: { generator }, decide: "both" };
 * ```
 */
export interface HybridReflectorOptions {
  /** A grounded reflector, or the options to build one. */
  grounded: Reflector | GroundedReflectorOptions;
  /** An LLM reflector (it must accept evidence), or the options to build one. */
  llm: LlmReflector | LlmReflectorOptions;
  /**
   * Who decides: `llm` (default) takes the judge's verdict; `both` calls the draft reasonable only
   * when the grounded check passes too (a critique then always exists: the judge's, or the
   * grounded one when the judge found nothing to criticise).
   */
  decide?: "llm" | "both";
  /** Reflector id (default `hybrid(<grounded id>+<llm id>)`). */
  id?: string;
}

function isReflector(x: Reflector | GroundedReflectorOptions): x is Reflector {
  return typeof (x as Reflector).reflect === "function";
}

function isLlmReflector(x: LlmReflector | LlmReflectorOptions): x is LlmReflector {
  return typeof (x as LlmReflector).reflectWith === "function";
}

/**
 * The grounded findings as the text shown to the judge: accuracy, then every held-back case with the
 * verdict and the actual rating.
 *
 * @example
 * ```ts
 * import { evidenceText } from "./hybrid_reflector.ts";
 * import { movieDomain } from "./domain.ts";
 * const task = { kind: "user" as const, key: "u1", domain: movieDomain, history: [] };
 * console.log(evidenceText(task, {
 *   method: "grounded", accuracy: 0.5, threshold: 0.75, held: 2, correct: 1,
 *   cases: [
 *     { role: "history", title: "Heat (1995)", rating: 2, label: 0, predicted: "like", correct: false },
 *     { role: "history", title: "Big (1988)", rating: 5, label: 1, predicted: "like", correct: true },
 *   ],
 * }));
 * ```
 */
export function evidenceText(task: KnowledgeTask, evidence: GroundedEvidence): string {
  if (evidence.accuracy === null) {
    return "No held-back ratings were available to check this knowledge against.";
  }
  const noun = task.domain.itemNoun;
  const lines = [
    `A statistical check (not a language model) asked for a like/dislike prediction from this ` +
    `knowledge on ${evidence.held} held-back ${
      task.kind === "user" ? `ratings of the user's own history` : `raters of this ${noun}`
    }: ${evidence.correct} of ${evidence.held} correct (${Math.round(evidence.accuracy * 100)}%, ` +
    `pass mark ${Math.round(evidence.threshold * 100)}%).`,
  ];
  for (const c of evidence.cases) {
    const said = c.predicted === null ? "no usable prediction" : `predicted ${c.predicted}`;
    const mark = c.correct ? "correct" : "WRONG";
    if (c.role === "history") {
      lines.push(`- '${c.title ?? ""}': ${said}; actual rating ${c.rating} (${mark}).`);
    } else {
      const who = c.role === "liker"
        ? `the user who liked it (Like User History)`
        : `the user who disliked it (Dislike User History)`;
      lines.push(`- ${who}: ${said} (${mark}).`);
    }
  }
  return lines.join("\n");
}

/**
 * Creates a hybrid reflector.
 *
 * @example
 * ```ts
 * import { hybridReflector } from "./hybrid_reflector.ts";
 * import { profileActor } from "./profile/actor.ts";
 * import { knowledgeTasks } from "./tasks.ts";
 * import type { TextGenerator } from "./types.ts";
 * import { prepareDataset } from "../datasets/prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
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
 * const actor = profileActor({ dataset });
 * const reflector = hybridReflector({
 *   grounded: { actor, k: 4, threshold: 0.75 },
 *   llm: { generator, params: { temperature: 0 } },
 * });
 * const [task] = knowledgeTasks(dataset, { kinds: ["user"] });
 * const critique = await reflector.reflect(task, await actor.reason(task));
 * console.log(critique.reasonable, critique.evidence);
 * ```
 */
export function hybridReflector(options: HybridReflectorOptions): Reflector {
  const grounded = isReflector(options.grounded)
    ? options.grounded
    : groundedReflector(options.grounded);
  const llm = isLlmReflector(options.llm) ? options.llm : llmReflector(options.llm);
  const decide = options.decide ?? "llm";
  const id = options.id ?? `hybrid(${grounded.id}+${llm.id})`;
  return {
    id,
    kind: "hybrid",
    async reflect(task: KnowledgeTask, draft: Draft, ctx?: StageContext): Promise<Critique> {
      const check = await grounded.reflect(task, draft, ctx);
      const parsed = GroundedEvidenceSchema.safeParse(check.evidence);
      if (!parsed.success) {
        throw new Error(
          `hybridReflector ${id}: ${grounded.id} returned no grounded evidence for ${task.key} ` +
            `(${parsed.error.issues[0]?.message ?? "invalid"})`,
        );
      }
      const evidence = parsed.data;
      const judged = await llm.reflectWith(task, draft, {
        evidence: evidenceText(task, evidence),
      }, ctx);
      const usage = judged.usage;
      const latencyMs = check.latencyMs + judged.latencyMs;
      // Keep the grounded cases at the top level (refiners read them) and the judge's extras apart.
      const merged = {
        ...evidence,
        judge: llm.id,
        ...(judged.evidence ? { judgeEvidence: judged.evidence } : {}),
      };
      if (judged.parseFailure !== undefined) {
        // The judge gave no usable answer: the grounded judgement stands, the failure is recorded.
        return {
          reasonable: check.reasonable,
          feedback: check.feedback,
          author: id,
          usage,
          latencyMs,
          parseFailure: judged.parseFailure,
          evidence: merged,
        };
      }
      let reasonable = judged.reasonable;
      let feedback = judged.feedback;
      if (decide === "both" && !check.reasonable) {
        reasonable = false;
        if (feedback.trim() === "") feedback = check.feedback;
      }
      return { reasonable, feedback, author: id, usage, latencyMs, evidence: merged };
    },
  };
}
