/**
 * The training loss and its gradients: BCE on logits, and the forward, loss and backward of one
 * batch. The trainer and the data-parallel threads both run batches through here, so neither
 * imports the other.
 *
 * @module
 */
import type { BatchView } from "./input_layer.ts";
import type { CtrModel } from "./model.ts";
import type { Floats } from "./types.ts";

/**
 * Numerically stable mean BCE-with-logits of the first `n` logits; writes dL/dlogit into
 * `dLogits` and returns the loss.
 *
 * @example
 * ```ts
 * import { bceWithLogits } from "./loss.ts";
 * const d = new Float32Array(1);
 * bceWithLogits(new Float32Array([0]), new Float32Array([1]), d, 1); // ln 2, d = [-0.5]
 * ```
 */
export function bceWithLogits(
  logits: Floats,
  labels: ArrayLike<number>,
  dLogits: Floats,
  n: number,
): number {
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const z = logits[i], y = labels[i];
    loss += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
    dLogits[i] = (sigmoid(z) - y) / n;
  }
  return loss / n;
}

/**
 * The logistic function, computed without overflow for logits of either sign.
 *
 * @example
 * ```ts
 * import { sigmoid } from "./loss.ts";
 * console.assert(sigmoid(0) === 0.5);
 * ```
 */
export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * Forward, BCE and backward of one batch: parameter gradients accumulate dL/dθ of the loss summed
 * over the batch and divided by `denominator` (default: the batch size; a shard of a larger batch
 * passes the whole batch's size). Returns the summed (not averaged) loss.
 *
 * @example
 * ```ts
 * import type { BatchView } from "./input_layer.ts";
 * import type { CtrModel } from "./model.ts";
 * import { accumulateGradients } from "./loss.ts";
 * function meanLoss(model: CtrModel, batch: BatchView): number {
 *   return accumulateGradients(model, batch) / batch.size;
 * }
 * ```
 */
export function accumulateGradients(
  model: CtrModel,
  batch: BatchView,
  denominator: number = batch.size,
): number {
  const n = batch.size;
  if (n === 0) return 0;
  const logits = model.forward(batch, "train");
  const { labels, dLogits } = scratchFor(model, n);
  const label = batch.inputs.split.label;
  for (let b = 0; b < n; b++) labels[b] = label[batch.index[batch.start + b]];
  const loss = bceWithLogits(logits, labels, dLogits, n) * n;
  if (denominator !== n) {
    const r = n / denominator;
    for (let b = 0; b < n; b++) dLogits[b] *= r;
  }
  model.backward(dLogits, n, n / denominator);
  return loss;
}

/** Per-model reusable buffers of `accumulateGradients`, so a step allocates nothing per sample. */
const stepScratch = new WeakMap<CtrModel, { labels: Float64Array; dLogits: Floats }>();

function scratchFor(model: CtrModel, n: number): { labels: Float64Array; dLogits: Floats } {
  let s = stepScratch.get(model);
  if (!s || s.labels.length < n) {
    s = { labels: new Float64Array(n), dLogits: model.store.alloc(n) };
    stepScratch.set(model, s);
  }
  return s;
}
