/**
 * The DuckDB store: generations, knowledge, vectors and run metadata in one file.
 *
 * @example
 * ```ts
 * import { cachedGenerator, openStore } from "./mod.ts";
 * const store = await openStore(":memory:");
 * console.log(typeof cachedGenerator, await store.countGenerations());
 * await store.close();
 * ```
 *
 * @module
 */
export {
  type BatchesTable,
  type BatchRecord,
  type BatchStatus,
  DuckDbStore,
  type GenerationRecord,
  openStore,
  type OpenStoreOptions,
  type RunRecord,
  type RunStatus,
  type StoreTable,
} from "./duckdb_store.ts";
export {
  type CachedGenerator,
  cachedGenerator,
  type CacheStats,
  type GenerationStore,
} from "./cached_generator.ts";
export { canonicalJson, effectiveParams, generationKey } from "./generation_key.ts";
// The plugin types the store's API speaks (also exported by the plugins' barrel).
export type {
  ChatMessage,
  ChatRequest,
  GenerationParams,
  KnowledgeKind,
  KnowledgeRecord,
  KnowledgeStore,
  TextGenerator,
  TokenUsage,
  VectorCache,
} from "../../plugins/types.ts";
export { type MergeCounts, type MergedTable, mergeStores, type MergeSummary } from "./merge.ts";
export type { KnowledgeIdentity } from "./knowledge_identity.ts";
