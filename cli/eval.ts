/**
 * `deno task eval`: the whole pipeline on a dataset, ending in `report.json`, `report.md`,
 * `report.html` and `report.svg` in `--out`, and the same table on the terminal; progress on
 * stderr (one live line per step on a terminal, plain lines every 10 s elsewhere). Composition only: the logic lives in
 * `eval/`, `datasets/`, `plugins/`, `adapters/` and `backbone/`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { saveServingBundle } from "../adapters/http/bundle.ts";
import { parseArgs } from "node:util";
import { z } from "zod";
import { cachedEmbedder } from "../adapters/embed/cached.ts";
import { embedderFromSpec } from "../adapters/embed/spec.ts";
import type { DuckDbStore } from "../adapters/store/duckdb_store.ts";
import { MODEL_NAMES, type ModelName } from "../backbone/types.ts";
import { DATASET_NAMES, prepareDataset, withHistoryWindow } from "../datasets/mod.ts";
import { baselinesTable, markdownReport, resultsTable } from "../eval/report.ts";
import { resolveData } from "../eval/resolve_data.ts";
import { downloadDataset, DOWNLOADS } from "../eval/download.ts";
import {
  type BroughtVectors,
  type EvalOptions,
  type EvalReport,
  runEval,
  type TrainingCache,
  type TrainingResult,
} from "../eval/run_eval.ts";
import { vectorMatrices, vectorsFingerprint } from "../eval/knowledge_vectors.ts";
import { type KnowledgeVectors, readKnowledgeVectors } from "../eval/vector_files/mod.ts";
import type { CtrDataset } from "../datasets/types.ts";
import {
  CONDITIONS,
  DEFAULT_CONDITIONS,
  needsGeneration,
  parseConditions,
} from "../eval/conditions.ts";
import { svgChart } from "../eval/svg.ts";
import { htmlReport } from "../eval/report_html.ts";
import { Progress } from "../util/progress.ts";
import { checkEncoderSpec, makeOutDir, openStoreFlag } from "./checks.ts";
import { buildComponents, checkComponentSpecs, profileSourceOf } from "./components.ts";
import { LLM_FLAGS, LLM_FLAGS_HELP, llmComponentOptions } from "./llm_flags.ts";
import { PRICE_FLAGS, PRICE_HELP, pricesOf } from "./scale.ts";
import { flagOptions, runCli } from "./run.ts";

const DEFAULTS = {
  dataset: "ml-1m",
  backbones: "din",
  actor: "profile",
  reflector: "grounded",
  // Chosen on ML-1M's temporal validation split (bench/results/knowledge.md): 256 dimensions
  // carry what 64 lose; lr 1e-3 with a per-step cosine beats constant 5e-4 at the same epochs.
  encoder: "hashing#dim=256",
  rounds: 1,
  epochs: 8,
  patience: 2,
  seeds: "1,2,3",
  batchSize: 256,
  lr: 1e-3,
  schedule: "cosine",
  store: ".r4ec-cache/store.duckdb",
  concurrency: 8,
} as const;

/** Defaults for a large training split, sized so ML-1M finishes in about 20 minutes on 2 cores. */
const LARGE = { samples: 200_000, epochs: 4, seeds: "1" } as const;

