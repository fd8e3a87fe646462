/**
 * Training and inference: seeded shuffling, Adam, BCE on logits, epochs with early stopping on
 * validation AUC (best weights kept), optional cosine schedule and gradient clipping, and
 * batched prediction.
 *
 * @module
 */
import { Adam } from "./adam.ts";
import type { BatchView } from "./input_layer.ts";
import { accumulateGradients, sigmoid } from "./loss.ts";
import { auc, logLoss } from "./metrics.ts";
import type { DataParallel } from "./data_parallel.ts";
import type { CtrModel } from "./model.ts";
import { SeededRandom } from "../util/random.ts";
import type { CtrInputs, Floats, ForwardMode } from "./types.ts";
import { validateInputs } from "./validate.ts";

/**
 * AUC and LogLoss over one split.
 *
 * @example
 * ```ts
 * import type { SplitMetrics } from "./trainer.ts";
 * const m: SplitMetrics = { auc: 0.7775, logloss: 0.5575 };
 * ```
 */
export interface SplitMetrics {
  /** Area under the ROC curve. */
  auc: number;
  /** Mean binary cross-entropy of the predicted probabilities. */
  logloss: number;
}

/**
 * Options of `fit`. Defaults follow the ML-1M parity run (`bench/din_ml1m.ts`;
 * docs/method.md#training).
 *
 * @example
 * ```ts
 * import type { TrainOptions } from "./trainer.ts";
 * const o: TrainOptions = { epochs: 20, patience: 5, lr: 5e-4, batchSize: 256, schedule: "cosine" };
 * ```
 */
export interface TrainOptions {
  /** Maximum epochs (default 20). */
  epochs?: number;
  /** Training batch size (default 256). */
  batchSize?: number;
  /** Adam learning rate (default 5e-4). */
  lr?: number;
  /** Epochs without improvement before stopping (default 5). */
  patience?: number;
  /** `constant` (default, the reference's effective schedule) or per-step `cosine` to 0. */
  schedule?: "constant" | "cosine";
  /** Clip the global gradient L2 norm to this value (default off). */
  clipNorm?: number;
  /** Embedding-row updates (default `lazy`). */
  embeddingUpdate?: "lazy" | "dense";
  /** Shuffling seed (default: the model's seed). */
  seed?: number;
  /**
   * Batch size of evaluation (default: `batchSize`). Predictions do not depend on it, except
   * with `evalMode: "reference-eval"`, where DIN's Dice normalises each evaluation batch.
   */
  evalBatchSize?: number;
  /**
   * How the per-epoch evaluations run (see {@link PredictOptions.mode}); default `infer`.
   * `reference-eval` is for the DIN parity script only.
   */
  evalMode?: PredictMode;
  /**
   * Split whose AUC selects the epoch and drives early stopping: `valid` (default when a
   * non-empty validation split is given), `test` (the reference's protocol, for parity only),
   * or `none` (train all epochs, keep the last weights).
   */
  selectOn?: "valid" | "test" | "none";
  /** Progress lines on stderr (default true), or a sink of your own. */
  log?: boolean | ((line: string) => void);
  /** Called after every epoch. */
  onEpoch?: (record: EpochRecord) => void;
  /** Stops between batches. */
  signal?: AbortSignal;
  /**
   * A started data-parallel group of this model on `data.train` (`DataParallel.start`): every
   * batch is split across its threads. The caller closes it.
   */
  parallel?: DataParallel;
}

/**
 * What one epoch did.
 *
 * @example
 * ```ts
 * import type { EpochRecord } from "./trainer.ts";
 * const line = (r: EpochRecord) => `epoch ${r.epoch}: ${r.valid?.auc ?? "-"}`;
 * ```
 */
export interface EpochRecord {
  /** Epoch number, 1-based. */
  epoch: number;
  /** Mean training loss of the epoch. */
  trainLoss: number;
  /** Training time of the epoch (s), evaluation excluded. */
  seconds: number;
  /** Training throughput of the epoch. */
  samplesPerSecond: number;
  /** Validation metrics, when a validation split was given. */
  valid?: SplitMetrics;
  /** Test metrics, when a test split was given. */
  test?: SplitMetrics;
}

/**
 * Outcome of `fit`.
 *
 * @example
 * ```ts
 * import type { FitResult } from "./trainer.ts";
 * const chosen = (r: FitResult) => r.epochs[r.bestEpoch - 1];
 * ```
 */
export interface FitResult {
  /** Every epoch run, in order. */
  epochs: EpochRecord[];
  /** Epoch (1-based) whose weights the model holds at the end. */
  bestEpoch: number;
  /** Its metrics on the selection split (absent with `selectOn: "none"`). */
  best?: SplitMetrics;
  /** True when `patience` ended training before `epochs`. */
  stoppedEarly: boolean;
}

