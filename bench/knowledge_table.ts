/**
 * The knowledge table: which user and item texts, encoded how and keyed how, let DIN + HEA gain
 * over base on real data. Each row builds its texts from the prepared dataset, encodes them, trains
 * DIN + HEA with the reference settings and prints test (and validation) AUC after every epoch.
 *
 * ```sh
 * deno run -A bench/knowledge_table.ts --data ../shared/data/ml-1m \
 *   [--rows plain-30,plain-11,plain-period,profile-period,profile-user,statistics,base] \
 *   [--encoder hashing#dim=256] [--vectors DIR] [--epochs 3] [--lr 5e-4] [--valid 0] [--seed 1]
 * ```
 *
 * Rows (user text / item text / user vector per sample):
 * - `plain-30`: the first ≤ 30 rated titles with their stars (reaches into training targets) /
 *   title + genres / one per user.
 * - `plain-11`: the same from the interactions before the first CTR target (positions 0..10).
 * - `plain-period`: the earlier per-period design: train samples read the window of positions
 *   1..10, test samples the 10 ending at the split point.
 * - `profile-period`, `profile-user`: the `profile` actor's R4 texts (grounded reflector, one
 *   round) on those windows; `reasoning-user`: its first drafts (no reflection).
 * - `statistics`: the statistics control (smoothed rates through the adaptor); `base`: none.
 * - `vectors`: user and item vectors read from `--vectors DIR` (see `eval/vector_files.ts`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fitHashingEmbedder } from "../adapters/embed/hashing.ts";
import { parseEmbedderSpec } from "../adapters/embed/spec.ts";
import { modelConfigFor } from "../backbone/mod.ts";
import type { CtrInputs, KnowledgeInput } from "../backbone/types.ts";
import {
  type CtrDataset,
  fitRateBaselines,
  nonTargetInteractions,
  prepareDataset,
  statisticsFeatures,
} from "../datasets/mod.ts";
import type { SampleSplit } from "../datasets/types.ts";
import { knowledgeInputs, vectorMatrices } from "../eval/knowledge_vectors.ts";
import { trainingPool } from "../eval/training_pool.ts";
import { readKnowledgeVectors } from "../eval/vector_files/mod.ts";
import { groundedReflector } from "../plugins/grounded_reflector.ts";
import { historyText } from "../plugins/history_text.ts";
import { profileActor } from "../plugins/profile/mod.ts";
import { r4 } from "../plugins/r4.ts";
import { itemTasks } from "../plugins/tasks.ts";
import type { KnowledgeTask, RatedTitle } from "../plugins/types.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    data: { type: "string", default: "../shared/data/ml-1m" },
    dataset: { type: "string", default: "ml-1m" },
    rows: { type: "string", default: "plain-30,plain-11,plain-period,profile-user,statistics" },
    encoder: { type: "string", default: "hashing#dim=256" },
    vectors: { type: "string" },
    epochs: { type: "string", default: "3" },
    lr: { type: "string", default: "5e-4" },
    valid: { type: "string", default: "0" },
    seed: { type: "string", default: "1" },
    schedule: { type: "string", default: "constant" },
    workers: { type: "string", default: "2" },
  },
});

const { dataset: d } = await prepareDataset({
  dataset: flags.dataset as "ml-1m",
  dataDir: flags.data,
  validationFraction: Number(flags.valid),
});
console.error(
  `${d.name}: ${d.train.size} train / ${d.valid.size} valid / ${d.test.size} test samples`,
);

/** Per-user training-period sequences, from `trainPeriod` (sorted by user, then position). */
function sequences(dataset: CtrDataset): RatedTitle[][] {
  const out: RatedTitle[][] = dataset.users.raw.map(() => []);
  const tp = dataset.trainPeriod;
  for (let r = 0; r < tp.size; r++) {
    const item = tp.item[r];
    out[tp.user[r]].push({ title: dataset.itemInfo[item].title, rating: tp.rating[r], item });
  }
  return out;
}
const seqs = sequences(d);
const domain = {
  itemNoun: d.domain.itemNoun,
  ratingScale: [d.domain.ratingScale[0], d.domain.ratingScale[1]] as [number, number],
  likeThreshold: d.domain.likeThreshold,
};