const HELP = `deno task eval [options]

Runs the R4ec pipeline — knowledge (reason -> reflect -> refine), encoding, CTR training of the
conditions base / statistics control / plain-history control / reasoning-only / R4 — and writes a
report.

  --dataset NAME      ${DATASET_NAMES.join(" | ")} (default ${DEFAULTS.dataset}; without its
                      files and without this flag, the built-in synthetic dataset runs instead)
  --data DIR          folder of the dataset files (else $R4EC_DATA_DIR/<dataset>, ./data/<dataset>)
  --backbones LIST    comma-separated: ${
  MODEL_NAMES.join(", ")
}, or all (default ${DEFAULTS.backbones})
  --actor SPEC        profile | hf:MODEL[@provider] | endpoint:URL#MODEL | local:PATH_OR_NAME
                      (default ${DEFAULTS.actor}: a deterministic statistical profile, no LLM;
                      a local: name is looked up under $R4EC_MODELS_DIR)
  --reflector SPEC    grounded | hybrid:<LLM spec> | <LLM spec> (default ${DEFAULTS.reflector})
  --encoder SPEC      hashing | transformers:ID_OR_PATH | hf:MODEL (default ${DEFAULTS.encoder})
  --knowledge-vectors DIR
                      user and item vectors computed elsewhere, trained as the condition
                      "vectors": DIR/users.* and DIR/items.*, each .parquet (id, vector),
                      .npy + .ids.txt, or .jsonl ({"id", "vector"}), keyed by raw ids
  --rounds N          R4 reflection rounds, 0 = reasoning only (default ${DEFAULTS.rounds})
  --conditions LIST   comma-separated: ${CONDITIONS.join(", ")}
                      (default ${
  DEFAULT_CONDITIONS.join(",")
}; vectors too with --knowledge-vectors)
  --epochs N          maximum training epochs (default ${DEFAULTS.epochs}, or ${LARGE.epochs} when the training
                      split has over ${LARGE.samples} samples; early stopping on validation AUC)
  --patience N        epochs without validation improvement before stopping (default ${DEFAULTS.patience})
  --valid F           share of each user's latest training targets held out for model selection
                      (default 0.1; 0 = none: the last epoch is kept)
  --seeds LIST        comma-separated seeds (default ${DEFAULTS.seeds}, or ${LARGE.seeds} on a large training split)
  --batch-size N      training batch size (default ${DEFAULTS.batchSize})
  --lr X              Adam learning rate (default ${DEFAULTS.lr})
  --schedule NAME     constant | cosine (per step, to 0 at the last epoch) (default ${DEFAULTS.schedule})
  --store FILE        DuckDB store of knowledge, vectors and finished trainings (default ${DEFAULTS.store})
  --out DIR           report folder (default ./runs/<timestamp>)
  --viewer URL        address of the knowledge viewer (e.g. http://localhost:8000/ui/):
                      report.html links a few users and items to it (default: no links)
  --concurrency N     knowledge tasks and LLM requests in flight (default ${DEFAULTS.concurrency})
  --workers N         trainings run at once, one per worker (default: logical cores, at most 4)
  --limit N           knowledge for the first N tasks only, the rest get none (smoke runs)
  --quick             a small run: 2 seeds, 4 epochs, and a smaller synthetic dataset
  --synthetic-users N, --synthetic-items N
                      size of the synthetic dataset (default 600 x 900; --quick 300 x 450)
  -h, --help          this text

${LLM_FLAGS_HELP}
${PRICE_HELP}

Every spec, path and flag, and the store's lock, are checked before any work.
`;

const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);

const Flags = z.object({
  dataset: z.enum(DATASET_NAMES).optional(),
  data: z.string().optional(),
  backbones: z.string().default(DEFAULTS.backbones).transform((s, ctx) => {
    const names = s === "all" ? [...MODEL_NAMES] : list(s);
    for (const n of names) {
      if (!MODEL_NAMES.includes(n as ModelName)) {
        ctx.addIssue({
          code: "custom",
          message: `unknown backbone "${n}"; expected ${MODEL_NAMES.join(", ")} or all`,
        });
      }
    }
    return names as ModelName[];
  }),
  actor: z.string().default(DEFAULTS.actor),
  reflector: z.string().default(DEFAULTS.reflector),
  encoder: z.string().default(DEFAULTS.encoder),
  "knowledge-vectors": z.string().min(1).optional(),
  rounds: z.coerce.number().int().min(0).max(10).default(DEFAULTS.rounds),
  conditions: z.string().optional().transform((s, ctx) => {
    if (s === undefined) return undefined;
    try {
      return parseConditions(s);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: (e as Error).message });
      return z.NEVER;
    }
  }),
  schedule: z.enum(["constant", "cosine"]).default(DEFAULTS.schedule),
  epochs: z.coerce.number().int().min(1).optional(),
  patience: z.coerce.number().int().min(1).default(DEFAULTS.patience),
  valid: z.coerce.number().min(0).lt(1).default(0.1),
  seeds: z.string().optional().transform((s, ctx) => {
    if (s === undefined) return undefined;
    const seeds = list(s).map(Number);
    if (!seeds.length || seeds.some((x) => !Number.isInteger(x))) {
      ctx.addIssue({ code: "custom", message: `expected comma-separated integers, got "${s}"` });
    }
    return seeds;
  }),
  "batch-size": z.coerce.number().int().min(1).default(DEFAULTS.batchSize),
  lr: z.coerce.number().positive().default(DEFAULTS.lr),
  store: z.string().default(DEFAULTS.store),
  out: z.string().optional(),
  viewer: z.string().optional().refine(
    (s) => s === undefined || /^https?:$/.test(URL.parse(s)?.protocol ?? ""),
    { message: "expected an http(s) URL, e.g. http://localhost:8000/ui/" },
  ),
  concurrency: z.coerce.number().int().min(1).default(DEFAULTS.concurrency),
  limit: z.coerce.number().int().min(1).optional(),
  ...LLM_FLAGS,
  ...PRICE_FLAGS,
  workers: z.coerce.number().int().min(1).max(64).optional(),
  quick: z.boolean().default(false),
  "synthetic-users": z.coerce.number().int().min(20).optional(),
  "synthetic-items": z.coerce.number().int().min(20).optional(),
});

