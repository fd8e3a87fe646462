/**
 * A small trained serving setup for the HTTP tests: a synthetic dataset, R4 knowledge from the
 * deterministic profile actor and grounded reflector (no LLM) in a temp DuckDB store under a config
 * prefix, hashing vectors of the final texts, a DIN (or another backbone, `trainedBundle`) with the
 * knowledge adaptor trained for a couple hundred steps, and the serving bundle written and loaded
 * back.
 *
 * Deliberate gaps, so tests see each path: item `missingItem` and user `missingUser`
 * have no knowledge (zero vectors), and item `unvectoredItem` has knowledge but no stored vector
 * (the server must embed it with the bundle's rebuilt encoder).
 *
 * @module
 */
import { join } from "node:path";
import { fitHashingEmbedder, type HashingEmbedder } from "../../../adapters/embed/hashing.ts";
import { textHash } from "../../../adapters/embed/text_hash.ts";
import {
  loadServingBundle,
  saveServingBundle,
  type ServingBundle,
} from "../../../adapters/http/bundle.ts";
import { type DuckDbStore, openStore } from "../../../adapters/store/duckdb_store.ts";
import { createModel, fit, modelConfigFor } from "../../../backbone/mod.ts";
import type { CtrModel } from "../../../backbone/model.ts";
import type { ModelName } from "../../../backbone/types.ts";
import { prepareDataset } from "../../../datasets/prepare.ts";
import type { CtrDataset } from "../../../datasets/types.ts";
import {
  knowledgeInputs,
  type KnowledgeMatrices,
  knowledgeMatrices,
} from "../../../eval/knowledge_vectors.ts";
import { groundedReflector } from "../../../plugins/grounded_reflector.ts";
import { runKnowledgeJob } from "../../../plugins/knowledge_job.ts";
import { profileActor } from "../../../plugins/profile/mod.ts";
import { r4 } from "../../../plugins/r4.ts";
import { itemTaskKey, knowledgeTasks, userTaskKey } from "../../../plugins/tasks.ts";

/** Everything the tests need. */
export interface ServingFixture {
  dataset: CtrDataset;
  store: DuckDbStore;
  bundle: ServingBundle;
  /** The trained model as training left it (the bundle holds a reloaded copy). */
  model: CtrModel;
  embedder: HashingEmbedder;
  matrices: KnowledgeMatrices;
  prefix: string;
  missingItem: string;
  unvectoredItem: string;
  missingUser: string;
  dir: string;
  close(): Promise<void>;
}

const DIM = 32;

/** The dataset, store, knowledge and vectors every bundle of the fixture is trained on. */
export type ServingData = Omit<ServingFixture, "bundle" | "model">;

/** Builds the fixture (about 3 s) with a DIN bundle. */
export async function servingFixture(): Promise<ServingFixture> {
  const data = await servingData();
  return { ...data, ...(await trainedBundle(data, "din")) };
}

/** The knowledge side of the fixture: dataset, R4 knowledge in a store, hashing vectors. */
export async function servingData(): Promise<ServingData> {
  const { dataset: d } = await prepareDataset({
    dataset: "synthetic",
    synthetic: { users: 40, items: 60, seed: 3 },
  });
  const dir = await Deno.makeTempDir({ prefix: "r4ec-http-" });
  const store = await openStore(join(dir, "store.duckdb"));
  const prefix = "t3st|";
  const missingItem = d.items.raw[5], unvectoredItem = d.items.raw[7], missingUser = d.users.raw[3];
  const skip = new Set([itemTaskKey(d.name, missingItem), userTaskKey(d.name, missingUser)]);
  const actor = profileActor({ dataset: d });
  const tasks = knowledgeTasks(d).filter((t) => !skip.has(t.key))
    .map((t) => ({ ...t, key: prefix + t.key }));
  const job = await runKnowledgeJob({
    tasks,
    stage: r4({ actor, reflector: groundedReflector({ actor }), rounds: 1 }),
    store,
  });
  if (job.failed > 0) throw new Error(`fixture: ${job.failed} knowledge tasks failed`);
  const records = await store.listKnowledge({ keyPrefix: prefix });
  const texts = records.map((r) => r.final.text);
  const embedder = fitHashingEmbedder(texts, { dim: DIM, seed: 11 });
  const vectors = await embedder.embed(texts);
  const byKey = new Map(records.map((r, i) => [r.key.slice(prefix.length), vectors[i]]));
  const unvectoredText =
    records.find((r) => r.key === prefix + itemTaskKey(d.name, unvectoredItem))!
      .final.text;
  const entries = new Map<string, Float32Array>();
  records.forEach((r, i) => {
    if (r.final.text !== unvectoredText) entries.set(textHash(r.final.text), vectors[i]);
  });
  await store.putVectors(
    embedder.id,
    [...entries].map(([textHash, vector]) => ({ textHash, vector })),
  );
  const matrices = knowledgeMatrices(d, DIM, (key) => byKey.get(key));
  return {
    dataset: d,
    store,
    embedder,
    matrices,
    prefix,
    missingItem,
    unvectoredItem,
    missingUser,
    dir,
    async close() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/**
 * A `backbone` with the HEA adaptor trained on the fixture's data for about 200 steps, and its
 * serving bundle written (into `dir/bundle-<backbone>`) and loaded back.
 */
export async function trainedBundle(
  data: ServingData,
  backbone: ModelName,
): Promise<{ model: CtrModel; bundle: ServingBundle }> {
  const { dataset: d, matrices, embedder, prefix, dir } = data;
  const model = createModel(
    backbone,
    modelConfigFor(d, {
      embedDim: 8,
      mlp: [32, 16],
      seed: 5,
      attentionSize: 8,
      knowledge: {
        userDim: DIM,
        itemDim: DIM,
        adaptor: "hea",
        sharedExperts: 1,
        specificExperts: 2,
        expertArch: [16, 8],
      },
    }),
  );
  // 12 epochs of 17 batches: about 200 steps.
  fit(model, { train: { split: d.train, ...knowledgeInputs(matrices, d.train) } }, {
    epochs: 12,
    batchSize: 64,
    lr: 2e-3,
    log: false,
  });
  const bundleDir = join(dir, backbone === "din" ? "bundle" : `bundle-${backbone}`);
  await saveServingBundle(bundleDir, {
    model,
    dataset: d,
    encoder: embedder,
    knowledgePrefix: prefix,
  });
  return { model, bundle: await loadServingBundle(bundleDir) };
}
