/**
 * A few users and items of a run worth opening in the knowledge viewer: some whose knowledge
 * refinement changed, and some whose first draft was kept.
 *
 * @module
 */
import { taskKeyOf } from "../plugins/tasks.ts";
import type { KnowledgeRecord } from "../plugins/types.ts";

/** One entity to look at. */
export interface KnowledgeExample {
  /** Raw id, as the dataset's files and the server spell it. */
  id: string;
  /** Whether refinement changed its knowledge (final text differs from the first draft). */
  refined: boolean;
}

/** Examples per kind. */
export interface KnowledgeExamples {
  /** Users to look at. */
  user: KnowledgeExample[];
  /** Items to look at. */
  item: KnowledgeExample[];
}

/**
 * Up to `perKind` examples of each kind in record order: about half refined, the rest kept.
 *
 * @example
 * ```ts
 * import { knowledgeExamples } from "./knowledge_examples.ts";
 * const examples = knowledgeExamples([], 4);
 * console.assert(examples.user.length === 0 && examples.item.length === 0);
 * ```
 */
export function knowledgeExamples(records: KnowledgeRecord[], perKind = 4): KnowledgeExamples {
  const pick = (kind: "user" | "item"): KnowledgeExample[] => {
    const all = records.filter((r) => r.kind === kind).map((r) => ({
      // Task keys are `<dataset>:<kind>:<raw id>`; a raw id may itself hold colons.
      id: taskKeyOf(r.key).split(":").slice(2).join(":"),
      refined: r.final.text !== r.first.text,
    }));
    const refined = all.filter((x) => x.refined).slice(0, Math.ceil(perKind / 2));
    const kept = all.filter((x) => !x.refined).slice(0, perKind - refined.length);
    return [...refined, ...kept];
  };
  return { user: pick("user"), item: pick("item") };
}