/** `--knowledge-vectors DIR`, read and checked against the dataset's ids before any training. */
async function broughtVectors(
  dir: string,
  dataset: CtrDataset,
): Promise<BroughtVectors & { read: KnowledgeVectors }> {
  const v = await readKnowledgeVectors(dir, dataset).catch((e: unknown) => {
    throw new Error(`--knowledge-vectors: ${e instanceof Error ? e.message : String(e)}`);
  });
  return {
    read: v,
    description: v.report.summary,
    fingerprint: await vectorsFingerprint(v),
    matrices: vectorMatrices(dataset, v),
  };
}

/** Finished trainings kept in the store's run table, so a rerun skips them. */
async function storeTrainingCache(store: DuckDbStore): Promise<TrainingCache> {
  const done = new Map<string, TrainingResult>();
  for (const run of await store.listRuns("training")) {
    const key = (run.config as { key?: string } | null)?.key;
    if (run.status === "done" && key) done.set(key, run.summary as TrainingResult);
  }
  return {
    get: (key) => Promise.resolve(done.get(key)),
    async put(key, result) {
      const runId = await store.startRun({ kind: "training", config: { key } });
      await store.finishRun(runId, { status: "done", summary: result });
      done.set(key, result);
    },
  };
}

type EvalFlags = z.infer<typeof Flags>;

/** Finds and prepares the dataset (the first stdout line says which), and reads `--knowledge-vectors`. */
async function prepareData(flags: EvalFlags, log: (line: string) => void) {
  const resolved = await resolveData({
    dataset: flags.dataset ?? DEFAULTS.dataset,
    explicit: flags.dataset !== undefined || flags.data !== undefined,
    dataDir: flags.data,
    download: DOWNLOADS[flags.dataset ?? DEFAULTS.dataset]
      ? (name) => downloadDataset(name, { log })
      : undefined,
  });
  // The first line says what data runs (and why, when it is the synthetic fallback).
  console.log(`data: ${resolved.origin}`);
  const { dataset: prepared, report } = await prepareDataset({
    dataset: resolved.dataset as typeof DATASET_NAMES[number],
    dataDir: resolved.dataDir,
    validationFraction: flags.valid,
    synthetic: {
      users: flags["synthetic-users"] ?? (flags.quick ? 300 : undefined),
      items: flags["synthetic-items"] ?? (flags.quick ? 450 : undefined),
    },
  });
  if (report.duplicates) {
    console.log(`data: ${report.duplicates} rows repeat an earlier (user, item, timestamp), kept`);
  }
  const window = flags["history-window"];
  const dataset = window ? withHistoryWindow(prepared, window) : prepared;
  // Brought-in vectors are checked against the dataset's ids before any knowledge or training.
  const vectors = flags["knowledge-vectors"]
    ? await broughtVectors(flags["knowledge-vectors"], dataset)
    : undefined;
  return { resolved, dataset, vectors };
}

/** R4 and brought-in-vector models are kept as serving bundles beside the store. */
function bundleSaver(
  flags: EvalFlags,
  dataset: CtrDataset,
  vectors: Awaited<ReturnType<typeof broughtVectors>> | undefined,
): EvalOptions["onTrained"] {
  return async ({ condition, model, embedder, keyPrefix, trainingKey }) => {
    const id = createHash("sha256").update(trainingKey).digest("hex").slice(0, 16);
    const dir = join(dirname(flags.store), "models", id);
    if (condition === "r4" && embedder) {
      await saveServingBundle(dir, {
        model,
        dataset,
        encoder: embedder,
        encoderSpec: flags.encoder,
        knowledgePrefix: keyPrefix,
      });
    } else if (condition === "vectors" && vectors) {
      await saveServingBundle(dir, {
        model,
        dataset,
        vectors: { vectors: vectors.read, fingerprint: vectors.fingerprint },
      });
    } else return undefined;
    return dir;
  };
}

