/**
 * The whole method on one prepared dataset: knowledge generation (R4 loop, resumable through the
 * store), encoding, and the CTR conditions base / statistics control / reasoning-only / R4 per
 * backbone and seed, ending in an {@linkcode EvalReport}.
 *
 * @module
 */
import { type CtrModel, modelConfigFor, modelFromSafetensors } from "../backbone/mod.ts";
import { trainingPool } from "./training_pool.ts";
import type { CtrInputs, ModelName } from "../backbone/types.ts";
import { auc, logLoss } from "../backbone/metrics.ts";
import {
  baselineScores,
  type CtrDataset,
  type DatasetStats,
  datasetStats,
  fitRateBaselines,
  statisticsFeatures,
} from "../datasets/mod.ts";
import { runKnowledgeJob } from "../plugins/knowledge_job.ts";
import { r4 } from "../plugins/r4.ts";
import { knowledgeTasks, runKeyPrefix, taskKeyOf, withKeyPrefix } from "../plugins/tasks.ts";
import type {
  Actor,
  Embedder,
  KnowledgeRecord,
  KnowledgeStore,
  Reflector,
} from "../plugins/types.ts";
import { type KnowledgeStats, knowledgeStats } from "./knowledge_stats.ts";
import { coverage, knowledgeInputs, knowledgeMatrices } from "./knowledge_vectors.ts";

/** The conditions compared for every backbone. */
export const CONDITIONS = ["base", "statistics", "reasoning", "r4"] as const;
/** One condition. */
export type Condition = typeof CONDITIONS[number];

/** Human names of the conditions. */
export const CONDITION_LABELS: Record<Condition, string> = {
  base: "base (no knowledge)",
  statistics: "statistics control",
  reasoning: "reasoning-only knowledge",
  r4: "R4 knowledge (reflected, refined)",
};

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

/** Options of {@linkcode runEval}. */
export interface EvalOptions {
  dataset: CtrDataset;
  /** How the data was found (flag, env, folder, or the synthetic fallback and why). */
  dataOrigin: string;
  actor: Described<Actor>;
  reflector: Described<Reflector>;
  /** Builds the encoder once the corpus of knowledge texts is known (hashing fits on it). */
  encoder: { description: string; create(corpus: string[]): Promise<Embedder> };
  store: EvalStore;
  trainings: TrainingCache;
  backbones: ModelName[];
  rounds: number;
  seeds: number[];
  epochs: number;
  patience: number;
  batchSize: number;
  lr: number;
  /** Tasks in flight during knowledge generation. */
  concurrency: number;
  /** Knowledge for the first N tasks only; the others get none (smoke runs). Default: all. */
  taskLimit?: number;
  /** Trainings run at once, each in its own worker (default: logical cores, at most 4). */
  workers?: number;
  /** Progress lines (stderr). */
  log: (line: string) => void;
  /**
   * Called after each new training with the trained model; may save it (e.g. as a serving bundle)
   * and return where, which the report then lists.
   */
  onTrained?: (trained: {
    backbone: ModelName;
    condition: Condition;
    seed: number;
    model: CtrModel;
    embedder: Embedder;
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
  /** True when the mean gain over base exceeds the larger of the two seed spreads. */
  beatsBaseBeyondSpread?: boolean;
  runs: TrainingResult[];
}

/** Everything the report shows. */
export interface EvalReport {
  dataset: DatasetStats & { fingerprint: string; origin: string };
  components: { actor: string; reflector: string; encoder: string; encoderId: string };
  settings: {
    backbones: ModelName[];
    rounds: number;
    seeds: number[];
    epochs: number;
    patience: number;
    batchSize: number;
    lr: number;
    selection: string;
  };
  baselines: { name: string; auc: number; logloss: number }[];
  knowledge: { user: KnowledgeStats; item: KnowledgeStats; coverage: Record<string, unknown> };
  results: ConditionResult[];
  /** Whether R4 beat reasoning-only, per backbone (reported, never forced). */
  r4VersusReasoning: { backbone: ModelName; deltaAuc: number; beyondSpread: boolean }[];
  timings: Record<string, number>;
}

function spread(values: number[]): Spread {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length > 1
    ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1))
    : 0;
  return { mean, std, values };
}

