import assert from "node:assert/strict";
import { createModel } from "../../backbone/create_model.ts";
import {
  encodeSafetensors,
  loadModel,
  loadWeights,
  saveModel,
} from "../../backbone/safetensors.ts";
import { evaluate, fit, predict } from "../../backbone/trainer.ts";
import { SMALL, smallConfig, syntheticInputs } from "./synthetic.ts";

// xDeepFM and FiBiNET beyond the per-backbone loops (gradient checks in models_test.ts, 4-epoch
// training in trainer_test.ts, ONNX in tests/adapters/onnx): weights, bad input, one epoch.

const knowledge = { userDim: 5, itemDim: 3 };
const kConfig = smallConfig(SMALL, {
  knowledge: {
    ...knowledge,
    adaptor: "hea",
    sharedExperts: 2,
    specificExperts: 2,
    expertArch: [6, 4],
  },
});

for (const name of ["xdeepfm", "fibinet"] as const) {
  Deno.test(`${name}: safetensors round trip gives the same predictions`, async () => {
    const model = createModel(name, kConfig);
    const train = syntheticInputs(SMALL, { size: 200, seed: 3, knowledge });
    fit(model, { train }, { epochs: 1, batchSize: 32, lr: 3e-3, log: false });
    const dir = await Deno.makeTempDir();
    try {
      await saveModel(model, `${dir}/${name}`);
      const loaded = await loadModel(`${dir}/${name}`);
      assert.equal(loaded.name, name);
      assert.deepEqual(loaded.config, model.config);
      const inputs = syntheticInputs(SMALL, { size: 50, seed: 4, knowledge });
      assert.deepEqual(predict(loaded, inputs), predict(model, inputs));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`${name}: knowledge of the wrong dimension is rejected`, () => {
    const model = createModel(name, kConfig);
    const wrong = syntheticInputs(SMALL, {
      size: 10,
      seed: 1,
      knowledge: { userDim: 5, itemDim: 4 },
    });
    assert.throws(() => predict(model, wrong), /itemKnowledge.dim is 4 but the model expects 3/);
    const none = syntheticInputs(SMALL, { size: 10, seed: 1 });
    assert.throws(() => predict(model, none), /userKnowledge is missing/);
  });

  Deno.test(`${name}: weights of another backbone are a clear error`, () => {
    const model = createModel(name, smallConfig(SMALL));
    const other = name === "xdeepfm" ? "fibinet" : "xdeepfm";
    for (const from of ["deepfm", other]) {
      assert.throws(
        () => loadWeights(model, encodeSafetensors(createModel(from, smallConfig(SMALL)))),
        new RegExp(`weights are for model "${from}", not "${name}"`),
      );
    }
    const withK = createModel(name, kConfig);
    assert.throws(
      () => loadWeights(withK, encodeSafetensors(model)),
      new RegExp(`tensor "[^"]+" of model "${name}" is missing`),
    );
  });

  Deno.test(`${name}: one epoch on synthetic data lifts validation AUC above chance`, () => {
    const shape = { ...SMALL, items: 60 };
    const train = syntheticInputs(shape, { size: 3000, seed: 1 });
    const valid = syntheticInputs(shape, { size: 600, seed: 2 });
    const model = createModel(name, smallConfig(shape, { embedDim: 8, mlp: [16, 8] }));
    const result = fit(model, { train, valid }, { epochs: 1, batchSize: 64, lr: 3e-3, log: false });
    assert.ok(result.best!.auc > 0.5, `${name}: valid AUC ${result.best!.auc}`);
    assert.ok(Math.abs(evaluate(model, valid).auc - result.best!.auc) < 1e-12);
  });
}

Deno.test("xdeepfm and fibinet options: defaults and bad values name the field", () => {
  assert.deepEqual(createModel("xdeepfm", smallConfig(SMALL)).config.cinLayers, [16, 16, 16]);
  assert.equal(createModel("fibinet", smallConfig(SMALL)).config.reductionRatio, 3);
  const xdeepfm = createModel("xdeepfm", smallConfig(SMALL, { cinLayers: [3, 2] }));
  assert.deepEqual(xdeepfm.store.get("cin.1.weight").shape, [2, 3 * xdeepfm.input.fields]);
  assert.throws(
    () => createModel("xdeepfm", smallConfig(SMALL, { cinLayers: [] })),
    /cinLayers must be a non-empty array of widths/,
  );
  assert.throws(
    () => createModel("fibinet", smallConfig(SMALL, { reductionRatio: 0 })),
    /reductionRatio must be a positive integer, got 0/,
  );
});
