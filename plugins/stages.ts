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
 * import type { Actor } from "./types.ts";
 * declare const actor: Actor;
 * const stage = reasoning({ actor });
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
 * import type { Reflector } from "./types.ts";
 * declare const reflector: Reflector;
 * const stage = reflection({ reflector });
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
 * import type { Actor } from "./types.ts";
 * declare const actor: Actor;
 * const stage = refinement({ actor });
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
