// Types of train_epoch.mjs for the Deno callers (bench/node_throughput.ts).
import type { CtrDataset, CtrModel } from "../../mod.ts";

export declare const EPOCH_SETTINGS: {
  backbone: string;
  threads: number;
  batchSize: number;
  lr: number;
  seed: number;
};

export declare function trainEpoch(
  r4ec: typeof import("../../mod.ts"),
  dataset: CtrDataset,
): Promise<{
  model: CtrModel;
  samples: number;
  seconds: number;
  samplesPerSecond: number;
  validAuc: number | undefined;
  trainLoss: number;
}>;
