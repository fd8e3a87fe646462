/**
 * Worker entry: trains one backbone on the inputs it is sent and answers with the test metrics and
 * the trained weights (safetensors bytes). Each training is single-threaded and seeded, so the
 * result does not depend on which worker runs it or when.
 *
 * @module
 */
import { createModel, encodeSafetensors, evaluate, fit } from "../backbone/mod.ts";
import type { TrainingJob, WorkerMessage } from "./training_pool.ts";

declare const self: {
  onmessage: ((e: MessageEvent<TrainingJob>) => void) | null;
  postMessage(message: WorkerMessage, transfer?: Transferable[]): void;
};

self.onmessage = (e) => {
  const job = e.data;
  try {
    const started = performance.now();
    const model = createModel(job.backbone, job.config);
    const { trackTest, ...options } = job.options;
    const fitted = fit(model, {
      train: job.train,
      valid: job.valid,
      test: trackTest ? job.test : undefined,
    }, { ...options, log: (line) => self.postMessage({ kind: "log", id: job.id, line }) });
    const test = evaluate(model, job.test, { batchSize: job.options.batchSize });
    const weights = encodeSafetensors(model);
    self.postMessage({
      kind: "done",
      id: job.id,
      result: {
        auc: test.auc,
        logloss: test.logloss,
        validAuc: fitted.best?.auc,
        bestEpoch: fitted.bestEpoch,
        epochs: fitted.epochs.length,
        curve: fitted.epochs.map((r) => ({
          epoch: r.epoch,
          ...(r.valid ? { validAuc: r.valid.auc } : {}),
          ...(r.test ? { testAuc: r.test.auc } : {}),
        })),
        seconds: (performance.now() - started) / 1000,
      },
      weights,
    }, [weights.buffer as ArrayBuffer]);
  } catch (error) {
    self.postMessage({
      kind: "error",
      id: job.id,
      message: error instanceof Error ? error.message : String(error),
    });
  }
};
