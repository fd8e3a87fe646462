/**
 * Parity run: DIN without knowledge on ML-1M, the reference's settings (validation split off,
 * embedding 32, MLP 200-80, history 5, batch 256, Adam lr 5e-4, constant lr, seed 1234), test AUC /
 * LogLoss after every epoch next to the reference PyTorch figures (`REFERENCE` below; recorded in
 * bench/results/backbone.md).
 *
 * Run: `deno run -A bench/din_ml1m.ts [--data ../shared/data/ml-1m] [--epochs 3]
 *   [--embedding-update lazy|dense] [--seed 1234] [--eval-batch 256] [--json out.json]
 *   [--model din|dcn|dcnv2|deepfm|autoint] [--threads N] [--eval-mode infer|reference-eval|both]
 *   [--knowledge none|r4] [--knowledge-dim 256] [--no-native]`.
 * `--model` trains another backbone with the same settings (full-epoch throughput on real data;
 * the reference columns are DIN's); `--threads N` trains data-parallel on N threads (DIN's Dice
 * then normalises each shard). `--eval-mode` (default `both`): `infer` scores the test split with
 * Dice's running statistics (what `predict`, serving and the ONNX export compute), and
 * `reference-eval` with the statistics of each evaluation batch of `--eval-batch` samples, as the
 * authors' code evaluates; `both` reports each per epoch (one training run).
 * `--knowledge r4` trains DIN + HEA (the adaptor's defaults) on the eval's default R4 knowledge:
 * the `profile` actor's texts after one round of the `grounded` reflector, per user (interactions
 * before the first CTR target) and per item, hashed to `--knowledge-dim` (default 256) dimensions,
 * the `hashing#dim=256` encoder of `deno task eval` (full-epoch throughput of the model the method
 * runs through; the reference columns stay DIN's without knowledge). `--no-native` keeps the
 * products on the WebAssembly kernels when the system OpenBLAS would load.
 *
 * @module
 */
import { fitHashingEmbedder } from "../adapters/embed/hashing.ts";
import { openStore } from "../adapters/store/duckdb_store.ts";
import { nativeBlasOn, useNativeBlas, wasmKernelsOn } from "../backbone/kernels.ts";
import type { CtrInputs } from "../backbone/types.ts";
import { buildComponents, profileSourceOf } from "../cli/components.ts";
import { type CtrDataset, prepareDataset } from "../datasets/mod.ts";
import { knowledgeInputs, knowledgeMatrices } from "../eval/knowledge_vectors.ts";
import { r4 } from "../plugins/r4.ts";
import { knowledgeTasks } from "../plugins/tasks.ts";
import {
  createModel,
  DataParallel,
  evaluate,
  fit,
  MODEL_NAMES,
  modelConfigFor,
  type ModelName,
  type SplitMetrics,
} from "../backbone/mod.ts";

/** The reference's per-epoch test figures (authors' PyTorch code, same data, seed 1234). */
const REFERENCE = {
  auc: [0.7758, 0.7766, 0.7781, 0.7780, 0.7774],
  logloss: [0.5600, 0.5590, 0.5569, 0.5571, 0.5599],
};

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < Deno.args.length ? Deno.args[i + 1] : fallback;
}

const dataDir = arg("data", new URL("../../shared/data/ml-1m", import.meta.url).pathname);
const epochs = Number(arg("epochs", "3"));
const seed = Number(arg("seed", "1234"));
const embeddingUpdate = arg("embedding-update", "lazy") as "lazy" | "dense";
const evalBatchSize = Number(arg("eval-batch", "256"));
const jsonOut = arg("json", "");
const modelName = arg("model", "din") as ModelName;
if (!MODEL_NAMES.includes(modelName)) throw new Error(`--model: unknown backbone "${modelName}"`);
const threads = Number(arg("threads", "1"));
const evalMode = arg("eval-mode", "both");
if (!["infer", "reference-eval", "both"].includes(evalMode)) {
  throw new Error(`--eval-mode: expected infer, reference-eval or both, got "${evalMode}"`);
}
const knowledge = arg("knowledge", "none");
if (!["none", "r4"].includes(knowledge)) {
  throw new Error(`--knowledge: expected none or r4, got "${knowledge}"`);
}
const knowledgeDim = Number(arg("knowledge-dim", "256"));
// The WebAssembly kernels instead of the system OpenBLAS (for before/after runs).
if (Deno.args.includes("--no-native")) useNativeBlas(false);

const t0 = performance.now();
const { dataset } = await prepareDataset({ dataset: "ml-1m", dataDir, validationFraction: 0 });
const prepSeconds = (performance.now() - t0) / 1000;
console.error(
  `ml-1m: ${dataset.train.size} train / ${dataset.test.size} test samples, ` +
    `${dataset.items.raw.length} item rows, ${dataset.attributes.raw.length} attribute rows ` +
    `(prepared in ${prepSeconds.toFixed(1)} s)`,
);