/** A user task per user over positions [from, to] (to clamped to the training period). */
function userWindows(from: (u: number) => number, to: (u: number) => number): KnowledgeTask[] {
  const tasks: KnowledgeTask[] = [];
  for (let u = 1; u < d.users.raw.length; u++) {
    const history = seqs[u].slice(Math.max(0, from(u)), to(u) + 1);
    tasks.push({ kind: "user", key: `user:${u}`, domain, history });
  }
  return tasks;
}

/** Texts of a row: per user (one, or one per period) and per item. */
interface RowTexts {
  user: string[][];
  item: string[];
}

const actor = profileActor({ dataset: { ...d, trainPeriod: nonTargetInteractions(d) } });
const loop = r4({ actor, reflector: groundedReflector({ actor }), rounds: 1 });
const drafts = new Map<KnowledgeTask, Promise<{ first: string; final: string }>>();
/** The profile actor's first draft (reasoning only) or final (R4) text of each task. */
async function profileTexts(tasks: KnowledgeTask[], which: "first" | "final"): Promise<string[]> {
  const out: string[] = [];
  for (const task of tasks) {
    if (!drafts.has(task)) {
      drafts.set(
        task,
        loop.run(task, {}).then((r) => ({ first: r.first.text, final: r.final.text })),
      );
    }
    out.push((await drafts.get(task)!)[which]);
  }
  return out;
}

const items = itemTasks(d);
const prefixTasks = userWindows(() => 0, () => d.firstTarget - 1);
const itemIndex = items.map((t) => d.items.index.get(t.key.split(":").pop()!)!);
const split = d.userSplit.split;
const periodTasks = [
  userWindows(() => 1, () => 10),
  userWindows((u) => split[u] - 9, (u) => split[u]),
];

async function rowTexts(row: string): Promise<RowTexts | undefined> {
  const plainItems = items.map(historyText);
  switch (row) {
    case "plain-30":
      return { user: [userWindows(() => 0, () => 29).map(historyText)], item: plainItems };
    case "plain-11":
      return { user: [prefixTasks.map(historyText)], item: plainItems };
    case "plain-period":
      return { user: periodTasks.map((t) => t.map(historyText)), item: plainItems };
    case "profile-user":
    case "reasoning-user": {
      const which = row === "profile-user" ? "final" : "first";
      return {
        user: [await profileTexts(prefixTasks, which)],
        item: await profileTexts(items, which),
      };
    }
    case "profile-period": {
      const user = [];
      for (const t of periodTasks) user.push(await profileTexts(t, "final"));
      return { user, item: await profileTexts(items, "final") };
    }
    default:
      return undefined;
  }
}

/** Knowledge inputs of a split from user vectors (per period or one) and item vectors. */
function knowledge(
  s: SampleSplit,
  dim: number,
  user: Float32Array[][],
  item: Map<number, Float32Array>,
): { userKnowledge: KnowledgeInput; itemKnowledge: KnowledgeInput } {
  const nUsers = d.users.raw.length;
  const udata = new Float32Array(user.length * nUsers * dim);
  user.forEach((vs, p) => vs.forEach((v, u) => udata.set(v, (p * nUsers + u + 1) * dim)));
  const idata = new Float32Array(d.items.raw.length * dim);
  for (const [i, v] of item) idata.set(v, i * dim);
  const urow = new Int32Array(s.size), irow = new Int32Array(s.size);
  for (let r = 0; r < s.size; r++) {
    const p = user.length > 1 ? s.period[r] : 0;
    urow[r] = p * nUsers + s.user[r];
    irow[r] = item.has(s.item[r]) ? s.item[r] : -1;
  }
  return {
    userKnowledge: { dim, data: udata, row: urow },
    itemKnowledge: { dim, data: idata, row: irow },
  };
}

