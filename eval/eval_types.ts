/**
 * The shapes the eval works with: its options (the dataset, the components, the store and the
 * training settings) and its report (per-condition results over seeds, comparisons, knowledge
 * statistics, timings). `run_eval.ts` runs the pipeline and re-exports these.
 *
 * @module
 */
import type { CtrModel } from "../backbone/mod.ts";
import type { ModelName } from "../backbone/types.ts";
import type { TrainOptions } from "../backbone/trainer.ts";
import type { CtrDataset, DatasetStats } from "../datasets/mod.ts";
import type {
  Actor,
  Embedder,
  KnowledgeRecord,
  KnowledgeStore,
  Reflector,
} from "../plugins/types.ts";
import type { Condition } from "./conditions.ts";
import type { Progress } from "../util/progress.ts";
import type { KnowledgeExamples } from "./knowledge_examples.ts";
import type { KnowledgeStats } from "./knowledge_stats.ts";
import type { KnowledgeMatrices } from "./knowledge_vectors.ts";
import type { TokenContext, TokenPrices } from "./token_usage.ts";
import type { EpochAuc } from "./training_pool.ts";

/** Where finished trainings are kept so a rerun skips them. */
export interface TrainingCache {
  get(key: string): Promise<TrainingResult | undefined>;
  put(key: string, result: TrainingResult): Promise<void>;
}

/** What the store must offer the eval besides knowledge. */
export interface EvalStore extends KnowledgeStore {
  listKnowledge(filter: { keys?: string[] }): Promise<KnowledgeRecord[]>;
}

/** A component with a description that says honestly what it is. */
export interface Described<T> {
  value: T;
  /** e.g. `profile (deterministic statistical profile, no LLM)`. */
  description: string;
}

/** User and item vectors brought in from outside (`--knowledge-vectors`). */
export interface BroughtVectors {
  /** What they are and where they came from (files, counts, dim, coverage). */
  description: string;
  /** Hash of the vectors, so a training on other vectors is never reused. */
  fingerprint: string;
  matrices: KnowledgeMatrices;
}

/** Options of {@linkcode runEval}. */
export interface EvalOptions {
  dataset: CtrDataset;
  /** Prices per million tokens, for the report's money estimate (default: no estimate). */
  prices?: TokenPrices;
  /** How the data was found (flag, env, folder, or the synthetic fallback and why). */
  dataOrigin: string;
  /** Conditions to train (default: base, statistics, history, reasoning, r4; + vectors). */
  conditions?: readonly Condition[];
  /** Needed by `reasoning` and `r4`. */
  actor?: Described<Actor>;
  /** Needed by `reasoning` and `r4`. */
  reflector?: Described<Reflector>;
  /**
   * Builds the encoder once the corpus of texts is known (hashing fits on it); `onProgress`, when
   * the encoder reports it, receives how many texts of an `embed` call are done.
   */
  encoder: {
    description: string;
    create(
      corpus: string[],
      onProgress?: (p: { done: number; total: number }) => void,
    ): Promise<Embedder>;
  };
  /** Needed by `vectors`. */
  vectors?: BroughtVectors;
  store: EvalStore;
  trainings: TrainingCache;
  backbones: ModelName[];
  rounds: number;
  seeds: number[];
  epochs: number;
  patience: number;
  batchSize: number;
  lr: number;
  /** Learning-rate schedule (default `constant`). */
  schedule?: TrainOptions["schedule"];
  /** Tasks in flight during knowledge generation. */
  concurrency: number;
  /** Knowledge for the first N tasks only; the others get none (smoke runs). Default: all. */
  taskLimit?: number;
  /** Trainings run at once, each in its own worker (default: logical cores, at most 4). */
  workers?: number;
  /** Progress lines (stderr). */
  log: (line: string) => void;
  /**
   * Live progress of knowledge, encoding and each training; every line of the run goes through it.
   * Default: plain lines to `log`, at most one per step every 10 s.
   */
  progress?: Progress;
  /**
   * Called after each new training with the trained model; may save it (e.g. as a serving bundle)
   * and return where, which the report then lists.
   */
  onTrained?: (trained: {
    backbone: ModelName;
    condition: Condition;
    seed: number;
    model: CtrModel;
    embedder: Embedder | undefined;
    keyPrefix: string;
    trainingKey: string;
  }) => Promise<string | undefined>;
  signal?: AbortSignal;
}

/** Test metrics of one training. */
export interface TrainingResult {
  auc: number;
  logloss: number;
  validAuc?: number;
  bestEpoch: number;
  epochs: number;
  /** Validation AUC after every epoch. */
  curve?: EpochAuc[];
  seconds: number;
  /** Where the trained model was saved, when it was. */
  modelDir?: string;
}

/** Mean and sample standard deviation over seeds. */
export interface Spread {
  mean: number;
  std: number;
  values: number[];
}

/** One row of the results table. */
export interface ConditionResult {
  backbone: ModelName;
  condition: Condition;
  auc: Spread;
  logloss: Spread;
  /** Relative AUC gain over base, in percent (absent for base). */
  gainOverBase?: number;
  /** Relative AUC gain over the statistics control, in percent (knowledge conditions). */
  gainOverStatistics?: number;
  /** Relative AUC gain over the plain-history control, in percent (generated knowledge). */
  gainOverHistory?: number;
  /** True when the mean gain over base exceeds the larger of the two seed spreads. */
  beatsBaseBeyondSpread?: boolean;
  runs: TrainingResult[];
}

/** A difference of mean test AUC between two conditions of one backbone. */
export interface Comparison {
  backbone: ModelName;
  deltaAuc: number;
  /** Beyond the larger seed spread of the two (false with one seed). */
  beyondSpread: boolean;
}

/** Everything the report shows. */
export interface EvalReport {
  dataset: DatasetStats & { fingerprint: string; origin: string };
  components: {
    actor: string;
    reflector: string;
    encoder: string;
    encoderId: string;
    vectors?: string;
  };
  settings: {
    backbones: ModelName[];
    conditions: Condition[];
    rounds: number;
    seeds: number[];
    epochs: number;
    patience: number;
    batchSize: number;
    lr: number;
    schedule: string;
    selection: string;
  };
  baselines: { name: string; auc: number; logloss: number }[];
  knowledge: {
    user: KnowledgeStats;
    item: KnowledgeStats;
    coverage: Record<string, unknown>;
    /** A few users and items to look at in the knowledge viewer (absent in older reports). */
    examples?: KnowledgeExamples;
  };
  /** Who used tokens, and the prices of the estimate (absent when no knowledge was generated). */
  tokens?: TokenContext;
  results: ConditionResult[];
  /** Whether R4 beat reasoning-only, per backbone (reported, never forced). */
  r4VersusReasoning: Comparison[];
  /** Whether R4 beat the plain-history control, per backbone. */
  r4VersusHistory: Comparison[];
  /** Whether R4 beat the statistics control, per backbone. */
  r4VersusStatistics: Comparison[];
  timings: Record<string, number>;
}
