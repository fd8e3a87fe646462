import assert from "node:assert/strict";
import { join } from "node:path";
import { exportBundleOnnx, exportOnnx, ONNX_FILE } from "../../../adapters/onnx/export.ts";
import { inspectOnnxModel, ONNX_IR_VERSION, ONNX_OPSET } from "../../../adapters/onnx/graph.ts";
import { onnxInputSpecs } from "../../../adapters/onnx/inputs.ts";
import { checkOnnxExport, onnxPredict, onnxSession } from "../../../adapters/onnx/onnxruntime.ts";
import { createModel } from "../../../backbone/create_model.ts";
import type { CtrModel } from "../../../backbone/model.ts";
import { encodeSafetensors, saveModel } from "../../../backbone/safetensors.ts";
import { fit, predict } from "../../../backbone/trainer.ts";
import {
  type CtrInputs,
  MODEL_NAMES,
  type ModelConfig,
  type ModelName,
} from "../../../backbone/types.ts";
import { SMALL, smallConfig, syntheticInputs } from "../../backbone/synthetic.ts";

const SHAPE = { ...SMALL, items: 200, attributes: 20 };

/** A float32 model trained for one epoch (Dice's running statistics and every weight moved). */
function trained(
  name: ModelName,
  knowledge: ModelConfig["knowledge"] | undefined,
  extra: Partial<ModelConfig> = {},
): { model: CtrModel; test: CtrInputs } {
  const dims = knowledge ? { userDim: knowledge.userDim, itemDim: knowledge.itemDim } : undefined;
  const train = syntheticInputs(SHAPE, { size: 600, seed: 1, knowledge: dims });
  const test = syntheticInputs(SHAPE, { size: 300, seed: 2, knowledge: dims });
  const model = createModel(
    name,
    smallConfig(SHAPE, { embedDim: 16, mlp: [64, 32], attentionSize: 16, knowledge, ...extra }),
  );
  fit(model, { train }, { epochs: 1, batchSize: 64, lr: 3e-3, log: false });
  return { model, test };
}

const HEA = {
  userDim: 12,
  itemDim: 9, // narrower than the user's: r4ec zero-pads it
  adaptor: "hea" as const,
  sharedExperts: 2,
  specificExperts: 2,
  expertArch: [32, 16],
};

async function assertMatches(model: CtrModel, test: CtrInputs, label: string) {
  const onnx = exportOnnx(model);
  // Batches of 64 end in a partial one of 44; then one batch of everything.
  for (const batchSize of [64, 300]) {
    const { maxAbsDiff, samples } = await checkOnnxExport(model, onnx, test, { batchSize });
    assert.equal(samples, 300);
    assert.ok(maxAbsDiff <= 1e-5, `${label}, batch ${batchSize}: max |Δp| ${maxAbsDiff}`);
  }
}

for (const name of MODEL_NAMES) {
  for (const withKnowledge of [false, true]) {
    const label = `${name}${withKnowledge ? " + HEA" : ""}`;
    Deno.test(`onnx export of ${label}: onnxruntime matches predict to 1e-5`, async () => {
      const { model, test } = trained(name, withKnowledge ? HEA : undefined);
      await assertMatches(model, test, label);
    });
  }
}

Deno.test("onnx export: the mlp adaptor, AutoInt with 2 heads", async () => {
  const mlpAdaptor = { ...HEA, adaptor: "mlp" as const, sharedExperts: 0, specificExperts: 0 };
  const din = trained("din", mlpAdaptor);
  await assertMatches(din.model, din.test, "din + mlp adaptor");
  const autoint = trained("autoint", { ...HEA, expertArch: [32, 16, 16] }, {
    attentionHeads: 2,
    attentionSize: 8,
    attentionLayers: 2,
  });
  await assertMatches(autoint.model, autoint.test, "autoint 2 heads, 3-layer experts");
});

Deno.test("onnx export: fibinet with a bilinear W per left field and per pair", async () => {
  for (const bilinearType of ["each", "interaction"] as const) {
    const fibinet = trained("fibinet", HEA, { bilinearType });
    await assertMatches(fibinet.model, fibinet.test, `fibinet ${bilinearType}`);
  }
});