/**
 * One optimisation step on one batch: forward, loss, backward, optional clipping, Adam. With
 * `parallel` (a started {@link DataParallel} group of this model), the batch is split into shards
 * computed at once by its threads and their gradients are summed before the update. Returns the
 * batch loss.
 *
 * @example
 * ```ts
 * import { Adam } from "./adam.ts";
 * import type { BatchView } from "./input_layer.ts";
 * import type { CtrModel } from "./model.ts";
 * import { trainStep } from "./trainer.ts";
 * function once(model: CtrModel, batch: BatchView): number {
 *   return trainStep(model, new Adam(model.store.params, { lr: 1e-3 }), batch);
 * }
 * ```
 */
export function trainStep(
  model: CtrModel,
  adam: Adam,
  batch: BatchView,
  options: { clipNorm?: number; parallel?: DataParallel } = {},
): number {
  const parallel = options.parallel, clip = (options.clipNorm ?? 0) > 0;
  parallel?.assertServes(model, batch.inputs);
  // Without clipping (which needs the whole gradient first), a worker updates the dense tensors.
  let loss: number;
  if (parallel !== undefined && !clip && parallel.updatesWith(adam)) {
    loss = parallel.step(adam, batch);
  } else {
    loss = parallel ? parallel.accumulate(batch) : accumulateGradients(model, batch) / batch.size;
    let scale = 1;
    if (clip) {
      const norm = Math.sqrt(adam.gradNormSquared());
      if (norm > options.clipNorm!) scale = options.clipNorm! / norm;
    }
    adam.step(scale);
  }
  if (!Number.isFinite(loss)) {
    throw new Error(`training diverged: batch loss is ${loss} at step ${adam.t}`);
  }
  return loss;
}

/**
 * The forward modes of prediction (see {@link ForwardMode}).
 *
 * @example
 * ```ts
 * import type { PredictMode } from "./trainer.ts";
 * const mode: PredictMode = "infer";
 * ```
 */
export type PredictMode = Exclude<ForwardMode, "train">;

/**
 * Options of {@link predict} and {@link evaluate}.
 *
 * @example
 * ```ts
 * import type { PredictOptions } from "./trainer.ts";
 * const options: PredictOptions = { batchSize: 1024 };
 * ```
 */
export interface PredictOptions {
  /**
   * Samples per forward pass. With the default mode it changes speed, not results.
   * @default 256
   */
  batchSize?: number;
  /**
   * Check the inputs against the model first.
   * @default true
   */
  validate?: boolean;
  /**
   * `infer`: every sample is scored on its own (DIN's Dice uses its running statistics).
   * `reference-eval`: DIN's Dice normalises each batch of `batchSize` samples with that batch's
   * statistics, as the authors' code evaluates; for the parity script only, since a score then
   * depends on the other samples of its batch.
   * @default "infer"
   */
  mode?: PredictMode;
}

/**
 * Click probabilities for every sample of `inputs`, in order, evaluated in batches of
 * `batchSize`.
 *
 * @example
 * ```ts
 * import type { CtrModel } from "./model.ts";
 * import type { CtrInputs } from "./types.ts";
 * import { predict } from "./trainer.ts";
 * function scores(model: CtrModel, test: CtrInputs): Float32Array {
 *   return predict(model, test, { batchSize: 256 });
 * }
 * ```
 */
export function predict(
  model: CtrModel,
  inputs: CtrInputs,
  options: PredictOptions = {},
): Float32Array {
  if (options.validate !== false) validateInputs(inputs, model.config, "predict");
  const n = inputs.split.size, bs = positive(options.batchSize ?? 256, "batchSize");
  const mode = options.mode ?? "infer";
  if (mode !== "infer" && mode !== "reference-eval") {
    throw new RangeError(`predict: mode must be "infer" or "reference-eval", got "${mode}"`);
  }
  const out = new Float32Array(n);
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = i;
  for (let start = 0; start < n; start += bs) {
    const size = Math.min(bs, n - start);
    const logits = model.forward({ inputs, index, start, size }, mode);
    for (let b = 0; b < size; b++) out[start + b] = sigmoid(logits[b]);
  }
  return out;
}

/**
 * AUC and LogLoss of the model on a split.
 *
 * @example
 * ```ts
 * import type { CtrModel } from "./model.ts";
 * import type { CtrInputs } from "./types.ts";
 * import { evaluate } from "./trainer.ts";
 * function report(model: CtrModel, test: CtrInputs): string {
 *   const m = evaluate(model, test);
 *   return `AUC ${m.auc.toFixed(4)} LogLoss ${m.logloss.toFixed(4)}`;
 * }
 * ```
 */
export function evaluate(
  model: CtrModel,
  inputs: CtrInputs,
  options: PredictOptions = {},
): SplitMetrics {
  const p = predict(model, inputs, options);
  return { auc: auc(inputs.split.label, p), logloss: logLoss(inputs.split.label, p) };
}

