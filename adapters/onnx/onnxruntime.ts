/**
 * Running an export with `onnxruntime-node` (the native ONNX Runtime, needs `--allow-ffi`): a
 * session, batched probabilities over r4ec inputs, and the check that an export computes what
 * `predict` does. Kept out of the library's root exports so that importing r4ec does not load the
 * native runtime.
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import type { CtrModel } from "../../backbone/model.ts";
import { predict } from "../../backbone/trainer.ts";
import type { CtrInputs, ModelConfig } from "../../backbone/types.ts";
import { onnxFeeds, OUTPUT_NAMES } from "./inputs.ts";

/**
 * An onnxruntime session on an exported model (bytes or a file path), on one intra-op thread
 * unless `threads` says otherwise.
 *
 * @example
 * ```ts
 * import { onnxSession } from "./onnxruntime.ts";
 * import { exportOnnx } from "./export.ts";
 * import { createModel } from "../../backbone/create_model.ts";
 * const config = {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6, embedDim: 8, mlp: [16], seed: 1,
 * };
 * const model = createModel("din", config);
 * const file = await Deno.makeTempFile({ suffix: ".onnx" });
 * await Deno.writeFile(file, exportOnnx(model));
 * const session = await onnxSession(file);
 * console.log(session.inputNames); // item, attrs, hist_item, hist_attrs, hist_rating
 * ```
 */
export function onnxSession(
  model: Uint8Array | string,
  options: { threads?: number } = {},
): Promise<ort.InferenceSession> {
  const opts: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: options.threads ?? 1,
    interOpNumThreads: 1,
  };
  return typeof model === "string"
    ? ort.InferenceSession.create(model, opts)
    : ort.InferenceSession.create(model, opts);
}

/**
 * Click probabilities of every sample of `inputs` from an onnxruntime session, in batches of
 * `batchSize` (default 256).
 *
 * @example
 * ```ts
 * import { onnxPredict, onnxSession } from "./onnxruntime.ts";
 * import { exportOnnx } from "./export.ts";
 * import { sampleInputs } from "./sample_inputs.ts";
 * import { createModel } from "../../backbone/create_model.ts";
 * const config = {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6, embedDim: 8, mlp: [16], seed: 1,
 * };
 * const model = createModel("din", config);
 * const test = sampleInputs(config, { size: 32, seed: 7 });
 * const p = await onnxPredict(await onnxSession(exportOnnx(model)), config, test);
 * console.assert(p.length === 32 && p.every((x) => x > 0 && x < 1));
 * ```
 */
export async function onnxPredict(
  session: ort.InferenceSession,
  config: ModelConfig,
  inputs: CtrInputs,
  options: { batchSize?: number } = {},
): Promise<Float32Array> {
  const n = inputs.split.size, bs = options.batchSize ?? 256;
  const out = new Float32Array(n);
  for (let start = 0; start < n; start += bs) {
    const size = Math.min(bs, n - start);
    const feeds = onnxFeeds(config, inputs, { start, size });
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, f] of Object.entries(feeds)) {
      tensors[name] = new ort.Tensor(f.type, f.data, f.dims);
    }
    const result = await session.run(tensors);
    out.set(result[OUTPUT_NAMES.probability].data as Float32Array, start);
  }
  return out;
}

/**
 * Runs an export in onnxruntime on `inputs` and compares with r4ec's `predict` on the same inputs.
 * Returns the largest absolute difference of the probabilities.
 *
 * @example
 * ```ts
 * import { exportOnnx } from "./export.ts";
 * import { checkOnnxExport } from "./onnxruntime.ts";
 * import { sampleInputs } from "./sample_inputs.ts";
 * import { createModel } from "../../backbone/create_model.ts";
 * const config = {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6, embedDim: 8, mlp: [16], seed: 1,
 * };
 * const model = createModel("din", config);
 * const test = sampleInputs(config, { size: 32, seed: 7 });
 * const { maxAbsDiff } = await checkOnnxExport(model, exportOnnx(model), test);
 * console.assert(maxAbsDiff < 1e-5, `max |difference| ${maxAbsDiff}`);
 * ```
 */
export async function checkOnnxExport(
  model: CtrModel,
  onnx: Uint8Array,
  inputs: CtrInputs,
  options: { batchSize?: number } = {},
): Promise<{ maxAbsDiff: number; samples: number }> {
  const session = await onnxSession(onnx);
  try {
    const theirs = await onnxPredict(session, model.config, inputs, options);
    const ours = predict(model, inputs, { batchSize: options.batchSize });
    let maxAbsDiff = 0;
    for (let i = 0; i < ours.length; i++) {
      const d = Math.abs(ours[i] - theirs[i]);
      // A NaN from the runtime must not pass as a small difference.
      maxAbsDiff = Number.isNaN(d) ? Infinity : Math.max(maxAbsDiff, d);
    }
    return { maxAbsDiff, samples: ours.length };
  } finally {
    await session.release();
  }
}