/** `report.json`, `report.md`, `report.html` and `report.svg` in `out`, and the table on the terminal. */
async function writeReport(out: string, report: EvalReport, flags: EvalFlags): Promise<void> {
  const versions = { r4ec: "0.1.0", deno: Deno.version.deno, v8: Deno.version.v8 };
  await Deno.writeTextFile(
    join(out, "report.json"),
    JSON.stringify({ ...report, versions, flags }, null, 2) + "\n",
  );
  await Deno.writeTextFile(join(out, "report.md"), markdownReport(report));
  await Deno.writeTextFile(join(out, "report.svg"), svgChart(report));
  await Deno.writeTextFile(join(out, "report.html"), htmlReport(report, { viewer: flags.viewer }));
  console.log(`actor: ${report.components.actor}`);
  console.log(`reflector: ${report.components.reflector}`);
  console.log(`encoder: ${report.components.encoder}`);
  console.log(resultsTable(report));
  console.log();
  console.log(baselinesTable(report));
  console.log(
    `\nreport: ${join(out, "report.md")} (also report.html, report.json, report.svg)`,
  );
}

await runCli(HELP, async (args) => {
  const { values } = parseArgs({
    args,
    options: flagOptions(Flags),
    strict: true,
  });
  const flags = Flags.parse(values);
  const progress = new Progress();
  const log = (line: string) => progress.log(line);
  // Everything that can be wrong is checked before data is looked for.
  checkComponentSpecs(flags);
  checkEncoderSpec(flags.encoder);
  const llm = llmComponentOptions(flags, [flags.actor, flags.reflector]);
  const prices = pricesOf(flags);
  const out = flags.out ?? join("runs", new Date().toISOString().replace(/[:.]/g, "-"));
  const store = await openStoreFlag(flags.store);
  let removeEmptyOut = () => Promise.resolve();
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    removeEmptyOut = await makeOutDir("--out", out);
    // A model encoder loads now: a bad one fails before the knowledge stage, not after it.
    const encoderContext = { accessToken: Deno.env.get("HF_TOKEN") };
    const modelEncoder = flags.encoder.startsWith("hashing")
      ? undefined
      : await embedderFromSpec(flags.encoder, encoderContext).catch((e: Error) => {
        throw new Error(`--encoder ${flags.encoder}: ${e.message}`);
      });
    const started = performance.now();
    const { resolved, dataset, vectors } = await prepareData(flags, log);
    const prepareSeconds = (performance.now() - started) / 1000;
    const large = dataset.train.size > LARGE.samples;
    const conditions = flags.conditions ??
      [...DEFAULT_CONDITIONS, ...(vectors ? ["vectors" as const] : [])];
    const components = needsGeneration(conditions)
      ? await buildComponents({
        actor: flags.actor,
        reflector: flags.reflector,
        profile: flags.actor === "profile" ? profileSourceOf(dataset) : undefined,
        store,
        concurrency: flags.concurrency,
        ...llm,
        signal: controller.signal,
      })
      : undefined;
    const report = await runEval({
      dataset,
      prices,
      dataOrigin: resolved.origin,
      conditions,
      vectors,
      ...(components
        ? {
          actor: { value: components.actor, description: components.actorDescription },
          reflector: {
            value: components.reflector,
            description: components.reflectorDescription,
          },
        }
        : {}),
      encoder: {
        description: flags.encoder.startsWith("hashing")
          ? "hashing — TF-IDF weighted word uni/bigram feature hashing with a seeded random projection (no model weights)"
          : flags.encoder,
        create: async (corpus, onProgress) =>
          cachedEmbedder(
            modelEncoder ?? await embedderFromSpec(flags.encoder, { ...encoderContext, corpus }),
            store,
            { onProgress },
          ),
      },
      store,
      trainings: await storeTrainingCache(store),
      backbones: flags.backbones,
      rounds: flags.rounds,
      seeds: flags.seeds ??
        list(flags.quick ? "1,2" : large ? LARGE.seeds : DEFAULTS.seeds).map(Number),
      epochs: flags.epochs ?? (flags.quick ? 4 : large ? LARGE.epochs : DEFAULTS.epochs),
      patience: flags.patience,
      batchSize: flags["batch-size"],
      lr: flags.lr,
      schedule: flags.schedule,
      concurrency: flags.concurrency,
      taskLimit: flags.limit,
      workers: flags.workers,
      log,
      progress,
      signal: controller.signal,
      onTrained: bundleSaver(flags, dataset, vectors),
    });
    report.timings.prepareSeconds = prepareSeconds;
    report.timings.totalSeconds = (performance.now() - started) / 1000;
    await writeReport(out, report, flags);
  } catch (error) {
    await removeEmptyOut();
    throw error;
  } finally {
    // A step cut short (an error, ^C) stays on screen as it was, and what follows starts below.
    progress.close();
    Deno.removeSignalListener("SIGINT", onSignal);
    await store.close();
  }
});
