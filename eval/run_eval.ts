/**
 * The whole method on one prepared dataset, in phases: knowledge generation (R4 loop, resumable
 * through the store), encoding, the inputs of every condition, the trainings (backbone x condition
 * x seed, on a worker pool), and the summary an {@linkcode EvalReport} holds. The trainings are
 * in `trainings.ts`, the shapes of the options and the report in `eval_types.ts`.
 *
 * @module
 */
import { auc, logLoss } from "../backbone/metrics.ts";
import {
  baselineScores,
  type CtrDataset,
  datasetStats,
  fitRateBaselines,
} from "../datasets/mod.ts";
import { historyText } from "../plugins/history_text.ts";
import { runKnowledgeJob } from "../plugins/knowledge_job.ts";
import { r4 } from "../plugins/r4.ts";
import { knowledgeTasks, runKeyPrefix, taskKeyOf, withKeyPrefix } from "../plugins/tasks.ts";
import type { Embedder, KnowledgeRecord, KnowledgeTask } from "../plugins/types.ts";
import { type Condition, DEFAULT_CONDITIONS, needsGeneration } from "./conditions.ts";
import type { Comparison, ConditionResult, EvalOptions, EvalReport } from "./eval_types.ts";
import { knowledgeStats } from "./knowledge_stats.ts";
import { coverage, type KnowledgeMatrices, knowledgeMatrices } from "./knowledge_vectors.ts";
import { trainAll } from "./trainings.ts";
import { formatDuration, Progress, type ProgressStep } from "../util/progress.ts";
import { knowledgeExamples } from "./knowledge_examples.ts";

export { type Condition, CONDITION_LABELS, CONDITIONS } from "./conditions.ts";
export type {
  BroughtVectors,
  Comparison,
  ConditionResult,
  Described,
  EvalOptions,
  EvalReport,
  EvalStore,
  Spread,
  TrainingCache,
  TrainingResult,
} from "./eval_types.ts";

/**
 * SHA-256 (hex, 16 chars) over the dataset's samples: same data, same fingerprint.
 *
 * @example
 * ```ts
 * import { datasetFingerprint } from "./run_eval.ts";
 * import type { CtrDataset } from "../datasets/types.ts";
 * async function fingerprintOf(dataset: CtrDataset): Promise<string> {
 *   return await datasetFingerprint(dataset);
 * }
 * ```
 */
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

