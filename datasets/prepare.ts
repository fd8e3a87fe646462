/**
 * `prepareDataset`: a dataset name (or source) in, a protocol-ready {@linkcode CtrDataset} out.
 *
 * @module
 */
import { amazonBooks } from "./amazon.ts";
import { openMemoryDb } from "./duckdb.ts";
import type { DuplicatePolicy } from "./duplicates.ts";
import { DatasetError } from "./errors.ts";
import { type GenericMapping, genericSource } from "./generic.ts";
import { movieLens100k, movieLens1m, type MovieLensOptions } from "./movielens.ts";
import { applyProtocol, type PrepareReport, type ProtocolOptions } from "./protocol.ts";
import type { DatasetSource } from "./source.ts";
import { type SyntheticOptions, syntheticSource } from "./synthetic.ts";
import type { CtrDataset, SampleSplit } from "./types.ts";

/** Names of the built-in datasets. */
export const DATASET_NAMES = ["ml-1m", "ml-100k", "amazon-book", "synthetic"] as const;
/** A built-in dataset name. */
export type DatasetName = typeof DATASET_NAMES[number];

/** Options of {@linkcode prepareDataset}. */
export interface PrepareOptions extends ProtocolOptions {
  /** A built-in dataset name, or a source (e.g. from {@linkcode genericSource}). */
  dataset: DatasetName | DatasetSource;
  /** Folder of the dataset files (not used by `synthetic`). */
  dataDir?: string;
  /** MovieLens chronological key (`day` as the reference, or `timestamp`). */
  order?: MovieLensOptions["order"];
  /** MovieLens timezone for `day` order (default UTC). */
  timezone?: string;
  /** Synthetic generator options. */
  synthetic?: SyntheticOptions;
  /** Generic loader mapping (when `dataset` is a generic source built elsewhere this is unused). */
  generic?: GenericMapping;
  /**
   * Rows repeating an earlier (user, item, timestamp) in a built-in dataset's files: counted in
   * the report either way, kept (as the reference keeps them) or dropped.
   *
   * @default "keep"
   */
  duplicates?: DuplicatePolicy;
}

/**
 * Resolves a dataset name to its source.
 *
 * @example
 * ```ts
 * import { datasetSource } from "./prepare.ts";
 * const s = datasetSource({ dataset: "synthetic" });
 * console.assert(s.name === "synthetic");
 * ```
 */
export function datasetSource(options: PrepareOptions): DatasetSource {
  const d = options.dataset;
  if (typeof d !== "string") return d;
  const needDir = () => {
    if (!options.dataDir) throw new DatasetError(`dataset ${d} needs a data directory (dataDir)`);
    return options.dataDir;
  };
  switch (d) {
    case "ml-1m":
      return movieLens1m({
        dataDir: needDir(),
        order: options.order,
        timezone: options.timezone,
        duplicates: options.duplicates,
      });
    case "ml-100k":
      return movieLens100k({
        dataDir: needDir(),
        order: options.order,
        timezone: options.timezone,
        duplicates: options.duplicates,
      });
    case "amazon-book":
      return amazonBooks({ dataDir: needDir(), duplicates: options.duplicates });
    case "synthetic":
      return syntheticSource(options.synthetic ?? {});
    default:
      throw new DatasetError(
        `unknown dataset ${JSON.stringify(d)}; expected one of ${DATASET_NAMES.join(", ")}`,
      );
  }
}

/**
 * Loads a dataset with DuckDB and applies the R4ec/KAR protocol.
 *
 * @example
 * ```ts
 * import { prepareDataset } from "./prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 60, items: 80 } });
 * console.assert(dataset.test.size > 0);
 * ```
 */
export async function prepareDataset(
  options: PrepareOptions,
): Promise<{ dataset: CtrDataset; report: PrepareReport }> {
  const source = datasetSource(options);
  const db = await openMemoryDb();
  try {
    const sourceReport = await source.load(db);
    return await applyProtocol(db, source, sourceReport, options);
  } finally {
    db.closeSync();
  }
}

/** Sample count and positive rate of a split. */
export interface SplitStats {
  /** Number of samples. */
  samples: number;
  /** Share of samples labelled 1 (0 for an empty split). */
  positiveRate: number;
}

function splitStats(s: SampleSplit): SplitStats {
  let p = 0;
  for (let r = 0; r < s.size; r++) p += s.label[r];
  return { samples: s.size, positiveRate: s.size ? p / s.size : 0 };
}

/** The statistics `deno task prep` prints. */
export interface DatasetStats {
  /** Dataset name. */
  dataset: string;
  /** Users (padding excluded). */
  users: number;
  /** Items (padding excluded). */
  items: number;
  /** Distinct attribute values (padding excluded). */
  attributes: number;
  /** Backbone history window T. */
  historyLength: number;
  /** Training targets. */
  train: SplitStats;
  /** Validation targets. */
  valid: SplitStats;
  /** Test targets. */
  test: SplitStats;
  /** LLM-side user inputs (one window per user). */
  userKnowledgeInputs: number;
  /** LLM-side item inputs. */
  itemKnowledgeInputs: number;
}

/**
 * Summary statistics of a prepared dataset.
 *
 * @example
 * ```ts
 * import { datasetStats, prepareDataset } from "./prepare.ts";
 * const { dataset } = await prepareDataset({ dataset: "synthetic", synthetic: { users: 60, items: 80 } });
 * console.log(datasetStats(dataset).train.positiveRate);
 * ```
 */
export function datasetStats(d: CtrDataset): DatasetStats {
  return {
    dataset: d.name,
    users: d.users.raw.length - 1,
    items: d.items.raw.length - 1,
    attributes: d.attributes.raw.length - 1,
    historyLength: d.historyLength,
    train: splitStats(d.train),
    valid: splitStats(d.valid),
    test: splitStats(d.test),
    userKnowledgeInputs: d.userInputs.length,
    itemKnowledgeInputs: d.itemInputs.length,
  };
}

export { genericSource };