async function inputsOf(row: string): Promise<Record<"train" | "valid" | "test", CtrInputs>> {
  const splits = { train: d.train, valid: d.valid, test: d.test };
  const each = (f: (s: SampleSplit) => Omit<CtrInputs, "split">) =>
    Object.fromEntries(
      Object.entries(splits).map(([k, s]) => [k, { split: s, ...f(s) }]),
    ) as Record<"train" | "valid" | "test", CtrInputs>;
  if (row === "base") return each(() => ({}));
  if (row === "statistics") {
    const b = fitRateBaselines(d);
    return each((s) => {
      const f = statisticsFeatures(b, s);
      return { userKnowledge: f.user, itemKnowledge: f.item };
    });
  }
  if (row === "vectors") {
    if (!flags.vectors) throw new Error("row vectors needs --vectors DIR");
    const m = vectorMatrices(d, await readKnowledgeVectors(flags.vectors, d));
    return each((s) => knowledgeInputs(m, s));
  }
  const texts = await rowTexts(row);
  if (!texts) throw new Error(`unknown row ${row}`);
  const spec = parseEmbedderSpec(flags.encoder);
  if (spec.kind !== "hashing") throw new Error("bench: --encoder must be a hashing spec");
  const corpus = [...new Set([...texts.user.flat(), ...texts.item])];
  const embedder = fitHashingEmbedder(corpus, spec.options);
  const vec = new Map(corpus.map((t, k) => [t, k]));
  const vectors = await embedder.embed(corpus);
  const user = texts.user.map((ts) => ts.map((t) => vectors[vec.get(t)!]));
  const item = new Map(itemIndex.map((i, k) => [i, vectors[vec.get(texts.item[k])!]]));
  return each((s) => knowledge(s, embedder.dim, user, item));
}

const pool = trainingPool({ size: Number(flags.workers) });
const rows = flags.rows.split(",");
const results = await Promise.all(rows.map(async (row) => {
  const inputs = await inputsOf(row);
  const dim = inputs.train.userKnowledge?.dim;
  const config = modelConfigFor(d, {
    seed: Number(flags.seed),
    ...(dim
      ? {
        // The adaptor defaults: HEA, 2 shared + 6 specific experts of [128, 32].
        knowledge: { userDim: dim, itemDim: inputs.train.itemKnowledge!.dim },
      }
      : {}),
  });
  const trained = await pool.train({
    backbone: "din",
    config,
    train: inputs.train,
    valid: inputs.valid.split.size ? inputs.valid : undefined,
    test: inputs.test,
    options: {
      epochs: Number(flags.epochs),
      patience: Number(flags.epochs),
      lr: Number(flags.lr),
      batchSize: 256,
      seed: Number(flags.seed),
      schedule: flags.schedule as "constant" | "cosine",
      trackTest: true,
    },
  }, (line) => console.error(`${row}: ${line}`));
  const curve = trained.result.curve;
  const line = `| ${row} | ${curve.map((c) => c.testAuc!.toFixed(4)).join(" / ")} | ${
    curve.map((c) => c.validAuc?.toFixed(4) ?? "–").join(" / ")
  } | ${trained.result.seconds.toFixed(0)} s |`;
  console.error(line);
  return line;
}));
pool.close();
console.log(
  `\n${d.name}, DIN + HEA, ${flags.encoder}, lr ${flags.lr} ${flags.schedule}, batch 256, seed ${flags.seed}, ` +
    `validation ${flags.valid}\n\n| row | test AUC per epoch | validation AUC per epoch | time |\n|---|---|---|---|`,
);
for (const line of results) console.log(line);
