// A TypeScript consumer of the built package: tests/node/host_test.ts type-checks it with tsc
// against the package's .d.ts files (resolved through its `exports`, as in a user's project).
import { createModel, fit, modelConfigFor, prepareDataset, r4ecRouter } from "@r4ec/r4ec";
import { DataParallel } from "@r4ec/r4ec/backbone";
import type { KnowledgeTask } from "@r4ec/r4ec/plugins";
import type { ScoreResponse } from "@r4ec/r4ec/http";

const { dataset } = await prepareDataset({ dataset: "synthetic" });
const model = createModel("din", modelConfigFor(dataset));
const parallel: DataParallel = await DataParallel.start(model, { split: dataset.train }, {
  threads: 2,
});
const epochs: number = fit(model, { train: { split: dataset.train } }, { epochs: 1, parallel })
  .epochs.length;
const tasks: KnowledgeTask[] = [];
const top = (r: ScoreResponse): number => r.scores[0].score;
// @ts-expect-error: the router needs a store and a bundle
r4ecRouter({});
console.log(epochs, tasks, top);