Deno.test("onnx export: named, documented inputs with a dynamic batch axis; opset and metadata", async () => {
  const { model, test } = trained("din", HEA);
  const m = inspectOnnxModel(exportOnnx(model));
  assert.equal(m.irVersion, ONNX_IR_VERSION);
  assert.deepEqual(m.opsets, { "": ONNX_OPSET });
  assert.equal(ONNX_OPSET, 13);
  assert.equal(m.producer, "r4ec 0.1.0");
  const T = SHAPE.historyLength, A = SHAPE.attrFields;
  assert.deepEqual(m.inputs.map(({ name, type, dims }) => ({ name, type, dims })), [
    { name: "item", type: "int64", dims: ["batch"] },
    { name: "attrs", type: "int64", dims: ["batch", A] },
    { name: "hist_item", type: "int64", dims: ["batch", T] },
    { name: "hist_attrs", type: "int64", dims: ["batch", T, A] },
    { name: "hist_rating", type: "int64", dims: ["batch", T] },
    { name: "user_knowledge", type: "float32", dims: ["batch", 12] },
    { name: "item_knowledge", type: "float32", dims: ["batch", 9] },
  ]);
  const specs = onnxInputSpecs(model.config);
  m.inputs.forEach((input, i) => {
    assert.equal(input.doc, specs[i].doc);
    assert.ok(input.doc.length > 10, input.name);
  });
  assert.deepEqual(m.outputs.map(({ name, type, dims }) => ({ name, type, dims })), [
    { name: "probability", type: "float32", dims: ["batch"] },
    { name: "logit", type: "float32", dims: ["batch"] },
  ]);
  assert.equal(m.metadata["r4ec.model"], "din");
  assert.deepEqual(JSON.parse(m.metadata["r4ec.config"]), model.config);
  assert.ok(m.nodes > 50 && m.initializers > 20, `${m.nodes} nodes, ${m.initializers} tensors`);
  // Batch sizes 1 and 7 run on the same file, and give the logit too.
  const session = await onnxSession(exportOnnx(model));
  try {
    const one = await onnxPredict(session, model.config, test, { batchSize: 1 });
    const seven = await onnxPredict(session, model.config, test, { batchSize: 7 });
    assert.ok(one.every((p, i) => Math.abs(p - seven[i]) <= 1e-6));
    assert.deepEqual(session.inputNames, m.inputs.map((i) => i.name));
    assert.deepEqual(session.outputNames, ["probability", "logit"]);
  } finally {
    await session.release();
  }
  // Without knowledge there are no knowledge inputs.
  const plain = inspectOnnxModel(exportOnnx(createModel("dcn", smallConfig(SHAPE))));
  assert.deepEqual(plain.inputs.map((i) => i.name), [
    "item",
    "attrs",
    "hist_item",
    "hist_attrs",
    "hist_rating",
  ]);
});

Deno.test("onnx export: clear errors for missing weights and unknown models", async () => {
  const dir = await Deno.makeTempDir({ prefix: "r4ec-onnx-" });
  try {
    // A folder without model.safetensors.
    await assert.rejects(
      exportBundleOnnx(dir),
      (e: Error) =>
        e.message.includes(`${join(dir, "model.safetensors")} not found`) &&
        e.message.includes("holds no model weights"),
    );
    // Weights missing a tensor.
    const model = createModel("deepfm", smallConfig(SHAPE));
    const bytes = encodeSafetensors(model);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    header["deep_fc.bias"].dtype = "F16";
    await Deno.writeFile(join(dir, "model.safetensors"), rewrite(bytes, header));
    await assert.rejects(exportBundleOnnx(dir), /tensor "deep_fc.bias" has dtype F16/);
    delete header["deep_fc.bias"];
    await Deno.writeFile(join(dir, "model.safetensors"), rewrite(bytes, header));
    await assert.rejects(
      exportBundleOnnx(dir),
      /model.safetensors: tensor "deep_fc.bias" of model "deepfm" is missing/,
    );
    // A model name no exporter knows.
    header.__metadata__["r4ec.model"] = "xgboost";
    await Deno.writeFile(join(dir, "model.safetensors"), rewrite(bytes, header));
    await assert.rejects(
      exportBundleOnnx(dir),
      /model.safetensors: unknown model "xgboost" in the safetensors metadata; r4ec knows din/,
    );
    const custom = { ...model, name: "lightgbm" } as unknown as CtrModel;
    assert.throws(
      () => exportOnnx(custom),
      /exportOnnx: no ONNX exporter for model "lightgbm"; it exports din, dcn, dcnv2, deepfm, autoint, xdeepfm, fibinet, fignn, gru4rec, dien/,
    );
    // A good bundle folder: written next to the weights, and it loads.
    await saveModel(model, join(dir, "model"));
    const { path } = await exportBundleOnnx(dir);
    assert.equal(path, join(dir, ONNX_FILE));
    const test = syntheticInputs(SHAPE, { size: 20, seed: 3 });
    const session = await onnxSession(path);
    const p = await onnxPredict(session, model.config, test);
    await session.release();
    const q = predict(model, test);
    assert.ok(p.every((v, i) => Math.abs(v - q[i]) <= 1e-5));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** `bytes` (a safetensors file) with its header replaced; tensors keep their data offsets. */
function rewrite(bytes: Uint8Array, header: Record<string, unknown>): Uint8Array {
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  return out;
}