/** SHA-256 (hex, 16 chars) over the dataset's samples: same data, same fingerprint. */
export async function datasetFingerprint(d: CtrDataset): Promise<string> {
  const parts: ArrayBufferView[] = [new TextEncoder().encode(`${d.name}|${d.historyLength}`)];
  for (const s of [d.train, d.valid, d.test]) {
    parts.push(s.user, s.item, s.position, s.rating, s.histItem);
  }
  const buf = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
  let o = 0;
  for (const v of parts) {
    buf.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), o);
    o += v.byteLength;
  }
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", buf));
  return Array.from(hash.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Runs the pipeline. Knowledge, vectors and finished trainings are reused from the store.
 *
 * @example
 * ```ts
 * import { runEval, type EvalOptions } from "./run_eval.ts";
 * declare const options: EvalOptions;
 * const report = await runEval(options);
 * console.log(report.results.length);
 * ```
 */
export async function runEval(o: EvalOptions): Promise<EvalReport> {
  const d = o.dataset;
  const timings: Record<string, number> = {};
  const t = () => performance.now();
  const fingerprint = await datasetFingerprint(d);

  // 1. Knowledge: R4 for every user window and item; keys carry the configuration, so another
  // actor or reflector never reuses these records.
  let t0 = t();
  const allTasks = knowledgeTasks(d);
  const keyPrefix = await runKeyPrefix(allTasks, {
    actor: o.actor.value.id,
    reflector: o.reflector.value.id,
    rounds: o.rounds,
  });
  const tasks = withKeyPrefix(allTasks, keyPrefix).slice(0, o.taskLimit);
  o.log(
    `knowledge: ${tasks.length} tasks (actor ${o.actor.value.id}, reflector ${o.reflector.value.id}, rounds ${o.rounds})`,
  );
  let lastLog = 0;
  const summary = await runKnowledgeJob({
    tasks,
    stage: r4({ actor: o.actor.value, reflector: o.reflector.value, rounds: o.rounds }),
    store: o.store,
    concurrency: o.concurrency,
    signal: o.signal,
    // A task that fails after its retries (an unreachable endpoint, ...) ends the run with one
    // error; everything finished before it is already stored.
    onTaskError: "stop",
    onProgress(p) {
      const now = t();
      if (now - lastLog < 2000 && p.done < p.total) return;
      lastLog = now;
      const eta = p.etaMs === undefined ? "?" : `${(p.etaMs / 1000).toFixed(0)}s`;
      o.log(
        `knowledge: ${p.done}/${p.total} new (${p.skipped} stored), ${
          p.ratePerSec.toFixed(1)
        }/s, ETA ${eta}, tokens ${p.tokens.prompt + p.tokens.completion}`,
      );
    },
  }).catch((e: unknown) => {
    const cause = e instanceof Error ? e.cause : undefined;
    const why = (cause instanceof Error ? cause.message : String(e)).split("\n")[0];
    // A permanent failure (prompt over the context, a 4xx) fails the same way on every rerun.
    const next = (cause as { permanent?: unknown } | undefined)?.permanent === true
      ? "this failure is permanent, so a rerun fails the same way: change the settings it names"
      : "check the actor/reflector specs and that the LLM is reachable; finished knowledge is stored, rerun to resume";
    throw new Error(`knowledge generation stopped: ${why} — ${next}`);
  });
  if (summary.failed > 0) {
    throw new Error(
      `knowledge generation failed for ${summary.failed} tasks (first: ${
        summary.failures[0]?.key
      }: ${summary.failures[0]?.error}); what finished is stored — rerun to retry the rest`,
    );
  }
  if (summary.cancelled) throw new Error("knowledge generation was cancelled; rerun to resume");
  const records = await o.store.listKnowledge({ keys: tasks.map((task) => task.key) });
  const byKey = new Map(records.map((r) => [taskKeyOf(r.key), r]));
  timings.knowledgeSeconds = (t() - t0) / 1000;

  // 2. Encoding of first drafts (reasoning-only) and final texts (R4). A draft that could not be
  // parsed holds the raw model output: it counts as no knowledge (a zero vector), never as text.
  t0 = t();
  const usable = (draft: KnowledgeRecord["first"]) => draft.parseFailure ? undefined : draft.text;
  const corpus = [
    ...new Set(
      records.flatMap((r) => [usable(r.first), usable(r.final)]).filter((x) => x !== undefined),
    ),
  ];
  const embedder = await o.encoder.create(corpus);
  o.log(`encoding: ${corpus.length} distinct texts with ${embedder.id}`);
  const vectors = await embedder.embed(corpus, o.signal);
  const vectorOfText = new Map(corpus.map((text, k) => [text, vectors[k]]));
  const vectorOf = (which: "first" | "final") => (key: string) => {
    const draft = byKey.get(key)?.[which];
    const text = draft && usable(draft);
    return text === undefined ? undefined : vectorOfText.get(text);
  };
  const matrices = {
    reasoning: knowledgeMatrices(d, embedder.dim, vectorOf("first")),
    r4: knowledgeMatrices(d, embedder.dim, vectorOf("final")),
  };
  timings.encodingSeconds = (t() - t0) / 1000;

  // 3. Inputs per condition and split.
  const baselines = fitRateBaselines(d);
  const splits = { train: d.train, valid: d.valid, test: d.test };
  const inputsFor = (c: Condition): Record<keyof typeof splits, CtrInputs> => {
    const out = {} as Record<keyof typeof splits, CtrInputs>;
    for (const [name, split] of Object.entries(splits) as [keyof typeof splits, typeof d.train][]) {
      if (c === "base") out[name] = { split };
      else if (c === "statistics") {
        const f = statisticsFeatures(baselines, split);
        out[name] = { split, userKnowledge: f.user, itemKnowledge: f.item };
      } else out[name] = { split, ...knowledgeInputs(matrices[c], split) };
    }
    return out;
  };

  // 4. Trainings: every backbone x condition x seed, same data, seeds and budget, run in parallel
  // on a pool of workers (each training is single-threaded and seeded, so the order is free).
  t0 = t();
  const trainOptions = {
    epochs: o.epochs,
    patience: o.patience,
    batchSize: o.batchSize,
    lr: o.lr,
  };
  const inputsByCondition = new Map<Condition, Record<keyof typeof splits, CtrInputs>>();
  const pool = trainingPool({ size: o.workers, signal: o.signal });
  const trainOne = async (
    backbone: ModelName,
    condition: Condition,
    seed: number,
  ): Promise<TrainingResult> => {
    const label = `train ${backbone}/${condition}/seed ${seed}`;
    const key = JSON.stringify({
      fingerprint,
      knowledge: condition === "reasoning" || condition === "r4"
        ? `${keyPrefix}${embedder.id}`
        : "",
      backbone,
      condition,
      seed,
      ...trainOptions,
    });
    const cached = await o.trainings.get(key);
    if (cached) {
      o.log(`${label}: reused (test AUC ${cached.auc.toFixed(4)})`);
      return cached;
    }
    if (!inputsByCondition.has(condition)) inputsByCondition.set(condition, inputsFor(condition));
    const inputs = inputsByCondition.get(condition)!;
    const knowledgeDim = inputs.train.userKnowledge?.dim;
    const config = modelConfigFor(d, {
      seed,
      ...(knowledgeDim
        ? {
          knowledge: {
            userDim: knowledgeDim,
            itemDim: knowledgeDim,
            adaptor: "hea" as const,
            sharedExperts: 2,
            specificExperts: 6,
            expertArch: [128, 32],
          },
        }
        : {}),
    });
    const trained = await pool.train({
      backbone,
      config,
      train: inputs.train,
      valid: inputs.valid.split.size ? inputs.valid : undefined,
      test: inputs.test,
      options: { ...trainOptions, seed },
    }, (line) => o.log(`${label}: ${line}`));
    const result: TrainingResult = { ...trained.result };
    const modelDir = await o.onTrained?.({
      backbone,
      condition,
      seed,
      model: modelFromSafetensors(trained.weights, label),
      embedder,
      keyPrefix,
      trainingKey: key,
    });
    if (modelDir) result.modelDir = modelDir;
    await o.trainings.put(key, result);
    o.log(
      `${label}: test AUC ${result.auc.toFixed(4)} LogLoss ${
        result.logloss.toFixed(4)
      } (best epoch ${result.bestEpoch}, ${result.seconds.toFixed(1)}s)`,
    );
    return result;
  };
  const cells = o.backbones.flatMap((backbone) =>
    CONDITIONS.map((condition) => {
      const runs = Promise.all(o.seeds.map((seed) => trainOne(backbone, condition, seed)));
      // Awaited below in order; this keeps a failure after the first one from going unhandled.
      runs.catch(() => {});
      return { backbone, condition, runs };
    })
  );
  const results: ConditionResult[] = [];
  try {
    for (const cell of cells) {
      const runs = await cell.runs;
      results.push({
        backbone: cell.backbone,
        condition: cell.condition,
        auc: spread(runs.map((r) => r.auc)),
        logloss: spread(runs.map((r) => r.logloss)),
        runs,
      });
    }
  } finally {
    pool.close();
  }
  timings.trainingSeconds = (t() - t0) / 1000;

  const r4VersusReasoning: EvalReport["r4VersusReasoning"] = [];
  for (const backbone of o.backbones) {
    const row = (c: Condition) =>
      results.find((r) => r.backbone === backbone && r.condition === c)!;
    const base = row("base"), stats = row("statistics");
    for (const r of results.filter((r) => r.backbone === backbone)) {
      if (r.condition !== "base") {
        r.gainOverBase = 100 * (r.auc.mean - base.auc.mean) / base.auc.mean;
        // With one seed there is no spread to beat: left undefined, and the report says so.
        if (o.seeds.length > 1) {
          r.beatsBaseBeyondSpread = r.auc.mean - base.auc.mean > Math.max(r.auc.std, base.auc.std);
        }
      }
      if (r.condition === "reasoning" || r.condition === "r4") {
        r.gainOverStatistics = 100 * (r.auc.mean - stats.auc.mean) / stats.auc.mean;
      }
    }
    const a = row("r4"), b = row("reasoning");
    r4VersusReasoning.push({
      backbone,
      deltaAuc: a.auc.mean - b.auc.mean,
      beyondSpread: o.seeds.length > 1 &&
        Math.abs(a.auc.mean - b.auc.mean) > Math.max(a.auc.std, b.auc.std),
    });
  }

  const scores = baselineScores(baselines, d.test);
  const baselineRows = [
    { name: "user positive rate", p: scores.userRate },
    { name: "item positive rate", p: scores.itemRate },
    { name: "naive Bayes (user + item)", p: scores.naiveBayes },
  ].map(({ name, p }) => ({ name, auc: auc(d.test.label, p), logloss: logLoss(d.test.label, p) }));

  const userRecords = records.filter((r) => r.kind === "user");
  const itemRecords = records.filter((r) => r.kind === "item");
  return {
    dataset: { ...datasetStats(d), fingerprint, origin: o.dataOrigin },
    components: {
      actor: o.actor.description,
      reflector: o.reflector.description,
      encoder: o.encoder.description,
      encoderId: embedder.id,
    },
    settings: {
      backbones: o.backbones,
      rounds: o.rounds,
      seeds: o.seeds,
      epochs: o.epochs,
      patience: o.patience,
      batchSize: o.batchSize,
      lr: o.lr,
      selection: d.valid.size
        ? "best validation AUC (early stopping)"
        : "last epoch (no validation split)",
    },
    baselines: baselineRows,
    knowledge: {
      user: knowledgeStats(userRecords),
      item: knowledgeStats(itemRecords),
      coverage: {
        train: coverage(matrices.r4, d.train),
        test: coverage(matrices.r4, d.test),
      },
    },
    results,
    r4VersusReasoning,
    timings,
  };
}