function positive(v: number, name: string): number {
  if (!Number.isInteger(v) || v <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${v}`);
  }
  return v;
}

/**
 * Trains `model` in place on `data.train`, evaluating after each epoch on `valid` and/or `test`,
 * early-stopping on the selection split's AUC and restoring the best weights (with the running
 * statistics of that epoch).
 *
 * @example
 * ```ts
 * import type { CtrModel } from "./model.ts";
 * import type { CtrInputs } from "./types.ts";
 * import { fit } from "./trainer.ts";
 * function train(model: CtrModel, train: CtrInputs, valid: CtrInputs) {
 *   return fit(model, { train, valid }, { epochs: 20, patience: 5, lr: 5e-4, batchSize: 256 });
 * }
 * ```
 */
export function fit(
  model: CtrModel,
  data: { train: CtrInputs; valid?: CtrInputs; test?: CtrInputs },
  options: TrainOptions = {},
): FitResult {
  const epochs = positive(options.epochs ?? 20, "epochs");
  const batchSize = positive(options.batchSize ?? 256, "batchSize");
  const evalBatchSize = positive(options.evalBatchSize ?? batchSize, "evalBatchSize");
  const patience = positive(options.patience ?? 5, "patience");
  const lr = options.lr ?? 5e-4;
  if (!(lr > 0)) throw new RangeError(`lr must be positive, got ${lr}`);
  const hasValid = !!data.valid && data.valid.split.size > 0;
  const selectOn = options.selectOn ?? (hasValid ? "valid" : "none");
  if (selectOn === "valid" && !hasValid) {
    throw new RangeError('selectOn "valid" needs a non-empty validation split');
  }
  if (selectOn === "test" && !data.test) throw new RangeError('selectOn "test" needs a test split');
  validateInputs(data.train, model.config, "train");
  options.parallel?.assertServes(model, data.train);
  if (hasValid) validateInputs(data.valid!, model.config, "valid");
  if (data.test) validateInputs(data.test, model.config, "test");
  const log = options.log === false
    ? () => {}
    : typeof options.log === "function"
    ? options.log
    : (line: string) => console.error(line);

  const train = data.train, n = train.split.size;
  if (n === 0) throw new RangeError("train: the split is empty");
  const rng = new SeededRandom(options.seed ?? model.config.seed);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const adam = new Adam(model.store.params, { lr, embeddingUpdate: options.embeddingUpdate });
  const stepsPerEpoch = Math.ceil(n / batchSize), totalSteps = stepsPerEpoch * epochs;
  const records: EpochRecord[] = [];
  let best = -Infinity, bestEpoch = 0, bestMetrics: SplitMetrics | undefined;
  let snapshot: Floats[] | null = null, sinceBest = 0, stoppedEarly = false;
  const evalOpts: PredictOptions = {
    batchSize: evalBatchSize,
    validate: false,
    mode: options.evalMode ?? "infer",
  };

  for (let epoch = 1; epoch <= epochs; epoch++) {
    rng.shuffle(order);
    const t0 = performance.now();
    let lossSum = 0, reportAt = 0.1;
    for (let step = 0; step < stepsPerEpoch; step++) {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error("aborted");
      if (options.schedule === "cosine") {
        const s = (epoch - 1) * stepsPerEpoch + step;
        adam.lr = lr * 0.5 * (1 + Math.cos(Math.PI * s / totalSteps));
      }
      const start = step * batchSize, size = Math.min(batchSize, n - start);
      const loss = trainStep(model, adam, { inputs: train, index: order, start, size }, {
        clipNorm: options.clipNorm,
        parallel: options.parallel,
      });
      lossSum += loss * size;
      if ((step + 1) / stepsPerEpoch >= reportAt && step + 1 < stepsPerEpoch) {
        const secs = (performance.now() - t0) / 1000;
        log(
          `epoch ${epoch} ${Math.round(reportAt * 100)}% loss ${
            (lossSum / (start + size)).toFixed(4)
          } ` +
            `${Math.round((start + size) / secs)} samples/s`,
        );
        reportAt += 0.1;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const record: EpochRecord = {
      epoch,
      trainLoss: lossSum / n,
      seconds,
      samplesPerSecond: n / seconds,
    };
    if (hasValid) record.valid = evaluate(model, data.valid!, evalOpts);
    if (data.test) record.test = evaluate(model, data.test, evalOpts);
    records.push(record);
    log(
      `epoch ${epoch} done: loss ${record.trainLoss.toFixed(4)}, ${seconds.toFixed(1)} s` +
        (record.valid ? `, valid AUC ${record.valid.auc.toFixed(4)}` : "") +
        (record.test
          ? `, test AUC ${record.test.auc.toFixed(4)} LogLoss ${record.test.logloss.toFixed(4)}`
          : ""),
    );
    options.onEpoch?.(record);
    if (selectOn === "none") {
      bestEpoch = epoch;
      continue;
    }
    const m = selectOn === "valid" ? record.valid! : record.test!;
    if (m.auc > best) {
      best = m.auc;
      bestEpoch = epoch;
      bestMetrics = m;
      sinceBest = 0;
      snapshot = model.store.tensors().map((t) => t.value.slice());
    } else if (++sinceBest >= patience) {
      stoppedEarly = true;
      log(`early stop after epoch ${epoch}: no ${selectOn} AUC gain for ${patience} epochs`);
      break;
    }
  }
  if (snapshot && bestEpoch !== records.length) {
    model.store.tensors().forEach((t, i) => t.value.set(snapshot![i]));
  }
  return { epochs: records, bestEpoch, best: bestMetrics, stoppedEarly };
}
