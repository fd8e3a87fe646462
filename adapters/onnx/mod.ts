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
 * import { loadModel, saveModel } from "../../backbone/safetensors.ts";
 * import { createModel } from "../../backbone/create_model.ts";
 * const config = {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6, embedDim: 8, mlp: [16], seed: 1,
 * };
 * const trained = createModel("din", config);
 * const base = `${await Deno.makeTempDir()}/model`;
 * await saveModel(trained, base);
 * const model = await loadModel(base);
 * await Deno.writeFile(`${base}.onnx`, exportOnnx(model));
 * console.log(onnxInputSpecs(model.config).map((s) => s.name));
 * ```
 *
 * @module
 */
export * from "./export.ts";
export * from "./graph.ts";
export * from "./inputs.ts";
export * from "./sample_inputs.ts";
