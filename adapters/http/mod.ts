/**
 * HTTP serving: the serving bundle (model + what scoring needs), the Hono router a host mounts,
 * and its OpenAPI document; runtime-neutral. A host mounts the router in its own server (Deno:
 * `serveHttp` of the `./deno` entry point, `deno.ts`; Node: `@hono/node-server`).
 *
 * The zod schemas of the request and response bodies (`schemas.ts`), of `serving.json`
 * (`bundle_manifest.ts`) and the route records (`routes/`) are internal: the bodies are public
 * here as TypeScript types, and as JSON Schema in the OpenAPI document (`openApiDocument`,
 * `GET /openapi.json`).
 *
 * @example
 * ```ts
 * import { loadServingBundle, r4ecRouter } from "./mod.ts";
 * import { serveHttp } from "../../deno.ts";
 * import { openStore } from "../store/duckdb_store.ts";
 * async function serve(storePath: string, bundleDir: string) {
 *   const router = r4ecRouter({
 *     store: await openStore(storePath),
 *     bundle: await loadServingBundle(bundleDir),
 *   });
 *   await router.serving.preload();
 *   return serveHttp(router, { port: 8787 });
 * }
 * // await serve("runs/knowledge.duckdb", "runs/serving");
 * ```
 *
 * @module
 */
export * from "./bundle.ts";
export type {
  BundleEncoder,
  BundleItemInfo,
  RatedPair,
  ServingManifest,
} from "./bundle_manifest.ts";
export * from "./knowledge_cache.ts";
export * from "./metrics.ts";
export * from "./openapi.ts";
export {
  HttpProblem,
  issuesToFields,
  type Problem,
  PROBLEM_CONTENT_TYPE,
  type ProblemField,
  problemResponse,
  type ValidationIssue,
} from "./problem.ts";
export * from "./request.ts";
export type { ServingEnv } from "./route.ts";
export * from "./router.ts";
export {
  type HealthResponse,
  type Interaction,
  type ItemKnowledgeRequest,
  type KnowledgeEntry,
  type KnowledgeResponse,
  type KnowledgeRunResponse,
  MAX_CANDIDATES,
  type RankRequest,
  type RankResponse,
  type RawId,
  type ScoreContext,
  type ScoreRequest,
  type ScoreResponse,
  type UserKnowledgeRequest,
  type VectorInfo,
} from "./schemas.ts";
export * from "./scoring.ts";
export * from "./lru.ts";
export * from "./adaptor_memo.ts";

// Types of other modules this API speaks in, so a reader of this module finds them here.
export type { CtrModel } from "../../backbone/model.ts";
export type { CtrInputs } from "../../backbone/types.ts";
export type { CtrDataset } from "../../datasets/types.ts";
export type {
  KindReport,
  KindVectors,
  KnowledgeVectors,
  KnowledgeVectorsReport,
  VectorFormat,
  VectorRows,
  VectorSet,
} from "../../eval/vector_files/mod.ts";
export type { EmbedderContext } from "../embed/spec.ts";
export type { HashingEmbedderState } from "../embed/hashing.ts";
export type {
  Actor,
  Critique,
  Draft,
  Embedder,
  KnowledgeRecord,
  Reflector,
  TokenUsage,
} from "../../plugins/types.ts";
