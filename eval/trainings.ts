/**
 * The eval's trainings (phases 3 and 4): the inputs of each condition on every split, and every
 * backbone x condition x seed trained on a pool of workers, each result cached under a key of
 * everything it depends on.
 *
 * @module
 */
import { BACKBONES, modelConfigFor, modelFromSafetensors } from "../backbone/mod.ts";
import type { CtrInputs, ModelName } from "../backbone/types.ts";
import { type CtrDataset, fitRateBaselines, statisticsFeatures } from "../datasets/mod.ts";
import type { Embedder } from "../plugins/types.ts";
import type { Condition } from "./conditions.ts";
import type { ConditionResult, EvalOptions, Spread, TrainingResult } from "./eval_types.ts";
import { knowledgeInputs, type KnowledgeMatrices } from "./knowledge_vectors.ts";
import { trainingPool } from "./training_pool.ts";
import { trainingProgress } from "./training_progress.ts";
import type { Progress } from "../util/progress.ts";

/** Mean and sample standard deviation of one metric over seeds. */
function spread(values: number[]): Spread {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length > 1
    ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1))
    : 0;
  return { mean, std, values };
}

type Splits<T> = Record<"train" | "valid" | "test", T>;

/** Phase 3: the inputs of a condition on every split. */
function conditionInputs(
  d: CtrDataset,
  condition: Condition,
  matrices: Partial<Record<Condition, KnowledgeMatrices>>,
): Splits<CtrInputs> {
  const splits = { train: d.train, valid: d.valid, test: d.test };
  const baselines = condition === "statistics" ? fitRateBaselines(d) : undefined;
  const out = {} as Splits<CtrInputs>;
  for (const [name, split] of Object.entries(splits) as [keyof typeof splits, typeof d.train][]) {
    if (condition === "base") out[name] = { split };
    else if (baselines) {
      const f = statisticsFeatures(baselines, split);
      out[name] = { split, userKnowledge: f.user, itemKnowledge: f.item };
    } else out[name] = { split, ...knowledgeInputs(matrices[condition]!, split) };
  }
  return out;
}

/**
 * Version of what a finished training's result depends on beyond its key (model code, inference):
 * raised when a change alters results, so the training cache never returns a stale result.
 */
const TRAINING_FORMAT = 2;

/**
 * What every training of one eval shares.
 *
 * @example
 * ```ts
 * import type { TrainingContext } from "./trainings.ts";
 * function describe(context: TrainingContext): string {
 *   return `${context.conditions} ${context.keyPrefix}`;
 * }
 * ```
 */
export interface TrainingContext {
  /** The eval's options. */
  o: EvalOptions;
  /** Where each training's progress and final line go. */
  progress: Progress;
  /** The conditions to train, in the report's order. */
  conditions: Condition[];
  /** The dataset's fingerprint (part of every training's cache key). */
  fingerprint: string;
  /** Each knowledge condition's user and item matrices. */
  matrices: Partial<Record<Condition, KnowledgeMatrices>>;
  /** The encoder of the text conditions, if any (handed to `onTrained`). */
  embedder: Embedder | undefined;
  /** Key prefix of the generated knowledge (handed to `onTrained`). */
  keyPrefix: string;
  /** What identifies each condition's knowledge in a training's cache key. */
  knowledgeId: Record<Condition, string>;
}

/** The options of a training that its result depends on besides the model. */
export type TrainOptions = Record<string, number | string>;

/**
 * The cache key of one finished training: everything its result depends on. A backbone's
 * `version` enters only once raised, so results stored before versions existed stay valid.
 *
 * @example
 * ```ts
 * import { trainingKey } from "./trainings.ts";
 * const key = trainingKey({ fingerprint: "f", knowledgeId: {} }, { epochs: 2 }, "din", "base", 1);
 * console.assert(!key.includes("backboneVersion"));
 * ```
 */
export function trainingKey(
  ctx: { fingerprint: string; knowledgeId: Partial<Record<Condition, string>> },
  trainOptions: TrainOptions,
  backbone: ModelName,
  condition: Condition,
  seed: number,
): string {
  const version = BACKBONES[backbone].version;
  return JSON.stringify({
    format: TRAINING_FORMAT,
    fingerprint: ctx.fingerprint,
    knowledge: ctx.knowledgeId[condition],
    backbone,
    ...(version ? { backboneVersion: version } : {}),
    condition,
    seed,
    ...trainOptions,
  });
}

