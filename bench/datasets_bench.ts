/**
 * `deno bench -A bench/datasets_bench.ts`: time of `prepareDataset` on ML-1M (all of `deno task
 * prep` except process start), against the synthetic default as an in-process baseline. Skips ML-1M
 * when `../shared/data/ml-1m` is absent. Recorded results: bench/results/datasets.md.
 *
 * @module
 */
import { prepareDataset } from "../datasets/mod.ts";
import { sharedData } from "../tests/helpers.ts";

const ml1m = sharedData("ml-1m");

Deno.bench({
  name: "prepare synthetic (default size)",
  group: "prepare",
  baseline: true,
  async fn() {
    await prepareDataset({ dataset: "synthetic" });
  },
});

Deno.bench({
  name: "prepare ml-1m (validation off)",
  group: "prepare",
  ignore: ml1m === undefined,
  n: 5,
  async fn() {
    await prepareDataset({ dataset: "ml-1m", dataDir: ml1m!, validationFraction: 0 });
  },
});
