import assert from "node:assert/strict";
import { exportOnnx } from "../../../adapters/onnx/export.ts";
import { checkOnnxExport } from "../../../adapters/onnx/onnxruntime.ts";
import { createModel } from "../../../backbone/create_model.ts";
import { fit } from "../../../backbone/trainer.ts";
import { SMALL, smallConfig, syntheticInputs } from "../../backbone/synthetic.ts";

// The per-backbone loop of export_test.ts covers FiGNN's defaults; here more steps, and the steps
// share their weights in the file as they do in the model.

const SHAPE = { ...SMALL, items: 200, attributes: 20 };
const knowledge = { userDim: 12, itemDim: 9 };
const hea = {
  ...knowledge,
  adaptor: "hea" as const,
  sharedExperts: 2,
  specificExperts: 2,
  expertArch: [32, 16],
};

function trained(propagationSteps: number) {
  const train = syntheticInputs(SHAPE, { size: 600, seed: 1, knowledge });
  const config = smallConfig(SHAPE, { embedDim: 16, knowledge: hea, propagationSteps });
  const model = createModel("fignn", config);
  fit(model, { train }, { epochs: 1, batchSize: 64, lr: 3e-3, log: false });
  return model;
}

Deno.test("onnx export of fignn with 3 steps + HEA: onnxruntime matches predict to 1e-5", async () => {
  const model = trained(3);
  const test = syntheticInputs(SHAPE, { size: 300, seed: 2, knowledge });
  const { maxAbsDiff, samples } = await checkOnnxExport(model, exportOnnx(model), test, {
    batchSize: 64,
  });
  assert.equal(samples, 300);
  assert.ok(maxAbsDiff <= 1e-5, `max |Δp| ${maxAbsDiff}`);
});

Deno.test("onnx export of fignn: extra steps add nodes, not another copy of the weights", () => {
  const one = exportOnnx(trained(1)), three = exportOnnx(trained(3));
  const F = createModel("fignn", smallConfig(SHAPE, { embedDim: 16, knowledge: hea })).input.fields;
  // One more copy of W_in alone would be F·d·d float32 values.
  const oneCopy = F * 16 * 16 * 4;
  assert.ok(three.length - one.length < oneCopy, `${three.length} vs ${one.length} bytes`);
  assert.ok(three.length > one.length);
});
