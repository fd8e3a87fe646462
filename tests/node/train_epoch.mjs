/**
 * One epoch of one backbone on the synthetic dataset, data-parallel on two threads: the training
 * that the Node host runs on the built package and that bench/node_throughput.ts runs on Deno from
 * source, with the same settings, so their samples/s compare.
 *
 * @module
 */

/** The settings both runtimes train with. */
export const EPOCH_SETTINGS = { backbone: "din", threads: 2, batchSize: 256, lr: 1e-3, seed: 7 };

/**
 * Trains `EPOCH_SETTINGS.backbone` for one epoch on `dataset` with the library namespace `r4ec`
 * (the built package on Node, `mod.ts` on Deno); returns the model and the measured throughput.
 */
export async function trainEpoch(r4ec, dataset) {
  const { backbone, threads, batchSize, lr, seed } = EPOCH_SETTINGS;
  const model = r4ec.createModel(backbone, r4ec.modelConfigFor(dataset, { seed }));
  const train = { split: dataset.train };
  const parallel = await r4ec.DataParallel.start(model, train, { threads });
  try {
    const started = performance.now();
    const result = r4ec.fit(model, { train, valid: { split: dataset.test } }, {
      epochs: 1,
      batchSize,
      lr,
      seed,
      log: false,
      parallel,
    });
    const seconds = (performance.now() - started) / 1000;
    return {
      model,
      samples: dataset.train.size,
      seconds,
      samplesPerSecond: dataset.train.size / seconds,
      validAuc: result.best?.auc,
      trainLoss: result.epochs[0].trainLoss,
    };
  } finally {
    parallel.close();
  }
}
