/**
 * The three steps of the method as composable `Stage`s: reasoning, reflection and refinement.
 *
 * @module
 */
import type { Actor, Critique, Draft, KnowledgeTask, Reflector, Stage } from "./types.ts";

/** Input of the reflection stage. */
export interface ReflectionInput {
  /** What the knowledge is about. */
  task: KnowledgeTask;
  /** The version to judge. */
  draft: Draft;
}

/** Input of the refinement stage. */
export interface RefinementInput {
  /** What the knowledge is about. */
  task: KnowledgeTask;
  /** The version to rewrite. */
  draft: Draft;
  /** The reflector's critique of it. */
  critique: Critique;
}

/**
 * The reasoning stage: the actor writes a first draft.
 *
 * @example
 * ```ts
 * import { reasoning } from "./stages.ts";
 * import { prepareDataset } from "../datasets/prepare.ts";
 * import { profileActor } from "./profile/actor.ts";
 * import { knowledgeTasks } from "./tasks.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * const actor = profileActor({ dataset });
 * const [task] = knowledgeTasks(dataset);
 * const draft = await reasoning({ actor }).run(task, {});
 * console.assert(draft.author === actor.id && draft.text.length > 0);
 * ```
 */
export function reasoning(options: { actor: Actor }): Stage<KnowledgeTask, Draft> {
  const { actor } = options;
  return {
    name: "reason",
    run(task, ctx) {
      ctx.signal?.throwIfAborted();
      return actor.reason(task, ctx);
    },
  };
}

/**
 * The reflection stage: the reflector judges a draft and critiques it.
 *
 * @example
 * ```ts
 * import { reflection } from "./stages.ts";
 * import { groundedReflector } from "./grounded_reflector.ts";
 * import { prepareDataset } from "../datasets/prepare.ts";
 * import { profileActor } from "./profile/actor.ts";
 * import { knowledgeTasks } from "./tasks.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * const actor = profileActor({ dataset });
 * const [task] = knowledgeTasks(dataset);
 * const stage = reflection({ reflector: groundedReflector({ actor }) });
 * const critique = await stage.run({ task, draft: await actor.reason(task) }, {});
 * console.log(critique.reasonable, critique.feedback);
 * ```
 */
export function reflection(options: { reflector: Reflector }): Stage<ReflectionInput, Critique> {
  const { reflector } = options;
  return {
    name: "reflect",
    run({ task, draft }, ctx) {
      ctx.signal?.throwIfAborted();
      return reflector.reflect(task, draft, ctx);
    },
  };
}

/**
 * The refinement stage: the actor rewrites a draft given a critique.
 *
 * @example
 * ```ts
 * import { refinement } from "./stages.ts";
 * import { groundedReflector } from "./grounded_reflector.ts";
 * import { prepareDataset } from "../datasets/prepare.ts";
 * import { profileActor } from "./profile/actor.ts";
 * import { knowledgeTasks } from "./tasks.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 20, items: 30 } });
 * const actor = profileActor({ dataset });
 * const [task] = knowledgeTasks(dataset);
 * const draft = await actor.reason(task);
 * const critique = await groundedReflector({ actor }).reflect(task, draft);
 * const refined = await refinement({ actor }).run({ task, draft, critique }, {});
 * console.log(refined.text);
 * ```
 */
export function refinement(options: { actor: Actor }): Stage<RefinementInput, Draft> {
  const { actor } = options;
  return {
    name: "refine",
    run({ task, draft, critique }, ctx) {
      ctx.signal?.throwIfAborted();
      return actor.refine(task, draft, critique, ctx);
    },
  };
}
