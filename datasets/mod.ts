/**
 * Datasets: raw files -> DuckDB tables -> protocol-ready CTR samples and LLM-side inputs.
 *
 * @module
 */
export * from "./types.ts";
export * from "./errors.ts";
export * from "./source.ts";
export type { DuckDBConnection } from "./duckdb.ts";
export { amazonBooks, type AmazonOptions, BOOK_DOMAIN, cleanAmazonText } from "./amazon.ts";
export { type GenericMapping, type InteractionColumns, type TableFile } from "./generic.ts";
export { type DuplicatePolicy, DUPLICATES_DROPPED } from "./duplicates.ts";
export {
  fixMovieTitle,
  ML1M_TIMEZONE,
  MOVIE_DOMAIN,
  movieLens100k,
  movieLens1m,
  type MovieLensOptions,
} from "./movielens.ts";
export { type SyntheticOptions, syntheticSource } from "./synthetic.ts";
export {
  applyProtocol,
  nonTargetInteractions,
  type PrepareReport,
  type ProtocolOptions,
} from "./protocol.ts";
export {
  DATASET_NAMES,
  type DatasetName,
  datasetSource,
  type DatasetStats,
  datasetStats,
  genericSource,
  prepareDataset,
  type PrepareOptions,
  type SplitStats,
} from "./prepare.ts";
export { exportParquet } from "./parquet.ts";
export { withHistoryWindow } from "./history_window.ts";
export * from "./baselines.ts";
