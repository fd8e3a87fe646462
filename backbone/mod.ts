/**
 * CTR backbones (DIN, DCN, DCNv2, DeepFM, AutoInt) with the hybrid-expert knowledge adaptor,
 * hand-written forward/backward kernels on typed arrays, Adam training, metrics and safetensors
 * weights.
 *
 * @example
 * ```ts
 * import { createModel, evaluate, fit } from "./mod.ts";
 * import type { CtrInputs } from "./mod.ts";
 * function run(train: CtrInputs, valid: CtrInputs, test: CtrInputs) {
 *   const model = createModel("din", {
 *     items: 3707, attributes: 19, attrFields: 1, historyLength: 5, ratingValues: 6,
 *     embedDim: 32, mlp: [200, 80], seed: 1234,
 *   });
 *   fit(model, { train, valid }, { epochs: 20, patience: 5 });
 *   return evaluate(model, test);
 * }
 * ```
 *
 * @module
 */
export * from "./types.ts";
export { type CtrModel, resolveConfig } from "./model.ts";
export { createModel } from "./create_model.ts";
export { modelConfigFor } from "./dataset_config.ts";
export type { BatchView } from "./input_layer.ts";
export { Adam, type AdamOptions } from "./adam.ts";
export type { AdamStateLayout, AdamStepConstants, WasmAdamState } from "./wasm/adam_state.ts";
export { auc, logLoss, type LogLossOptions } from "./metrics.ts";
export { DataParallel } from "./data_parallel.ts";
export {
  accumulateGradients,
  bceWithLogits,
  type EpochRecord,
  evaluate,
  fit,
  type FitResult,
  predict,
  type PredictMode,
  type PredictOptions,
  type SplitMetrics,
  type TrainOptions,
  trainStep,
} from "./trainer.ts";
export {
  decodeSafetensors,
  encodeSafetensors,
  loadModel,
  loadWeights,
  modelFromSafetensors,
  saveModel,
} from "./safetensors.ts";
export { validateInputs } from "./validate.ts";
export { SeededRandom } from "./rng.ts";
export { useWasmKernels, wasmKernelsOn } from "./kernels.ts";
