/**
 * CTR backbones (DIN, DCN, DCNv2, DeepFM, AutoInt, xDeepFM, FiBiNET, GRU4Rec, DIEN; one record of them in `registry.ts`) with the
 * hybrid-expert knowledge adaptor, hand-written forward/backward kernels on typed arrays, Adam
 * training, metrics and safetensors weights.
 *
 * @example
 * ```ts
 * import { createModel, evaluate, fit } from "./mod.ts";
 * import type { CtrInputs } from "./mod.ts";
 * function run(train: CtrInputs, valid: CtrInputs, test: CtrInputs) {
 *   const model = createModel("din", {
 *     items: 3707, attributes: 19, attrFields: 1, historyLength: 5, ratingValues: 6, seed: 1234,
 *   });
 *   fit(model, { train, valid }, { epochs: 20, patience: 5 });
 *   return evaluate(model, test);
 * }
 * ```
 *
 * @module
 */
export * from "./types.ts";
export type { Backbone, CtrModel } from "./model.ts";
export {
  backboneNames,
  backboneOf,
  type BackboneOptions,
  BACKBONES,
  registerBackbone,
  resolveConfig,
} from "./registry.ts";
export {
  KNOWLEDGE_DEFAULTS,
  nonNegativeInt,
  positiveInt,
  resolveSharedConfig,
  SHARED_DEFAULTS,
  widths,
} from "./config.ts";
export { createModel } from "./create_model.ts";
export { autoIntBackbone, type AutoIntConfig, type AutoIntOptions } from "./models/autoint.ts";
export { dcnBackbone, type DcnConfig, type DcnOptions, dcnv2Backbone } from "./models/dcn.ts";
export { deepFmBackbone } from "./models/deepfm.ts";
export {
  dienBackbone,
  type DienConfig,
  type DienOptions,
  type InterestEvolution,
} from "./models/dien.ts";
export { dinBackbone, type DinConfig, type DinOptions } from "./models/din.ts";
export { fiBiNetBackbone, type FiBiNetConfig, type FiBiNetOptions } from "./models/fibinet.ts";
export { fiGnnBackbone, type FiGnnConfig, type FiGnnOptions } from "./models/fignn.ts";
export { gru4RecBackbone, type Gru4RecConfig, type Gru4RecOptions } from "./models/gru4rec.ts";
export { xDeepFmBackbone, type XDeepFmConfig, type XDeepFmOptions } from "./models/xdeepfm.ts";
export { modelConfigFor } from "./dataset_config.ts";
export { type BatchView, InputLayer } from "./input_layer.ts";
export { type Init, Param, ParamStore, StateTensor } from "./param.ts";
export type { KnowledgeAdaptor } from "./layers/hea.ts";
export { Adam, type AdamOptions } from "./adam.ts";
export type { AdamStateLayout, AdamStepConstants, WasmAdamState } from "./wasm/adam_state.ts";
export { auc, logLoss, type LogLossOptions } from "./metrics.ts";
export { DataParallel } from "./data_parallel.ts";
export { accumulateGradients, bceWithLogits } from "./loss.ts";
export {
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
  type DecodedSafetensors,
  type DecodedTensor,
  decodeSafetensors,
  encodeSafetensors,
  loadModel,
  loadWeights,
  modelFromSafetensors,
  saveModel,
} from "./safetensors.ts";
export { validateInputs } from "./validate.ts";
export { SeededRandom } from "../util/random.ts";
export { useWasmKernels, wasmKernelsOn } from "./kernels.ts";