/** Phase 1: R4 knowledge of every task, generated or read back from the store. */
async function generateKnowledge(
  o: EvalOptions,
  progress: Progress,
  tasks: KnowledgeTask[],
): Promise<KnowledgeRecord[]> {
  const actor = o.actor!.value, reflector = o.reflector!.value;
  progress.log(
    `knowledge: ${tasks.length} tasks (actor ${actor.id}, reflector ${reflector.id}, rounds ${o.rounds})`,
  );
  let step: ProgressStep | undefined;
  const summary = await runKnowledgeJob({
    tasks,
    stage: r4({ actor, reflector, rounds: o.rounds }),
    store: o.store,
    // No LLM behind either stage: nothing to rate-limit, and more tasks in flight let the store
    // write bigger batches (8 in flight made ML-1M's 9.7K tasks take ~2 minutes).
    concurrency: actor.kind === "deterministic" && reflector.kind === "deterministic"
      ? Math.max(o.concurrency, 256)
      : o.concurrency,
    signal: o.signal,
    // A task that fails after its retries (an unreachable endpoint, ...) ends the run with one
    // error; everything finished before it is already stored.
    onTaskError: "stop",
    onProgress(p) {
      step ??= progress.step("knowledge", p.total, "tasks");
      step.update(p.done, `${p.skipped} stored, tokens ${p.tokens.prompt + p.tokens.completion}`);
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
  if (step) step.end();
  else progress.log(`knowledge: all ${tasks.length} tasks stored`);
  return await o.store.listKnowledge({ keys: tasks.map((task) => task.key) });
}

/** Texts per task key of each text condition. */
type TextsByCondition = Partial<Record<Condition, Map<string, string>>>;

/** Phase 2: one encoder over every text, and each text condition's matrices. */
async function encodeTexts(
  o: EvalOptions,
  progress: Progress,
  texts: TextsByCondition,
): Promise<{ embedder?: Embedder; matrices: Partial<Record<Condition, KnowledgeMatrices>> }> {
  const corpus = [...new Set(Object.values(texts).flatMap((m) => [...m.values()]))];
  if (!corpus.length) return { matrices: {} };
  const started = performance.now();
  const step = progress.step("encoding", corpus.length, "texts");
  const embedder = await o.encoder.create(corpus, (p) => step.update(p.done));
  const vectors = await embedder.embed(corpus, o.signal);
  step.end(
    `encoding: ${corpus.length} distinct texts with ${embedder.id} in ${
      formatDuration(performance.now() - started)
    }`,
  );
  const vectorOfText = new Map(corpus.map((text, k) => [text, vectors[k]]));
  const matrices: Partial<Record<Condition, KnowledgeMatrices>> = {};
  for (const [c, byKey] of Object.entries(texts) as [Condition, Map<string, string>][]) {
    matrices[c] = knowledgeMatrices(o.dataset, embedder.dim, (key) => {
      const text = byKey.get(key);
      return text === undefined ? undefined : vectorOfText.get(text);
    });
  }
  return { embedder, matrices };
}

/** Means over seeds and gains, per backbone. */
function summarize(o: EvalOptions, results: ConditionResult[]) {
  const compare = (a: ConditionResult, b: ConditionResult): Comparison => ({
    backbone: a.backbone,
    deltaAuc: a.auc.mean - b.auc.mean,
    beyondSpread: o.seeds.length > 1 &&
      Math.abs(a.auc.mean - b.auc.mean) > Math.max(a.auc.std, b.auc.std),
  });
  const gain = (a: ConditionResult, b: ConditionResult | undefined) =>
    b ? 100 * (a.auc.mean - b.auc.mean) / b.auc.mean : undefined;
  const r4VersusReasoning: Comparison[] = [], r4VersusHistory: Comparison[] = [];
  const r4VersusStatistics: Comparison[] = [];
  for (const backbone of o.backbones) {
    const mine = results.filter((r) => r.backbone === backbone);
    const row = (c: Condition) => mine.find((r) => r.condition === c);
    const base = row("base"), stats = row("statistics"), history = row("history");
    for (const r of mine) {
      if (r.condition === "base") continue;
      r.gainOverBase = gain(r, base);
      // With one seed there is no spread to beat: left undefined, and the report says so.
      if (base && o.seeds.length > 1) {
        r.beatsBaseBeyondSpread = r.auc.mean - base.auc.mean > Math.max(r.auc.std, base.auc.std);
      }
      if (r.condition !== "statistics") r.gainOverStatistics = gain(r, stats);
      if (r.condition === "reasoning" || r.condition === "r4") {
        r.gainOverHistory = gain(r, history);
      }
    }
    const r4Row = row("r4"), reasoning = row("reasoning");
    if (r4Row && reasoning) r4VersusReasoning.push(compare(r4Row, reasoning));
    if (r4Row && history) r4VersusHistory.push(compare(r4Row, history));
    if (r4Row && stats) r4VersusStatistics.push(compare(r4Row, stats));
  }
  return { r4VersusReasoning, r4VersusHistory, r4VersusStatistics };
}

/**
 * Runs the pipeline. Knowledge, vectors and finished trainings are reused from the store.
 *
 * @example
 * ```ts
 * import { runEval, type EvalOptions } from "./run_eval.ts";
 * async function evaluate(options: EvalOptions): Promise<number> {
 *   const report = await runEval(options);
 *   return report.results.length;
 * }
 * ```
 */
export async function runEval(o: EvalOptions): Promise<EvalReport> {
  const d = o.dataset;
  const conditions = [
    ...(o.conditions ?? [...DEFAULT_CONDITIONS, ...(o.vectors ? ["vectors" as const] : [])]),
  ];
  if (conditions.includes("vectors") && !o.vectors) {
    throw new Error("the vectors condition needs vectors (--knowledge-vectors DIR)");
  }
  const generate = needsGeneration(conditions);
  if (generate && (!o.actor || !o.reflector)) {
    throw new Error("the reasoning and r4 conditions need an actor and a reflector");
  }
  const timings: Record<string, number> = {};
  const clock = () => performance.now();
  const fingerprint = await datasetFingerprint(d);
  // Without a reporter of the caller's: plain lines to `log` (each write is one whole line).
  const progress = o.progress ??
    new Progress({ terminal: false, write: (text) => o.log(text.replace(/\n$/, "")) });

  // 1. Knowledge: keys carry the configuration, so another actor or reflector never reuses them.
  let t0 = clock();
  const allTasks = knowledgeTasks(d);
  const keyPrefix = generate
    ? await runKeyPrefix(allTasks, {
      actor: o.actor!.value.id,
      reflector: o.reflector!.value.id,
      rounds: o.rounds,
    })
    : "";
  const records = generate
    ? await generateKnowledge(o, progress, withKeyPrefix(allTasks, keyPrefix).slice(0, o.taskLimit))
    : [];
  timings.knowledgeSeconds = (clock() - t0) / 1000;

  // 2. Texts and encoding. A draft that could not be parsed holds the raw model output: it counts
  // as no knowledge (a zero vector), never as text.
  t0 = clock();
  const texts = conditionTexts(conditions, allTasks, records);
  const { embedder, matrices } = await encodeTexts(o, progress, texts);
  if (o.vectors) matrices.vectors = o.vectors.matrices;
  timings.encodingSeconds = (clock() - t0) / 1000;

  // 3-4. Trainings: every backbone x condition x seed, on a pool of workers.
  t0 = clock();
  const historyPrefix = await runKeyPrefix(allTasks, {
    actor: "history",
    reflector: "",
    rounds: 0,
  });
  const results = await trainAll({
    o,
    progress,
    conditions,
    fingerprint,
    matrices,
    embedder,
    keyPrefix,
    knowledgeId: {
      base: "",
      statistics: "",
      history: `${historyPrefix}${embedder?.id}`,
      reasoning: `${keyPrefix}${embedder?.id}`,
      r4: `${keyPrefix}${embedder?.id}`,
      vectors: o.vectors?.fingerprint ?? "",
    },
  });
  timings.trainingSeconds = (clock() - t0) / 1000;

  return reportOf({
    o,
    conditions,
    generate,
    fingerprint,
    embedder,
    matrices,
    records,
    results,
    timings,
  });
}

/** Texts per task key of each text condition: the history, and the first and final drafts. */
function conditionTexts(
  conditions: Condition[],
  allTasks: KnowledgeTask[],
  records: KnowledgeRecord[],
): TextsByCondition {
  const texts: TextsByCondition = {};
  if (conditions.includes("history")) {
    texts.history = new Map(allTasks.map((task) => [task.key, historyText(task)]));
  }
  for (const [c, which] of [["reasoning", "first"], ["r4", "final"]] as const) {
    if (!conditions.includes(c)) continue;
    texts[c] = new Map(
      records.filter((r) => !r[which].parseFailure).map((r) => [taskKeyOf(r.key), r[which].text]),
    );
  }
  return texts;
}

/** The report of a finished eval: comparisons and gains, the rate baselines, knowledge stats. */
function reportOf(e: {
  o: EvalOptions;
  conditions: Condition[];
  generate: boolean;
  fingerprint: string;
  embedder: Embedder | undefined;
  matrices: Partial<Record<Condition, KnowledgeMatrices>>;
  records: KnowledgeRecord[];
  results: ConditionResult[];
  timings: Record<string, number>;
}): EvalReport {
  const { o, conditions, generate, fingerprint, embedder, matrices, records, results, timings } = e;
  const d = o.dataset;
  const comparisons = summarize(o, results);
  const scores = baselineScores(fitRateBaselines(d), d.test);
  const baselineRows = [
    { name: "user positive rate", p: scores.userRate },
    { name: "item positive rate", p: scores.itemRate },
    { name: "naive Bayes (user + item)", p: scores.naiveBayes },
  ].map(({ name, p }) => ({ name, auc: auc(d.test.label, p), logloss: logLoss(d.test.label, p) }));
  const shown = matrices.r4 ?? matrices.vectors ?? matrices.history;
  return {
    dataset: { ...datasetStats(d), fingerprint, origin: o.dataOrigin },
    components: {
      actor: generate ? o.actor!.description : "none (no generated-knowledge condition)",
      reflector: generate ? o.reflector!.description : "none",
      encoder: embedder ? o.encoder.description : "none (no text condition)",
      encoderId: embedder?.id ?? "",
      ...(o.vectors ? { vectors: o.vectors.description } : {}),
    },
    settings: {
      backbones: o.backbones,
      conditions,
      rounds: o.rounds,
      seeds: o.seeds,
      epochs: o.epochs,
      patience: o.patience,
      batchSize: o.batchSize,
      lr: o.lr,
      schedule: o.schedule ?? "constant",
      selection: d.valid.size
        ? "best validation AUC (early stopping); validation = each user's latest training targets"
        : "last epoch (no validation split)",
    },
    baselines: baselineRows,
    knowledge: {
      user: knowledgeStats(records.filter((r) => r.kind === "user")),
      item: knowledgeStats(records.filter((r) => r.kind === "item")),
      coverage: shown ? { train: coverage(shown, d.train), test: coverage(shown, d.test) } : {},
      examples: knowledgeExamples(records),
    },
    ...(generate
      ? {
        tokens: {
          actorLlm: o.actor!.value.kind === "llm",
          reflectorLlm: o.reflector!.value.kind !== "deterministic",
          ...(o.prices ? { prices: o.prices } : {}),
        },
      }
      : {}),
    results,
    ...comparisons,
    timings,
  };
}
