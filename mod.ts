/**
 * r4ec: reasoning, reflection and refinement of LLM knowledge for recommendation.
 *
 * @module
 */
export type * from "./datasets/types.ts";
export * from "./plugins/types.ts";