/** The eval's default R4 knowledge (`profile` actor, `grounded` reflector, 1 round), hashed. */
async function r4Inputs(d: CtrDataset, dim: number) {
  const store = await openStore(":memory:");
  const c = await buildComponents({
    actor: "profile",
    reflector: "grounded",
    profile: profileSourceOf(d),
    store,
  });
  const loop = r4({ actor: c.actor, reflector: c.reflector, rounds: 1 });
  const tasks = knowledgeTasks(d);
  const texts = new Map<string, string>();
  for (const task of tasks) texts.set(task.key, (await loop.run(task, {})).final.text);
  await store.close();
  const corpus = [...new Set(texts.values())];
  const vectors = await fitHashingEmbedder(corpus, { dim }).embed(corpus);
  const vectorOfText = new Map(corpus.map((t, k) => [t, vectors[k]]));
  const m = knowledgeMatrices(d, dim, (key) => vectorOfText.get(texts.get(key)!));
  return {
    description: `${tasks.length} R4 texts (profile actor, grounded reflector), hashed to ${dim}-d`,
    components: `actor: ${c.actorDescription}; reflector: ${c.reflectorDescription}`,
    of: (split: CtrDataset["train"]): CtrInputs => ({ split, ...knowledgeInputs(m, split) }),
  };
}

const withKnowledge = knowledge === "r4" ? await r4Inputs(dataset, knowledgeDim) : undefined;
if (withKnowledge) {
  console.error(`knowledge: ${withKnowledge.description}\n  ${withKnowledge.components}`);
}
const model = createModel(
  modelName,
  modelConfigFor(dataset, {
    seed,
    ...(withKnowledge ? { knowledge: { userDim: knowledgeDim, itemDim: knowledgeDim } } : {}),
  }),
);
let peakRss = Deno.memoryUsage().rss;
const rows: string[] = [];
const train = withKnowledge?.of(dataset.train) ?? { split: dataset.train };
const parallel = threads > 1 ? await DataParallel.start(model, train, { threads }) : undefined;
const test = withKnowledge?.of(dataset.test) ?? { split: dataset.test };
/** The reference-eval scores of each epoch (with `--eval-mode both`, beside fit's infer ones). */
const referenceEval: SplitMetrics[] = [];
const result = fit(model, { train, test }, {
  parallel,
  epochs,
  batchSize: 256,
  lr: 5e-4,
  seed,
  embeddingUpdate,
  evalBatchSize,
  evalMode: evalMode === "reference-eval" ? "reference-eval" : "infer",
  selectOn: "none",
  onEpoch: (r) => {
    peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
    const i = r.epoch - 1;
    const ref = modelName === "din" && !withKnowledge && i < REFERENCE.auc.length
      ? REFERENCE.auc[i]
      : NaN;
    const known = !Number.isNaN(ref), t = r.test!;
    const extra = evalMode === "both"
      ? evaluate(model, test, { batchSize: evalBatchSize, mode: "reference-eval" })
      : undefined;
    if (extra) referenceEval.push(extra);
    const cells = [
      r.epoch,
      t.auc.toFixed(4),
      t.logloss.toFixed(4),
      ...(extra ? [extra.auc.toFixed(4), extra.logloss.toFixed(4)] : []),
      known ? ref.toFixed(4) : "-",
      known ? (t.auc - ref).toFixed(4) : "-",
      known ? REFERENCE.logloss[i].toFixed(4) : "-",
      r.seconds.toFixed(1),
      Math.round(r.samplesPerSecond),
    ];
    rows.push(`| ${cells.join(" | ")} |`);
  },
});

parallel?.close();
const first = evalMode === "reference-eval" ? "reference-eval" : "infer";
console.log(
  `${modelName}${withKnowledge ? ` + HEA (${withKnowledge.description})` : ""} on ML-1M, ` +
    `${
      nativeBlasOn() ? "OpenBLAS" : wasmKernelsOn() ? "WebAssembly" : "JavaScript"
    } kernels, embedding ${embeddingUpdate}, seed ${seed}, eval batch ` +
    `${evalBatchSize}, ${threads} thread(s); test columns: ${first}` +
    (evalMode === "both" ? ", then reference-eval" : "") + "\n",
);
const head = evalMode === "both"
  ? "| epoch | test AUC | test LogLoss | ref-eval AUC | ref-eval LogLoss |"
  : "| epoch | test AUC | test LogLoss |";
console.log(`${head} ref AUC | Δ AUC | ref LogLoss | train s | samples/s |`);
console.log(`|${"---|".repeat(head.split("|").length - 2 + 5)}`);
for (const r of rows) console.log(r);
console.log(`\npeak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
if (jsonOut) {
  await Deno.writeTextFile(
    jsonOut,
    JSON.stringify(
      {
        model: modelName,
        knowledge,
        threads,
        embeddingUpdate,
        seed,
        evalBatchSize,
        evalMode,
        epochs: result.epochs,
        referenceEval,
        peakRss,
      },
      null,
      2,
    ),
  );
}
