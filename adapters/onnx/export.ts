/**
 * ONNX export of a trained backbone: one self-contained `.onnx` file (weights as initializers)
 * that maps the columnar inputs of a batch of any size to click probabilities, computing what
 * `predict` computes (DIN's Dice on its running statistics). See `inputs.ts` for the inputs and
 * `graph.ts` for the opset.
 *
 * @module
 */
import { runtime } from "../../runtime/mod.ts";
import { join } from "node:path";
import type { CtrModel } from "../../backbone/model.ts";
import { modelFromSafetensors } from "../../backbone/safetensors.ts";
import { BACKBONE_GRAPHS } from "./backbones.ts";
import { ONNX_OPSET, OnnxGraph } from "./graph.ts";
import { onnxInputSpecs, OUTPUT_NAMES } from "./inputs.ts";
import { exportContext, inputLayer, reshape } from "./layers.ts";

/**
 * File name of the export inside a serving bundle.
 *
 * @example
 * ```ts
 * import { join } from "node:path";
 * import { ONNX_FILE } from "./export.ts";
 * console.log(join("runs/serving", ONNX_FILE)); // runs/serving/model.onnx
 * ```
 */
export const ONNX_FILE = "model.onnx";

/**
 * Serialises `model` as an ONNX model: inputs `item`, `attrs`, `hist_item`, `hist_attrs`,
 * `hist_rating` (int64) and, with knowledge, `user_knowledge` and `item_knowledge` (float32), all
 * with a dynamic batch axis; outputs `probability` and `logit` `[batch]`. Metadata properties:
 * `r4ec.model`, `r4ec.config` (JSON), `r4ec.opset`. Throws for a model this exporter does not
 * know.
 *
 * @example
 * ```ts
 * import { createModel } from "../../backbone/create_model.ts";
 * import { exportOnnx } from "./export.ts";
 * const model = createModel("deepfm", {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6,
 *   embedDim: 8, mlp: [16, 8], seed: 1,
 * });
 * await Deno.writeFile(await Deno.makeTempFile({ suffix: ".onnx" }), exportOnnx(model));
 * ```
 */
export function exportOnnx(model: CtrModel): Uint8Array {
  const build = Object.hasOwn(BACKBONE_GRAPHS, model.name)
    ? BACKBONE_GRAPHS[model.name]
    : undefined;
  if (!build) {
    throw new Error(
      `exportOnnx: no ONNX exporter for model "${model.name}"; it exports ${
        Object.keys(BACKBONE_GRAPHS).join(", ")
      }`,
    );
  }
  const g = new OnnxGraph(`r4ec_${model.name}`);
  for (const s of onnxInputSpecs(model.config)) g.input(s.name, s.type, s.dims, s.doc);
  const ctx = exportContext(g, model);
  const logit = reshape(ctx, build(ctx, inputLayer(ctx)), [-1], "logit_flat");
  const probability = g.node("Sigmoid", [logit], {}, "sigmoid");
  g.output(
    probability,
    OUTPUT_NAMES.probability,
    "float32",
    ["batch"],
    "click probability of each sample (what r4ec's predict returns)",
  );
  g.output(logit, OUTPUT_NAMES.logit, "float32", ["batch"], "the logit of each sample");
  return g.encode({
    producerVersion: "0.1.0",
    docString: `r4ec ${model.name} CTR backbone` +
      (model.config.knowledge
        ? ` with the ${model.config.knowledge.adaptor} knowledge adaptor`
        : ""),
    metadata: {
      "r4ec.model": model.name,
      "r4ec.config": JSON.stringify(model.config),
      "r4ec.opset": String(ONNX_OPSET),
    },
  });
}

/**
 * Exports the model of a serving bundle folder (`model.safetensors` inside `dir`) to `out`
 * (default `dir/model.onnx`). Errors name the file: a folder without weights, a file that is not
 * an r4ec model, or a model the exporter does not know. Returns the path written and the model.
 *
 * @example
 * ```ts
 * import { exportBundleOnnx } from "./export.ts";
 * import { saveModel } from "../../backbone/safetensors.ts";
 * import { join } from "node:path";
 * import { createModel } from "../../backbone/create_model.ts";
 * const config = {
 *   items: 10, attributes: 4, attrFields: 1, historyLength: 5, ratingValues: 6, embedDim: 8, mlp: [16], seed: 1,
 * };
 * const model = createModel("din", config);
 * // A folder with a model's weights as a serving bundle keeps them (`model.safetensors`).
 * const dir = await Deno.makeTempDir();
 * await saveModel(model, join(dir, "model"));
 * const { path } = await exportBundleOnnx(dir);
 * console.log(`wrote ${path}`); // <dir>/model.onnx
 * ```
 */
export async function exportBundleOnnx(
  dir: string,
  out: string = join(dir, ONNX_FILE),
): Promise<{ path: string; model: CtrModel; bytes: number }> {
  const weights = join(dir, "model.safetensors");
  let bytes: Uint8Array;
  try {
    bytes = await runtime.readFile(weights);
  } catch (e) {
    if (runtime.isNotFound(e)) {
      throw new Error(
        `export: ${weights} not found: ${dir} holds no model weights (a serving bundle has ` +
          `model.safetensors, written by saveServingBundle or deno task eval)`,
      );
    }
    throw new Error(`export: cannot read ${weights}: ${(e as Error).message}`);
  }
  const model = modelFromSafetensors(bytes, weights);
  const onnx = exportOnnx(model);
  await runtime.writeFile(out, onnx);
  return { path: out, model, bytes: onnx.length };
}
