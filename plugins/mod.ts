/**
 * The R4 stages as plugins: domains, prompts, parsers, the LLM actor and reflector, the stages and
 * the loop, tasks from a dataset and the knowledge job, construction mode with SFT export, and the
 * offline components (the profile actor, the grounded and hybrid reflectors).
 *
 * @example
 * ```ts
 * import { llmActor, llmReflector, r4 } from "./mod.ts";
 * import type { KnowledgeTask, TextGenerator } from "./mod.ts";
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
 * const loop = r4({ actor: llmActor({ generator }), reflector: llmReflector({ generator }) });
 * console.log((await loop.run(task, {})).final.text);
 * ```
 *
 * @module
 */
// The zod schemas beside these types are internal (their types are zod's, slow types for JSR), so
// the types are named one by one: a type added to types.ts is added here too.
export type {
  Actor,
  ChatMessage,
  ChatRequest,
  ChatResult,
  ConstructionTarget,
  Critique,
  Domain,
  Draft,
  Embedder,
  GenerationParams,
  ItemKnowledgeTask,
  KnowledgeKind,
  KnowledgeRecord,
  KnowledgeRound,
  KnowledgeStore,
  KnowledgeTask,
  RatedTitle,
  Reflector,
  Stage,
  StageContext,
  TextGenerator,
  TokenUsage,
  UserKnowledgeTask,
  VectorCache,
  Verdict,
} from "./types.ts";
export * from "./domain.ts";
export * from "./prompts/protocol.ts";
export * from "./prompts/history.ts";
export { promptMode } from "./prompts/blocks.ts";
export * from "./prompts/kinds.ts";
export * from "./prompts/placeholders.ts";
export * from "./prompts/templates.ts";
export * from "./prompts/template.ts";
export * from "./prompts/template_file.ts";
export { BUILTIN_TEMPLATES } from "./prompts/builtin.ts";
export * from "./prompts/verdict.ts";
export * from "./prompts/reminder.ts";
export * from "./parse/result.ts";
export { stripChatter, stripThinking, type Unthought, unwrapFences } from "./parse/clean.ts";
export * from "./parse/tags.ts";
export * from "./parse/fixed.ts";
export * from "./parse/outputs.ts";
export * from "./parse/text.ts";
export * from "./deferred.ts";
export * from "./llm_call.ts";
export * from "./llm_actor.ts";
export * from "./llm_reflector.ts";
export * from "./stages.ts";
export * from "./r4.ts";
export * from "./construction.ts";
export * from "./construction_tasks.ts";
export * from "./sft_export.ts";
export * from "./construction_run.ts";
export * from "./reflection_filter.ts";
export * from "./tasks.ts";
export * from "./history_text.ts";
export * from "./knowledge_job.ts";
export * from "./profile/mod.ts";
export {
  type GroundedCase,
  type GroundedEvidence,
  groundedReflector,
  type GroundedReflectorOptions,
  heldBackIndices,
} from "./grounded_reflector.ts";
export * from "./hybrid_reflector.ts";
