/**
 * ONNX export of the backbones: `exportOnnx(model)` writes a self-contained model (opset 13,
 * dynamic batch axis) that computes what `predict` does; `onnxInputSpecs` and `onnxFeeds`
 * describe and build its inputs. The onnxruntime-node helpers (`onnxSession`, `onnxPredict`,
 * `checkOnnxExport`) live in `./onnxruntime.ts`, outside this barrel, so that importing r4ec does
 * not load the native runtime.
 *
 * @example
 * ```ts
 * import { exportOnnx, onnxInputSpecs } from "./mod.ts";
 * import { loadModel } from "../../backbone/safetensors.ts";
 * const model = await loadModel("runs/serving/model");
 * await Deno.writeFile("model.onnx", exportOnnx(model));
 * console.log(onnxInputSpecs(model.config).map((s) => s.name));
 * ```
 *
 * @module
 */
export * from "./export.ts";
export * from "./graph.ts";
export * from "./inputs.ts";
export * from "./sample_inputs.ts";
