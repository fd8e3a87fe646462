/**
 * The router's routes by group: each group a Hono sub-app factory over the serving context, each
 * route a record (path, request schema, response schema) the OpenAPI document is derived from.
 *
 * @example
 * ```ts
 * import { apiRoutes } from "./mod.ts";
 * for (const r of Object.values(apiRoutes)) console.log(r.method.toUpperCase(), r.path);
 * ```
 *
 * @module
 */
import { itemKnowledgeRoute, userKnowledgeRoute } from "./knowledge_read.ts";
import { runItemKnowledgeRoute, runUserKnowledgeRoute } from "./knowledge_run.ts";
import { healthRoute, metricsRoute, openApiRoute } from "./operations.ts";
import { rankRoute, scoreRoute } from "./score.ts";

export * from "./knowledge_read.ts";
export * from "./knowledge_run.ts";
export * from "./operations.ts";
export * from "./score.ts";
// The viewer's routes are mounted only with the router's `ui` option, so they are not in apiRoutes.
export * from "./ui.ts";
export * from "./ui_data.ts";

/**
 * Every route of the router, in the order the OpenAPI document lists them.
 *
 * @example
 * ```ts
 * import { apiRoutes } from "./mod.ts";
 * console.log(apiRoutes.score.path); // /v1/score
 * ```
 */
export const apiRoutes = {
  health: healthRoute,
  metrics: metricsRoute,
  openapi: openApiRoute,
  userKnowledge: userKnowledgeRoute,
  itemKnowledge: itemKnowledgeRoute,
  score: scoreRoute,
  rank: rankRoute,
  runUserKnowledge: runUserKnowledgeRoute,
  runItemKnowledge: runItemKnowledgeRoute,
} as const;