/** The model configuration of a backbone on a condition's inputs (HEA when there is knowledge). */
function configFor(d: CtrDataset, inputs: CtrInputs, seed: number) {
  const user = inputs.userKnowledge, item = inputs.itemKnowledge;
  return modelConfigFor(d, {
    seed,
    ...(user && item ? { knowledge: { userDim: user.dim, itemDim: item.dim } } : {}),
  });
}

/**
 * Phase 4: every backbone x condition x seed (each training single-threaded and seeded), one row
 * per backbone and condition; finished trainings come from `o.trainings` when cached.
 *
 * @example
 * ```ts
 * import { type TrainingContext, trainAll } from "./trainings.ts";
 * async function summarise(context: TrainingContext): Promise<string[]> {
 *   const rows = await trainAll(context);
 *   return rows.map((r) => `${r.backbone}/${r.condition}: ${r.auc.mean}`);
 * }
 * ```
 */
export async function trainAll(ctx: TrainingContext): Promise<ConditionResult[]> {
  const { o, progress } = ctx, d = o.dataset;
  const trainOptions = {
    epochs: o.epochs,
    patience: o.patience,
    batchSize: o.batchSize,
    lr: o.lr,
    ...(o.schedule && o.schedule !== "constant" ? { schedule: o.schedule } : {}),
  };
  const inputsByCondition = new Map<Condition, Splits<CtrInputs>>();
  const pool = trainingPool({ size: o.workers, signal: o.signal });
  const trainOne = async (backbone: ModelName, condition: Condition, seed: number) => {
    const label = `train ${backbone}/${condition}/seed ${seed}`;
    const key = trainingKey(ctx, trainOptions, backbone, condition, seed);
    const cached = await o.trainings.get(key);
    if (cached) {
      progress.log(`${label}: reused (test AUC ${cached.auc.toFixed(4)})`);
      return cached;
    }
    if (!inputsByCondition.has(condition)) {
      inputsByCondition.set(condition, conditionInputs(d, condition, ctx.matrices));
    }
    const inputs = inputsByCondition.get(condition)!;
    const shown = trainingProgress(progress, label, {
      epochs: o.epochs,
      samples: inputs.train.split.size,
    });
    const trained = await pool.train({
      backbone,
      config: configFor(d, inputs.train, seed),
      train: inputs.train,
      valid: inputs.valid.split.size ? inputs.valid : undefined,
      test: inputs.test,
      options: { ...trainOptions, seed },
    }, (line) => shown.log(line));
    const result: TrainingResult = { ...trained.result };
    const modelDir = await o.onTrained?.({
      backbone,
      condition,
      seed,
      model: modelFromSafetensors(trained.weights, label),
      embedder: ctx.embedder,
      keyPrefix: ctx.keyPrefix,
      trainingKey: key,
    });
    if (modelDir) result.modelDir = modelDir;
    await o.trainings.put(key, result);
    shown.end(
      `${label}: test AUC ${result.auc.toFixed(4)} LogLoss ${
        result.logloss.toFixed(4)
      } (best epoch ${result.bestEpoch}, ${result.seconds.toFixed(1)}s)`,
    );
    return result;
  };
  // The slowest trainings (knowledge through the adaptor) start first, so the pool ends together.
  const started = new Map<string, Promise<TrainingResult[]>>();
  for (const backbone of o.backbones) {
    for (const condition of [...ctx.conditions].reverse()) {
      const runs = Promise.all(o.seeds.map((seed) => trainOne(backbone, condition, seed)));
      // Awaited below in order; this keeps a failure after the first one from going unhandled.
      runs.catch(() => {});
      started.set(`${backbone}/${condition}`, runs);
    }
  }
  const results: ConditionResult[] = [];
  try {
    for (const backbone of o.backbones) {
      for (const condition of ctx.conditions) {
        const runs = await started.get(`${backbone}/${condition}`)!;
        results.push({
          backbone,
          condition,
          auc: spread(runs.map((r) => r.auc)),
          logloss: spread(runs.map((r) => r.logloss)),
          runs,
        });
      }
    }
  } finally {
    pool.close();
  }
  return results;
}
