/**
 * Parity run: DIN without knowledge on ML-1M, the reference's settings (validation split off,
 * embedding 32, MLP 200-80, history 5, batch 256, Adam lr 5e-4, constant lr, seed 1234), test
 * AUC / LogLoss after every epoch next to the reference PyTorch figures (METHOD.md, issue 3).
 *
 * Run: `deno run -A bench/din_ml1m.ts [--data ../shared/data/ml-1m] [--epochs 3]
 *   [--embedding-update lazy|dense] [--seed 1234] [--eval-batch 256] [--json out.json]`
 *
 * @module
 */
import { prepareDataset } from "../datasets/mod.ts";
import { createModel, fit, modelConfigFor } from "../backbone/mod.ts";

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

const t0 = performance.now();
const { dataset } = await prepareDataset({ dataset: "ml-1m", dataDir, validationFraction: 0 });
const prepSeconds = (performance.now() - t0) / 1000;
console.error(
  `ml-1m: ${dataset.train.size} train / ${dataset.test.size} test samples, ` +
    `${dataset.items.raw.length} item rows, ${dataset.attributes.raw.length} attribute rows ` +
    `(prepared in ${prepSeconds.toFixed(1)} s)`,
);

const model = createModel("din", modelConfigFor(dataset, { seed }));
let peakRss = Deno.memoryUsage().rss;
const rows: string[] = [];
const result = fit(model, { train: { split: dataset.train }, test: { split: dataset.test } }, {
  epochs,
  batchSize: 256,
  lr: 5e-4,
  seed,
  embeddingUpdate,
  evalBatchSize,
  selectOn: "none",
  onEpoch: (r) => {
    peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
    const i = r.epoch - 1;
    const ref = i < REFERENCE.auc.length ? REFERENCE.auc[i] : NaN;
    rows.push(
      `| ${r.epoch} | ${r.test!.auc.toFixed(4)} | ${r.test!.logloss.toFixed(4)} | ${
        ref.toFixed(4)
      } | ` +
        `${(r.test!.auc - ref).toFixed(4)} | ${REFERENCE.logloss[i]?.toFixed(4) ?? "-"} | ` +
        `${r.seconds.toFixed(1)} | ${Math.round(r.samplesPerSecond)} |`,
    );
  },
});

console.log(
  `DIN on ML-1M, embedding ${embeddingUpdate}, seed ${seed}, eval batch ${evalBatchSize}\n`,
);
console.log(
  "| epoch | test AUC | test LogLoss | ref AUC | Δ AUC | ref LogLoss | train s | samples/s |",
);
console.log("|---|---|---|---|---|---|---|---|");
for (const r of rows) console.log(r);
console.log(`\npeak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
if (jsonOut) {
  await Deno.writeTextFile(
    jsonOut,
    JSON.stringify(
      { embeddingUpdate, seed, evalBatchSize, epochs: result.epochs, peakRss },
      null,
      2,
    ),
  );
}
